package main

import (
	"sync/atomic"
	"syscall"
	"time"

	"github.com/composer-dev/composer/runner"
)

// stopper ends a run when composer itself is asked to stop, by a signal
// or by 'composer quit': gracefully the first time, with SIGKILL every
// time after. Headless and interactive runs share it, so they stop and
// exit alike.
type stopper struct {
	r  *runner.Runner
	by atomic.Int32 // the signal that began the stop, or byQuit; 0 while none has
	at atomic.Int64 // when it began, Unix nanoseconds
}

// echo is how soon the signal that began a stop may come again and still
// be the same request: GNU timeout, for one, signals composer and then its
// own process group, composer included. A person pressing Ctrl-C twice is
// slower.
const echo = 100 * time.Millisecond

// byQuit marks a stop begun by 'composer quit'.
const byQuit = -1

// quit is 'composer quit': the stop of Ctrl-C, but a requested end rather
// than an interruption, so composer exits as after q in the interactive
// view: 0, or the code of a process whose exit had already ended the run.
func (s *stopper) quit() {
	if s.by.CompareAndSwap(0, byQuit) {
		s.r.Shutdown("composer quit")
		return
	}
	s.r.Kill()
}

// stop is composer receiving sig; reason is what the stop line says.
func (s *stopper) stop(sig syscall.Signal, reason string) {
	if s.by.CompareAndSwap(0, int32(sig)) {
		s.at.Store(time.Now().UnixNano())
		s.r.Shutdown(reason)
		return
	}
	if s.by.Load() == int32(sig) && time.Since(time.Unix(0, s.at.Load())) < echo {
		return
	}
	s.r.Kill()
}

// hangup tells the two ways a terminal's end reaches composer apart from
// two signals: the kernel's SIGHUP, and composer finding the terminal
// gone (without SIGHUP when composer is not in the terminal's session,
// under su or setsid). When both come, they are one hangup, not the
// second signal that kills what is left.
type hangup struct{ sighup, lost bool }

// signal reports whether caught signal s is to stop the run.
func (h *hangup) signal(s syscall.Signal) bool {
	if s != syscall.SIGHUP {
		return true
	}
	first := !h.sighup
	h.sighup = true
	return !first || !h.lost
}

// gone reports whether the terminal's going is to stop the run.
func (h *hangup) gone() bool {
	first := !h.lost
	h.lost = true
	return first && !h.sighup
}

// stopped reports whether a signal or a quit began the stop.
func (s *stopper) stopped() bool { return s.by.Load() != 0 }

// exit is composer's exit for a run that ended with res: 128+signal when
// a signal stopped it, else the code of the process whose exit ended it
// (0 when none did).
func (s *stopper) exit(res runner.Result) error {
	switch {
	case s.stopped() && s.by.Load() != byQuit:
		return &exitError{code: 128 + int(s.by.Load())}
	case res.Proc >= 0:
		return &exitError{code: res.Status.ExitCode()}
	}
	return nil
}
