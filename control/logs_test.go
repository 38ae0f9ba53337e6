package control

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

func output(proc int, s string) runner.Event {
	return runner.Event{Kind: runner.Output, Proc: proc, Data: []byte(s), Time: time.Now()}
}

// render renders the lines of a logs stream, one per line, for comparing:
// a process's as `name "text"`, composer's own as "composer: text".
func render(rs []Response) []string {
	var out []string
	for _, r := range rs {
		switch {
		case r.Line != nil && r.Line.Name == headless.Self:
			out = append(out, "composer: "+string(r.Line.Text))
		case r.Line != nil:
			out = append(out, fmt.Sprintf("%s %q", r.Line.Name, r.Line.Text))
		case r.End:
			out = append(out, "end")
		case r.Missed > 0:
			out = append(out, "missed")
		}
	}
	return out
}

func TestLogsHistory(t *testing.T) {
	h := newHarness(t, Options{})
	for _, e := range []runner.Event{
		{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10},
		{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 12},
		output(0, "one\r\ntw"),
		output(2, "progress 1\rprogress 2\r"),
		output(0, "o\n\xff\xfe invalid\nthree"),
		output(2, "progress 3\rdone\n"),
		{Kind: runner.Idle, Proc: 0},
		output(2, "a prompt> "),
		{Kind: runner.Signaled, Proc: 0, PID: 10, State: runner.StateStopping, Signal: 15, Reason: "stop"},
		{Kind: runner.Exited, Proc: 0, State: runner.StateStopped, Status: runner.Status{Signal: 15}},
	} {
		h.ctl.send(e)
	}
	h.srv.sync()

	rs := h.raw(`{"v":2,"cmd":"logs","lines":100}`)
	if len(rs[0].Procs) != 3 {
		t.Errorf("first response: %+v", rs[0])
	}
	got := strings.Join(render(rs[1:]), "\n")
	want := strings.Join([]string{
		"composer: web.1 started (pid 10, port 5000)",
		"composer: worker started (pid 12, port 5100)",
		`web.1 "one"`,
		`web.1 "two"`,
		`web.1 "\xff\xfe invalid"`,
		`worker "done"`,
		`web.1 "three"`, // shown when it went idle
		"composer: sending SIGTERM to web.1 (pid 10)",
		"composer: web.1 killed by SIGTERM",
		`worker "a prompt> "`, // still open: sent without its newline
		"end",
	}, "\n")
	if got != want {
		t.Errorf("logs:\n%s\nwant:\n%s", got, want)
	}

	// The last 3 lines of web.1, composer's own about it included.
	rs = h.raw(`{"v":2,"cmd":"logs","lines":3,"names":["web.1"]}`)
	if got, want := strings.Join(render(rs[1:]), "|"), `web.1 "three"|composer: sending SIGTERM to web.1 (pid 10)|composer: web.1 killed by SIGTERM|end`; got != want {
		t.Errorf("logs -n 3 web.1: %s, want %s", got, want)
	}
	if rs := h.raw(`{"v":2,"cmd":"logs","lines":0,"names":["worker"]}`); len(rs) != 2 || !rs[1].End {
		t.Errorf("logs -n 0 worker: %+v", rs)
	}
	if rs[len(rs)-1].Line != nil && rs[len(rs)-1].Line.Open {
		t.Errorf("a line sent as open that is not")
	}
}

func TestRingBounds(t *testing.T) {
	var r ring
	var seq uint64
	long := bytes.Repeat([]byte("x"), 50<<10)
	for i := range 5000 {
		seq++
		if i%100 == 0 {
			r.line(seq, 0, long, false)
			continue
		}
		r.line(seq, 0, fmt.Appendf(nil, "line %d", i), false)
		if i%7 == 0 {
			seq++
			r.line(seq, 0, []byte("a started"), true)
		}
	}
	if r.n > RingLines || len(r.ents) > RingLines || len(r.text) > RingBytes || r.end-r.start > RingBytes {
		t.Errorf("ring holds %d entries in %d, %d bytes in %d", r.n, len(r.ents), r.end-r.start, len(r.text))
	}
	// The newest are kept, in order.
	last := r.at(r.n - 1)
	if got := string(r.bytes(last.off, int(last.n))); got != "line 4999" {
		t.Errorf("last line %q", got)
	}
	prev := uint64(0)
	for i := range r.n {
		e := r.at(i)
		if e.seq <= prev {
			t.Fatalf("entry %d out of order", i)
		}
		prev = e.seq
		if e.off < r.start {
			t.Fatalf("entry %d points at dropped text", i)
		}
	}
	// Lines longer than the whole ring keep their end.
	r.line(seq+1, 0, bytes.Repeat([]byte("y"), RingBytes+5), false)
	if r.n != 1 || r.end-r.start != RingBytes {
		t.Errorf("after a huge line: %d entries, %d bytes", r.n, r.end-r.start)
	}
}

