package runner

import (
	"os"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/composer-dev/composer/runner/internal/supervisor"
)

// On Linux every process runs under one supervisor per Runner (package
// supervisor): composer creates each process's pty, the supervisor
// starts sh -c COMMAND on it and keeps everything below it until it is
// all dead. composer itself is a child subreaper too, for what a
// supervisor killed with SIGKILL leaves behind.

// startTimeout bounds the wait for the supervisor to report that the
// command runs.
const startTimeout = 30 * time.Second

// host starts processes: the Runner's supervisor.
type host struct{ s supervisor.Supervisor }

func newHost() *host { return &host{} }

func prepare() { supervisor.Prestart() }

// close ends the supervisor; every process has been reaped by then.
func (h *host) close() { h.s.Close() }

// child is one run of a process, as the supervisor runs it; pid is the
// command's, the one users see.
type child struct {
	run *supervisor.Run
	pid int
}

// launch asks the supervisor to start spec's command in a new session,
// whose controlling terminal is a new pty (or with a pipe for its output
// if spec.NoTTY), and returns the pty's controlling side (or the pipe's
// reading end). The command is not known to run until ready returns.
func (h *host) launch(spec Spec, cols, rows int) (*child, *os.File, error) {
	req := supervisor.Request{
		Argv: []string{shell, "-c", shellCommand(spec.Command)},
		Dir:  spec.Dir,
		Env:  spec.Env,
		TTY:  !spec.NoTTY,
	}
	var out, theirs *os.File
	var err error
	if spec.NoTTY {
		out, theirs, err = openPipe()
		if err == nil {
			var null *os.File
			if null, err = os.Open(os.DevNull); err == nil {
				req.Files = [3]*os.File{null, theirs, theirs}
				defer null.Close()
			}
		}
	} else {
		out, theirs, err = openPTY(cols, rows)
		req.Files = [3]*os.File{theirs, theirs, theirs}
	}
	if theirs != nil {
		// Sent duplicated: the process's end must be the process's
		// alone, for its end to close when the process is gone.
		defer theirs.Close()
	}
	if err != nil {
		if out != nil {
			out.Close()
		}
		return nil, nil, err
	}
	run, err := h.s.Start(req)
	if err != nil {
		out.Close()
		return nil, nil, err
	}
	return &child{run: run}, out, nil
}

// openPTY opens a new pty of the given size and returns its controlling
// side, non-blocking and served by Go's poller, and its terminal side,
// for a process to be started on.
func openPTY(cols, rows int) (master, tty *os.File, err error) {
	m, t, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	if err = pty.Setsize(m, winsize(cols, rows)); err == nil {
		master, err = pollable(m)
	}
	m.Close()
	if err != nil {
		t.Close()
		return nil, nil, err
	}
	return master, t, nil
}

// openPipe opens a pipe whose reading end is non-blocking and served by
// Go's poller; its writing end stays blocking, as a process's output
// expects.
func openPipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "pipe"), os.NewFile(uintptr(fds[1]), "pipe"), nil
}

// ready waits for the supervisor to report that the command runs, and
// sets pid.
func (c *child) ready() error {
	if err := c.run.Ready(startTimeout); err != nil {
		return err
	}
	c.pid = c.run.PID()
	return nil
}

// signal sends sig to the command's process group, by way of the
// supervisor, which knows whether the group's id may still be used.
func (c *child) signal(sig syscall.Signal) { c.run.Signal(sig) }

// force ends a command that does not die of SIGKILL.
func (c *child) force() { c.run.Force() }

// wake does nothing: composer continues the supervisor as soon as
// something stops it.
func (c *child) wake() {}

// notify has changed learn, while the command runs, when it is stopped
// by a signal or continued; once it has exited and what it left is dead,
// beforeReap is called (the terminal is closed by all by then, so it can
// be read to its end), then ended. They are called from a goroutine that
// runs only while there is something to tell. It is called once ready
// has returned.
func (c *child) notify(changed func(suspended bool, sig syscall.Signal), beforeReap func(), ended func(Status)) {
	c.run.Notify(changed, func(ws unix.WaitStatus) {
		beforeReap()
		if ws.Signaled() {
			ended(Status{Signal: ws.Signal()})
			return
		}
		ended(Status{Code: ws.ExitStatus()})
	})
}

// abandon ends a process that will not be run after all.
func (c *child) abandon() { c.run.Abandon() }

// becomeSubreaper makes composer the parent of the orphans of its
// descendants, rather than init, so that they can be found and killed.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// suspendChar is the terminal's suspend character (ctrl+z) when typing it
// would not stop the process: the character is live (ISIG) and the
// foreground process group is the command's own, which is orphaned (its
// parent, the supervisor, is in another session), so the kernel discards
// the SIGTSTP its default action would stop on. A shell's job in the
// foreground is in the shell's session and stops as anywhere. 0 when
// typing it does what it should.
func suspendChar(f *os.File, c *child) byte {
	sc, err := f.SyscallConn()
	if err != nil || c == nil {
		return 0
	}
	var ch byte
	_ = sc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil || t.Lflag&unix.ISIG == 0 {
			return
		}
		if pgrp, err := unix.IoctlGetInt(int(fd), unix.TIOCGPGRP); err == nil && pgrp == c.pid {
			ch = t.Cc[unix.VSUSP] // 0 is _POSIX_VDISABLE: none
		}
	})
	return ch
}
