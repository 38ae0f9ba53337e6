package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/composer-dev/composer/runner/internal/shim"
)

// On Linux each process runs under a shim (package shim): composer
// starts the shim, the shim starts sh -c COMMAND and keeps everything
// below it until it is all dead. composer itself is a child subreaper
// too, for what a shim killed with SIGKILL leaves behind.

// shimStartTimeout bounds the wait for a shim to report that the command
// runs.
const shimStartTimeout = 30 * time.Second

// killWait bounds the wait for orphans killed here to die, as the shim's
// does for what it kills.
const killWait = 10 * time.Second

// child is one run of a process: the shim composer waits for, and the
// command's pid, the one users see.
type child struct {
	cmd  *exec.Cmd
	pid  int
	ctl  *os.File // composer's end of the control socket
	read []byte   // what the shim has said and was not yet parsed

	heard chan struct{} // closed when listen has read the socket to its end
	clean bool          // the shim said "done"; read once heard is closed
}

// shims holds the pids of the shims this process has started and not yet
// reaped, for every Runner. It is locked while a shim is started and while
// orphans are looked for, so a shim just started is never taken for one.
var shims = struct {
	sync.Mutex
	pids map[int]bool
}{pids: make(map[int]bool)}

// sweeping makes sweeps take turns.
var sweeping sync.Mutex

// launch starts spec's shim in a new session whose controlling terminal
// is a new pty, and returns the pty's controlling side. The command is
// not known to run until ready returns.
func launch(spec Spec, cols, rows int) (*child, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("control socket: %w", err)
	}
	ctl := os.NewFile(uintptr(fds[0]), "shim")
	theirs := os.NewFile(uintptr(fds[1]), "shim")
	defer theirs.Close()
	cmd := &exec.Cmd{
		// /proc/self/exe is this very binary even if its file was
		// replaced or removed since it started.
		Path:       "/proc/self/exe",
		Args:       []string{shim.Arg0, shell, "-c", shellCommand(spec.Command)},
		Dir:        spec.Dir,
		Env:        spec.Env,
		ExtraFiles: []*os.File{theirs},
	}
	shims.Lock()
	defer shims.Unlock()
	f, err := startPTY(cmd, cols, rows, &syscall.SysProcAttr{Setsid: true, Setctty: true})
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	shims.pids[cmd.Process.Pid] = true
	return &child{cmd: cmd, ctl: ctl}, f, nil
}

// ready waits for the shim to report that the command runs, and sets pid.
func (c *child) ready() error {
	_ = c.ctl.SetReadDeadline(time.Now().Add(shimStartTimeout))
	line, err := c.line()
	_ = c.ctl.SetReadDeadline(time.Time{})
	if msg, ok := bytes.CutPrefix(line, []byte("error ")); ok {
		return errors.New(string(msg))
	}
	if n, ok := bytes.CutPrefix(line, []byte("pid ")); ok {
		if c.pid, err = strconv.Atoi(string(n)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("the process's supervisor did not start (%q, %v)", line, err)
}

// line reads the shim's next line, without its newline.
func (c *child) line() ([]byte, error) {
	buf := make([]byte, 256)
	for {
		if i := bytes.IndexByte(c.read, '\n'); i >= 0 {
			line := c.read[:i]
			c.read = c.read[i+1:]
			return line, nil
		}
		n, err := c.ctl.Read(buf)
		c.read = append(c.read, buf[:n]...)
		if err != nil {
			return c.read, err
		}
	}
}

// listen reads what the shim says while the command runs, until the shim
// exits: changed learns when the command is stopped by a signal or
// continued. It is started once ready has returned.
func (c *child) listen(changed func(suspended bool, sig syscall.Signal)) {
	c.heard = make(chan struct{})
	go func() {
		defer close(c.heard)
		for {
			line, err := c.line()
			if err != nil {
				return
			}
			if n, ok := bytes.CutPrefix(line, []byte("stopped ")); ok {
				sig, _ := strconv.Atoi(string(n))
				changed(true, syscall.Signal(sig))
				continue
			}
			switch string(line) {
			case "continued":
				changed(false, 0)
			case "done":
				c.clean = true
			}
		}
	}()
}

// signal sends sig to the command's process group, by way of the shim,
// which knows whether the group's id may still be used.
func (c *child) signal(sig syscall.Signal) {
	rc, err := c.ctl.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _ = unix.SendmsgN(int(fd), []byte{byte(sig)}, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	})
}

// force kills the shim itself, for when it does not act on signals.
func (c *child) force() { _ = c.cmd.Process.Kill() }

// wake continues the shim, should something have stopped it: the shim is
// composer's child, so its pid cannot have been reused.
func (c *child) wake() { _ = c.cmd.Process.Signal(syscall.SIGCONT) }

// reap waits for the shim to exit, calls beforeReap while it is still a
// zombie, and reaps it. A shim that did not say "done" did not clean up
// (something killed it): what it left has come to composer, the next
// subreaper up, and is killed first, so that the terminal is closed by
// all when beforeReap reads it to the end.
func (c *child) reap(beforeReap func()) Status {
	pid := c.cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	if !c.done() {
		swept := make(chan struct{})
		go func() {
			sweep()
			close(swept)
		}()
		select {
		case <-swept:
		case <-time.After(killWait):
			// Something killed does not die (it is stuck in the
			// kernel): it will once it can, and stays a zombie here.
		}
	}
	c.ctl.Close()
	beforeReap()
	ps, err := c.cmd.Process.Wait()
	shims.Lock()
	delete(shims.pids, pid)
	shims.Unlock()
	if err != nil {
		return Status{Err: err}
	}
	return statusOf(ps)
}

// done reports whether the shim said it left nothing behind. It has
// exited, so what it wrote is all there.
func (c *child) done() bool {
	_ = c.ctl.SetReadDeadline(time.Now().Add(time.Second))
	if c.heard != nil {
		<-c.heard
		return c.clean
	}
	for {
		line, err := c.line()
		if err != nil {
			return false
		}
		if string(line) == "done" {
			return true
		}
	}
}

// abandon ends a shim whose process will not be run after all.
func (c *child) abandon() {
	_ = c.ctl.Close() // the shim kills what it started, if anything
	_ = c.cmd.Process.Kill()
	c.reap(func() {})
}

// becomeSubreaper makes composer the parent of the orphans of its
// descendants, rather than init, so that they can be found and killed.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// sweep kills and reaps this process's children that are orphans from
// the processes' trees: those in another session (every shim makes its
// own) that are not shims, with everything below them. Children started
// otherwise in this process stay in its session and are left alone, and
// so is what may not be signalled (it runs as another user).
func sweep() {
	// One at a time: two sweeps could both list a zombie, and the second
	// wait for its pid once a new shim has it.
	sweeping.Lock()
	defer sweeping.Unlock()
	self := os.Getpid()
	sid, _ := unix.Getsid(0)
	for {
		shims.Lock()
		all := shim.Processes()
		var orphans, killed []int
		for _, p := range all {
			if p.PPID == self && p.SID != sid && !shims.pids[p.PID] {
				orphans = append(orphans, p.PID)
			}
		}
		for _, pid := range shim.Descendants(all, orphans...) {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		for _, pid := range orphans {
			if unix.Kill(pid, unix.SIGKILL) == nil {
				killed = append(killed, pid)
			}
		}
		shims.Unlock()
		if len(killed) == 0 {
			return
		}
		for _, pid := range killed {
			_, _, _ = shim.WaitPID(pid, 0)
		}
	}
}