// A follower that reads nothing never holds up the events; once it reads
// again, it is told how much it missed, and goes on.
func TestSlowFollower(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(Request{Cmd: CmdLogs, Follow: true}); err != nil {
		t.Fatal(err)
	}
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 1, PID: 7})
	h.srv.sync() // the follower is registered: the history was taken

	const n = 20000
	chunk := strings.Repeat("z", 1023) + "\n"
	start := time.Now()
	for range n {
		h.ctl.send(output(1, chunk))
	}
	h.srv.sync()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%d events took %v through the log with a stuck follower", n, d)
	}

	// composer's line that worker started counts too: it may be sent, or
	// missed with the rest.
	got, missed := 0, 0
	for missed == 0 {
		r, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if r.Line != nil {
			got++
		}
		missed += r.Missed
	}
	h.ctl.send(output(1, "after the gap\n"))
	for {
		r, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		missed += r.Missed
		if r.Line != nil && string(r.Line.Text) == "after the gap" {
			break
		}
		if r.Line != nil {
			got++
		}
	}
	if got+missed != n+1 || got == 0 || got > FollowLines*2 {
		t.Errorf("received %d and missed %d of %d lines", got, missed, n)
	}
}

func TestFollowEnds(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(Request{Cmd: CmdLogs, Follow: true, Names: []string{"worker"}}); err != nil {
		t.Fatal(err)
	}
	h.srv.sync()
	h.ctl.send(output(0, "not followed\n"))
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 9})
	h.ctl.send(output(2, "followed\n"))
	h.ctl.send(runner.Event{Kind: runner.ShuttingDown, Proc: -1, Reason: "bye"})
	h.close()
	var rs []Response
	for {
		r, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, *r)
		if r.End {
			break
		}
	}
	if got, want := strings.Join(render(rs), "|"), `composer: worker started (pid 9, port 5100)|worker "followed"|composer: stopping all processes: bye|end`; got != want {
		t.Errorf("follow: %s, want %s", got, want)
	}
}

// A 5 MB line without a newline is kept in pieces, within the ring.
func TestLogsHugeLine(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10})
	piece := strings.Repeat("é", 16<<10) // 32 KiB of two-byte characters
	for range 5 << 20 / len(piece) {
		h.ctl.send(output(0, piece))
	}
	h.srv.sync()
	rs := h.raw(`{"v":2,"cmd":"logs","lines":1000}`)
	total := 0
	for _, r := range rs {
		if r.Line != nil && r.Line.Name != headless.Self {
			d := string(r.Line.Text)
			if len(d) > 64<<10 || strings.Trim(d, "é") != "" {
				t.Fatalf("a piece of %d bytes, not whole characters", len(d))
			}
			total += len(d)
		}
	}
	h.srv.mu.Lock()
	held := h.srv.rings[0].end - h.srv.rings[0].start
	h.srv.mu.Unlock()
	if held > RingBytes || total == 0 || total > RingBytes+64<<10 {
		t.Errorf("ring holds %d bytes; logs sent %d", held, total)
	}
}

// logs -n N sends the newest N lines of the processes asked for, oldest
// first, whatever N: as sorting every line and taking the last N would.
func TestLogsLastN(t *testing.T) {
	h := newHarness(t, Options{})
	var all []string // every line, in the order recorded
	for i := range 60 {
		p := (i * 7) % 3
		if i%11 == 0 {
			h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: p, PID: 100 + i})
			all = append(all, fmt.Sprintf("composer: %s started (pid %d, port %d)", testProcs[p].Name, 100+i, testProcs[p].Port))
		}
		h.ctl.send(output(p, fmt.Sprintf("line %d\n", i)))
		all = append(all, fmt.Sprintf("%s %q", testProcs[p].Name, fmt.Sprintf("line %d", i)))
	}
	h.srv.sync()
	for _, names := range []string{"", `,"names":["web"]`, `,"names":["worker","web.1"]`} {
		var want []string
		for _, full := range all {
			l := strings.TrimPrefix(full, "composer: ")
			if names == "" || (strings.Contains(names, "web\"") && strings.HasPrefix(l, "web.")) ||
				(strings.Contains(names, "worker") && (strings.HasPrefix(l, "worker") || strings.HasPrefix(l, "web.1 "))) {
				want = append(want, full)
			}
		}
		for n := 0; n <= len(want)+2; n++ {
			rs := h.raw(fmt.Sprintf(`{"v":2,"cmd":"logs","lines":%d%s}`, n, names))
			got := strings.Join(render(rs[1:]), "|")
			exp := strings.Join(append(append([]string(nil), want[max(0, len(want)-n):]...), "end"), "|")
			if got != exp {
				t.Fatalf("logs -n %d%s:\n%s\nwant:\n%s", n, names, got, exp)
			}
		}
	}
}

