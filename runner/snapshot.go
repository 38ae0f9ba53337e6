package runner

import "time"

// Proc is what the Runner knows of one process at one moment.
type Proc struct {
	Name     string
	State    State
	PID      int       // the command's, while State.Live(); else 0
	Restarts int       // restarts so far
	Started  time.Time // when the current or last run started; zero before the first
	Ended    bool      // a run has ended: Status says how
	Status   Status    // how the last run ended
	Seq      uint64    // the event that last changed it
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

// Apply changes p as e, an event of its process, says: what a consumer of
// Events that follows one process's state does.
func (p *Proc) Apply(e Event) {
	switch e.Kind {
	case Started:
		*p = Proc{Name: p.Name, State: e.State, PID: e.PID, Restarts: e.Restarts, Started: e.Time,
			Ended: p.Ended, Status: p.Status}
	case Exited:
		p.State, p.PID, p.Restarts, p.Status, p.Ended = e.State, 0, e.Restarts, e.Status, true
	case Signaled, Suspended, Resumed:
		p.State = e.State
	case Output, Idle, ShuttingDown:
		return
	}
	p.Seq = e.Seq
}
