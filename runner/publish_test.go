package runner

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// snapshotOf is process name in the Runner's snapshot.
func snapshotOf(r *Runner, name string) Proc {
	procs, _ := r.Snapshot()
	for _, p := range procs {
		if p.Name == name {
			return p
		}
	}
	return Proc{}
}

// A consumer that stops reading (a log stream whose reader is stuck)
// holds back output, not the runner: commands, stop signals and the end
// of the run go on, and every byte is delivered once it reads again.
func TestStuckConsumer(t *testing.T) {
	tr := start(t, []Spec{spec("flood", "lines", "3000000", "f"), spec("calm", "graceful")},
		Options{Timeout: 10 * time.Second})
	tr.until("both to be ready", func() bool {
		return strings.Contains(tr.output("calm"), "ready") && strings.Contains(tr.output("flood"), "f 0000001")
	})
	// From now on nothing reads Events until the run has ended.
	before := snapshotOf(tr.r, "calm")

	restarted := make(chan error, 1)
	go func() { restarted <- tr.r.Restart("calm") }()
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("Restart: %v", err)
		}
	case <-time.After(20 * time.Second):
		tr.r.Kill()
		t.Fatal("Restart waits for the consumer")
	}
	// The reply comes after the snapshot has the new run.
	after := snapshotOf(tr.r, "calm")
	if after.State != StateRunning || after.PID == before.PID || after.Restarts != 1 {
		t.Errorf("after Restart: %+v (before: %+v)", after, before)
	}

	tr.r.Shutdown("test")
	select {
	case <-tr.result:
	case <-time.After(20 * time.Second):
		tr.r.Kill()
		t.Fatal("Run waits for the consumer")
	}
	for e := range tr.r.Events() {
		tr.all = append(tr.all, e)
	}
	var last uint64
	for _, e := range tr.all {
		if e.Seq != last+1 {
			t.Fatalf("event %d after %d: %s", e.Seq, last, summary([]Event{e}))
		}
		last = e.Seq
	}
	// calm's first run, restarted while nothing read, said all it had to
	// say as it stopped.
	if !strings.Contains(tr.output("calm"), "ready\r\ncleaning up\r\nclean\r\n") {
		t.Errorf("calm's output: %q", tr.output("calm"))
	}
	if n := len(tr.kinds("calm", Exited)); n != 2 {
		t.Errorf("calm exited %d times; events:%s", n, summary(tr.all))
	}
	// What flood wrote before SIGTERM is all there, in order.
	out := tr.output("flood")
	if !strings.HasPrefix(out, "f 0000001\r\nf 0000002\r\n") {
		t.Errorf("flood's output starts %q", trim(out))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for i, l := range lines[:len(lines)-1] {
		if want := fmt.Sprintf("f %07d", i+1); l != want {
			t.Fatalf("flood's line %d is %q, want %q", i+1, trim(l), want)
		}
	}
	procs, seq := tr.r.Snapshot()
	if seq == 0 || seq > last {
		t.Errorf("snapshot at %d, last event %d", seq, last)
	}
	for _, p := range procs {
		if p.State != StateStopped {
			t.Errorf("at the end: %+v", p)
		}
	}
}

