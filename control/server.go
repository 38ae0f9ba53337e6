package control

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// Control is what the server asks of the processes' supervisor;
// *runner.Runner satisfies it. The commands may block until done.
type Control interface {
	Restart(name string) error
	Stop(name string) error
	Start(name string) error
	// Signal fails with runner.ErrNotRunning when the process is not
	// running.
	Signal(name string, sig syscall.Signal) error
	// Resize and Write reach a process's terminal, for a view.
	Resize(name string, cols, rows int) error
	Write(name string, p []byte) (int, error)
	// Snapshot is every process's state, in the order of Options.Procs,
	// as of the event numbered seq; it must not block. It holds what a
	// command did once the command has returned.
	Snapshot() (procs []runner.Proc, seq uint64)
}

// Options configure a Server.
type Options struct {
	Procs []runner.Spec // the processes, indexed by runner.Event.Proc
	// Hold, if set, is the run's headless.Log's: it calls f while no line
	// is added, with the lines being written, not ended yet.
	Hold func(f func(open func(i int) []byte))
	// Quit ends the run as Ctrl-C does; it must not block. Nil refuses
	// the quit command.
	Quit func()
}

// Limits on clients, so that composer's memory stays bounded whatever they
// do. A connection past MaxConns, or a logs -f past MaxFollowers, is
// refused with an error saying so. A client must send its request within
// 10 seconds of connecting, and a client that reads nothing for
// WriteTimeout while it is being sent something is cut off.
const (
	MaxConns     = 128 // connections at once, followers included
	MaxFollowers = 64  // logs -f at once
	WriteTimeout = 30 * time.Second
)

const (
	maxRequest = 64 << 10
	closeGrace = time.Second // for connections to get their last lines when the server closes
)

// How long a client may take to send its request after connecting, and
// WriteTimeout; tests take others.
var (
	requestTimeout = 10 * time.Second
	writeTimeout   = WriteTimeout
)

// Server answers requests on a Listener. It learns the processes' state
// from its Control's snapshots, and the lines of the run's log from the
// Log it is a sink of, and acts through its Control. Create it with Serve; end it
// with Close.
type Server struct {
	l    *Listener
	ctl  Control
	opts Options
	uid  int // the only user allowed to connect

	// The recorder: the log's lines, owned by mu.
	mu        sync.Mutex
	rings     []ring // per process, then the run's own lines
	seq       uint64
	recorded  uint64 // the Seq of the last event recorded
	feed      feed
	followers map[*follower]struct{}
	screens   []screen // per process, its recent output, for views
	viewers   map[*viewer]struct{}
	ended     bool          // the log has ended: the run is over
	over      chan struct{} // closed when ended is set
	progress  chan struct{} // closed, and replaced, at every event recorded

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	connMu    sync.Mutex
	conns     map[net.Conn]struct{}
	cut       bool // Close has ended the connections: their deadlines stay past
}

// geteuid is the user the server lets in; a test takes another.
var geteuid = os.Geteuid

// Serve starts answering requests on l with ctl and returns at once;
// ctl must not be nil.
func Serve(l *Listener, ctl Control, opts Options) *Server {
	s := &Server{
		l: l, ctl: ctl, opts: opts, uid: geteuid(),
		rings:     make([]ring, len(opts.Procs)+1),
		feed:      feed{total: make([]tally, len(opts.Procs)+1)},
		followers: map[*follower]struct{}{},
		screens:   make([]screen, len(opts.Procs)),
		viewers:   map[*viewer]struct{}{},
		progress:  make(chan struct{}),
		over:      make(chan struct{}),
		closing:   make(chan struct{}),
		conns:     map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.accept(l.ln) // l.ln is cleared when l is closed
	return s
}

// syncWait bounds how long sync waits for the recorder.
const syncWait = time.Second

// sync waits until every event published before it was called is
// recorded, so that the logs of a command's effects follow the command.
// Events are recorded as they are delivered, which a stuck view (a stdout
// nobody reads) holds back: sync gives up after syncWait.
func (s *Server) sync() {
	_, at := s.ctl.Snapshot()
	limit := time.NewTimer(syncWait)
	defer limit.Stop()
	for {
		s.mu.Lock()
		done, progress := s.recorded >= at || s.ended, s.progress
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-progress:
		case <-limit.C:
			return
		case <-s.closing:
			return
		}
	}
}

