package headless

import (
	"sync"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Async is a Sink that hands what it is given to another Sink on a
// goroutine of its own, an event's lines at a time: a sink that takes its
// time (log files) then works beside the Log rather than in it. It is a
// Waiter: while four events' lines are still to be handed on, Wait holds
// the Log back, as the sink would in it.
type Async struct {
	sink    Sink
	pending *batch // the Log's

	mu     sync.Mutex
	moved  *sync.Cond
	queue  []*batch
	free   []*batch
	closed bool
	done   chan struct{}
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

// asyncBacklog is how many events' lines may wait before Wait holds the
// Log back.
const asyncBacklog = 4

// NewAsync returns an Async handing on to sink, and starts its goroutine.
func NewAsync(sink Sink) *Async {
	a := &Async{sink: sink, done: make(chan struct{})}
	a.moved = sync.NewCond(&a.mu)
	go a.run()
	return a
}

// Line keeps a copy of l for the sink.
func (a *Async) Line(l Line) {
	b := a.batch()
	b.text = append(b.text, l.Text...)
	b.lines = append(b.lines, held{l.Proc, l.About, l.Time, len(b.text)})
}

func (a *Async) batch() *batch {
	if a.pending == nil {
		a.mu.Lock()
		if n := len(a.free); n > 0 {
			a.pending = a.free[n-1]
			a.free = a.free[:n-1]
			a.pending.text, a.pending.lines = a.pending.text[:0], a.pending.lines[:0]
		}
		a.mu.Unlock()
		if a.pending == nil {
			a.pending = &batch{}
		}
	}
	return a.pending
}

// Done hands the lines of e, and e (without its output), to the sink; it
// never waits.
func (a *Async) Done(e runner.Event) {
	b := a.batch()
	a.pending = nil
	e.Data = nil // the view's
	b.e = e
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.queue = append(a.queue, b)
		a.moved.Broadcast()
	}
}

// Wait returns once fewer than asyncBacklog events' lines wait.
func (a *Async) Wait() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.queue) >= asyncBacklog && !a.closed {
		a.moved.Wait()
	}
}

func (a *Async) run() {
	defer close(a.done)
	for {
		a.mu.Lock()
		for len(a.queue) == 0 && !a.closed {
			a.moved.Wait()
		}
		if len(a.queue) == 0 {
			a.mu.Unlock()
			return
		}
		b := a.queue[0]
		a.queue = a.queue[1:]
		a.moved.Broadcast()
		a.mu.Unlock()

		start := 0
		for _, l := range b.lines {
			a.sink.Line(Line{Proc: l.proc, About: l.about, Time: l.t, Text: b.text[start:l.end]})
			start = l.end
		}
		a.sink.Done(b.e)
		if cap(b.text) <= 256<<10 {
			a.mu.Lock()
			if len(a.free) < asyncBacklog+1 {
				a.free = append(a.free, b)
			}
			a.mu.Unlock()
		}
	}
}

// Close returns once the sink has been handed everything given before;
// what comes after is dropped. The sink is its owner's to close after.
func (a *Async) Close() {
	a.mu.Lock()
	a.closed = true
	a.moved.Broadcast()
	a.mu.Unlock()
	<-a.done
}
