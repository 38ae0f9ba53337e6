package runner

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Need is something a process waits for before it starts: a condition on
// another process of the run.
type Need struct {
	Proc      int // index into the Specs
	Condition Condition
	Restart   bool // when Proc exits, this process is stopped, and waits for Proc again
}

// Condition is what a Need waits for.
type Condition int

const (
	NeedStarted   Condition = iota + 1 // it has started
	NeedReady                          // its readiness probe passes
	NeedCompleted                      // it exited 0
	NeedLogReady                       // it wrote its ready line
)

var conditionNames = [...]string{NeedStarted: "started", NeedReady: "healthy", NeedCompleted: "completed", NeedLogReady: "log ready"}

func (c Condition) String() string {
	if c > 0 && int(c) < len(conditionNames) {
		return conditionNames[c]
	}
	return fmt.Sprintf("Condition(%d)", int(c))
}

// holds reports whether n holds as of now, and, when it does not, whether
// it cannot as things are: what it waits on has ended for good, or a
// one-shot failed. A process stopped by a command may be started again,
// so it can still be waited for.
func (r *Runner) holds(n Need) (ok, never bool) {
	d := r.procs[n.Proc]
	switch n.Condition {
	case NeedStarted:
		ok = d.state.Live() || d.ran
	case NeedReady:
		ok = d.state.Live() && d.ready
	case NeedLogReady:
		ok = d.state.Live() && d.logReady
	case NeedCompleted:
		ok = d.state == StateExited && d.status.ExitCode() == 0
		if d.state == StateExited && !ok {
			return false, true
		}
	}
	if ok {
		return true, false
	}
	switch d.state {
	case StateExited, StateGivenUp:
		return false, true
	case StateStopped:
		return false, r.shutting || (!d.held && !d.spec.Disabled)
	case StatePending, StateRunning, StateStopping, StateRestarting, StateSuspended, StateWaiting:
	}
	return false, false
}

// describe names a Need as the log stream says it: "db (healthy)", and
// "db (started; disabled: start it)" for one that waits to be started.
func (r *Runner) describe(n Need) string {
	d := r.procs[n.Proc]
	what := n.Condition.String()
	if d.spec.Disabled && d.state == StateStopped && !d.ran {
		what += "; disabled: start it"
	}
	return d.spec.Name + " (" + what + ")"
}

// unmet lists what p still waits for and, if one of them cannot hold,
// why.
func (r *Runner) unmet(p *proc) (waiting []string, blocked string) {
	for _, n := range p.spec.Needs {
		ok, never := r.holds(n)
		if ok {
			continue
		}
		waiting = append(waiting, r.describe(n))
		if never && blocked == "" {
			d := r.procs[n.Proc]
			blocked = d.spec.Name + " " + d.status.String()
			switch {
			case d.state == StateGivenUp:
				blocked = d.spec.Name + " was given up"
			case d.state == StateStopped:
				blocked = d.spec.Name + " was stopped"
			case d.state == StateExited && n.Condition != NeedCompleted:
				blocked = d.spec.Name + " " + d.status.String() + " before it was " + n.Condition.String()
			}
		}
	}
	return waiting, blocked
}

// settle starts every waiting process whose needs all hold, those of a
// pass together, and reports what the others wait for when that changed. It runs after
// anything that may change whether a need holds.
func (r *Runner) settle() {
	// Until nothing more starts: a start may be what another waits for.
	for !r.shutting && r.settleOnce() {
	}
}

// settleOnce starts the waiting processes whose needs hold, and reports
// whether it started any.
func (r *Runner) settleOnce() bool {
	var start []*proc
	for _, p := range r.procs {
		if p.state != StateWaiting {
			continue
		}
		waiting, blocked := r.unmet(p)
		if len(waiting) == 0 {
			start = append(start, p)
			continue
		}
		if p.announced && slices.Equal(waiting, p.waitingFor) && blocked == p.blocked {
			continue
		}
		p.waitingFor, p.blocked, p.announced = waiting, blocked, true
		ev := r.procEvent(p, Waiting)
		ev.Waiting, ev.Reason = waiting, blocked
		r.emit(ev)
	}
	r.start(start...)
	return len(start) > 0
}

// stopDependents stops what needs p with Restart, now that p has
// exited: each waits for p again.
func (r *Runner) stopDependents(p *proc) {
	if r.shutting {
		return
	}
	for _, q := range r.procs {
		if q.state != StateRunning && q.state != StateSuspended {
			continue
		}
		for _, n := range q.spec.Needs {
			if n.Proc == p.index && n.Restart {
				q.rewait = true
				r.stop(q)
				break
			}
		}
	}
}

// dependents reports whether a process that needs p, itself or through
// others (a one-shot between them that has ended), is still live: at the
// end of a run, p is stopped only once those have exited.
func (r *Runner) dependents(p *proc) bool {
	for _, q := range r.procs {
		if len(q.spec.Needs) > 0 && q.state.Live() && r.needs(q, p.index, map[int]bool{}) {
			return true
		}
	}
	return false
}

// needs reports whether q needs process i, directly or through others.
func (r *Runner) needs(q *proc, i int, seen map[int]bool) bool {
	if seen[q.index] {
		return false
	}
	seen[q.index] = true
	for _, n := range q.spec.Needs {
		if n.Proc == i || r.needs(r.procs[n.Proc], i, seen) {
			return true
		}
	}
	return false
}

// stopFreed stops, during a shutdown, every live process that nothing
// live needs any longer; the timeout of each counts from its own signal.
func (r *Runner) stopFreed() {
	if !r.shutting || r.killing {
		return
	}
	for _, p := range r.procs {
		if (p.state == StateRunning || p.state == StateSuspended) && !r.dependents(p) {
			r.stopBy(p, time.Now().Add(r.timeout(p)))
		}
	}
}

// WaitingFor renders what a process waits for: "db (healthy), migrate
// (completed)".
func WaitingFor(waiting []string) string { return strings.Join(waiting, ", ") }