// Line keeps a line of the run's log for logs and its followers: the
// Server is a headless.Sink, the first of the run's Log. It takes a lock
// and copies the line into a ring; with followers, one copy for them all.
// It never waits on a client.
func (s *Server) Line(l headless.Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := l.About
	if slot < 0 || slot >= len(s.opts.Procs) {
		slot = len(s.opts.Procs) // the run's own
	}
	s.seq++
	s.rings[slot].line(s.seq, l.Time.UnixNano(), l.Text, l.Proc < 0)
	s.feed.push(slot, l.Proc < 0, l.Time, l.Text, len(s.followers) > 0)
	for f := range s.followers {
		if f.wants(slot) {
			f.wakeUp()
		}
	}
}

// Done notes that the lines of event e are kept, for sync.
func (s *Server) Done(e runner.Event) {
	if e.Seq == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = e.Seq
	close(s.progress)
	s.progress = make(chan struct{})
}

// End marks the run over, once every event is recorded: followers get
// what is left, then the end.
func (s *Server) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		close(s.over)
	}
	s.ended = true
	for f := range s.followers {
		f.wakeUp()
	}
	for v := range s.viewers {
		select {
		case v.wake <- struct{}{}:
		default:
		}
	}
}

// rows is every process as ps shows it, now.
func (s *Server) rows() []Proc {
	procs, _ := s.ctl.Snapshot()
	now := time.Now()
	rows := make([]Proc, len(procs))
	for i := range procs {
		rows[i] = s.row(i, &procs[i], now)
	}
	return rows
}

// row is process i, in state p, as ps shows it.
func (s *Server) row(i int, p *runner.Proc, now time.Time) Proc {
	info := s.opts.Procs[i]
	r := Proc{Name: info.Name, Type: info.Type, State: p.State.String(), PID: p.PID, Restarts: p.Restarts, Port: info.Port}
	if !p.Started.IsZero() {
		since := p.Started
		r.StartedAt = &since
	}
	if p.State == runner.StateSuspended && p.Suspend != 0 {
		name := runner.SignalName(p.Suspend)
		r.SuspendedBy = &name
	}
	if p.State.Live() {
		r.Uptime = now.Sub(p.Started).Round(time.Millisecond).Seconds()
	} else if !p.Ended.IsZero() && (!p.Started.IsZero() || p.Status.Err != nil) { // it ran, or failed to, and ended
		code := p.Status.ExitCode()
		r.ExitCode = &code
		if p.Status.Signal != 0 {
			name := runner.SignalName(p.Status.Signal)
			r.Signal = &name
		}
	}
	if info.Readiness != nil || info.ReadyLine != nil {
		ready := p.Ready
		r.Ready = &ready
		r.ProbeError = p.ProbeErr
	}
	r.WaitingFor, r.Blocked = p.Waiting, p.Blocked
	if u := p.Usage; p.State.Live() && !u.At.IsZero() {
		r.CPU, r.RSS, r.PSS, r.Procs = &u.CPU, &u.RSS, &u.PSS, u.Procs
	}
	return r
}

