package control

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// Control is what the server asks of the processes' supervisor;
// *runner.Runner satisfies it. Each method but Published may block until
// done.
type Control interface {
	Restart(name string) error
	Stop(name string) error
	Start(name string) error
	Signal(name string, sig syscall.Signal) error
	// Published is the Seq of the last event published: once the server
	// has recorded it, its state is the one the commands before left.
	Published() uint64
}

// Options configure a Server.
type Options struct {
	Procs   []Process     // indexed by runner.Event.Proc
	Timeout time.Duration // the run's stop timeout, for the log's messages
	// Quit ends the run as Ctrl-C does; it must not block. Nil refuses
	// the quit command.
	Quit func()
}

// A follower of logs -f that falls this far behind (events, or bytes of
// output, queued for it) misses what comes next until it catches up, and
// is told how much it missed. The runner is never held up by a reader.
const (
	FollowEvents = 4096
	FollowBytes  = 1 << 20
)

const (
	requestTimeout = 10 * time.Second // to send the request after connecting
	maxRequest     = 64 << 10
	closeGrace     = time.Second // for connections to get their last lines when the server closes
)

// Server answers requests on a Listener. It learns the processes' state
// and output from the events passing through Tee, and acts through its
// Control. Create it with Serve; end it with Close.
type Server struct {
	l    *Listener
	ctl  Control
	opts Options
	uid  int // the only user allowed to connect

	// The recorder: what the events said, owned by mu.
	mu        sync.Mutex
	procs     []procState
	seq       uint64
	followers map[*follower]struct{}
	ended     bool // the events have ended: the run is over

	teeOn   atomic.Bool
	syncs   chan chan struct{}
	teeDone chan struct{}

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	connMu    sync.Mutex
	conns     map[net.Conn]struct{}
}

// procState is one process as its events describe it.
type procState struct {
	state    runner.State
	pid      int
	restarts int
	since    time.Time // when the current or last run started
	status   runner.Status
	ended    bool // status is how a run ended
	running  bool // started and not yet exited, as the log words it
	signaled time.Time
	sigPID   int
	sig      syscall.Signal

	lines headless.Splitter
	ring  ring
	now   int64        // time of the output being split into lines
	emit  func([]byte) // keeps a line in ring, stamped now
}

// geteuid is the user the server lets in; a test takes another.
var geteuid = os.Geteuid

// Serve starts answering requests on l with ctl and returns at once.
func Serve(l *Listener, ctl Control, opts Options) *Server {
	s := &Server{
		l: l, ctl: ctl, opts: opts, uid: geteuid(),
		procs:     make([]procState, len(opts.Procs)),
		followers: map[*follower]struct{}{},
		syncs:     make(chan chan struct{}),
		teeDone:   make(chan struct{}),
		closing:   make(chan struct{}),
		conns:     map[net.Conn]struct{}{},
	}
	for i := range opts.Procs {
		ps := &s.procs[i]
		ps.emit = func(b []byte) {
			s.seq++
			ps.ring.line(s.seq, ps.now, b)
		}
	}
	s.wg.Add(1)
	go s.accept(l.ln) // l.ln is cleared when l is closed
	return s
}

// Tee returns a channel carrying the events of in, unchanged, after the
// server has recorded each. Give it the runner's Events and the view the
// channel returned, which is closed when in is. Tee may be called once.
//
// Recording takes a lock, a line split and a copy of each line into a
// ring; with followers, a copy of the output for each. It never waits on
// a client.
func (s *Server) Tee(in <-chan runner.Event) <-chan runner.Event {
	out := make(chan runner.Event, cap(in))
	s.teeOn.Store(true)
	go s.tee(in, out)
	return out
}

type barrier struct {
	at   uint64 // the Seq of the event to wait for
	done chan struct{}
}

