package control

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/composer-dev/composer/runner"
)

// View is a view attached to a running composer (Attach): its run's
// events as the runner gave them, and the commands a view sends, each
// over a connection of its own. It satisfies the interface's Control.
type View struct {
	path   string
	c      *Client
	procs  []ViewProc
	events chan runner.Event

	mu   sync.Mutex
	snap []runner.Proc // from ps, once a second: pids and what each uses

	ended     atomic.Bool // the composer said the run ended
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// Attach attaches a view to the composer serving the socket at path.
func Attach(path string) (*View, error) {
	c, err := Dial(path)
	if err != nil {
		return nil, err
	}
	if err := c.Send(Request{Cmd: CmdAttach}); err != nil {
		c.Close()
		return nil, err
	}
	r, err := c.Recv()
	switch {
	case err != nil:
		c.Close()
		return nil, err
	case r.Error != "":
		c.Close()
		return nil, &RemoteError{Msg: r.Error, Usage: r.Usage}
	case r.Attached == nil:
		c.Close()
		return nil, errors.New("attach: the composer answered with no processes")
	}
	v := &View{path: path, c: c, procs: r.Attached.Procs, events: make(chan runner.Event, 256), done: make(chan struct{})}
	v.wg.Add(2)
	go v.read()
	go v.poll()
	return v, nil
}

// Procs are the run's processes, in order.
func (v *View) Procs() []ViewProc { return v.procs }

// Events are the run's events from the moment the view attached: first
// each process's recent output and the events that bring it to its state
// now. They end when the run ends, the view is closed, or the connection
// is lost.
func (v *View) Events() <-chan runner.Event { return v.events }

// Ended reports whether Events ended because the run did, rather than
// because the view was closed or the connection lost.
func (v *View) Ended() bool { return v.ended.Load() }

// Close detaches the view; the run goes on. Events ends.
func (v *View) Close() {
	v.closeOnce.Do(func() {
		close(v.done)
		v.c.Close()
	})
	v.wg.Wait()
}

// read turns what the composer sends into events, until the end.
func (v *View) read() {
	defer v.wg.Done()
	defer close(v.events)
	n := len(v.procs)
	// By process: the last event the view has had, and the state it was
	// brought to, which later events may repeat. A state numbered 0 (its
	// last event was folded into another before it was numbered) is
	// always taken.
	applied := make([]uint64, n)
	synced := make([]uint64, n)
	send := func(e runner.Event) bool {
		select {
		case v.events <- e:
			return true
		case <-v.done:
			return false
		}
	}
	for {
		r, err := v.c.Recv()
		if err == nil && r.End {
			v.ended.Store(true)
		}
		if err != nil || r.End || r.Error != "" {
			return
		}
		for i, b := range r.Skipped {
			if b > 0 && i < n {
				note := fmt.Sprintf("\r\n\x1b[2m%s of output skipped: this view fell behind\x1b[m\r\n", byteCount(b))
				if !send(runner.Event{Kind: runner.Output, Proc: i, Name: v.procs[i].Name, Data: []byte(note)}) {
					return
				}
			}
		}
		if r.Event == nil {
			continue
		}
		e, err := r.Event.RunnerEvent(v.procs)
		if err != nil {
			continue // a kind this composer does not know: from a newer one
		}
		if e.Kind != runner.Output && e.Proc >= 0 {
			switch {
			case r.Event.Sync:
				if e.Seq != 0 && e.Seq <= applied[e.Proc] {
					continue // the view has it already
				}
				synced[e.Proc] = max(synced[e.Proc], e.Seq)
			case e.Seq != 0 && e.Seq <= synced[e.Proc]:
				continue // in the state the view was brought to
			default:
				applied[e.Proc] = e.Seq
			}
		}
		if !send(e) {
			return
		}
	}
}

// poll reads what each process uses once a second, for Snapshot.
func (v *View) poll() {
	defer v.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if r, err := v.do(Request{Cmd: CmdPS}); err == nil {
			now := time.Now()
			snap := make([]runner.Proc, len(r.Procs))
			for i, p := range r.Procs {
				snap[i].PID = p.PID
				if st, err := runner.ParseState(p.State); err == nil {
					snap[i].State = st
				}
				if p.CPU != nil && p.RSS != nil {
					u := runner.Usage{CPU: *p.CPU, RSS: *p.RSS, Procs: p.Procs, At: now}
					if p.PSS != nil {
						u.PSS = *p.PSS
					}
					snap[i].Usage = u
				}
			}
			v.mu.Lock()
			v.snap = snap
			v.mu.Unlock()
		}
		select {
		case <-t.C:
		case <-v.done:
			return
		}
	}
}

// do sends one request on a connection of its own and returns the first
// response, or the error it carries.
func (v *View) do(req Request) (*Response, error) {
	c, err := Dial(v.path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if r.Error != "" {
		return nil, &RemoteError{Msg: r.Error, Usage: r.Usage}
	}
	return r, nil
}

// act runs an action on one process and returns its error.
func (v *View) act(req Request) error {
	r, err := v.do(req)
	if err != nil {
		return err
	}
	for _, res := range r.Results {
		if res.Error != "" {
			return errors.New(res.Message)
		}
	}
	return nil
}

// The commands of a view, as the interface sends them.

func (v *View) Restart(name string) error {
	return v.act(Request{Cmd: CmdRestart, Names: []string{name}})
}
func (v *View) Stop(name string) error  { return v.act(Request{Cmd: CmdStop, Names: []string{name}}) }
func (v *View) Start(name string) error { return v.act(Request{Cmd: CmdStart, Names: []string{name}}) }
func (v *View) Signal(name string, sig syscall.Signal) error {
	return v.act(Request{Cmd: CmdKill, Names: []string{name}, Signal: runner.SignalName(sig)})
}
func (v *View) Resize(name string, cols, rows int) error {
	return v.act(Request{Cmd: CmdResize, Names: []string{name}, Cols: cols, Rows: rows})
}
func (v *View) Write(name string, p []byte) (int, error) {
	if err := v.act(Request{Cmd: CmdWrite, Names: []string{name}, Data: p}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Shutdown asks the composer to stop every process and end the run, as
// composer quit does; it does not wait. Kill asks again, which kills
// what is left.
func (v *View) Shutdown(string) { go func() { _, _ = v.do(Request{Cmd: CmdQuit}) }() }
func (v *View) Kill()           { v.Shutdown("") }

// Snapshot is each process's pid, state and what it uses, as last read.
func (v *View) Snapshot() ([]runner.Proc, uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]runner.Proc(nil), v.snap...), 0
}

// Own is not known to a view attached from elsewhere.
func (v *View) Own() runner.Usage { return runner.Usage{} }

func byteCount(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
