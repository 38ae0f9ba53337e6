package control

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
)

// attachConn attaches with a bare connection, returning a reader of its
// responses.
func (h *harness) attachConn() (net.Conn, func() Response) {
	h.t.Helper()
	c, err := net.Dial("unix", h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(`{"v":2,"cmd":"attach"}` + "\n")); err != nil {
		h.t.Fatal(err)
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(nil, 16<<20)
	return c, func() Response {
		h.t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if !sc.Scan() {
			h.t.Fatalf("no response: %v", sc.Err())
		}
		var r Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			h.t.Fatalf("response %q: %v", sc.Text(), err)
		}
		return r
	}
}

func TestAttach(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10, Time: time.Now()})
	h.ctl.send(output(0, "\x1b[31mbefore\x1b[m\r\n"))
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 12, Time: time.Now()})
	h.ctl.send(runner.Event{Kind: runner.Exited, Proc: 2, State: runner.StateExited, Status: runner.Status{Code: 3}, Time: time.Now()})
	h.srv.sync()

	_, next := h.attachConn()
	r := next()
	if r.Attached == nil || len(r.Attached.Procs) != 3 || r.Attached.Procs[0].Name != "web.1" || r.Attached.Procs[2].Port != 5100 {
		t.Fatalf("first response %+v, want the processes", r)
	}
	// Recent output as it came, then every process's state.
	var got []string
	for len(got) < 3 {
		e := next().Event
		if e == nil {
			continue
		}
		got = append(got, strings.TrimSpace(e.Kind+" "+e.State+" "+strings.TrimSpace(string(e.Data))))
	}
	want := []string{"output  \x1b[31mbefore\x1b[m", "started running", "exited exited"} // no start for what has ended
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("start of the stream:\n%q\nwant\n%q", got, want)
	}

	// Then events as they come.
	h.ctl.send(output(0, "after\r\n"))
	for {
		e := next().Event
		if e != nil && e.Kind == "output" && string(e.Data) == "after\r\n" && e.Proc == 0 {
			break
		}
	}
	h.ctl.send(runner.Event{Kind: runner.Exited, Proc: 0, State: runner.StateRestarting, Status: runner.Status{Signal: 9}, Delay: 2 * time.Second})
	e := next().Event
	ev, err := e.RunnerEvent(r.Attached.Procs)
	if err != nil || ev.Kind != runner.Exited || ev.State != runner.StateRestarting || ev.Status.Signal != 9 || ev.Delay != 2*time.Second || ev.Name != "web.1" {
		t.Errorf("exit event %+v (%v), want web.1 killed by signal 9, restarting in 2s", ev, err)
	}

	// Typing and resizing reach the process's terminal.
	for _, line := range []string{`{"v":2,"cmd":"write","names":["web.1"],"data":"aGkK"}`, `{"v":2,"cmd":"resize","names":["worker"],"cols":100,"rows":30}`} {
		if rs := h.raw(line); len(rs) != 1 || rs[0].Error != "" {
			t.Errorf("%s: %+v", line, rs)
		}
	}
	for _, call := range []string{`write web.1 "hi\n"`, "resize worker 100x30"} {
		if !h.ctl.called(call) {
			t.Errorf("the control was not asked to %s: %q", call, h.ctl.calls)
		}
	}
	for line, want := range map[string]string{
		`{"v":2,"cmd":"write","names":["web*"],"data":"aGkK"}`:         "write takes one process, not 2",
		`{"v":2,"cmd":"resize","names":["worker"],"cols":0,"rows":30}`: "resize worker: 0×30: expected 1 to 10000 columns and rows",
	} {
		if rs := h.raw(line); len(rs) != 1 || rs[0].Error != want || !rs[0].Usage {
			t.Errorf("%s: %+v, want the usage error %q", line, rs, want)
		}
	}
}

