package probe

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
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
	// What it says, for why it fails: its output and errors, of which
	// the last line is kept. A pipe of files, not of Cmd's copying, so
	// that what it leaves in the background holding it up never holds
	// up Wait.
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return err
	}
	said := make(chan string, 1)
	go func() { said <- lastLine(r) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
		killGroup(cmd.Process.Pid, nil) // what it left in the background
	case <-ctx.Done():
		killGroup(cmd.Process.Pid, done)
		err = ctx.Err()
	}
	_ = r.SetReadDeadline(time.Now().Add(100 * time.Millisecond)) // a writer that got away
	line := <-said
	r.Close()
	if err != nil && line != "" && ctx.Err() == nil {
		return fmt.Errorf("%w: %s", err, line)
	}
	return err
}

// lastLine reads r to its end and returns its last line that is not
// blank, cut to be shown on one line of the log.
func lastLine(r io.Reader) string {
	var tail []byte
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		tail = append(tail, buf[:n]...)
		if len(tail) > 8<<10 {
			tail = tail[len(tail)-4<<10:]
		}
		if err != nil {
			break
		}
	}
	lines := strings.Split(strings.TrimRight(string(tail), " \t\r\n"), "\n")
	return printable(strings.TrimSpace(lines[len(lines)-1]), 100)
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
