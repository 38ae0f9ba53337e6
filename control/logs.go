package control

import (
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// pieceBytes is about how much output a logs request is sent at a time,
// under one write deadline: all that is copied for it while it is
// written, however many lines it asked for.
const pieceBytes = 64 << 10

// logs sends recent lines, then, to a follower, events as they come.
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

	// What was published before the request is in its history; the
	// history and the follower are taken under one lock: every event is
	// either in the first or goes to the second.
	s.sync()
	rows := s.rows()
	s.mu.Lock()
	if req.Follow && !s.ended && len(s.followers) >= MaxFollowers {
		s.mu.Unlock()
		c.fail(fmt.Errorf("too many followers (%d); try again later", MaxFollowers))
		return
	}
	rp := s.replay(idx, req.Lines, req.Follow)
	var f *follower
	if req.Follow && !s.ended {
		f = s.follow(idx)
	}
	s.mu.Unlock()
	if f != nil {
		defer s.unfollow(f)
	}

	c.send(Response{Procs: rows, Timeout: s.opts.Timeout, Running: rp.running})
	for more := true; more; {
		s.mu.Lock()
		var events []*Event
		var missed tally
		events, missed, more = rp.piece(s, pieceBytes)
		s.mu.Unlock()
		c.sendMissed(missed)
		for _, e := range events {
			c.send(Response{Event: e})
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
	if c.flush() != nil {
		return
	}
	s.stream(c, uc, f)
}

// stream sends a follower the events it wants as they come, a piece at a
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
		for _, e := range batch {
			c.send(Response{Event: wireEvent(e, s.name(e.Proc), e.Data)})
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
	f := &follower{want: make([]bool, len(s.procs)), next: s.feed.end(), wake: make(chan struct{}, 1)}
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

func (s *Server) name(i int) string {
	if i < 0 || i >= len(s.opts.Procs) {
		return ""
	}
	return s.opts.Procs[i].Name
}

// replay is the lines of a logs request still to send: per process, the
// run's indexes of its next and its end line (see ring.dropped), so that
// lines that leave the ring while the request is sent are found missing
// and counted; and where the text of its next line starts and that of the
// last ends, to count their bytes. Lines of several processes go in the
// order they were recorded. The partial lines, copied at the request,
// come last.
type replay struct {
	procs     []int
	next, end []int64
	text, top []int64
	order     byNext // the processes with lines left, the next recorded first
	pending   []*Event
	running   []string // the processes running before the first line
}

// replay is the last n lines of the processes idx, as the log showed
// them, with, when partial is set or n > 0, the lines they are writing.
// s.mu is held.
func (s *Server) replay(idx []int, n int, partial bool) *replay {
	rp := &replay{procs: idx}
	if n > 0 || partial {
		// The lines being written are the newest: they count among the n.
		now := time.Now()
		for _, i := range idx {
			if p := s.procs[i].lines.Pending(); len(p) > 0 && (n == 0 || len(rp.pending) < n) {
				rp.pending = append(rp.pending, &Event{Kind: "output", Name: s.opts.Procs[i].Name, Time: now, Data: bytes.Clone(p)})
			}
		}
		if n > 0 {
			n -= len(rp.pending)
		}
	}
	// The newest n lines are those recorded from the last seq that
	// starts n of them (seqs are unique: count falls by one at each).
	count := func(seq uint64) int {
		c := 0
		for _, i := range idx {
			r := &s.procs[i].ring
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

	for k, i := range idx {
		p := &s.procs[i]
		r := &p.ring
		at := r.search(from)
		rp.next = append(rp.next, r.dropped+int64(at))
		rp.end = append(rp.end, r.dropped+int64(r.n))
		text := r.end
		running := p.running
		for j := at; j < r.n; j++ {
			if e := r.at(j); e.ev != nil {
				running = e.running // the first of composer's own lines shown
				break
			}
		}
		for j := at; j < r.n; j++ {
			if e := r.at(j); e.ev == nil {
				text = e.off
				break
			}
		}
		rp.text = append(rp.text, text)
		rp.top = append(rp.top, r.end)
		if running {
			rp.running = append(rp.running, s.opts.Procs[i].Name)
		}
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
func (rp *replay) piece(s *Server, budget int) (out []*Event, missed tally, more bool) {
	for budget > 0 && len(rp.order) > 0 {
		k := rp.order[0].proc
		i := rp.procs[k]
		r := &s.procs[i].ring
		if rp.next[k] < r.dropped {
			gone := min(r.dropped, rp.end[k]) - rp.next[k]
			missed.events += int(gone)
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
		name := s.opts.Procs[i].Name
		if e.ev != nil {
			out = append(out, wireEvent(*e.ev, name, nil))
		} else {
			text := append(r.appendBytes(make([]byte, 0, e.n+1), e.off, int(e.n)), '\n')
			out = append(out, &Event{Kind: "output", Name: name, Time: time.Unix(0, e.t), Data: text})
			rp.text[k] = e.off + int64(e.n)
		}
		budget -= int(e.n) + eventCost
		if rp.next[k]++; rp.next[k] == rp.end[k] {
			heap.Pop(&rp.order)
		} else {
			rp.order[0].seq = r.at(int(rp.next[k] - r.dropped)).seq
			heap.Fix(&rp.order, 0)
		}
	}
	if len(rp.order) == 0 {
		out = append(out, rp.pending...)
		rp.pending = nil
	}
	return out, missed, len(rp.order) > 0
}

// nextLine is a process of a replay with lines left, and the seq of its next.
type nextLine struct {
	proc int // index into replay.procs
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
