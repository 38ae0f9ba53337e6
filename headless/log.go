package headless

import (
	"sync"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Sink is a writer of a run's log: the log stream (Stream), the log files
// (package logdir). A Log calls its sinks one at a time, never
// concurrently.
type Sink interface {
	// Line is one line of the log; its Text is valid only during the
	// call.
	Line(Line)
	// Done follows the lines of each event, e, and of each moment lines
	// being redrawn with \r were shown because they were due, and of the
	// Log's Close (then e is of Kind 0 and Proc -1). It must not wait
	// for long: a sink that holds back the log (Waiter) does it in Wait.
	Done(e runner.Event)
}

// Waiter is a Sink that may hold back the log: the Log calls Wait after
// each event, outside its lock, so that a reader of the log (Hold) does
// not wait with it.
type Waiter interface {
	Wait()
}

// Log assembles a run's output into lines once, and hands each line to
// every sink, in the order given: the log stream, the log files and the
// control socket's record read the same lines. Event is an observer of the
// runner; a line being redrawn with \r (a progress bar) is shown every
// Options.Progress while it is, by a timer of the Log's own.
type Log struct {
	mu     sync.Mutex
	lines  *Lines
	sinks  []Sink
	timer  *time.Timer
	due    time.Time // when the timer fires; zero when it is not set
	closed bool
}

// NewLog returns a Log of the processes opts.Procs for sinks. Of opts, it
// uses what NewLines does.
func NewLog(opts Options, sinks ...Sink) *Log {
	l := &Log{sinks: sinks}
	l.lines = NewLines(opts, func(line Line) {
		for _, s := range l.sinks {
			s.Line(line)
		}
	})
	return l
}

// Add appends sinks to the Log's, before the first event: a sink that
// needs the Log (its Hold) is made after it.
func (l *Log) Add(sinks ...Sink) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sinks = append(l.sinks, sinks...)
}

// Event adds one event of the run, in order; it returns once every
// Waiter among the sinks has room for more.
func (l *Log) Event(e runner.Event) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.lines.Event(e)
	for _, s := range l.sinks {
		s.Done(e)
	}
	l.arm()
	sinks := l.sinks
	l.mu.Unlock()
	for _, s := range sinks {
		if w, ok := s.(Waiter); ok {
			w.Wait()
		}
	}
}

// arm sets the timer for the next line due, if it is sooner than the one
// set; l.mu is held.
func (l *Log) arm() {
	d := l.lines.Due()
	if d.IsZero() || (!l.due.IsZero() && !d.Before(l.due)) {
		return
	}
	l.due = d
	if l.timer == nil {
		l.timer = time.AfterFunc(time.Until(d), l.showDue)
	} else {
		l.timer.Reset(time.Until(d))
	}
}

// showDue shows the lines being redrawn that are due (it may be early: a
// wake then shows nothing, and is set again).
func (l *Log) showDue() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.due = time.Time{}
	l.lines.ShowDue(time.Now())
	for _, s := range l.sinks {
		s.Done(runner.Event{Proc: -1})
	}
	l.arm()
}

// Hold calls f while no line is added, with open, which gives what a
// terminal shows of the line process i is writing, not ended yet (a
// prompt, a progress bar), valid during the call: a reader of the log
// (composer logs) takes the lines, and the open ones, as one. f may take
// a sink's lock: Hold is the Log's, then the sink's, as a line is.
func (l *Log) Hold(f func(open func(i int) []byte)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l.lines.Open)
}

// Close shows the partial lines held, at the end of the run's events; the
// Log takes no more. The sinks are their owners' to close.
func (l *Log) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	l.lines.Flush(time.Now())
	for _, s := range l.sinks {
		s.Done(runner.Event{Proc: -1})
	}
}
