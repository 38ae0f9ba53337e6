package control

import (
	"bytes"

	"github.com/composer-dev/composer/runner"
)

// What logs -f followers are sent from: the last FollowEvents events, or
// FollowBytes of their output, shared by every follower. A follower that
// falls further behind than that misses what left the feed, and is told
// how much it missed. The runner is never held up by a reader.
const (
	FollowEvents = 4096
	FollowBytes  = 1 << 20
)

// feed is the recent events, for followers: one copy however many follow,
// each follower keeping only its place in it. It holds events only while
// someone follows, and forgets them when the last follower leaves. It is
// owned by Server.mu.
//
// Events are numbered as recorded: the feed holds those from first to
// end(), in a circular queue of n from head.
type feed struct {
	ents    []runner.Event
	head, n int
	first   uint64
	bytes   int     // output held
	total   []tally // every event recorded, held or not, by slot (see Server.slot)
}

// tally counts events and the bytes of output they carry.
type tally struct{ events, bytes int }

func (t *tally) add(e *runner.Event) {
	t.events++
	t.bytes += len(e.Data)
}

func (d *feed) end() uint64 { return d.first + uint64(d.n) }

func (d *feed) at(i int) *runner.Event { return &d.ents[(d.head+i)%len(d.ents)] }

// push records e in slot; keep holds it, with a copy of its output (the
// view owns e's), for followers to take.
func (d *feed) push(e runner.Event, slot int, keep bool) {
	d.total[slot].add(&e)
	if !keep {
		d.first++ // n is 0
		return
	}
	e.Data = bytes.Clone(e.Data)
	for d.n > 0 && (d.n == FollowEvents || d.bytes+len(e.Data) > FollowBytes) {
		d.drop()
	}
	if d.n == len(d.ents) {
		ents := make([]runner.Event, min(max(64, 2*len(d.ents)), FollowEvents))
		for i := range d.n {
			ents[i] = *d.at(i)
		}
		d.ents, d.head = ents, 0
	}
	*d.at(d.n) = e
	d.n++
	d.bytes += len(e.Data)
}

// drop forgets the oldest event held.
func (d *feed) drop() {
	e := d.at(0)
	d.bytes -= len(e.Data)
	*e = runner.Event{}
	d.head = (d.head + 1) % len(d.ents)
	d.n--
	d.first++
}

// clear forgets every event held: no one follows.
func (d *feed) clear() {
	d.first = d.end()
	d.ents, d.head, d.n, d.bytes = nil, 0, 0, 0
}

// follower is a logs -f reader's place in the feed, owned by Server.mu.
type follower struct {
	want  []bool // by process index; the run's own events are always wanted
	next  uint64 // the number of the next event to send
	taken tally  // the wanted events before next: sent, or missed
	wake  chan struct{}
}

func (f *follower) wants(proc int) bool { return proc < 0 || f.want[proc] }

// wanted sums the tallies of the slots f wants.
func (f *follower) wanted(t []tally) tally {
	var sum tally
	for slot, n := range t {
		if slot == len(f.want) || f.want[slot] {
			sum.events += n.events
			sum.bytes += n.bytes
		}
	}
	return sum
}

func (f *follower) wakeUp() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// eventCost is what an event is counted for in a taker's budget, beyond
// its output: the response it becomes.
const eventCost = 256

// take is the events f wants after its place, up to those numbered below
// limit and about budget bytes of output, and moves its place past them.
// missed counts the events it wanted that left the feed before it took
// them, which come just before the batch; caughtUp is set when nothing
// before limit is left for it.
//
// The batch's output is the feed's, never changed: the taker may read it
// without the lock.
func (d *feed) take(f *follower, budget int, limit uint64) (batch []runner.Event, missed tally, caughtUp bool) {
	if f.next < d.first {
		var held tally
		for i := range d.n {
			if e := d.at(i); f.wants(e.Proc) {
				held.add(e)
			}
		}
		total := f.wanted(d.total)
		missed = tally{total.events - held.events - f.taken.events, total.bytes - held.bytes - f.taken.bytes}
		f.taken = tally{total.events - held.events, total.bytes - held.bytes}
		f.next = d.first
	}
	end := min(d.end(), limit)
	for f.next < end && budget > 0 {
		e := d.at(int(f.next - d.first))
		f.next++
		if !f.wants(e.Proc) {
			continue
		}
		f.taken.add(e)
		batch = append(batch, *e)
		budget -= len(e.Data) + eventCost
	}
	return batch, missed, f.next >= end
}
