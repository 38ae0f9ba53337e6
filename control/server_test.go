package control

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeControl records the commands it gets and, for each, sends the
// events a runner would before replying.
type fakeControl struct {
	mu     sync.Mutex
	calls  []string
	events chan<- runner.Event
	pid    int
	seq    uint64
	procs  []runner.Proc
}

// send numbers e and sends it, as a runner publishes an event.
func (f *fakeControl) send(e runner.Event) {
	f.mu.Lock()
	f.seq++
	e.Seq = f.seq
	if f.procs == nil {
		f.procs = make([]runner.Proc, len(testProcs))
	}
	if e.Proc >= 0 && e.Proc < len(f.procs) {
		f.procs[e.Proc].Apply(e)
	}
	f.mu.Unlock()
	f.events <- e
}

// do records call and sends evs.
func (f *fakeControl) do(call string, evs ...runner.Event) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	for _, e := range evs {
		f.send(e)
	}
	return nil
}

func (f *fakeControl) Snapshot() ([]runner.Proc, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.procs == nil {
		f.procs = make([]runner.Proc, len(testProcs))
	}
	return append([]runner.Proc(nil), f.procs...), f.seq
}

func (f *fakeControl) Restart(name string) error {
	f.mu.Lock()
	f.pid++
	pid := f.pid
	f.mu.Unlock()
	return f.do("restart "+name,
		runner.Event{Kind: runner.Exited, Proc: 0, Name: name, State: runner.StateStopped, Status: runner.Status{Signal: syscall.SIGTERM}},
		runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, Name: name, PID: pid, Restarts: 1, Time: time.Now()})
}
func (f *fakeControl) Stop(name string) error { return f.do("stop " + name) }
func (f *fakeControl) Resize(name string, cols, rows int) error {
	return f.do(fmt.Sprintf("resize %s %dx%d", name, cols, rows))
}
func (f *fakeControl) Write(name string, p []byte) (int, error) {
	return len(p), f.do(fmt.Sprintf("write %s %q", name, p))
}
func (f *fakeControl) Start(name string) error { return f.do("start " + name) }
func (f *fakeControl) Signal(name string, sig syscall.Signal) error {
	_ = f.do(fmt.Sprintf("signal %s %s", name, runner.SignalName(sig)))
	procs, _ := f.Snapshot()
	for i, p := range testProcs {
		if p.Name == name && !procs[i].State.Live() {
			return runner.ErrNotRunning
		}
	}
	return nil
}

var testProcs = []runner.Spec{
	{Name: "web.1", Type: "web", PS: "web.1", Port: 5000},
	{Name: "web.2", Type: "web", PS: "web.2", Port: 5001},
	{Name: "worker", Type: "worker", PS: "worker.1", Port: 5100},
}

// harness is a server fed by a channel the test writes, its view drained.
type harness struct {
	t      *testing.T
	path   string
	srv    *Server
	ctl    *fakeControl
	events chan runner.Event
	seen   chan runner.Event
	once   sync.Once
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, path: path, events: make(chan runner.Event, 64), seen: make(chan runner.Event, 100000)}
	h.ctl = &fakeControl{events: h.events, pid: 100}
	if opts.Procs == nil {
		opts.Procs = testProcs
	}
	var out <-chan runner.Event
	h.srv, out = serveLogged(l, h.ctl, opts, h.events)
	go func() {
		for e := range out {
			h.seen <- e
		}
		close(h.seen)
	}()
	t.Cleanup(h.close)
	return h
}

// serveLogged serves as a run does: the server the first sink of the
// run's Log, which an observer of the runner feeds the events of in. The
// events come out on the channel returned after the Log has had them; the
// server is ended after the last.
func serveLogged(l *Listener, ctl Control, opts Options, in <-chan runner.Event) (*Server, <-chan runner.Event) {
	log := headless.NewLog(headless.Options{Procs: opts.Procs, Timeout: time.Second})
	opts.Hold = log.Hold
	srv := Serve(l, ctl, opts)
	log.Add(srv)
	out := make(chan runner.Event, cap(in))
	go func() {
		defer close(out)
		for e := range in {
			srv.Event(e)
			log.Event(e)
			out <- e
		}
		log.Close()
		srv.End()
	}()
	return srv, out
}

// close ends the events, then the server, once.
func (h *harness) close() {
	h.once.Do(func() {
		close(h.events)
		for range h.seen {
		}
		h.srv.Close()
	})
}

