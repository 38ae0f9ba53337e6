package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/composer-dev/composer/runner"
)

// A view attaches (attach): it is sent the processes, then each one's
// recent output as it came from its terminal and its state, as events,
// then every event of the run as it comes, output included, until the
// run ends or the view leaves. The server keeps each process's last
// ScreenBytes of output for it, as an observer of the runner (Event).
//
// A view never holds up the run: each has a queue of its own, and one
// that falls more than ViewerBytes behind is skipped ahead: its queue is
// dropped, and once it reads again it is told how much output it missed
// (Response.Skipped) and sent every process's state as it is now.
const (
	ScreenBytes = 64 << 10
	ViewerBytes = 4 << 20
	MaxViewers  = 16
)

// screen is a process's recent output, raw, in a circular buffer that
// grows to ScreenBytes.
type screen struct {
	buf   []byte
	start int // where the oldest byte is, once full
	full  bool
}

func (s *screen) write(p []byte) {
	if len(p) > ScreenBytes {
		p = p[len(p)-ScreenBytes:]
	}
	if !s.full {
		if len(s.buf)+len(p) <= ScreenBytes {
			s.buf = append(s.buf, p...)
			return
		}
		// Full from now on: start is where the next byte goes, and the
		// oldest is.
		grown := make([]byte, ScreenBytes)
		s.start = copy(grown, s.buf)
		s.buf, s.full = grown, true
	}
	for len(p) > 0 {
		k := copy(s.buf[s.start:], p)
		p = p[k:]
		s.start = (s.start + k) % ScreenBytes
	}
}

// bytes is a copy of what is held, oldest first.
func (s *screen) bytes() []byte {
	if !s.full {
		return append([]byte(nil), s.buf...)
	}
	return append(append([]byte(nil), s.buf[s.start:]...), s.buf[:s.start]...)
}

// viewer is an attached view's queue. It is owned by Server.mu.
type viewer struct {
	queue   [][]byte // encoded responses, each a line
	bytes   int
	behind  bool  // its queue was dropped: skip ahead
	skipped []int // output bytes it missed, by process
	wake    chan struct{}
}