func (s *Server) tee(in <-chan runner.Event, out chan<- runner.Event) {
	defer close(s.teeDone)
	defer close(out)
	var recorded uint64 // the Seq of the last event recorded
	var barriers []barrier
	for {
		select {
		case e, ok := <-in:
			if !ok {
				s.end()
				for _, b := range barriers {
					close(b.done)
				}
				return
			}
			s.record(e)
			recorded = e.Seq
			if len(barriers) > 0 {
				barriers = slices.DeleteFunc(barriers, func(b barrier) bool {
					if b.at <= recorded {
						close(b.done)
						return true
					}
					return false
				})
			}
			out <- e
		case done := <-s.syncs:
			// Every event published when sync was called is recorded,
			// or on its way: wait for the last.
			if at := s.ctl.Published(); at <= recorded {
				close(done)
			} else {
				barriers = append(barriers, barrier{at, done})
			}
		}
	}
}

// sync returns once every event sent before it was called is recorded:
// the runner replies to a command after sending its events, so the state
// read after a command and a sync is the state the command left.
func (s *Server) sync() {
	if !s.teeOn.Load() {
		return
	}
	done := make(chan struct{})
	select {
	case s.syncs <- done:
	case <-s.teeDone:
		return
	case <-s.closing:
		return
	}
	select {
	case <-done:
	case <-s.teeDone:
	case <-s.closing:
	}
}

func (s *Server) record(e runner.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for f := range s.followers {
		f.push(e)
	}
	if e.Proc < 0 || e.Proc >= len(s.procs) {
		return
	}
	p := &s.procs[e.Proc]
	switch e.Kind {
	case runner.Output:
		p.now = e.Time.UnixNano()
		p.lines.Write(e.Data, p.emit)
		return
	case runner.Idle:
		p.now = e.Time.UnixNano()
		p.lines.Flush(p.emit)
		return
	case runner.Started:
		p.state, p.pid, p.restarts, p.since, p.ended = runner.StateRunning, e.PID, e.Restarts, e.Time, false
	case runner.Signaled:
		p.state = e.State
		p.signaled, p.sigPID, p.sig = e.Time, e.PID, e.Signal
	case runner.Exited:
		p.now = e.Time.UnixNano()
		p.lines.Flush(p.emit)
		p.state, p.pid, p.restarts, p.status, p.ended = e.State, 0, e.Restarts, e.Status, true
	default:
		return
	}
	ev := e
	ev.Data = nil
	s.seq++
	p.ring.event(s.seq, &ev, p.running)
	p.running = e.Kind == runner.Started || (p.running && e.Kind != runner.Exited)
}

// end marks the run over: followers get what is left, then the end.
func (s *Server) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for f := range s.followers {
		f.ended = true
		f.wakeUp()
	}
}

// row is process i as ps shows it; s.mu is held.
func (s *Server) row(i int, now time.Time) Proc {
	p, info := &s.procs[i], s.opts.Procs[i]
	r := Proc{Name: info.Name, Type: info.Type, State: p.state.String(), PID: p.pid, Restarts: p.restarts, Port: info.Port}
	if !p.since.IsZero() {
		since := p.since
		r.StartedAt = &since
	}
	switch p.state {
	case runner.StateRunning, runner.StateStopping:
		r.Uptime = now.Sub(p.since).Round(time.Millisecond).Seconds()
	default:
		if p.ended {
			code := p.status.ExitCode()
			r.ExitCode = &code
			if p.status.Signal != 0 {
				name := runner.SignalName(p.status.Signal)
				r.Signal = &name
			}
		}
	}
	return r
}

// Close stops accepting connections and removes the socket and its lock
// (so another composer may start), then gives open connections a moment
// to send their last lines (a quit is answered now) and ends them. It
// returns once every goroutine of the server has ended, but for Tee's,
// which ends when its input does.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.l.Close()
		close(s.closing)
		cut := time.AfterFunc(closeGrace, func() {
			s.connMu.Lock()
			defer s.connMu.Unlock()
			for c := range s.conns {
				_ = c.SetDeadline(time.Now())
			}
		})
		s.wg.Wait()
		cut.Stop()
	})
	return err
}

