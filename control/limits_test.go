package control

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
)

// flooded is a server whose view drains what it is given, fed output as
// fast as it takes it.
type flooded struct {
	t      *testing.T
	path   string
	srv    *Server
	ctl    *fakeControl
	events chan runner.Event
	done   chan struct{}
}

func newFlooded(t *testing.T) *flooded {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &flooded{t: t, path: path, events: make(chan runner.Event, 64), done: make(chan struct{})}
	f.ctl = &fakeControl{events: f.events}
	var out <-chan runner.Event
	f.srv, out = serveLogged(l, f.ctl, Options{Procs: testProcs}, f.events)
	go func() {
		for range out {
		}
		close(f.done)
	}()
	t.Cleanup(func() {
		close(f.events)
		<-f.done
		f.srv.Close()
	})
	return f
}

// flood sends about n bytes of output, 16 KiB at a time, to each process
// in turn, and returns once the server has recorded it.
func (f *flooded) flood(n int) {
	var sb strings.Builder
	for i := 0; sb.Len() < 16<<10-100; i++ {
		fmt.Fprintf(&sb, "LINE %07d %s\n", i, strings.Repeat("x", 86))
	}
	chunk := []byte(sb.String())
	for i := 0; i*len(chunk) < n; i++ {
		f.ctl.send(runner.Event{Kind: runner.Output, Proc: i % len(testProcs), Data: chunk, Time: time.Now()})
	}
	f.srv.sync()
}

func (f *flooded) counts() (conns, followers int) {
	f.srv.connMu.Lock()
	conns = len(f.srv.conns)
	f.srv.connMu.Unlock()
	f.srv.mu.Lock()
	followers = len(f.srv.followers)
	f.srv.mu.Unlock()
	return conns, followers
}

// waitCounts waits until the server holds conns connections and
// followers followers.
func (f *flooded) waitCounts(conns, followers int) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, fl := f.counts()
		if c == conns && fl == followers {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the server holds %d connections and %d followers; want %d and %d", c, fl, conns, followers)
		}
		time.Sleep(time.Millisecond)
	}
}

// dial connects and sends line, if any.
func (f *flooded) dial(line string) net.Conn {
	f.t.Helper()
	c, err := net.Dial("unix", f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	if line != "" {
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			f.t.Fatal(err)
		}
	}
	return c
}

// refused connects, sends line, and returns the error it is answered with.
func (f *flooded) refused(line string) string {
	f.t.Helper()
	c := f.dial(line)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var r Response
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&r); err != nil {
		f.t.Fatalf("reading the refusal: %v", err)
	}
	return r.Error
}

// memory is what the process holds once garbage is collected: its heap,
// and its goroutines' stacks.
type memory struct{ heap, stacks uint64 }

func inUse() memory {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{m.HeapInuse, m.StackInuse}
}

func (m memory) total() int64 { return int64(m.heap + m.stacks) }

const mib = 1 << 20

// setTimeout sets one of the server's timeouts for a test; call it before
// the server is made, so that it is restored once the server is closed.
func setTimeout(t *testing.T, v *time.Duration, d time.Duration) {
	old := *v
	*v = d
	t.Cleanup(func() { *v = old })
}

// Hostile clients (200 followers that never read, 2000 connections that
// never send a request) get no more than the limits, however much output
// flows, and what they held is given back when they go.
func TestHostileClients(t *testing.T) {
	// They stay for the test, however slow the machine.
	setTimeout(t, &requestTimeout, 10*time.Minute)
	setTimeout(t, &writeTimeout, 10*time.Minute)
	f := newFlooded(t)
	f.flood(4 * mib) // every ring full
	base := inUse()

	const follow = `{"v":2,"cmd":"logs","follow":true,"lines":1000}`
	var hostile []net.Conn
	defer func() {
		for _, c := range hostile {
			c.Close()
		}
	}()
	for range MaxFollowers {
		hostile = append(hostile, f.dial(follow))
	}
	f.waitCounts(MaxFollowers, MaxFollowers)
	for i := MaxFollowers; i < 200; i++ {
		if got, want := f.refused(follow), fmt.Sprintf("too many followers (%d); try again later", MaxFollowers); got != want {
			t.Fatalf("follower %d: %q, want %q", i+1, got, want)
		}
	}
	for range MaxConns - MaxFollowers {
		hostile = append(hostile, f.dial(""))
	}
	f.waitCounts(MaxConns, MaxFollowers)
	for i := MaxConns; i < 2000; i++ {
		if got, want := f.refused(""), fmt.Sprintf("too many connections (%d); try again later", MaxConns); got != want {
			t.Fatalf("connection %d: %q, want %q", i+1, got, want)
		}
	}

	start := time.Now()
	f.flood(64 * mib)
	took := time.Since(start)
	during := inUse()
	f.waitCounts(MaxConns, MaxFollowers) // the flood dropped none: it is quicker than the write timeout
	for _, c := range hostile {
		c.Close()
	}
	hostile = nil
	f.waitCounts(0, 0)
	after := inUse()

	t.Logf("64 MiB of output in %v past %d followers that never read and %d idle connections; heap and stacks: %.1f MiB before, %.1f MiB with them (+%.1f); heap %.1f MiB before, %.1f MiB after they left",
		took.Round(time.Millisecond), MaxFollowers, MaxConns-MaxFollowers, float64(base.total())/mib, float64(during.total())/mib,
		float64(during.total()-base.total())/mib, float64(base.heap)/mib, float64(after.heap)/mib)
	// The bound: the feed (1 MiB of output, 4096 events), and per
	// follower a piece being written (64 KiB of output and its JSON), per
	// connection its buffers and goroutines.
	if grown := during.total() - base.total(); grown > 16*mib {
		t.Errorf("the hostile clients hold %.1f MiB; want at most 16", float64(grown)/mib)
	}
	// Their goroutines' stacks may stay cached; goleak sees that the
	// goroutines are gone.
	if kept := int64(after.heap) - int64(base.heap); kept > mib {
		t.Errorf("%.1f MiB of heap are still held once the clients left; want at most 1", float64(kept)/mib)
	}
	if c, err := Dial(f.path); err != nil {
		t.Errorf("after the hostile clients: %v", err)
	} else if _, err := c.Do(Request{Cmd: CmdPS}); err != nil {
		t.Errorf("ps after the hostile clients: %v", err)
	} else {
		c.Close()
	}
}

