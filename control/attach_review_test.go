package control

import (
	"bufio"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
)

// The runner's snapshot holds Seq 0 for a process whose suspend was
// undone before being seen (runner.publishChange): a View still takes
// that process's state.
func TestViewStateNumberedZero(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10, Time: time.Now()})
	h.srv.sync()
	h.ctl.mu.Lock()
	h.ctl.procs[0].Seq = 0 // as publishChange leaves it
	h.ctl.mu.Unlock()
	v, err := Attach(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case e := <-v.Events():
			if e.Kind == runner.Started && e.Proc == 0 {
				return
			}
		case <-deadline:
			t.Fatal("the view never learnt that web.1 runs (pid 10)")
		}
	}
}

// A probe's error, readiness or liveness, is in the state a view is
// brought to.
func TestStateEventsProbeErrors(t *testing.T) {
	p := runner.Proc{Name: "db", State: runner.StateRunning, PID: 3, Started: time.Now(), Probe: "tcp :5432", ProbeErr: "tcp :5432: connection refused", Seq: 4}
	var q runner.Proc
	q.Name = "db"
	for _, e := range StateEvents(0, &p) {
		q.Apply(e)
	}
	if q.ProbeErr != p.ProbeErr {
		t.Errorf("view's ProbeErr %q, want %q", q.ProbeErr, p.ProbeErr)
	}
	p2 := runner.Proc{Name: "db", State: runner.StateRunning, PID: 3, Started: time.Now(), Ready: true, Probe: "tcp :5432", ProbeErr: "liveness http :80/health: 500", Seq: 4}
	var q2 runner.Proc
	for _, e := range StateEvents(0, &p2) {
		q2.Apply(e)
	}
	if q2.ProbeErr != p2.ProbeErr {
		t.Errorf("view's ProbeErr %q, want %q (liveness)", q2.ProbeErr, p2.ProbeErr)
	}
}

// A view that shuts its write side after the request (socat, nc -N)
// still gets what comes, as logs -f does. (The pause lets the server read
// the end of the request before the line is sent.)
func TestAttachHalfClosed(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := net.Dial("unix", h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(`{"v":2,"cmd":"attach"}` + "\n"))
	c.(*net.UnixConn).CloseWrite()
	sc := bufio.NewScanner(c)
	sc.Buffer(nil, 1<<20)
	sc.Scan() // attached
	time.Sleep(200 * time.Millisecond)
	h.ctl.send(output(0, "after the half-close\n"))
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
		if strings.Contains(sc.Text(), "YWZ0ZXIgdGhlIGhhbGYtY2xvc2UK") {
			return
		}
	}
	t.Fatalf("half-closed view got %q then %v", got, sc.Err())
}

// A view is told the run ended when it ends, even when an event's wake
// was pending as it did: not only once the server closes. (The pauses
// set that moment up.)
func TestAttachEndsWithTheRun(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := net.Dial("unix", h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(`{"v":2,"cmd":"attach"}` + "\n"))
	time.Sleep(100 * time.Millisecond)
	chunk := strings.Repeat("z", 32<<10)
	for range 40 { // ~1.7 MiB encoded: the socket fills, the loop waits in write
		h.ctl.send(output(0, chunk))
	}
	h.srv.sync()
	time.Sleep(100 * time.Millisecond)
	h.ctl.send(output(0, "last\n")) // queued, wake pending
	h.once.Do(func() {
		close(h.events)
		for range h.seen {
		}
	})
	defer h.srv.Close()
	sc := bufio.NewScanner(c)
	sc.Buffer(nil, 16<<20)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for sc.Scan() {
		var r Response
		json.Unmarshal(sc.Bytes(), &r)
		if r.End {
			return
		}
	}
	t.Fatalf("no end 3s after the run ended (server still open): %v", sc.Err())
}