func (s *Server) accept(ln *net.UnixListener) {
	defer s.wg.Done()
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			select {
			case <-s.closing:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, say: wait rather than spin.
			select {
			case <-s.closing:
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		s.connMu.Lock()
		s.conns[c] = struct{}{}
		s.connMu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.connMu.Lock()
			delete(s.conns, c)
			s.connMu.Unlock()
			c.Close()
		}()
	}
}

// conn writes responses on one connection.
type conn struct {
	c   *net.UnixConn
	w   *bufio.Writer
	enc *json.Encoder
	err error
}

func newConn(c *net.UnixConn) *conn {
	w := bufio.NewWriter(c)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &conn{c: c, w: w, enc: enc}
}

// send writes r, buffered; flush sends it.
func (c *conn) send(r Response) {
	if c.err == nil {
		r.V = Version
		c.err = c.enc.Encode(r)
	}
}

func (c *conn) flush() error {
	if c.err == nil {
		c.err = c.w.Flush()
	}
	return c.err
}

func (c *conn) fail(err error) {
	var ue *UsageError
	c.send(Response{Error: err.Error(), Usage: errors.As(err, &ue)})
	c.flush()
}

func (s *Server) serveConn(uc *net.UnixConn) {
	c := newConn(uc)
	if err := s.checkPeer(uc); err != nil {
		c.fail(err)
		return
	}
	_ = uc.SetReadDeadline(time.Now().Add(requestTimeout))
	r := bufio.NewReader(io.LimitReader(uc, maxRequest))
	line, err := r.ReadBytes('\n')
	switch {
	case err == nil, errors.Is(err, io.EOF) && len(line) > 0 && len(line) < maxRequest:
		// a request, ended by a newline or by the client's closing its side
	case len(line) >= maxRequest:
		c.fail(usageErrorf("the request is longer than %d bytes", maxRequest))
		return
	default:
		c.fail(fmt.Errorf("reading the request: %w", err))
		return
	}
	_ = uc.SetReadDeadline(time.Time{})
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		c.fail(usageErrorf("bad request: %v", err))
		return
	}
	if req.V != Version {
		c.fail(usageErrorf("protocol version %d is not supported (this composer speaks version %d)", req.V, Version))
		return
	}
	switch req.Cmd {
	case CmdPS:
		s.ps(c, req)
	case CmdRestart, CmdStop, CmdStart, CmdKill:
		s.act(c, req)
	case CmdLogs:
		s.logs(c, uc, req)
	case CmdQuit:
		s.quit(c)
	default:
		c.fail(usageErrorf("unknown command %q (expected ps, restart, stop, start, kill, logs or quit)", req.Cmd))
	}
}

// checkPeer refuses a connection from any user but the server's own: the
// socket's mode already keeps others out, unless its directory or mode
// were changed, or the peer is root.
func (s *Server) checkPeer(c *net.UnixConn) error {
	uid, err := peerUID(c)
	if err != nil {
		return fmt.Errorf("permission denied: cannot check who connected: %v", err)
	}
	return allowPeer(uid, s.uid)
}

func allowPeer(peer, self int) error {
	if peer != self {
		return fmt.Errorf("permission denied: this composer accepts only its own user (uid %d), not uid %d", self, peer)
	}
	return nil
}

// targets resolves a request's names; all processes when it names none
// and that is allowed.
func (s *Server) targets(names []string, noneIsAll bool) ([]int, error) {
	if len(names) == 0 {
		if !noneIsAll {
			return nil, usageErrorf("name the processes (or all); valid: %s", validNames(s.opts.Procs))
		}
		names = []string{"all"}
	}
	return match(s.opts.Procs, names)
}

func (s *Server) ps(c *conn, req Request) {
	idx, err := s.targets(req.Names, true)
	if err != nil {
		c.fail(err)
		return
	}
	now := time.Now()
	s.mu.Lock()
	rows := make([]Proc, len(idx))
	for i, p := range idx {
		rows[i] = s.row(p, now)
	}
	s.mu.Unlock()
	c.send(Response{Procs: rows})
	c.flush()
}