// A follower that reads nothing is cut off once a write has waited
// writeTimeout; it gets what was written before, then the connection
// ends.
func TestFollowerCutOff(t *testing.T) {
	setTimeout(t, &writeTimeout, 300*time.Millisecond)
	f := newFlooded(t)
	c, err := Dial(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send(Request{Cmd: CmdLogs, Follow: true}); err != nil {
		t.Fatal(err)
	}
	f.waitCounts(1, 1)
	start := time.Now()
	for {
		f.flood(mib) // more than its socket takes: the server's write waits
		if _, n := f.counts(); n == 0 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("a follower that reads nothing is never cut off")
		}
	}
	if d := time.Since(start); d < writeTimeout {
		t.Errorf("cut off after %v, before the write timeout (%v)", d, writeTimeout)
	}
	var lines int
	for {
		r, err := c.Recv()
		if err != nil {
			if !strings.Contains(err.Error(), "composer closed the connection: unexpected EOF") {
				t.Errorf("the cut-off follower reads %v", err)
			}
			break
		}
		if r.End {
			t.Fatal("a follower that was cut off was sent the end, as if the run had ended")
		}
		if r.Line != nil {
			lines++
		}
	}
	if lines == 0 {
		t.Error("the follower got nothing before it was cut off")
	}
}

// Lines that leave the ring while a slow client is sent its history are
// not kept for it: it is told they were skipped, and gets the rest.
func TestReplayInPieces(t *testing.T) {
	f := newFlooded(t)
	line := func(proc int, what string, i int) string {
		s := fmt.Sprintf("%s %d %04d ", what, proc, i)
		return s + strings.Repeat(".", 127-len(s))
	}
	for i := range RingLines {
		for p := range testProcs {
			f.ctl.send(output(p, line(p, "old", i)+"\n"))
		}
	}
	f.srv.sync()

	c, err := Dial(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, err := c.Do(Request{Cmd: CmdLogs, Lines: 100000})
	if err != nil || len(first.Procs) != len(testProcs) {
		t.Fatalf("first response: %+v, %v", first, err)
	}
	// The rest waits in the server, which has 3000 lines (500 KB) to
	// send, more than the socket takes. Every line held now is replaced.
	for i := range RingLines {
		for p := range testProcs {
			f.ctl.send(output(p, line(p, "new", i)+"\n"))
		}
	}
	f.srv.sync()

	var got []string
	var missed tally
	for {
		r, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if r.Missed > 0 {
			missed.lines += r.Missed
			missed.bytes += r.MissedBytes
		}
		if r.Line != nil {
			got = append(got, string(r.Line.Text))
		}
		if r.End {
			break
		}
	}
	total := RingLines * len(testProcs)
	if missed.lines == 0 || len(got) == 0 || len(got)+missed.lines != total || missed.bytes != 127*missed.lines {
		t.Errorf("got %d lines, missed %d (%d bytes); want some of each, %d in all, 127 bytes each", len(got), missed.lines, missed.bytes, total)
	}
	// What was sent is from before the request, in the order recorded.
	prev := -1
	for i, l := range got {
		var what string
		var p, n int
		if _, err := fmt.Sscanf(l, "%s %d %d", &what, &p, &n); err != nil || what != "old" || n*len(testProcs)+p <= prev {
			t.Fatalf("line %d: %q, after line %d", i, l, prev)
		}
		prev = n*len(testProcs) + p
	}
}

// A connection that never sends its request is closed once the request
// timeout has passed, and told why.
func TestIdleConnection(t *testing.T) {
	setTimeout(t, &requestTimeout, 200*time.Millisecond)
	f := newFlooded(t)
	c := f.dial("")
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var r Response
	if err := json.NewDecoder(c).Decode(&r); err != nil || !strings.HasPrefix(r.Error, "reading the request: ") || !strings.HasSuffix(r.Error, "i/o timeout") {
		t.Errorf("an idle connection reads %+v, %v; want a timeout reading the request", r, err)
	}
	f.waitCounts(0, 0)
}
