package control

import "time"

// What logs -f followers are sent from: the last FollowLines lines, or
// FollowBytes of their text, shared by every follower. A follower that
// falls further behind than that misses what left the feed, and is told
// how much it missed. The run is never held up by a reader.
const (
	FollowLines = 4096
	FollowBytes = 1 << 20
)

// fed is a line of the feed: its slot (a process, or the run's own, see
// Server.slot), its own copy of the text.
type fed struct {
	slot int
	self bool
	t    time.Time
	text []byte
}

// feed is the recent lines, for followers: one copy however many follow,
// each follower keeping only its place in it. It holds lines only while
// someone follows, and forgets them when the last follower leaves. It is
// owned by Server.mu.
//
// Lines are numbered as recorded: the feed holds those from first to
// end(), in a circular queue of n from head.
type feed struct {
	ents    []fed
	head, n int
	first   uint64
	bytes   int     // text held
	total   []tally // every line recorded, held or not, by slot
}

// tally counts lines and the bytes of their text.
type tally struct{ lines, bytes int }

func (t *tally) add(l *fed) {
	t.lines++
	t.bytes += len(l.text)
}

func (d *feed) end() uint64 { return d.first + uint64(d.n) }

func (d *feed) at(i int) *fed { return &d.ents[(d.head+i)%len(d.ents)] }

// push records a line of slot; keep holds it, with a copy of its text,
// for followers to take.
func (d *feed) push(slot int, self bool, t time.Time, text []byte, keep bool) {
	l := fed{slot: slot, self: self, t: t, text: text}
	d.total[slot].add(&l)
	if !keep {
		d.first++ // n is 0
		return
	}
	l.text = append([]byte(nil), text...)
	for d.n > 0 && (d.n == FollowLines || d.bytes+len(l.text) > FollowBytes) {
		d.drop()
	}
	if d.n == len(d.ents) {
		ents := make([]fed, min(max(64, 2*len(d.ents)), FollowLines))
		for i := range d.n {
			ents[i] = *d.at(i)
		}
		d.ents, d.head = ents, 0
	}
	*d.at(d.n) = l
	d.n++
	d.bytes += len(l.text)
}

// drop forgets the oldest line held.
func (d *feed) drop() {
	e := d.at(0)
	d.bytes -= len(e.text)
	*e = fed{}
	d.head = (d.head + 1) % len(d.ents)
	d.n--
	d.first++
}

// clear forgets every line held: no one follows.
func (d *feed) clear() {
	d.first = d.end()
	d.ents, d.head, d.n, d.bytes = nil, 0, 0, 0
}

// follower is a logs -f reader's place in the feed, owned by Server.mu.
type follower struct {
	want  []bool // by process index; the run's own lines are always wanted
	next  uint64 // the number of the next line to send
	taken tally  // the wanted lines before next: sent, or missed
	wake  chan struct{}
}

func (f *follower) wants(slot int) bool { return slot == len(f.want) || f.want[slot] }

// wanted sums the tallies of the slots f wants.
func (f *follower) wanted(t []tally) tally {
	var sum tally
	for slot, n := range t {
		if f.wants(slot) {
			sum.lines += n.lines
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

// lineCost is what a line is counted for in a taker's budget, beyond its
// text: the response it becomes.
const lineCost = 128

// take is the lines f wants after its place, up to those numbered below
// limit and about budget bytes of text, and moves its place past them.
// missed counts the lines it wanted that left the feed before it took
// them, which come just before the batch; caughtUp is set when nothing
// before limit is left for it.
//
// The batch's text is the feed's, never changed: the taker may read it
// without the lock.
func (d *feed) take(f *follower, budget int, limit uint64) (batch []fed, missed tally, caughtUp bool) {
	if f.next < d.first {
		var held tally
		for i := range d.n {
			if l := d.at(i); f.wants(l.slot) {
				held.add(l)
			}
		}
		total := f.wanted(d.total)
		missed = tally{total.lines - held.lines - f.taken.lines, total.bytes - held.bytes - f.taken.bytes}
		f.taken = tally{total.lines - held.lines, total.bytes - held.bytes}
		f.next = d.first
	}
	end := min(d.end(), limit)
	for f.next < end && budget > 0 {
		l := d.at(int(f.next - d.first))
		f.next++
		if !f.wants(l.slot) {
			continue
		}
		f.taken.add(l)
		batch = append(batch, *l)
		budget -= len(l.text) + lineCost
	}
	return batch, missed, f.next >= end
}