// A process stopped by a signal is suspended until continued; a stop
// continues it, so that it can act on the stop signal.
func TestSuspended(t *testing.T) {
	tr := start(t, []Spec{shSpec("a", "echo ready; kill -STOP $$; echo resumed; exec sleep 1000")},
		Options{Timeout: 30 * time.Second})
	e := tr.wait("a to stop itself", is("a", Suspended))
	if e.State != StateSuspended || e.Signal != syscall.SIGSTOP {
		t.Errorf("Suspended event: state %v, signal %v", e.State, e.Signal)
	}
	if p := snapshotOf(tr.r, "a"); p.State != StateSuspended || p.PID != e.PID {
		t.Errorf("snapshot: %+v", p)
	}
	go func() { _ = tr.r.Start("a") }() // continues it
	tr.until("a to go on", func() bool {
		return len(tr.kinds("a", Resumed)) == 1 && strings.Contains(tr.output("a"), "resumed")
	})

	if err := tr.r.Signal("a", syscall.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	if e := tr.wait("a to stop again", is("a", Suspended)); e.Signal != syscall.SIGTSTP {
		t.Errorf("suspended by %v", e.Signal)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- tr.r.Stop("a") }()
	e = tr.wait("a to end", is("a", Exited))
	if e.Status != (Status{Signal: syscall.SIGTERM}) {
		t.Errorf("a ended %v, want killed by SIGTERM (not SIGKILL after the timeout)", e.Status)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Stop: %v", err)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// Observers see every event, in order, each before the consumer of Events.
func TestObservers(t *testing.T) {
	r := New([]Spec{spec("a", "lines", "2000", "a"), spec("b", "exit", "3")}, Options{})
	var mu sync.Mutex
	var first, second []uint64
	r.Observe(func(e Event) {
		mu.Lock()
		first = append(first, e.Seq)
		mu.Unlock()
	})
	r.Observe(func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if len(first) == 0 || first[len(first)-1] != e.Seq {
			t.Errorf("the second observer saw %d before the first", e.Seq)
		}
		second = append(second, e.Seq)
	})
	done := make(chan struct{})
	go func() { r.Run(); close(done) }()
	var consumed uint64
	for e := range r.Events() {
		mu.Lock()
		if len(second) == 0 || second[len(second)-1] < e.Seq {
			t.Errorf("event %d reached the consumer before the observers", e.Seq)
		}
		mu.Unlock()
		consumed++
	}
	<-done
	for i, seq := range first {
		if seq != uint64(i+1) {
			t.Fatalf("observer saw %d as event %d", seq, i+1)
		}
	}
	if uint64(len(first)) != consumed || len(second) != len(first) {
		t.Errorf("observers saw %d and %d events, the consumer %d", len(first), len(second), consumed)
	}
}

// A process that stops and continues itself without end, while nothing
// reads the events, does not grow the queue: a continue takes back the
// suspend it follows.
func TestSuspendStormIsBounded(t *testing.T) {
	r := New([]Spec{shSpec("toggler", `p=$$; (while :; do kill -STOP $p; kill -CONT $p; done) & while :; do sleep 1; done`)}, Options{Timeout: time.Second})
	res := make(chan Result, 1)
	go func() { res <- r.Run() }()
	deadline := time.Now().Add(60 * time.Second)
	for r.changesSeen.Load() < int64(4*maxBacklog) { // nothing reads Events
		if time.Now().After(deadline) {
			t.Fatalf("only %d suspends and continues in a minute", r.changesSeen.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Each continue took back its suspend; at most a pair is left.
	if n := r.queue.backlog(); n > 8 {
		t.Errorf("%d events queued after %d suspends and continues", n, r.changesSeen.Load())
	}
	r.Kill()
	for range r.Events() {
	}
	<-res
}

// While nothing reads the events and the backlog is full, commands are
// refused (they would only add to it), and the run still stops.
func TestCommandsRefusedWhileTheBacklogIsFull(t *testing.T) {
	defer func(n int) { maxBacklog = n }(maxBacklog)
	maxBacklog = 30
	r := New([]Spec{spec("a", "sleep")}, Options{Timeout: time.Second})
	res := make(chan Result, 1)
	go func() { res <- r.Run() }()
	var err error
	for i := 0; i < 3*maxBacklog && err == nil; i++ { // nothing reads Events
		err = r.Restart("a")
	}
	if !errors.Is(err, ErrBacklog) {
		t.Errorf("Restart with a full backlog: %v", err)
	}
	if n := r.queue.backlog(); n > maxBacklog+3 {
		t.Errorf("%d events queued, with a bound of %d", n, maxBacklog)
	}
	r.Shutdown("test")
	select {
	case <-res:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end")
	}
	for range r.Events() {
	}
}

// A suspend and a continue that undo each other while queued leave the
// stream, and the last number published is that of an event still there.
func TestQueueCoalescesAndCounts(t *testing.T) {
	q := newQueue()
	q.push(Event{Kind: Started, Proc: 0})
	q.pushChange(Event{Kind: Suspended, Proc: 0})
	if n := q.pushChange(Event{Kind: Resumed, Proc: 0}); n != 0 || q.backlog() != 1 || q.last() != 1 {
		t.Errorf("after a suspend and a continue: pushed %d, %d queued, last %d; want 0, 1, 1", n, q.backlog(), q.last())
	}
	q.push(Event{Kind: Output, Proc: 1})
	q.pushChange(Event{Kind: Suspended, Proc: 0})
	if q.backlog() != 3 || q.last() != 4 {
		t.Errorf("%d queued, last %d; want 3, 4", q.backlog(), q.last())
	}
}