func (v *viewer) push(msg []byte, e *runner.Event) {
	if !v.behind && v.bytes+len(msg) > ViewerBytes {
		v.behind = true
		v.queue, v.bytes = nil, 0
	}
	if v.behind {
		if e.Kind == runner.Output && e.Proc >= 0 && e.Proc < len(v.skipped) {
			v.skipped[e.Proc] += len(e.Data)
		}
	} else {
		v.queue = append(v.queue, msg)
		v.bytes += len(msg)
	}
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Event keeps e for views: the Server is an observer of the runner
// (runner.Observe), and this is how it sees each process's output as it
// came. It never waits on a view.
func (s *Server) Event(e runner.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Kind == runner.Output && e.Proc >= 0 && e.Proc < len(s.screens) {
		s.screens[e.Proc].write(e.Data)
	}
	if len(s.viewers) == 0 {
		return
	}
	msg := encode(Response{Event: wireEvent(&e)})
	for v := range s.viewers {
		v.push(msg, &e)
	}
}

func encode(r Response) []byte {
	r.V = Version
	b, _ := json.Marshal(r)
	return append(b, '\n')
}

// attach serves a view until the run ends, the view leaves, or the
// server closes.
func (s *Server) attach(c *conn, uc *net.UnixConn) {
	v := &viewer{skipped: make([]int, len(s.opts.Procs)), wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if len(s.viewers) >= MaxViewers {
		s.mu.Unlock()
		c.fail(fmt.Errorf("too many views attached (%d); try again later", MaxViewers))
		return
	}
	// What the view starts from and what it is sent next are taken under
	// one lock: every byte of output is in the first or in the second.
	start := [][]byte{encode(Response{Attached: s.attached()})}
	for i := range s.screens {
		if b := s.screens[i].bytes(); len(b) > 0 {
			start = append(start, encode(Response{Event: &Event{Kind: runner.Output.String(), Proc: i, Data: b}}))
		}
	}
	start = append(start, s.stateEvents()...)
	s.viewers[v] = struct{}{}
	ended := s.ended
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.viewers, v)
		s.mu.Unlock()
	}()
	if !c.write(start) {
		return
	}
	gone, done := make(chan struct{}), make(chan struct{})
	defer close(done)
	go func() {
		// A view sends nothing more: its leaving ends the read. One that
		// only shut its side for writing (socat at the end of its input)
		// still watches, until it closes altogether.
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
	for {
		s.mu.Lock()
		queue, skipped := v.queue, []int(nil)
		v.queue, v.bytes = nil, 0
		if v.behind {
			v.behind = false
			skipped = append(skipped, v.skipped...)
			clear(v.skipped)
			queue = append([][]byte{encode(Response{Skipped: skipped})}, s.stateEvents()...)
		}
		ended = ended || s.ended && len(queue) == 0
		s.mu.Unlock()
		if ended {
			c.send(Response{End: true})
			c.flush()
			return
		}
		if !c.write(queue) {
			return
		}
		select {
		case <-v.wake: // an event
		case <-s.over: // the end of the run: what is left, then the end
		case <-gone:
			return
		case <-s.closing:
			c.send(Response{End: true})
			c.flush()
			return
		}
	}
}

// write sends encoded responses and flushes them.
func (c *conn) write(lines [][]byte) bool {
	for _, l := range lines {
		if c.err != nil {
			break
		}
		if !c.armed {
			c.s.deadline(c.c, true, writeTimeout)
			c.armed = true
		}
		_, c.err = c.w.Write(l)
	}
	return c.flush() == nil
}

// attached is the run as a view is told it. s.mu is held.
func (s *Server) attached() *Attached {
	a := &Attached{}
	for _, p := range s.opts.Procs {
		a.Procs = append(a.Procs, ViewProc{Name: p.Name, Type: p.Type, Port: p.Port, NoTTY: p.NoTTY,
			Readiness: p.Readiness != nil || p.ReadyLine != nil})
	}
	return a
}

// stateEvents are the events that bring a view to every process's state
// now, each numbered with the last event that process had. s.mu is held.
func (s *Server) stateEvents() [][]byte {
	procs, _ := s.ctl.Snapshot()
	var out [][]byte
	for i := range procs {
		for _, e := range StateEvents(i, &procs[i]) {
			w := wireEvent(&e)
			w.Sync = true
			out = append(out, encode(Response{Event: w}))
		}
	}
	return out
}

// StateEvents are the events that take a process from pending to p, as
// far as a view shows: each numbered p.Seq.
func StateEvents(i int, p *runner.Proc) []runner.Event {
	ev := func(k runner.Kind) runner.Event {
		return runner.Event{Kind: k, Proc: i, Name: p.Name, Seq: p.Seq, State: p.State, PID: p.PID, Restarts: p.Restarts}
	}
	var out []runner.Event
	if !p.Started.IsZero() && (p.State.Live() || p.State == runner.StateStopping) {
		e := ev(runner.Started)
		e.Time, e.State = p.Started, runner.StateRunning
		out = append(out, e)
	}
	switch p.State {
	case runner.StatePending:
	case runner.StateRunning:
	case runner.StateStopping:
		out = append(out, ev(runner.Signaled))
	case runner.StateSuspended:
		e := ev(runner.Suspended)
		e.Signal = p.Suspend
		out = append(out, e)
	case runner.StateWaiting:
		e := ev(runner.Waiting)
		e.Waiting, e.Reason = p.Waiting, p.Blocked
		out = append(out, e)
	case runner.StateRestarting, runner.StateExited, runner.StateStopped, runner.StateGivenUp:
		e := ev(runner.Exited)
		e.Time, e.Status = p.Ended, p.Status
		if !p.Due.IsZero() {
			e.Delay = p.Due.Sub(p.Ended)
		}
		out = append(out, e)
	}
	if p.State.Live() && (p.Ready || p.ProbeErr != "") {
		// Proc.ProbeErr is "PROBE: why", or "liveness PROBE: why".
		if rest, ok := strings.CutPrefix(p.ProbeErr, "liveness "); ok {
			if p.Ready {
				e := ev(runner.Ready)
				e.Ready, e.Probe = true, p.Probe
				out = append(out, e)
			}
			e := ev(runner.Unhealthy)
			e.Probe, e.ProbeErr, _ = strings.Cut(rest, ": ")
			out = append(out, e)
		} else {
			e := ev(runner.Ready)
			e.Ready, e.Probe = p.Ready, p.Probe
			if why, ok := strings.CutPrefix(p.ProbeErr, p.Probe+": "); ok {
				e.ProbeErr = why
			} else if p.ProbeErr != "" {
				e.Probe, e.ProbeErr, _ = strings.Cut(p.ProbeErr, ": ")
			}
			out = append(out, e)
		}
	}
	return out
}

// wireEvent is e as sent.
func wireEvent(e *runner.Event) *Event {
	w := &Event{Seq: e.Seq, Kind: e.Kind.String(), Proc: e.Proc, Time: e.Time, PID: e.PID, Restarts: e.Restarts,
		Code: e.Status.Code, Signal: int(e.Status.Signal), Delay: e.Delay.Seconds(), Reason: e.Reason, Data: e.Data,
		Waiting: e.Waiting, Ready: e.Ready, Probe: e.Probe, ProbeErr: e.ProbeErr, Failures: e.Failures, Took: e.Took.Seconds()}
	if e.Kind != runner.Output {
		w.State = e.State.String()
	}
	if e.Kind == runner.Signaled || e.Kind == runner.Suspended {
		w.Signal = int(e.Signal)
	}
	if e.Status.Err != nil {
		w.Err = e.Status.Err.Error()
	}
	return w
}

// RunnerEvent is w as the runner said it, for procs.
func (w *Event) RunnerEvent(procs []ViewProc) (runner.Event, error) {
	k, err := runner.ParseKind(w.Kind)
	if err != nil {
		return runner.Event{}, err
	}
	if w.Proc < -1 || w.Proc >= len(procs) {
		return runner.Event{}, fmt.Errorf("event of process %d: there are %d", w.Proc, len(procs))
	}
	e := runner.Event{Seq: w.Seq, Kind: k, Proc: w.Proc, Time: w.Time, PID: w.PID, Restarts: w.Restarts,
		Delay: seconds(w.Delay), Reason: w.Reason, Data: w.Data, Waiting: w.Waiting, Ready: w.Ready,
		Probe: w.Probe, ProbeErr: w.ProbeErr, Failures: w.Failures, Took: seconds(w.Took)}
	if w.Proc >= 0 {
		e.Name = procs[w.Proc].Name
	}
	if w.State != "" {
		if e.State, err = runner.ParseState(w.State); err != nil {
			return runner.Event{}, err
		}
	}
	switch k {
	case runner.Signaled, runner.Suspended:
		e.Signal = syscall.Signal(w.Signal)
	case runner.Exited:
		e.Status = runner.Status{Code: w.Code, Signal: syscall.Signal(w.Signal)}
		if w.Err != "" {
			e.Status.Err = errors.New(w.Err)
		}
	case runner.Started, runner.Output, runner.Idle, runner.ShuttingDown, runner.Resumed, runner.Waiting, runner.Ready, runner.Unhealthy:
	}
	return e, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// input types into one process's terminal, or resizes it.
func (s *Server) input(c *conn, req Request) {
	idx, err := s.targets(req.Names, false)
	if err == nil && len(idx) != 1 {
		err = usageErrorf("%s takes one process, not %d", req.Cmd, len(idx))
	}
	if err != nil {
		c.fail(err)
		return
	}
	name := s.opts.Procs[idx[0]].Name
	if req.Cmd == CmdResize {
		if req.Cols < 1 || req.Rows < 1 || req.Cols > 10000 || req.Rows > 10000 {
			c.fail(usageErrorf("resize %s: %d×%d: expected 1 to 10000 columns and rows", name, req.Cols, req.Rows))
			return
		}
		err = s.ctl.Resize(name, req.Cols, req.Rows)
	} else {
		_, err = s.ctl.Write(name, req.Data)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.send(Response{Results: []Result{{Name: name}}})
	c.flush()
}
