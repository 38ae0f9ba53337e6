package control

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/composer-dev/composer/headless"
)

// pieceBytes is about how much output a logs request is sent at a time,
// under one write deadline: all that is copied for it while it is
// written, however many lines it asked for.
const pieceBytes = 64 << 10

// logs sends recent lines of the log, then, to a follower, lines as they
// come.
func (s *Server) logs(c *conn, uc *net.UnixConn, req Request) {
	idx, err := s.targets(req.Names, true)
	if err != nil {
		c.fail(err)
		return
	}
	if req.Lines < 0 {
		c.fail(usageErrorf("lines %d: expected a number ≥ 0", req.Lines))
		return
	}

	// What was published before the request is in its history. The
	// history and the follower are taken under one lock, the Log held:
	// every line is either in the first or goes to the second, and the
	// lines still open are those of that moment.
	s.sync()
	rows := s.rows()
	var rp *replay
	var f *follower
	full := false
	take := func(open func(i int) []byte) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if req.Follow && !s.ended && len(s.followers) >= MaxFollowers {
			full = true
			return
		}
		rp = s.replay(idx, req.Lines, req.Follow, open)
		if req.Follow && !s.ended {
			f = s.follow(idx)
		}
	}
	if s.opts.Hold != nil {
		s.opts.Hold(take)
	} else {
		take(nil)
	}
	if full {
		c.fail(fmt.Errorf("too many followers (%d); try again later", MaxFollowers))
		return
	}
	if f != nil {
		defer s.unfollow(f)
	}

	c.send(Response{Procs: rows})
	for more := true; more; {
		s.mu.Lock()
		var lines []*Line
		var missed tally
		lines, missed, more = rp.piece(s, pieceBytes)
		s.mu.Unlock()
		c.sendMissed(missed)
		for _, l := range lines {
			c.send(Response{Line: l})
		}
		if more && c.flush() != nil {
			return
		}
	}
	if f == nil {
		c.send(Response{End: true})
		c.flush()
		return
	}
	c.send(Response{Replayed: true})
	if c.flush() != nil {
		return
	}
	s.stream(c, uc, f)
}

// stream sends a follower the lines it wants as they come, a piece at a
// time, until the run ends or the server closes (then it gets what was
// recorded before, and the end), it leaves, or a write times out.
func (s *Server) stream(c *conn, uc *net.UnixConn, f *follower) {
	// The client sends nothing more: its leaving ends the read. One that
	// only shut its side for writing (socat at the end of its input)
	// still follows, until it closes altogether.
	gone, done := make(chan struct{}), make(chan struct{})
	defer close(done)
	go func() {
		defer close(gone)
		var b [64]byte
		for {
			if _, err := uc.Read(b[:]); err != nil {
				if errors.Is(err, io.EOF) {
					hungUp(uc, done)
				}
				return
			}
		}
	}()
	limit := uint64(math.MaxUint64)
	for {
		s.mu.Lock()
		batch, missed, caughtUp := s.feed.take(f, pieceBytes, limit)
		end := caughtUp && (s.ended || limit != math.MaxUint64)
		s.mu.Unlock()
		c.sendMissed(missed)
		for _, l := range batch {
			c.send(Response{Line: s.wireLine(l.slot, l.self, l.t, l.text)})
		}
		if end {
			c.send(Response{End: true})
			c.flush()
			return
		}
		if c.flush() != nil {
			return
		}
		if !caughtUp {
			continue
		}
		select {
		case <-f.wake:
		case <-gone:
			return
		case <-s.closing:
			s.mu.Lock()
			limit = s.feed.end()
			s.mu.Unlock()
		}
	}
}

// hungUp returns once the client has closed the connection altogether
// (not only shut its side for writing), or done is closed.
func hungUp(uc *net.UnixConn, done <-chan struct{}) {
	rc, err := uc.SyscallConn()
	if err != nil {
		<-done
		return
	}
	for {
		var hup bool
		_ = rc.Control(func(fd uintptr) {
			fds := []unix.PollFd{{Fd: int32(fd)}} // POLLHUP comes unasked
			n, err := unix.Poll(fds, 1000)
			hup = err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
		})
		select {
		case <-done:
			return
		default:
			if hup {
				return
			}
		}
	}
}

// follow registers a follower of the processes idx at the feed's end.
// s.mu is held.
func (s *Server) follow(idx []int) *follower {
	f := &follower{want: make([]bool, len(s.opts.Procs)), next: s.feed.end(), wake: make(chan struct{}, 1)}
	for _, i := range idx {
		f.want[i] = true
	}
	f.taken = f.wanted(s.feed.total)
	s.followers[f] = struct{}{}
	return f
}

func (s *Server) unfollow(f *follower) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.followers, f)
	if len(s.followers) == 0 {
		s.feed.clear()
	}
}

// wireLine is a line of slot's ring or feed as sent: a process's own, or
// one of composer's own about it (or about the run, in the last slot).
func (s *Server) wireLine(slot int, self bool, t time.Time, text []byte) *Line {
	l := &Line{Name: headless.Self, Time: t, Text: text}
	of := ""
	if slot < len(s.opts.Procs) {
		of = s.opts.Procs[slot].Name
	}
	if self {
		l.Of = of
	} else {
		l.Name = of
	}
	return l
}

// replay is the lines of a logs request still to send: per slot (a
// process asked for, and the run's own lines), the run's indexes of its
// next and its end line (see ring.dropped), so that lines that leave the
// ring while the request is sent are found missing and counted; and where
// the text of its next line starts and that of the last ends, to count
// their bytes. Lines of several slots go in the order they were recorded.
// The lines still open, copied at the request, come last.
type replay struct {
	slots     []int
	next, end []int64
	text, top []int64
	order     byNext // the slots with lines left, the next recorded first
	open      []*Line
}