// A view that reads nothing is skipped ahead: the run never waits for it,
// and once it reads it is told what it missed and brought to the state.
func TestAttachSkipsAhead(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 1, PID: 11, Time: time.Now()})
	_, next := h.attachConn()
	if r := next(); r.Attached == nil { // the view is registered before it is told
		t.Fatalf("first response %+v", r)
	}
	chunk := strings.Repeat("x", 64<<10)
	for range 2*ViewerBytes/len(chunk) + 32 {
		h.ctl.send(output(1, chunk))
	}
	h.ctl.send(runner.Event{Kind: runner.Exited, Proc: 1, State: runner.StateExited, Status: runner.Status{Code: 1}})
	h.srv.sync()
	// It may be skipped ahead more than once while the test reads.
	skipped := make([]int, 3)
	var states []string // since the last skip
	for {
		r := next()
		if r.Skipped != nil {
			for i, n := range r.Skipped {
				skipped[i] += n
			}
			states = []string{}
		}
		if e := r.Event; e != nil && e.Kind != "output" && states != nil {
			states = append(states, e.Kind+" "+e.State)
			if e.Kind == "exited" {
				break
			}
		}
	}
	if skipped[1] < 1<<20 || skipped[0] != 0 || skipped[2] != 0 {
		t.Errorf("skipped %v, want megabytes of web.2's output and none of the others'", skipped)
	}
	if states[len(states)-1] != "exited exited" {
		t.Errorf("after the skip: %q, want web.2's state now, exited", states)
	}
}

// A View turns the stream back into the runner's events, and sends the
// interface's commands.
func TestView(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10, Time: time.Now()})
	h.ctl.send(output(0, "hello\r\n"))
	h.srv.sync()
	v, err := Attach(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if len(v.Procs()) != 3 {
		t.Fatalf("procs %+v", v.Procs())
	}
	var out bytes.Buffer
	seen := func(ok func(e runner.Event) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case e := <-v.Events():
				if e.Kind == runner.Output {
					out.Write(e.Data)
				}
				if ok(e) {
					return
				}
			case <-deadline:
				t.Fatalf("timed out; output %q", out.String())
			}
		}
	}
	seen(func(e runner.Event) bool { return e.Kind == runner.Started && e.PID == 10 })
	if out.String() != "hello\r\n" {
		t.Errorf("output before the state: %q", out.String())
	}
	if err := v.Restart("web.1"); err != nil {
		t.Fatal(err)
	}
	seen(func(e runner.Event) bool { return e.Kind == runner.Started && e.Restarts == 1 })
	if _, err := v.Write("web.1", []byte("ls\r")); err != nil || !h.ctl.called(`write web.1 "ls\r"`) {
		t.Errorf("Write: %v; calls %q", err, h.ctl.calls)
	}
	if err := v.Resize("nope", 10, 10); err == nil {
		t.Error("Resize of an unknown process did not fail")
	}
	v.Close()
	for range v.Events() {
	}
}

func (f *fakeControl) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

// A View whose events are not taken is skipped ahead, and its pane is
// told what it missed.
func TestViewSkipped(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 1, PID: 11, Time: time.Now()})
	h.srv.sync()
	v, err := Attach(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	// More than the view's queue, its events channel and the socket hold.
	chunk := strings.Repeat("y", 4<<10-1) + "\n"
	for range (ViewerBytes + 256*len(chunk) + 2<<20) / len(chunk) {
		h.ctl.send(output(1, chunk))
	}
	h.srv.sync()
	var note bool
	deadline := time.After(20 * time.Second)
	for !note {
		select {
		case e := <-v.Events():
			note = e.Kind == runner.Output && e.Proc == 1 && bytes.Contains(e.Data, []byte("of output skipped: this view fell behind"))
		case <-deadline:
			t.Fatal("the view was not told it skipped")
		}
	}
	// Then it goes on with what comes.
	h.ctl.send(output(1, "the next line\r\n"))
	for {
		select {
		case e := <-v.Events():
			if e.Kind == runner.Output && string(e.Data) == "the next line\r\n" {
				return
			}
		case <-deadline:
			t.Fatal("the view got nothing after the skip")
		}
	}
}
