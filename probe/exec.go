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
		killGroup(cmd.Process.Pid, nil) // what it left in the background
		return err
	case <-ctx.Done():
		killGroup(cmd.Process.Pid, done)
		return ctx.Err()
	}
}

// killGroup kills the group led by pid and, once its leader is reaped
// (done, unless nil), what of it became this process's children:
// composer is a subreaper, so what the command left behind comes to it.
func killGroup(pid int, done <-chan error) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if done != nil {
		select {
		case err := <-done:
			_ = err // killed: the caller knows why
		case <-time.After(time.Second):
			// Unkillable (in the kernel, or stopped and traced); its Wait
			// goroutine reaps it when it can.
			return
		}
	}
	reapGroup(pid)
}

// reapGroup waits for the children of this process in process group pgid,
// which have been sent SIGKILL, until none is left.
func reapGroup(pgid int) {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(-pgid, &ws, 0, nil)
		if err != syscall.EINTR && err != nil {
			return // ECHILD: none left
		}
	}
}
