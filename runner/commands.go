package runner

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"time"
)

type op int

const (
	opRestart op = iota
	opStop
	opStart
	opSignal
	opResize
	opTerminal
)

type request struct {
	op         op
	name       string
	sig        syscall.Signal
	cols, rows int
	reply      chan error    // buffered: Run never blocks on it
	term       chan terminal // buffered: answers opTerminal
}

// Restart stops the named process (if running) and starts it again,
// counting a restart and resetting its backoff. It returns once the new
// process has started.
func (r *Runner) Restart(name string) error { return r.do(request{op: opRestart, name: name}) }

// Stop stops the named process, escalating to SIGKILL after the timeout,
// and cancels a pending restart. It returns once the process has exited.
// A stopped process does not end the run, and the run does not end for
// lack of running processes while it waits to be started again.
func (r *Runner) Stop(name string) error { return r.do(request{op: opStop, name: name}) }

// Start starts the named process if it is not running, or continues it
// if it is suspended. It returns once it has started.
func (r *Runner) Start(name string) error { return r.do(request{op: opStart, name: name}) }

// Signal sends sig to the named process's group, or fails with
// ErrNotRunning if it is not running. Its exit then counts as any other
// (SIGKILL is a crash, not a stop).
func (r *Runner) Signal(name string, sig syscall.Signal) error {
	return r.do(request{op: opSignal, name: name, sig: sig})
}

// Resize sets the named process's terminal size, now and for later runs.
func (r *Runner) Resize(name string, cols, rows int) error {
	return r.do(request{op: opResize, name: name, cols: cols, rows: rows})
}

// WriteTimeout bounds Write: a process that does not read its input
// cannot hold its caller longer.
const WriteTimeout = time.Second

// Write sends p to the named process's terminal, as if typed. It fails
// with ErrNotRunning when the process is not running, with ErrNoTerminal
// when it runs without one (Spec.NoTTY), and with
// os.ErrDeadlineExceeded when the process has not read its input for
// WriteTimeout.
func (r *Runner) Write(name string, p []byte) (int, error) {
	req := request{op: opTerminal, name: name, term: make(chan terminal, 1)}
	if err := r.do(req); err != nil {
		return 0, err
	}
	t := <-req.term
	if t.f == nil {
		return 0, fmt.Errorf("%w: %s", ErrNotRunning, name)
	}
	// The process may exit meanwhile and wait close f; os.File makes
	// that safe and the write then fails with os.ErrClosed.
	if err := t.f.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return 0, err
	}
	return t.write(p)
}

// terminal is a running process's terminal, as Write has it.
type terminal struct {
	f *os.File
	c *child
}

// write writes p to the terminal. Where the kernel would not stop the
// process for its terminal's suspend character (ctrl+z), because its
// process group is orphaned (see suspendChar), that character is not
// written but sent as the signal the terminal would have sent.
func (t terminal) write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := suspendChar(t.f, t.c)
		i := -1
		if c != 0 {
			i = bytes.IndexByte(p, c)
		}
		if i < 0 {
			k, err := t.f.Write(p)
			return n + k, err
		}
		k, err := t.f.Write(p[:i])
		if n += k; err != nil {
			return n, err
		}
		t.c.signal(syscall.SIGTSTP)
		n++
		p = p[i+1:]
	}
	return n, nil
}

func (r *Runner) do(req request) error {
	req.reply = make(chan error, 1)
	select {
	case r.reqs <- req:
	case <-r.done:
		return ErrEnded
	}
	select {
	case err := <-req.reply:
		return err
	case <-r.done:
		return ErrEnded
	}
}

func (r *Runner) lookup(name string) *proc {
	for _, p := range r.procs {
		if p.spec.Name == name {
			return p
		}
	}
	return nil
}

// handle runs a command in the Run goroutine. Requests that complete later
// wait in p.waiters; reply answers them.
func (r *Runner) handle(req request) {
	p := r.lookup(req.name)
	switch {
	case p == nil:
		req.reply <- fmt.Errorf("%w %q", ErrUnknown, req.name)
		return
	case r.shutting:
		req.reply <- ErrEnded
		return
	case req.op != opResize && req.op != opTerminal && r.queue.backlog() >= maxBacklog:
		req.reply <- ErrBacklog
		return
	}
	switch req.op {
	case opRestart:
		switch p.state {
		case StateRunning, StateSuspended:
			p.waiters = append(p.waiters, req)
			r.stop(p)
			p.restart = true
		case StateStopping:
			p.waiters = append(p.waiters, req)
			p.restart = true
		case StatePending, StateRestarting, StateExited, StateStopped, StateWaiting, StateGivenUp:
			p.waiters = append(p.waiters, req)
			p.restarts++
			p.backoff, p.streak = 0, 0
			r.start(p)
		}
	case opStop:
		switch p.state {
		case StateRunning, StateSuspended, StateStopping, StateRestarting, StateWaiting:
			p.waiters = append(p.waiters, req)
			p.held = true
			r.stop(p)
		case StatePending, StateExited, StateStopped, StateGivenUp:
			req.reply <- nil
		}
	case opStart:
		switch p.state {
		case StateRunning:
			req.reply <- nil
		case StateSuspended:
			r.signal(p, syscall.SIGCONT, "start")
			req.reply <- nil
		case StateStopping:
			p.waiters = append(p.waiters, req)
			p.restart = true
		case StateRestarting:
			p.waiters = append(p.waiters, req)
			p.restarts++
			r.start(p)
		case StatePending, StateExited, StateStopped, StateWaiting, StateGivenUp:
			p.waiters = append(p.waiters, req)
			p.streak = 0
			r.start(p)
		}
	case opSignal:
		if !p.state.Live() {
			req.reply <- fmt.Errorf("%w: %s", ErrNotRunning, p.spec.Name)
			return
		}
		r.signal(p, req.sig, "signal")
		req.reply <- nil
	case opResize:
		p.cols, p.rows = req.cols, req.rows
		var err error
		if p.pty != nil && !p.spec.NoTTY {
			err = setSize(p.pty, req.cols, req.rows)
		}
		req.reply <- err
	case opTerminal:
		if p.spec.NoTTY {
			req.reply <- fmt.Errorf("%w: %s", ErrNoTerminal, p.spec.Name)
			return
		}
		if p.state.Live() && p.pty != nil {
			req.term <- terminal{p.pty, p.child}
		} else {
			req.term <- terminal{}
		}
		req.reply <- nil
	}
}

// reply answers every request waiting on p.
func (r *Runner) reply(p *proc, err error) {
	for _, w := range p.waiters {
		w.reply <- err
	}
	p.waiters = nil
}