// act restarts, stops, starts or signals processes, all at once, and
// answers when every one is done.
func (s *Server) act(c *conn, req Request) {
	idx, err := s.targets(req.Names, false)
	if err != nil {
		c.fail(err)
		return
	}
	sig := syscall.SIGKILL
	if req.Cmd == CmdKill && req.Signal != "" {
		if sig, err = runner.ParseSignal(req.Signal); err != nil {
			c.fail(usageErrorf("%v", err))
			return
		}
	}
	results := make([]Result, len(idx))
	var wg sync.WaitGroup
	for i, p := range idx {
		wg.Go(func() { results[i] = s.actOn(req.Cmd, p, sig) })
	}
	wg.Wait()
	c.send(Response{Results: results})
	c.flush()
}

func (s *Server) actOn(cmd string, i int, sig syscall.Signal) Result {
	name := s.opts.Procs[i].Name
	s.mu.Lock()
	before := s.procs[i]
	s.mu.Unlock()
	t0 := time.Now()
	var err error
	switch cmd {
	case CmdRestart:
		err = s.ctl.Restart(name)
	case CmdStop:
		err = s.ctl.Stop(name)
	case CmdStart:
		err = s.ctl.Start(name)
	case CmdKill:
		err = s.ctl.Signal(name, sig)
	}
	s.sync()
	s.mu.Lock()
	after := s.procs[i]
	res := Result{Name: name, Proc: s.row(i, time.Now())}
	s.mu.Unlock()
	if err != nil {
		res.Error = err.Error()
		res.Message = name + ": " + res.Error
		return res
	}
	res.Message = message(cmd, name, &before, &after, t0)
	return res
}

// message says what an action did, in a line.
func message(cmd, name string, before, after *procState, t0 time.Time) string {
	live := after.state == runner.StateRunning || after.state == runner.StateStopping
	switch cmd {
	case CmdKill:
		if after.signaled.Before(t0) {
			return name + " is not running; no signal sent"
		}
		return fmt.Sprintf("sent %s to %s (pid %d)", runner.SignalName(after.sig), name, after.sigPID)
	case CmdStop:
		if before.state != runner.StateRunning && before.state != runner.StateStopping && before.state != runner.StateRestarting {
			return name + " was not running"
		}
		return name + " stopped"
	}
	verb := "restarted"
	if cmd == CmdStart {
		verb = "started"
		if before.state == runner.StateRunning && after.pid == before.pid {
			return fmt.Sprintf("%s is already running (pid %d)", name, after.pid)
		}
	}
	if live {
		return fmt.Sprintf("%s %s (pid %d)", name, verb, after.pid)
	}
	return fmt.Sprintf("%s %s, then %s", name, verb, after.status)
}

// quit ends the run and answers once it has ended and the socket is gone.
func (s *Server) quit(c *conn) {
	if s.opts.Quit == nil {
		c.fail(errors.New("quit is not available here"))
		return
	}
	s.opts.Quit()
	<-s.closing
	c.send(Response{End: true})
	c.flush()
}

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
	want := make([]bool, len(s.opts.Procs))
	for _, i := range idx {
		want[i] = true
	}

	// The history and the follower are taken under one lock: every event
	// is either in the first or goes to the second.
	s.mu.Lock()
	now := time.Now()
	rows := make([]Proc, len(s.procs))
	for i := range s.procs {
		rows[i] = s.row(i, now)
	}
	history, running := s.history(idx, req.Lines, req.Follow)
	var f *follower
	if req.Follow && !s.ended {
		f = &follower{want: want, wake: make(chan struct{}, 1)}
		s.followers[f] = struct{}{}
	}
	s.mu.Unlock()
	if f != nil {
		defer func() {
			s.mu.Lock()
			delete(s.followers, f)
			s.mu.Unlock()
		}()
	}

	c.send(Response{Procs: rows, Timeout: s.opts.Timeout, Running: running})
	for _, e := range history {
		c.send(Response{Event: e})
	}
	if f == nil {
		c.send(Response{End: true})
		c.flush()
		return
	}
	if c.flush() != nil {
		return
	}

	// The client sends nothing more: its leaving ends the read.
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, uc)
		close(gone)
	}()
	for {
		closing := false
		select {
		case <-f.wake:
		case <-gone:
			return
		case <-s.closing:
			closing = true
		}
		s.mu.Lock()
		batch, missed, missedBytes, ended := f.take()
		s.mu.Unlock()
		for _, e := range batch {
			c.send(Response{Event: wireEvent(e, s.name(e.Proc), e.Data)})
		}
		if missed > 0 {
			c.send(Response{Missed: missed, MissedBytes: missedBytes})
		}
		if ended || closing {
			c.send(Response{End: true})
			c.flush()
			return
		}
		if c.flush() != nil {
			return
		}
	}
}