// raw sends line and returns the responses, read to the end.
func (h *harness) raw(line string) []Response {
	h.t.Helper()
	c, err := net.Dial("unix", h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close()
	// A refusing server may close before the line is written: read anyway.
	_, _ = c.Write([]byte(line + "\n"))
	var out []Response
	sc := bufio.NewScanner(c)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			h.t.Fatalf("response %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		line, want string
		usage      bool
	}{
		{`{"v":3,"cmd":"ps"}`, "protocol version 3 is not supported (this composer speaks version 2)", true},
		{`{"v":1,"cmd":"ps"}`, "protocol version 1 is not supported (this composer speaks version 2)", true},
		{`{"cmd":"ps"}`, "protocol version 0 is not supported (this composer speaks version 2)", true},
		{`{"v":2,"cmd":"dance"}`, `unknown command "dance" (expected ps, restart, stop, start, kill, logs, quit, attach, write or resize)`, true},
		{`ps`, "bad request: invalid character 'p' looking for beginning of value", true},
		{`{"v":2,"cmd":"restart"}`, "name the processes (or all); valid: all, web, web.1, web.2, worker", true},
		{`{"v":2,"cmd":"stop","names":["db"]}`, `unknown process "db" (valid: all, web, web.1, web.2, worker)`, true},
		{`{"v":2,"cmd":"kill","names":["web"],"signal":"TREM"}`, `unknown signal "TREM" (expected a name like TERM, INT, QUIT, or a number)`, true},
		{`{"v":2,"cmd":"stop","names":["[web"]}`, `bad pattern "[web": syntax error in pattern`, true},
		{`{"v":2,"cmd":"logs","lines":-1}`, `lines -1: expected a number ≥ 0`, true},
		{`{"v":2,"cmd":"quit"}`, `quit is not available here`, false},
	}
	for _, tt := range tests {
		rs := h.raw(tt.line)
		if len(rs) != 1 || rs[0].Error != tt.want || rs[0].Usage != tt.usage || rs[0].V != Version {
			t.Errorf("%s: got %+v, want one response with error %q (usage %v)", tt.line, rs, tt.want, tt.usage)
		}
	}
	if len(h.ctl.calls) != 0 {
		t.Errorf("bad requests acted: %v", h.ctl.calls)
	}
	if rs := h.raw(strings.Repeat("x", maxRequest+10)); len(rs) != 1 || !strings.Contains(rs[0].Error, "longer than") {
		t.Errorf("a huge request: %+v", rs)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		names []string
		want  []int
	}{
		{[]string{"all"}, []int{0, 1, 2}},
		{[]string{"web"}, []int{0, 1}},
		{[]string{"web.2"}, []int{1}},
		{[]string{"w*"}, []int{0, 1, 2}},
		{[]string{"web*"}, []int{0, 1}},
		{[]string{"worker.1"}, []int{2}},
		{[]string{"worker", "web.1"}, []int{0, 2}},
	}
	for _, tt := range tests {
		got, err := match(testProcs, tt.names)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("match(%q) = %v, %v; want %v", tt.names, got, err, tt.want)
		}
	}
}

func TestPeerCheck(t *testing.T) {
	if err := allowPeer(1000, 1000); err != nil {
		t.Errorf("allowPeer(1000, 1000) = %v", err)
	}
	if err := allowPeer(0, 1000); err == nil || err.Error() != "permission denied: this composer accepts only its own user (uid 1000), not uid 0" {
		t.Errorf("allowPeer(0, 1000) = %v", err)
	}
	// A real connection, from a user the server takes for another.
	geteuid = func() int { return os.Geteuid() + 1 }
	h := newHarness(t, Options{})
	geteuid = os.Geteuid
	rs := h.raw(`{"v":2,"cmd":"stop","names":["all"]}`)
	want := fmt.Sprintf("permission denied: this composer accepts only its own user (uid %d), not uid %d", os.Geteuid()+1, os.Geteuid())
	if len(rs) != 1 || rs[0].Error != want {
		t.Errorf("got %+v, want %q", rs, want)
	}
	if len(h.ctl.calls) != 0 {
		t.Errorf("a refused peer acted: %v", h.ctl.calls)
	}
}

// An action is answered with the state it left, though the events that
// tell it are still on their way through the tee.
func TestActionSeesItsEvents(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, Name: "web.1", PID: 100, Time: time.Now()})
	for i := range 200 {
		c, err := Dial(h.path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Do(Request{Cmd: CmdRestart, Names: []string{"web.1"}})
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := r.Results[0]
		want := fmt.Sprintf("web.1 restarted (pid %d)", 101+i)
		if got.Message != want || got.Proc.PID != 101+i || got.Proc.State != "running" {
			t.Fatalf("restart %d: %+v, want %q", i, got, want)
		}
	}
}

