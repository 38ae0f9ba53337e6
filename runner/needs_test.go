package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeProbe reports what the test sends it.
type fakeProbe struct {
	what    string
	results chan ProbeResult
}

func newFakeProbe(what string) *fakeProbe {
	return &fakeProbe{what: what, results: make(chan ProbeResult)}
}

func (f *fakeProbe) String() string { return f.what }

func (f *fakeProbe) Watch(ctx context.Context, report func(ProbeResult)) {
	for {
		select {
		case <-ctx.Done():
			return
		case res := <-f.results:
			report(res)
		}
	}
}

// send has the probe report res, once a run of its process watches it.
func (f *fakeProbe) send(t *testing.T, res ProbeResult) {
	t.Helper()
	select {
	case f.results <- res:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing watches the probe", f.what)
	}
}

// seq is the sequence number of the first event of name's that matches.
func (tr *run) seq(name string, match func(Event) bool) uint64 {
	tr.t.Helper()
	for _, e := range tr.all {
		if e.Name == name && match(e) {
			return e.Seq
		}
	}
	tr.t.Fatalf("no such event of %s; events: %s", name, summary(tr.all))
	return 0
}

func kind(k Kind) func(Event) bool { return func(e Event) bool { return e.Kind == k } }

func TestDependentsStartInOrderAndStopInReverse(t *testing.T) {
	ready := newFakeProbe("tcp :5432")
	db := spec("db", "sleep")
	db.Readiness = ready
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedReady}}
	worker := spec("worker", "sleep")
	worker.Needs = []Need{{Proc: 1, Condition: NeedStarted}}
	tr := start(t, []Spec{db, web, worker}, Options{})

	w := tr.wait("web to wait", is("web", Waiting))
	if !slices.Equal(w.Waiting, []string{"db (healthy)"}) || w.State != StateWaiting || w.Reason != "" {
		t.Errorf("web waits: %+v", w)
	}
	if procs, _ := tr.r.Snapshot(); procs[1].State != StateWaiting || !slices.Equal(procs[1].Waiting, []string{"db (healthy)"}) {
		t.Errorf("snapshot of web: %+v", procs[1])
	}
	ready.send(t, ProbeResult{Err: errors.New("connection refused"), Failures: 1})
	r := tr.wait("db's first failure", is("db", Ready))
	if r.Ready || r.ProbeErr != "connection refused" || r.Probe != "tcp :5432" {
		t.Errorf("db's probe failing: %+v", r)
	}
	if procs, _ := tr.r.Snapshot(); procs[0].ProbeErr != "tcp :5432: connection refused" {
		t.Errorf("snapshot of db: %+v", procs[0])
	}
	ready.send(t, ProbeResult{Passing: true})
	tr.wait("worker to start", is("worker", Started))
	tr.r.Shutdown("test")
	tr.finish()

	for _, e := range tr.all {
		if e.Name == "web" && e.Kind == Started && e.Seq < tr.seq("db", func(e Event) bool { return e.Kind == Ready && e.Ready }) {
			t.Errorf("web started before db was ready: %s", summary(tr.all))
		}
	}
	if tr.seq("worker", kind(Started)) < tr.seq("web", kind(Started)) {
		t.Errorf("worker started before web: %s", summary(tr.all))
	}
	// Reverse order: worker is gone before web is asked to stop, web
	// before db.
	if tr.seq("web", kind(Signaled)) < tr.seq("worker", kind(Exited)) || tr.seq("db", kind(Signaled)) < tr.seq("web", kind(Exited)) {
		t.Errorf("not stopped in reverse order: %s", summary(tr.all))
	}
}

func TestOneShotThatSucceedsLetsTheRunGoOn(t *testing.T) {
	migrate := shSpec("migrate", "echo migrated")
	migrate.OneShot = true
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedCompleted}}
	tr := start(t, []Spec{migrate, web}, Options{})
	tr.wait("web to start", hasOutput("web", "ready"))
	if tr.seq("web", kind(Started)) < tr.seq("migrate", kind(Exited)) {
		t.Errorf("web started before migrate completed: %s", summary(tr.all))
	}
	tr.r.Shutdown("test")
	if res := tr.finish(); res.Proc != -1 {
		t.Errorf("result %+v: the one-shot's clean exit ended the run", res)
	}
}