// Close stops accepting connections and removes the socket and its lock
// (so another composer may start), then gives open connections a moment
// to send their last lines (a quit is answered now) and ends them. It
// returns once every goroutine of the server has ended.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.l.Close()
		close(s.closing)
		cut := time.AfterFunc(closeGrace, func() {
			s.connMu.Lock()
			defer s.connMu.Unlock()
			s.cut = true
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
		full := len(s.conns) >= MaxConns
		if !full {
			s.conns[c] = struct{}{}
		}
		s.connMu.Unlock()
		if full {
			refuse(c, fmt.Errorf("too many connections (%d); try again later", MaxConns))
			continue
		}
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

// refuse answers c with err and closes it, without waiting on it: the
// accepting goroutine calls it.
func refuse(c *net.UnixConn, err error) {
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	b, _ := json.Marshal(Response{V: Version, Error: err.Error()})
	_, _ = c.Write(append(b, '\n'))
	c.Close()
}

// deadline sets c's read or write deadline d from now (none for 0),
// unless Close has cut the connections off.
func (s *Server) deadline(c *net.UnixConn, write bool, d time.Duration) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.cut {
		return
	}
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	if write {
		_ = c.SetWriteDeadline(t)
	} else {
		_ = c.SetReadDeadline(t)
	}
}

// conn writes responses on one connection. What is sent between two
// flushes must reach the client within writeTimeout, or the connection
// is given up.
type conn struct {
	s     *Server
	c     *net.UnixConn
	w     *bufio.Writer
	enc   *json.Encoder
	armed bool // the write deadline is set for what is being sent
	err   error
}

func (s *Server) newConn(c *net.UnixConn) *conn {
	w := bufio.NewWriter(c)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &conn{s: s, c: c, w: w, enc: enc}
}

// send writes r, buffered; flush sends it.
func (c *conn) send(r Response) {
	if c.err != nil {
		return
	}
	if !c.armed {
		c.s.deadline(c.c, true, writeTimeout)
		c.armed = true
	}
	r.V = Version
	c.err = c.enc.Encode(r)
}

// sendMissed tells a logs reader what it missed, if anything.
func (c *conn) sendMissed(m tally) {
	if m.lines > 0 {
		c.send(Response{Missed: m.lines, MissedBytes: m.bytes})
	}
}

func (c *conn) flush() error {
	if c.err == nil {
		c.err = c.w.Flush()
	}
	c.armed = false
	return c.err
}

func (c *conn) fail(err error) {
	var ue *UsageError
	c.send(Response{Error: err.Error(), Usage: errors.As(err, &ue)})
	c.flush()
}

func (s *Server) serveConn(uc *net.UnixConn) {
	c := s.newConn(uc)
	if err := s.checkPeer(uc); err != nil {
		c.fail(err)
		return
	}
	s.deadline(uc, false, requestTimeout)
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
	s.deadline(uc, false, 0)
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
	case CmdAttach:
		s.attach(c, uc)
	case CmdWrite, CmdResize:
		s.input(c, req)
	default:
		c.fail(usageErrorf("unknown command %q (expected ps, restart, stop, start, kill, logs, quit, attach, write or resize)", req.Cmd))
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
	all := s.rows()
	rows := make([]Proc, len(idx))
	for i, p := range idx {
		rows[i] = all[p]
	}
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
	procs, _ := s.ctl.Snapshot()
	before := procs[i]
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
	procs, _ = s.ctl.Snapshot()
	after := procs[i]
	res := Result{Name: name, Proc: s.row(i, &after, time.Now())}
	switch {
	case cmd == CmdKill && errors.Is(err, runner.ErrNotRunning):
		res.Message = name + " is not running; no signal sent"
	case err != nil:
		res.Error = err.Error()
		res.Message = name + ": " + res.Error
	default:
		res.Message = message(cmd, name, sig, &before, &after)
	}
	return res
}

// message says what an action did, in a line.
func message(cmd, name string, sig syscall.Signal, before, after *runner.Proc) string {
	switch cmd {
	case CmdKill:
		pid := before.PID
		if after.State.Live() && after.Restarts == before.Restarts {
			pid = after.PID
		}
		return fmt.Sprintf("sent %s to %s (pid %d)", runner.SignalName(sig), name, pid)
	case CmdStop:
		switch {
		case before.State == runner.StateWaiting:
			return name + " stopped waiting: it starts when asked"
		case !before.State.Live() && before.State != runner.StateRestarting:
			return name + " was not running"
		}
		return name + " stopped"
	}
	verb := "restarted"
	if cmd == CmdStart {
		verb = "started"
		switch {
		case before.State == runner.StateSuspended:
			return fmt.Sprintf("%s continued (pid %d)", name, after.PID)
		case before.State == runner.StateRunning && after.PID == before.PID:
			return fmt.Sprintf("%s is already running (pid %d)", name, after.PID)
		}
	}
	if after.State.Live() {
		return fmt.Sprintf("%s %s (pid %d)", name, verb, after.PID)
	}
	return fmt.Sprintf("%s %s, then %s", name, verb, after.Status)
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