func TestActions(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Do(Request{Cmd: CmdKill, Names: []string{"web"}, Signal: "HUP"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 2 || r.Results[0].Message != "web.1 is not running; no signal sent" {
		t.Errorf("kill: %+v", r.Results)
	}
	h.ctl.mu.Lock()
	calls := strings.Join(h.ctl.calls, ",")
	h.ctl.mu.Unlock()
	if calls != "signal web.1 SIGHUP,signal web.2 SIGHUP" && calls != "signal web.2 SIGHUP,signal web.1 SIGHUP" {
		t.Errorf("calls: %s", calls)
	}
}

func TestQuitAnsweredAtClose(t *testing.T) {
	quit := make(chan struct{}, 1)
	h := newHarness(t, Options{Quit: func() { quit <- struct{}{} }})
	c, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answered := make(chan error, 1)
	go func() {
		r, err := c.Do(Request{Cmd: CmdQuit})
		if err == nil && !r.End {
			err = errors.New("no end")
		}
		answered <- err
	}()
	<-quit
	select {
	case err := <-answered:
		t.Fatalf("quit answered before the run ended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	h.close()
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(h.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket is still there after Close: %v", err)
	}
}

func TestPS(t *testing.T) {
	h := newHarness(t, Options{})
	t0 := time.Now().Add(-90 * time.Second)
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10, Time: t0})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 12, Time: t0})
	h.ctl.send(runner.Event{Kind: runner.Exited, Proc: 2, State: runner.StateRestarting, Restarts: 0, Status: runner.Status{Code: 3}, Time: t0})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 13, Restarts: 1, Time: t0})
	h.ctl.send(runner.Event{Kind: runner.Exited, Proc: 2, State: runner.StateExited, Restarts: 1, Status: runner.Status{Signal: syscall.SIGKILL}, Time: t0})
	h.ctl.send(runner.Event{Kind: runner.Waiting, Proc: 1, State: runner.StateWaiting, Waiting: []string{"db (healthy)"}, Reason: "db was given up", Time: t0})
	h.srv.sync()
	rs := h.raw(`{"v":2,"cmd":"ps"}`)
	if len(rs) != 1 || len(rs[0].Procs) != 3 {
		t.Fatalf("ps: %+v", rs)
	}
	b, _ := json.Marshal(rs[0].Procs)
	got := string(b)
	for _, want := range []string{
		`{"name":"web.1","type":"web","state":"running","pid":10,"restarts":0,"port":5000,"exit_code":null,"signal":null,"suspended_by":null,"started_at":"`,
		`{"name":"web.2","type":"web","state":"waiting","pid":0,"restarts":0,"port":5001,"exit_code":null,"signal":null,"suspended_by":null,"started_at":null,"uptime":0,"ready":null,"waiting_for":["db (healthy)"],"blocked":"db was given up","cpu":null,"rss":null,"pss":null}`,
		`{"name":"worker","type":"worker","state":"exited","pid":0,"restarts":1,"port":5100,"exit_code":137,"signal":"SIGKILL","suspended_by":null,"started_at":"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ps lacks %s:\n%s", want, got)
		}
	}
	if up := rs[0].Procs[0].Uptime; up < 90 || up > 200 {
		t.Errorf("uptime %v, want about 90s", up)
	}
	if rs := h.raw(`{"v":2,"cmd":"ps","names":["worker"]}`); len(rs[0].Procs) != 1 || rs[0].Procs[0].Name != "worker" {
		t.Errorf("ps worker: %+v", rs)
	}
}

// Close ends the server while clients come and go, and a follower that
// reads nothing cannot hold it up for long.
func TestCloseWhileBusy(t *testing.T) {
	h := newHarness(t, Options{})
	stuck, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if _, err := stuck.Do(Request{Cmd: CmdLogs, Follow: true}); err != nil {
		t.Fatal(err)
	}
	h.srv.sync()
	for range 2000 { // more than its socket takes: its writer blocks
		h.ctl.send(output(0, strings.Repeat("s", 4000)+"\n"))
	}
	var wg sync.WaitGroup
	var served atomic.Int32
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := Dial(h.path)
				if err != nil {
					return // closed
				}
				if _, err := c.Do(Request{Cmd: CmdPS}); err == nil {
					served.Add(1)
				}
				c.Close()
			}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); served.Load() < 20; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the clients got no answers")
		}
	}
	start := time.Now()
	h.close()
	if d := time.Since(start); d > closeGrace+5*time.Second {
		t.Errorf("Close took %v", d)
	}
	close(stop)
	wg.Wait()
}

// ps carries what a running process uses, once sampled.
func TestPSUsage(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10, Time: time.Now()})
	h.srv.sync()
	h.ctl.setUsage(0, runner.Usage{CPU: 12.5, RSS: 3 << 20, PSS: 2 << 20, Procs: 2, At: time.Now()})
	rs := h.raw(`{"v":2,"cmd":"ps"}`)
	if len(rs) != 1 || len(rs[0].Procs) != 3 {
		t.Fatalf("ps: %+v", rs)
	}
	p := rs[0].Procs[0]
	if p.CPU == nil || *p.CPU != 12.5 || *p.RSS != 3<<20 || *p.PSS != 2<<20 || p.Procs != 2 {
		t.Errorf("web.1: %+v", p)
	}
	if q := rs[0].Procs[1]; q.CPU != nil || q.RSS != nil {
		t.Errorf("web.2, not running, has usage: %+v", q)
	}
}

// setUsage is what the runner's sampling does: the snapshot changes, no
// event says so.
func (f *fakeControl) setUsage(i int, u runner.Usage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.procs == nil {
		f.procs = make([]runner.Proc, len(testProcs))
	}
	f.procs[i].Usage = u
}