func TestOneShotThatFailsEndsTheRunAndItsDependentsNeverStart(t *testing.T) {
	migrate := shSpec("migrate", "exit 3")
	migrate.OneShot = true
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedCompleted}}
	tr := start(t, []Spec{migrate, web}, Options{})
	res := tr.finish()
	if res.Name != "migrate" || res.Status.ExitCode() != 3 {
		t.Errorf("result %+v, want migrate's exit 3", res)
	}
	if len(tr.kinds("web", Started)) != 0 {
		t.Errorf("web started: %s", summary(tr.all))
	}
}

func TestWaitersSayWhenWhatTheyNeedEnded(t *testing.T) {
	ready := newFakeProbe("tcp :6379")
	db := spec("db", "exit", "1")
	db.Readiness, db.CanDie = ready, true
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedReady}}
	tr := start(t, []Spec{db, web}, Options{KeepRunning: true})
	w := tr.wait("web to be blocked", func(e Event) bool { return e.Name == "web" && e.Kind == Waiting && e.Reason != "" })
	if w.Reason != "db exited with code 1 before it was healthy" {
		t.Errorf("web blocked: %q", w.Reason)
	}
	// Once db runs again, web waits for it as before.
	db2 := make(chan error, 1)
	go func() { db2 <- tr.r.Start("db") }()
	tr.wait("web to wait again", func(e Event) bool { return e.Name == "web" && e.Kind == Waiting && e.Reason == "" })
	if err := <-db2; err != nil {
		t.Fatal(err)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

func TestAHeadlessRunEndsWhenWaitersCannotStart(t *testing.T) {
	db := spec("db", "exit", "0")
	db.CanDie = true
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedLogReady}}
	web.CanDie = true
	db.ReadyLine = regexp.MustCompile("never")
	tr := start(t, []Spec{db, web}, Options{})
	res := tr.finish()
	if len(tr.kinds("web", Started)) != 0 {
		t.Errorf("web started: %s", summary(tr.all))
	}
	// db ended cleanly, but web never ran: the run failed.
	if res.Name != "web" || res.Status.ExitCode() != 1 || res.Status.Err.Error() != "db exited with code 0 before it was log ready" {
		t.Errorf("result %+v", res)
	}
}

// A process given up fails the run even when its last run exited 0.
func TestGivenUpIsAFailure(t *testing.T) {
	s := spec("job", "exit", "0")
	s.Restart, s.MaxRestarts, s.Backoff = RestartAlways, 1, 5*time.Millisecond
	res := start(t, []Spec{s}, Options{}).finish()
	if res.Status.ExitCode() != 1 || res.Status.Err == nil || res.Status.Err.Error() != "given up after 1 restarts" {
		t.Errorf("result %+v", res)
	}
}

func TestReadyLine(t *testing.T) {
	db := shSpec("db", `echo booting; sleep 0.2; printf '\033[1mReady\033[0m to accept\r\n'; exec sleep 100`)
	db.ReadyLine = regexp.MustCompile(`^Ready to accept$`)
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedLogReady}}
	tr := start(t, []Spec{db, web}, Options{})
	tr.wait("web to start", is("web", Started))
	r := tr.kinds("db", Ready)
	if len(r) != 1 || !r[0].Ready || r[0].Probe != "ready_log_line" || r[0].Took < 200*time.Millisecond {
		t.Errorf("db's Ready events: %+v", r)
	}
	if !strings.Contains(tr.output("db"), "to accept") {
		t.Errorf("db's ready line is not in its output before web starts: %q", tr.output("db"))
	}
	tr.r.Shutdown("test")
	tr.finish()
}

func TestLineMatcher(t *testing.T) {
	re := regexp.MustCompile(`^listening on \d+`)
	for _, tc := range []struct {
		chunks []string
		want   bool
	}{
		{[]string{"listening on 80\n"}, true},
		{[]string{"boot\nlisten", "ing on 8", "0"}, true}, // across chunks, without its newline yet
		{[]string{"\x1b[32mlistening\x1b[0m on 80\r\n"}, true},
		{[]string{"not listening on 80\n"}, false},
		{[]string{strings.Repeat("x", 10000) + "\n", "listening on 1\n"}, true},
		{[]string{strings.Repeat("x", 10000), "listening on 1\n"}, false}, // the same long line
	} {
		m := &lineMatcher{re: re}
		got := false
		for _, c := range tc.chunks {
			if m.match([]byte(c)) {
				got = true
				break
			}
		}
		if got != tc.want {
			t.Errorf("%q: matched %v, want %v", tc.chunks, got, tc.want)
		}
		if len(m.line) > maxReadyLine {
			t.Errorf("%q: kept %d bytes of a line", tc.chunks, len(m.line))
		}
	}
}

