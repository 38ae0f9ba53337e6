//go:build !linux

package runner

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
)

// Elsewhere than Linux there is no subreaper and no parent-death signal:
// the shell leads the process's session, and its process group is what
// composer signals and kills.

// child is one run of a process: the shell, whose pid users see.
type child struct {
	cmd *exec.Cmd
	pid int
}

// host starts processes.
type host struct{}

func newHost() *host   { return &host{} }
func prepare()         {}
func (h *host) close() {}

// launch starts spec's command in a new session whose controlling
// terminal is a new pty, and returns the pty's controlling side; or, if
// spec.NoTTY, with a pipe for its output, and returns the pipe's reading
// end.
func (h *host) launch(spec Spec, cols, rows int) (*child, *os.File, error) {
	cmd := exec.Command(shell, "-c", shellCommand(spec.Command))
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	if spec.NoTTY {
		f, err := startPiped(cmd)
		if err != nil {
			return nil, nil, err
		}
		return &child{cmd: cmd, pid: cmd.Process.Pid}, f, nil
	}
	f, err := startPTY(cmd, cols, rows, &syscall.SysProcAttr{Setsid: true, Setctty: true})
	if err != nil {
		return nil, nil, err
	}
	return &child{cmd: cmd, pid: cmd.Process.Pid}, f, nil
}

// startPiped starts cmd in a new session with /dev/null as its input and
// a pipe as its output and error, and returns the pipe's reading end,
// served by Go's poller.
func startPiped(cmd *exec.Cmd) (*os.File, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer w.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// ready returns at once: the shell is the process.
func (c *child) ready() error { return nil }

// signal sends sig to the process group.
func (c *child) signal(sig syscall.Signal) { _ = syscall.Kill(-c.pid, sig) }

// wake continues the shell, should something have stopped it.
func (c *child) wake() { _ = c.cmd.Process.Signal(syscall.SIGCONT) }

// force kills the shell itself.
func (c *child) force() { _ = c.cmd.Process.Kill() }

// notify waits, on a goroutine of its own, for the shell, then calls
// beforeReap and ended with how it ended. Without a supervisor, nothing
// reports the command's being stopped by a signal: changed is not
// called.
func (c *child) notify(_ func(suspended bool, sig syscall.Signal), beforeReap func(), ended func(Status)) {
	go func() { ended(c.reap(beforeReap)) }()
}

// reap waits for the shell, calls beforeReap and kills what is left in its
// group. Without waitid(WNOWAIT) the group is signalled just after the
// reap: a small pid-reuse window.
func (c *child) reap(beforeReap func()) Status {
	ps, err := c.cmd.Process.Wait()
	beforeReap()
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	if err != nil {
		return Status{Err: err}
	}
	return statusOf(ps)
}

// abandon ends a process that will not be run after all.
func (c *child) abandon() {
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	_, _ = c.cmd.Process.Wait()
}

func becomeSubreaper() {}

// startPTY starts cmd with attrs and a new pty as its standard input,
// output and error, and returns the pty's controlling side.
//
// The returned file is non-blocking and served by Go's poller, so reads
// take deadlines, Close interrupts a read, and a hundred idle processes do
// not hold a hundred threads.
func startPTY(cmd *exec.Cmd, cols, rows int, attrs *syscall.SysProcAttr) (*os.File, error) {
	f, err := pty.StartWithAttrs(cmd, winsize(cols, rows), attrs)
	if err != nil {
		return nil, err
	}
	p, err := pollable(f)
	f.Close()
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		return nil, err
	}
	return p, nil
}

func statusOf(ps *os.ProcessState) Status {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return Status{Signal: ws.Signal()}
	}
	return Status{Code: ps.ExitCode()}
}

// suspendChar is 0: the terminal's suspend character is written as typed.
func suspendChar(*os.File, *child) byte { return 0 }