func (s *Server) name(i int) string {
	if i < 0 || i >= len(s.opts.Procs) {
		return ""
	}
	return s.opts.Procs[i].Name
}

// history is the last n lines of the processes idx, as the log showed
// them, oldest first, with, when partial is set or n > 0, the lines they
// are writing; and which of them were running before the first. s.mu is
// held.
func (s *Server) history(idx []int, n int, partial bool) ([]*Event, []string) {
	type ref struct {
		proc int
		e    *entry
	}
	var refs []ref
	for _, i := range idx {
		r := &s.procs[i].ring
		for k := max(0, r.n-n); k < r.n; k++ {
			refs = append(refs, ref{i, r.at(k)})
		}
	}
	slices.SortFunc(refs, func(a, b ref) int { return cmpUint(a.e.seq, b.e.seq) })
	refs = refs[max(0, len(refs)-n):]

	var out []*Event
	first := map[int]bool{} // processes with one of composer's own lines shown
	runningBefore := map[int]bool{}
	for _, rf := range refs {
		name := s.opts.Procs[rf.proc].Name
		if rf.e.ev != nil {
			if !first[rf.proc] {
				first[rf.proc] = true
				runningBefore[rf.proc] = rf.e.running
			}
			out = append(out, wireEvent(*rf.e.ev, name, nil))
			continue
		}
		r := &s.procs[rf.proc].ring
		text := append(r.bytes(rf.e.off, int(rf.e.n)), '\n')
		out = append(out, &Event{Kind: "output", Name: name, Time: time.Unix(0, rf.e.t), Data: text})
	}
	if n > 0 || partial {
		now := time.Now()
		for _, i := range idx {
			if p := s.procs[i].lines.Pending(); len(p) > 0 {
				out = append(out, &Event{Kind: "output", Name: s.opts.Procs[i].Name, Time: now, Data: bytes.Clone(p)})
			}
		}
	}
	var running []string
	for _, i := range idx {
		r, ok := runningBefore[i]
		if !ok {
			r = s.procs[i].running
		}
		if r {
			running = append(running, s.opts.Procs[i].Name)
		}
	}
	return out, running
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// follower is a logs -f reader's queue, owned by Server.mu.
type follower struct {
	want                []bool // by process index
	queue               []runner.Event
	bytes               int
	missed, missedBytes int
	ended               bool
	wake                chan struct{} // 1-buffered
}

// push queues e, with a copy of its output, unless the queue is full.
func (f *follower) push(e runner.Event) {
	if e.Proc >= 0 && (e.Proc >= len(f.want) || !f.want[e.Proc]) {
		return
	}
	if len(f.queue) >= FollowEvents || f.bytes+len(e.Data) > FollowBytes {
		f.missed++
		f.missedBytes += len(e.Data)
		return
	}
	if e.Data != nil {
		e.Data = bytes.Clone(e.Data)
		f.bytes += len(e.Data)
	}
	f.queue = append(f.queue, e)
	f.wakeUp()
}

func (f *follower) wakeUp() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// take empties the queue.
func (f *follower) take() (batch []runner.Event, missed, missedBytes int, ended bool) {
	batch, missed, missedBytes, ended = f.queue, f.missed, f.missedBytes, f.ended
	f.queue, f.bytes, f.missed, f.missedBytes = nil, 0, 0, 0
	return
}
