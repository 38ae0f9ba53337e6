package probe

import (
	"context"
	"os/exec"
	"syscall"
	"time"
)

// tryExec runs the command in a process group of its own and, should ctx
// end first, kills the whole group: what the command started in the
// background cannot outlive the try, nor hold it up.
func tryExec(ctx context.Context, e *Exec) error {
	cmd := exec.Command("/bin/sh", "-c", e.Command)
	cmd.Dir, cmd.Env = e.Dir, e.Env
	// Its own group, in composer's session: composer kills stray
	// children of other sessions, and must leave this one to Wait.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		killGroup(cmd.Process.Pid) // what it left in the background
		return err
	case <-ctx.Done():
		killGroup(cmd.Process.Pid)
		select {
		case err := <-done:
			_ = err // killed: ctx's error says why
		case <-time.After(time.Second):
			// Unkillable (in the kernel, or stopped and traced); its Wait
			// goroutine reaps it when it can.
		}
		return ctx.Err()
	}
}

func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
