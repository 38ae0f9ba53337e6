package runner

import (
	"syscall"
	"time"
)

// Proc is what is known of one process at one moment: the Runner's
// Snapshot holds one per process, and a consumer of Events keeps the same
// with Apply. Every view (ps, the interactive view, the log stream) reads
// a process's state from a Proc.
type Proc struct {
	Name     string
	State    State
	PID      int            // the command's, while State.Live(); else 0
	Restarts int            // restarts so far
	Started  time.Time      // when the current or last run started; zero before the first
	Ended    time.Time      // when the last run ended; zero before the first end
	Status   Status         // how the last run ended
	Due      time.Time      // while StateRestarting: when it starts again
	Suspend  syscall.Signal // while StateSuspended: the signal that stopped it
	Waiting  []string       // while StateWaiting: what it waits for, as "db (healthy)"
	Blocked  string         // while StateWaiting: why one of them cannot hold, if so
	Ready    bool           // its readiness probe or ready line says it is ready (this run)
	Probe    string         // what says so: "tcp :5432", "ready_log_line"
	ProbeErr string         // while a probe fails: what it checks and its last error, "tcp :5432: connection refused"
	Seq      uint64         // the event that last changed it

	// What it and what it started use, sampled every Options.Stats
	// while it runs (on Linux): no event says so, the Snapshot has it.
	Usage Usage
}

// Usage is what a process uses, with everything it started that is still
// in its session or process group or below it, as last sampled.
type Usage struct {
	CPU   float64   // % of one core, over the last interval
	RSS   int64     // bytes resident
	PSS   int64     // bytes, the pages it shares counted in part; 0 where unreadable
	Procs int       // processes counted
	At    time.Time // when it was sampled; zero: not (yet, or sampling is off)
}

// Snapshot is the state of every process, in the order of the Specs, as
// of the event numbered seq, the last published: it reflects every event
// up to seq, and none after. It never blocks on the consumer of Events.
//
// A command's effect is in the Snapshot taken after the command returns:
// the Runner changes a process's state before it replies. A consumer of
// Events that has received seq has seen every event behind it.
func (r *Runner) Snapshot() (procs []Proc, seq uint64) {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	// Output and Idle, pushed without snapMu, change no state: the
	// state is the one as of the last event pushed, whatever it was.
	return append([]Proc(nil), r.snap...), r.queue.last()
}

// Own is what composer uses, with its supervisor, as last sampled.
func (r *Runner) Own() Usage {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	return r.own
}

// publish queues e, and records in the snapshot what it changes, as one
// step: a Snapshot never holds an event the stream has not numbered.
func (r *Runner) publish(e Event) {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	e.Seq = r.queue.push(e)
	if e.Proc >= 0 && e.Proc < len(r.snap) {
		r.snap[e.Proc].Apply(e)
	}
}

// publishChange publishes e, a Suspended or Resumed event, as publish
// does, but leaves it out of the stream when it undoes one the consumer
// has not seen yet, or the backlog is full: the snapshot has it all the
// same.
func (r *Runner) publishChange(e Event) {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	e.Seq = r.queue.pushChange(e)
	if e.Proc >= 0 && e.Proc < len(r.snap) {
		r.snap[e.Proc].Apply(e)
	}
}

// Apply changes p as e, an event of its process, says: what a consumer of
// Events that follows one process's state does.
func (p *Proc) Apply(e Event) {
	switch e.Kind {
	case Started:
		*p = Proc{Name: p.Name, State: e.State, PID: e.PID, Restarts: e.Restarts, Started: e.Time,
			Ended: p.Ended, Status: p.Status, Probe: p.Probe}
	case Exited:
		p.State, p.PID, p.Restarts, p.Status, p.Ended = e.State, 0, e.Restarts, e.Status, e.Time
		p.Due, p.Suspend = time.Time{}, 0
		p.Waiting, p.Blocked, p.Ready, p.ProbeErr = nil, "", false, ""
		p.Usage = Usage{}
		if e.State == StateRestarting {
			p.Due = e.Time.Add(e.Delay)
		}
	case Suspended:
		p.State, p.Suspend = e.State, e.Signal
	case Signaled, Resumed:
		if p.State = e.State; p.State != StateSuspended {
			p.Suspend = 0
		}
	case Waiting:
		p.State, p.Waiting, p.Blocked = e.State, e.Waiting, e.Reason
	case Ready:
		p.Ready, p.Probe, p.ProbeErr = e.Ready, e.Probe, ""
		if e.ProbeErr != "" {
			p.ProbeErr = e.Probe + ": " + e.ProbeErr
		}
	case Unhealthy:
		p.ProbeErr = "liveness " + e.Probe + ": " + e.ProbeErr
	case Output, Idle, ShuttingDown:
		return
	}
	p.Seq = e.Seq
}