// replay is the last n lines of the processes idx (composer's own about
// them and about the run included), as the log showed them, with, unless
// it is for a follower, the lines they are writing, from open (nil:
// none). s.mu is held.
func (s *Server) replay(idx []int, n int, follow bool, open func(i int) []byte) *replay {
	rp := &replay{slots: append(slices.Clone(idx), len(s.opts.Procs))}
	if n > 0 && !follow && open != nil {
		// The lines being written are the newest: they count among the n.
		// A follower is sent them once they are shown, as the stream is.
		now := time.Now()
		for _, i := range idx {
			if p := open(i); len(p) > 0 && (n == 0 || len(rp.open) < n) {
				rp.open = append(rp.open, &Line{Name: s.opts.Procs[i].Name, Time: now, Text: slices.Clone(p), Open: true})
			}
		}
		if n > 0 {
			n -= len(rp.open)
		}
	}
	// The newest n lines are those recorded from the last seq that
	// starts n of them (seqs are unique: count falls by one at each).
	count := func(seq uint64) int {
		c := 0
		for _, i := range rp.slots {
			r := &s.rings[i]
			c += r.n - r.search(seq)
		}
		return c
	}
	from := s.seq + 1 // past every line
	switch {
	case n == 0:
	case count(0) <= n:
		from = 0
	default:
		lo, hi := uint64(0), from // count(lo) > n, count(hi) < n
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if count(mid) >= n {
				lo = mid
			} else {
				hi = mid
			}
		}
		from = lo
	}

	for k, i := range rp.slots {
		r := &s.rings[i]
		at := r.search(from)
		rp.next = append(rp.next, r.dropped+int64(at))
		rp.end = append(rp.end, r.dropped+int64(r.n))
		text := r.end
		if at < r.n {
			text = r.at(at).off
		}
		rp.text = append(rp.text, text)
		rp.top = append(rp.top, r.end)
		if at < r.n {
			rp.order = append(rp.order, nextLine{k, r.at(at).seq})
		}
	}
	heap.Init(&rp.order)
	return rp
}

// piece is the next of rp's lines, about budget bytes of them; missed
// counts those that left the ring before they were sent, which come
// first; more is set while lines are left. s.mu is held.
func (rp *replay) piece(s *Server, budget int) (out []*Line, missed tally, more bool) {
	for budget > 0 && len(rp.order) > 0 {
		k := rp.order[0].proc
		i := rp.slots[k]
		r := &s.rings[i]
		if rp.next[k] < r.dropped {
			gone := min(r.dropped, rp.end[k]) - rp.next[k]
			missed.lines += int(gone)
			missed.bytes += int(max(0, min(r.start, rp.top[k])-rp.text[k]))
			rp.next[k] += gone
			rp.text[k] = max(rp.text[k], r.start)
			if rp.next[k] == rp.end[k] {
				heap.Pop(&rp.order)
			} else {
				rp.order[0].seq = r.at(int(rp.next[k] - r.dropped)).seq
				heap.Fix(&rp.order, 0)
			}
			continue
		}
		e := r.at(int(rp.next[k] - r.dropped))
		text := r.appendBytes(make([]byte, 0, e.n), e.off, int(e.n))
		out = append(out, s.wireLine(i, e.self, time.Unix(0, e.t), text))
		rp.text[k] = e.off + int64(e.n)
		budget -= int(e.n) + lineCost
		if rp.next[k]++; rp.next[k] == rp.end[k] {
			heap.Pop(&rp.order)
		} else {
			rp.order[0].seq = r.at(int(rp.next[k] - r.dropped)).seq
			heap.Fix(&rp.order, 0)
		}
	}
	if len(rp.order) == 0 {
		out = append(out, rp.open...)
		rp.open = nil
	}
	return out, missed, len(rp.order) > 0
}

// nextLine is a process of a replay with lines left, and the seq of its next.
type nextLine struct {
	proc int // index into replay.slots
	seq  uint64
}

// byNext orders a replay's processes by their next line, as a heap.
type byNext []nextLine

func (h byNext) Len() int           { return len(h) }
func (h byNext) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h byNext) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byNext) Push(x any)        { *h = append(*h, x.(nextLine)) }
func (h *byNext) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Recent is every line the server keeps (the last RingLines of each
// process, composer's own about it included, and of the run's own), in
// the order they were recorded, as the Log gave them: for a view that
// shows the log from the furthest back it can. then, if set, is called
// while the Log adds no line (Options.Hold), with those lines: every line
// is among them or is added after then returns.
func (s *Server) Recent(then func(lines []headless.Line)) {
	index := make(map[string]int, len(s.opts.Procs))
	for i, p := range s.opts.Procs {
		index[p.Name] = i
	}
	slot := func(name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		return -1
	}
	take := func(func(int) []byte) {
		var out []headless.Line
		s.mu.Lock()
		all := make([]int, len(s.opts.Procs))
		for i := range all {
			all[i] = i
		}
		rp := s.replay(all, math.MaxInt32, true, nil)
		for more := true; more; {
			var lines []*Line
			lines, _, more = rp.piece(s, math.MaxInt)
			for _, l := range lines {
				hl := headless.Line{Proc: slot(l.Name), Time: l.Time, Text: l.Text}
				hl.About = hl.Proc
				if l.Name == headless.Self {
					hl.Proc, hl.About = -1, slot(l.Of)
				}
				out = append(out, hl)
			}
		}
		s.mu.Unlock()
		then(out)
	}
	if s.opts.Hold != nil {
		s.opts.Hold(take)
	} else {
		take(nil)
	}
}