func TestLivenessFailureRestartsUnderThePolicy(t *testing.T) {
	live := newFakeProbe("http :5100/health")
	api := spec("api", "sleep")
	api.Liveness, api.Restart, api.Backoff = live, RestartOnFailure, 10*time.Millisecond
	tr := start(t, []Spec{api}, Options{})
	tr.wait("api to start", hasOutput("api", "ready"))
	live.send(t, ProbeResult{Err: errors.New("503 Service Unavailable"), Failures: 1})
	live.send(t, ProbeResult{Failed: true, Err: errors.New("503 Service Unavailable"), Failures: 3})
	u := tr.wait("api to be unhealthy", is("api", Unhealthy))
	if u.Failures != 3 || u.ProbeErr != "503 Service Unavailable" || u.Reason != "restarting" {
		t.Errorf("unhealthy: %+v", u)
	}
	x := tr.wait("api to exit", is("api", Exited))
	if x.State != StateRestarting {
		t.Errorf("after its liveness failed, api is %v, want restarting", x.State)
	}
	tr.wait("api to start again", func(e Event) bool { return e.Name == "api" && e.Kind == Started && e.Restarts == 1 })
	tr.r.Shutdown("test")
	tr.finish()
}

func TestMaxRestartsGivesUp(t *testing.T) {
	s := spec("flaky", "exit", "4")
	s.Restart, s.MaxRestarts, s.Backoff = RestartOnFailure, 2, 5*time.Millisecond
	tr := start(t, []Spec{s}, Options{})
	res := tr.finish()
	var states []State
	for _, e := range tr.kinds("flaky", Exited) {
		states = append(states, e.State)
	}
	if !slices.Equal(states, []State{StateRestarting, StateRestarting, StateGivenUp}) {
		t.Errorf("exits: %v; %s", states, summary(tr.all))
	}
	if res.Name != "flaky" || res.Status.ExitCode() != 4 {
		t.Errorf("result %+v", res)
	}
	if sd := tr.kinds("", ShuttingDown); len(sd) != 1 || sd[0].Reason != "flaky was given up after 2 restarts" {
		t.Errorf("shutting down: %+v", sd)
	}
	if procs, _ := tr.r.Snapshot(); procs[0].State != StateGivenUp || procs[0].Restarts != 2 {
		t.Errorf("snapshot: %+v", procs[0])
	}
}

func TestRestartOnFailureLeavesACleanExit(t *testing.T) {
	s := spec("job", "exit", "0")
	s.Restart, s.OneShot = RestartOnFailure, true
	keep := spec("keep", "sleep")
	tr := start(t, []Spec{s, keep}, Options{})
	x := tr.wait("job to exit", is("job", Exited))
	if x.State != StateExited {
		t.Errorf("job is %v after a clean exit, want exited", x.State)
	}
	tr.r.Shutdown("test")
	if res := tr.finish(); res.Proc != -1 {
		t.Errorf("result %+v: a clean exit ended the run", res)
	}
}

func TestStopCommandAndSignal(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "stopping")
	s := shSpec("srv", `trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.05; done`)
	s.StopCommand, s.StopSignal = "echo $PORT_HINT > "+mark, syscall.SIGINT
	s.Env = append(s.Env, "PORT_HINT=drain")
	tr := start(t, []Spec{s}, Options{})
	tr.wait("srv to start", hasOutput("srv", "ready"))
	tr.r.Shutdown("test")
	sig := tr.wait("srv to be signalled", is("srv", Signaled))
	if sig.Signal != syscall.SIGINT {
		t.Errorf("stop signal %v, want SIGINT", sig.Signal)
	}
	b, err := os.ReadFile(mark)
	if err != nil || string(b) != "drain\n" {
		t.Errorf("the stop command had not run, in the process's environment, before the signal: %q, %v", b, err)
	}
	tr.finish()
	if !strings.Contains(tr.output("srv"), "got INT") {
		t.Errorf("srv: %q", tr.output("srv"))
	}
}

