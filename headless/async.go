package headless

import (
	"sync"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Async is a Sink that hands what it is given to another Sink on a
// goroutine of its own, an event's lines at a time: a sink that takes its
// time (log files) then works beside the Log rather than in it. It waits
// while four events' lines are still to be handed on, so a sink that is
// slower than the output holds it back, as it would in the Log.
type Async struct {
	sink    Sink
	pending *batch
	batches chan *batch
	free    chan *batch
	done    chan struct{}

	mu     sync.Mutex // sending and closing batches
	closed bool
}

// batch is the lines of one event, their texts end to end.
type batch struct {
	text  []byte
	lines []held
	e     runner.Event
}

type held struct {
	proc, about int
	t           time.Time
	end         int // of its text in batch.text
}

// NewAsync returns an Async handing on to sink, and starts its goroutine.
func NewAsync(sink Sink) *Async {
	a := &Async{sink: sink, batches: make(chan *batch, 4), free: make(chan *batch, 5), done: make(chan struct{})}
	go a.run()
	return a
}

// Line keeps a copy of l for the sink.
func (a *Async) Line(l Line) {
	if a.pending == nil {
		select {
		case a.pending = <-a.free:
			a.pending.text, a.pending.lines = a.pending.text[:0], a.pending.lines[:0]
		default:
			a.pending = &batch{}
		}
	}
	b := a.pending
	b.text = append(b.text, l.Text...)
	b.lines = append(b.lines, held{l.Proc, l.About, l.Time, len(b.text)})
}

// Done hands the lines of e, and e (without its output), to the sink.
func (a *Async) Done(e runner.Event) {
	b := a.pending
	a.pending = nil
	if b == nil {
		b = &batch{}
		select {
		case b = <-a.free:
			b.text, b.lines = b.text[:0], b.lines[:0]
		default:
		}
	}
	e.Data = nil // the view's
	b.e = e
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.batches <- b
	}
}

func (a *Async) run() {
	defer close(a.done)
	for b := range a.batches {
		start := 0
		for _, l := range b.lines {
			a.sink.Line(Line{Proc: l.proc, About: l.about, Time: l.t, Text: b.text[start:l.end]})
			start = l.end
		}
		a.sink.Done(b.e)
		if cap(b.text) <= 256<<10 {
			select {
			case a.free <- b:
			default:
			}
		}
	}
}

// Close returns once the sink has been handed everything given before;
// what comes after is dropped. The sink is its owner's to close after.
func (a *Async) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.batches)
	}
	a.mu.Unlock()
	<-a.done
}