// A line being written (a progress bar, a prompt) is the newest of all:
// it counts among the N of logs -n N.
func TestLogsLastNWithAPartialLine(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(output(0, "one\ntwo\nthree\n"))
	h.ctl.send(output(2, "[###   ] 30%\r[####  ] 40%"))
	h.srv.sync()
	for n, want := range map[int]string{
		1: `worker "[####  ] 40%"|end`,
		2: `web.1 "three"|worker "[####  ] 40%"|end`,
		3: `web.1 "two"|web.1 "three"|worker "[####  ] 40%"|end`,
	} {
		rs := h.raw(fmt.Sprintf(`{"v":2,"cmd":"logs","lines":%d}`, n))
		if got := strings.Join(render(rs[1:]), "|"); got != want {
			t.Errorf("logs -n %d:\n%s\nwant:\n%s", n, got, want)
		}
	}
}

// A follower that shuts its side for writing once its request is sent (as
// socat does at the end of its input) still follows; one that closes
// altogether stops being followed.
func TestFollowerHalfClosed(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := net.Dial("unix", h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(`{"v":2,"cmd":"logs","follow":true,"lines":0}` + "\n")); err != nil {
		t.Fatal(err)
	}
	c.(*net.UnixConn).CloseWrite()
	sc := bufio.NewScanner(c)
	if !sc.Scan() { // the processes
		t.Fatalf("no first response: %v", sc.Err())
	}
	followers := func() int {
		h.srv.mu.Lock()
		defer h.srv.mu.Unlock()
		return len(h.srv.followers)
	}
	if n := followers(); n != 1 {
		t.Fatalf("%d followers, want 1", n)
	}
	h.ctl.send(output(0, "after the half-close\n"))
	var got []string
	for sc.Scan() {
		var r Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, render([]Response{r})...)
		if r.Line != nil && string(r.Line.Text) == "after the half-close" {
			break
		}
	}
	if len(got) == 0 || got[len(got)-1] != `web.1 "after the half-close"` {
		t.Fatalf("the follower got %q, then %v", got, sc.Err())
	}
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for followers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a follower that closed is still followed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A follower gets a line still being written once, when it is shown.
func TestFollowerGetsAnOpenLineOnce(t *testing.T) {
	h := newHarness(t, Options{})
	h.ctl.send(runner.Event{Kind: runner.Started, State: runner.StateRunning, Proc: 2, PID: 9})
	h.ctl.send(output(2, "password: "))
	h.srv.sync()
	c, err := Dial(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(Request{Cmd: CmdLogs, Follow: true, Lines: 10, Names: []string{"worker"}}); err != nil {
		t.Fatal(err)
	}
	h.srv.sync()
	h.ctl.send(runner.Event{Kind: runner.Idle, Proc: 2})
	h.ctl.send(output(2, "\n"))
	h.close()
	var rs []Response
	for {
		r, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, *r)
		if r.End {
			break
		}
	}
	if got, want := strings.Join(render(rs), "|"), `composer: worker started (pid 9, port 5100)|worker "password: "|end`; got != want {
		t.Errorf("follow: %s, want %s", got, want)
	}
}

// stuck is a sink that holds back the log after an output event, as the
// stream does on a stdout nobody reads.
type stuck struct{ release chan struct{} }

func (stuck) Line(headless.Line) {}
func (stuck) Done(runner.Event)  {}
func (s stuck) Wait()            { <-s.release }
func (s stuck) free()            { close(s.release) }

// logs answers while the log is held back behind a sink that waits (a
// stdout nobody reads): from what the server has.
func TestLogsWhileTheStreamIsStuck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctl := &fakeControl{events: make(chan runner.Event, 10), pid: 100}
	log := headless.NewLog(headless.Options{Procs: testProcs})
	srv := Serve(l, ctl, Options{Procs: testProcs, Hold: log.Hold})
	st := stuck{make(chan struct{})}
	log.Add(srv, st)
	go log.Event(runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("hello\n"), Time: time.Now(), Seq: 1})
	defer func() { st.free(); log.Close(); srv.Close() }()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answered := make(chan error, 1)
	go func() {
		_, err := c.Do(Request{Cmd: CmdLogs, Lines: 10})
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("logs did not answer while the stream was stuck")
	}
}

// Recent hands over every line kept, in order, with the process each is
// of or about, while the log adds none.
func TestRecent(t *testing.T) {
	h := newHarness(t, Options{})
	for _, e := range []runner.Event{
		{Kind: runner.Started, State: runner.StateRunning, Proc: 0, PID: 10},
		output(0, "one\r\n"),
		output(2, "worker line\n"),
		output(0, "two\n"),
	} {
		h.ctl.send(e)
	}
	h.srv.sync()
	var got []string
	h.srv.Recent(func(lines []headless.Line) {
		for _, l := range lines {
			got = append(got, fmt.Sprintf("%d/%d %s", l.Proc, l.About, l.Text))
		}
	})
	want := []string{"-1/0 web.1 started (pid 10, port 5000)", "0/0 one", "2/2 worker line", "0/0 two"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Recent:\n%q\nwant\n%q", got, want)
	}
}