func TestDisabledStartsOnlyWhenAsked(t *testing.T) {
	off := spec("off", "sleep")
	off.Disabled = true
	on := spec("on", "sleep")
	tr := start(t, []Spec{off, on}, Options{})
	tr.wait("on to start", hasOutput("on", "ready"))
	if procs, _ := tr.r.Snapshot(); procs[0].State != StateStopped {
		t.Errorf("off is %v", procs[0].State)
	}
	if err := tr.r.Start("off"); err != nil {
		t.Fatal(err)
	}
	tr.r.Shutdown("test")
	tr.finish()
	if len(tr.kinds("off", Started)) != 1 {
		t.Errorf("off: %s", summary(tr.all))
	}
}

func TestStartingAWaiterStartsItNow(t *testing.T) {
	db := spec("db", "sleep")
	db.Readiness = newFakeProbe("never")
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedReady}}
	tr := start(t, []Spec{db, web}, Options{})
	tr.wait("web to wait", is("web", Waiting))
	go func() { _ = tr.r.Start("web") }()
	tr.wait("web to start", is("web", Started))
	tr.r.Shutdown("test")
	tr.finish()
}

// A dependent with Restart is stopped when what it needs exits, and
// starts again once that holds again; one without keeps running.
func TestRestartWithADependency(t *testing.T) {
	ready := newFakeProbe("tcp :5432")
	db := spec("db", "sleep")
	db.Readiness = ready
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 0, Condition: NeedReady, Restart: true}}
	worker := spec("worker", "sleep")
	worker.Needs = []Need{{Proc: 0, Condition: NeedReady}}
	tr := start(t, []Spec{db, web, worker}, Options{})
	tr.wait("web to wait", is("web", Waiting))
	ready.send(t, ProbeResult{Passing: true})
	tr.wait("web to start", is("web", Started))
	tr.wait("worker to start", is("worker", Started))

	restarted := make(chan error, 1)
	go func() { restarted <- tr.r.Restart("db") }()
	x := tr.wait("web to stop", is("web", Exited))
	if x.State != StateWaiting {
		t.Errorf("web is %v after db exited, want waiting", x.State)
	}
	w := tr.wait("web to wait again", is("web", Waiting))
	if !slices.Equal(w.Waiting, []string{"db (healthy)"}) {
		t.Errorf("web waits for %v", w.Waiting)
	}
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	ready.send(t, ProbeResult{Passing: true})
	tr.wait("web to start again", func(e Event) bool { return e.Name == "web" && e.Kind == Started && e.Seq > w.Seq })
	tr.r.Shutdown("test")
	tr.finish()
	if n := len(tr.kinds("worker", Started)); n != 1 {
		t.Errorf("worker started %d times; it does not restart with db", n)
	}
}

// A stop command still running when its process has exited neither holds
// the run's end nor outlives it.
func TestStopCommandOutlivedByItsProcess(t *testing.T) {
	s := shSpec("a", `trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done`)
	s.StopCommand, s.StopTimeout = "sleep 30", 20*time.Second
	tr := start(t, []Spec{s}, Options{})
	tr.wait("a to start", hasOutput("a", "ready"))
	tr.r.Shutdown("test")
	// a is asked with its stop command, which sleeps: a ends meanwhile.
	tr.wait("the stop to begin", func(e Event) bool { return e.Kind == ShuttingDown })
	procs, _ := tr.r.Snapshot()
	if err := syscall.Kill(procs[0].PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	tr.finish()
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the run took %v to end after its last process exited", took)
	}
}

// web needs redis through a one-shot that has ended: redis still stops
// after web.
func TestStopOrderThroughAnEndedOneShot(t *testing.T) {
	redis := spec("redis", "sleep")
	migrate := shSpec("migrate", "echo migrated")
	migrate.OneShot, migrate.Needs = true, []Need{{Proc: 0, Condition: NeedStarted}}
	web := spec("web", "sleep")
	web.Needs = []Need{{Proc: 1, Condition: NeedCompleted}}
	tr := start(t, []Spec{redis, migrate, web}, Options{})
	tr.wait("web to start", hasOutput("web", "ready"))
	tr.r.Shutdown("test")
	tr.finish()
	if tr.seq("redis", kind(Signaled)) < tr.seq("web", kind(Exited)) {
		t.Errorf("redis was stopped before web: %s", summary(tr.all))
	}
}
