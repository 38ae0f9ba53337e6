package runner

import (
	"slices"
	"sync"
)

// queue carries events, in order, from the goroutines that make them to
// the one that hands them to the consumer. What the run goroutine pushes
// (starts, exits, signals) never waits: a consumer that does not read
// cannot keep the runner from stopping processes. Output waits while
// maxQueuedBytes of output are queued, so a process that writes faster
// than the consumer reads is slowed down rather than held in memory.
//
// Every event gets the next sequence number as it is pushed: the queue's
// order, which is the order the consumer sees.
type queue struct {
	mu        sync.Mutex
	room      *sync.Cond // signalled when output leaves the queue
	ready     chan struct{}
	events    []Event
	head      int    // events[head:] are queued
	bytes     int    // of Output data queued
	seq       uint64 // the last number given
	top       uint64 // the number of the last event queued or delivered
	delivered uint64 // the number of the last event handed to the pump
	closed    bool
}

// Bounds on what output waits behind: output is queued only while less
// than maxQueuedBytes of it and fewer than maxQueuedEvents events are.
// Output pushed after its process has been reaped (the tail of its
// terminal) does not wait: it is at most what the terminal held.
const (
	maxQueuedBytes  = 1 << 20
	maxQueuedEvents = 256
)

// deliveryBuffer is the capacity of the Events channel: events in hand
// for the consumer, on top of the queue's bound (smaller costs throughput:
// the two goroutines then take turns). A consumer that does not read holds
// at most maxQueuedBytes plus this many reads of output.
const deliveryBuffer = 64

// maxBacklog bounds the events waiting for a consumer that does not read
// at all (a stdout nobody reads). Past it, suspends and continues are left
// out of the stream (the Snapshot still has them), and the Runner refuses
// commands and puts off restarts until the consumer reads again: what a
// process or a client does cannot grow the queue without bound.
var maxBacklog = 4096

// coalesceBack is how far back a suspend or continue looks for the one it
// undoes.
const coalesceBack = 64

func newQueue() *queue {
	q := &queue{ready: make(chan struct{}, 1)}
	q.room = sync.NewCond(&q.mu)
	return q
}

// push queues e at once and returns its sequence number.
func (q *queue) push(e Event) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.add(e)
}

// pushOutput queues e once there is room for it, or at once if *force is
// set (read under the queue's lock, so a setForce wakes it).
func (q *queue) pushOutput(e Event, force *bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !*force && !q.closed && q.bytes > 0 &&
		(q.bytes+len(e.Data) > maxQueuedBytes || len(q.events)-q.head >= maxQueuedEvents) {
		q.room.Wait()
	}
	q.bytes += len(e.Data)
	q.add(e)
}

// setForce sets *force under the queue's lock and wakes pushOutput.
func (q *queue) setForce(force *bool) {
	q.mu.Lock()
	*force = true
	q.mu.Unlock()
	q.room.Broadcast()
}

func (q *queue) add(e Event) uint64 {
	q.seq++
	e.Seq = q.seq
	if q.head > 0 && q.head*2 >= len(q.events) {
		// Move what is queued to the front, so that a queue that never
		// empties does not grow.
		n := copy(q.events, q.events[q.head:])
		clear(q.events[n:])
		q.events, q.head = q.events[:n], 0
	}
	q.events = append(q.events, e)
	q.top = q.seq
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return q.seq
}

// pushChange queues e, a Suspended or Resumed event, unless it undoes one
// still queued for the same process (that one is taken out: the consumer
// sees neither) or the backlog is full. It returns e's sequence number, or
// 0 when it was not queued.
func (q *queue) pushChange(e Event) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	undone := Resumed
	if e.Kind == Resumed {
		undone = Suspended
	}
	for i := len(q.events) - 1; i >= max(q.head, len(q.events)-coalesceBack); i-- {
		if q.events[i].Proc != e.Proc {
			continue
		}
		if q.events[i].Kind == undone {
			q.events = slices.Delete(q.events, i, i+1)
			if i == len(q.events) {
				// The last event is gone: the last is the one before,
				// queued or delivered.
				q.top = q.delivered
				if len(q.events) > q.head {
					q.top = q.events[len(q.events)-1].Seq
				}
			}
			return 0
		}
		break
	}
	if len(q.events)-q.head >= maxBacklog {
		return 0
	}
	return q.add(e)
}

// backlog is how many events wait for the consumer.
func (q *queue) backlog() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events) - q.head
}

// last is the sequence number of the most recent event queued or
// delivered (one taken out of the queue is neither).
func (q *queue) last() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.top
}

// close ends the queue: pump returns once what is queued is delivered.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.room.Broadcast()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pump hands every event to each observer, then to out, in order, and
// closes out after the last once the queue is closed. It owns out.
func (q *queue) pump(observers []func(Event), out chan<- Event) {
	defer close(out)
	for {
		q.mu.Lock()
		if q.head == len(q.events) {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return
			}
			<-q.ready
			continue
		}
		e := q.events[q.head]
		q.events[q.head] = Event{} // the consumer owns Data now
		q.head++
		q.delivered = e.Seq
		if e.Kind == Output {
			q.bytes -= len(e.Data)
			q.room.Broadcast()
		}
		q.mu.Unlock()
		for _, f := range observers {
			f(e)
		}
		out <- e
	}
}
