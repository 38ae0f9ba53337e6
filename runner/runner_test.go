package runner

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// numbered is what "lines n prefix" writes through a pty (which turns \n
// into \r\n).
func numbered(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s %07d\r\n", prefix, i)
	}
	return b.String()
}

func TestOutputComesBetweenStartAndExit(t *testing.T) {
	tr := start(t, []Spec{spec("a", "lines", "2000", "a")}, Options{})
	res := tr.finish()
	if got, want := tr.output("a"), numbered("a", 2000); got != want {
		t.Errorf("output: got %d bytes, want %d", len(got), len(want))
	}
	var order []Kind
	for _, e := range tr.all {
		if e.Kind != Idle && (len(order) == 0 || order[len(order)-1] != e.Kind) {
			order = append(order, e.Kind)
		}
	}
	if fmt.Sprint(order) != fmt.Sprint([]Kind{Started, Output, Exited, ShuttingDown}) {
		t.Errorf("event order = %v, want Started, Output..., Exited, ShuttingDown; %s", order, summary(tr.all))
	}
	if res.Proc != 0 || res.Status.ExitCode() != 0 {
		t.Errorf("result = %+v, want process 0 exiting 0", res)
	}
}

func TestNoLostLinesUnderFlood(t *testing.T) {
	const n = 100000
	var specs []Spec
	for i := range 4 {
		specs = append(specs, spec(fmt.Sprint("p", i), "lines", strconv.Itoa(n), fmt.Sprint("p", i)))
		specs[i].CanDie = true
	}
	tr := start(t, specs, Options{})
	tr.finish()
	for i := range 4 {
		name := fmt.Sprint("p", i)
		if got, want := tr.output(name), numbered(name, n); got != want {
			t.Errorf("%s: got %d bytes, want %d", name, len(got), len(want))
		}
	}
}

// A process that writes and exits at once must not lose its last lines.
func TestLastLinesAfterQuickExit(t *testing.T) {
	for i := range 20 {
		tr := start(t, []Spec{shSpec("a", "seq 1 3000; echo last line")}, Options{})
		tr.finish()
		if out := tr.output("a"); !strings.HasSuffix(out, "2999\r\n3000\r\nlast line\r\n") {
			t.Fatalf("run %d: output ends %q", i, out[max(0, len(out)-40):])
		}
	}
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		command  string
		want     string
		exitCode int
		output   string
	}{
		{"exit 0", "exited with code 0", 0, ""},
		{"echo bye; exit 3", "exited with code 3", 3, "bye"},
		{"kill -9 $$", "killed by SIGKILL", 137, ""},
		{"kill -TERM $$", "killed by SIGTERM", 143, ""},
		{"kill -QUIT $$", "killed by SIGQUIT", 131, ""},
		{"kill -SEGV $$", "killed by SIGSEGV", 139, ""},
		{"exit 255", "exited with code 255", 255, ""},
		{"no-such-command-xyz", "exited with code 127", 127, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			t.Parallel()
			tr := start(t, []Spec{shSpec("a", tt.command)}, Options{})
			res := tr.finish()
			if res.Status.String() != tt.want || res.Status.ExitCode() != tt.exitCode {
				t.Errorf("%q: status %q (%d), want %q (%d)", tt.command, res.Status, res.Status.ExitCode(), tt.want, tt.exitCode)
			}
			if out := tr.output("a"); !strings.Contains(out, tt.output) {
				t.Errorf("%q: output %q, want it to contain %q", tt.command, out, tt.output)
			}
		})
	}
}

func TestStartFailure(t *testing.T) {
	s := shSpec("a", "true")
	s.Dir = "/no/such/dir"
	tr := start(t, []Spec{s}, Options{})
	res := tr.finish()
	if res.Status.Err == nil || res.Status.ExitCode() != 1 {
		t.Fatalf("result %+v, want a start error", res)
	}
	if len(tr.kinds("a", Started)) != 0 {
		t.Errorf("got a Started event for a process that could not start")
	}
}

func TestRestartBackoff(t *testing.T) {
	s := shSpec("a", "exit 1")
	s.Restart = RestartAlways
	tr := start(t, []Spec{s}, Options{BackoffMin: 20 * time.Millisecond, BackoffMax: 80 * time.Millisecond})
	var delays []time.Duration
	for len(delays) < 5 {
		e := tr.wait("an exit", is("a", Exited))
		if e.State != StateRestarting {
			t.Fatalf("exit left state %v, want restarting", e.State)
		}
		delays = append(delays, e.Delay)
	}
	tr.r.Shutdown("test over")
	tr.finish()
	want := []time.Duration{20, 40, 80, 80, 80}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if fmt.Sprint(delays) != fmt.Sprint(want) {
		t.Errorf("delays = %v, want %v", delays, want)
	}
	for i, e := range tr.kinds("a", Started) {
		if e.Restarts != i {
			t.Errorf("start %d: Restarts = %d, want %d", i, e.Restarts, i)
		}
	}
}

func TestBackoffResetsAfterALongRun(t *testing.T) {
	s := spec("a", "run-for", "60ms")
	s.Restart = RestartAlways
	tr := start(t, []Spec{s}, Options{BackoffMin: 10 * time.Millisecond, BackoffReset: 50 * time.Millisecond})
	for range 3 {
		if e := tr.wait("an exit", is("a", Exited)); e.Delay != 10*time.Millisecond {
			t.Errorf("delay %v after a run longer than the reset time, want 10ms", e.Delay)
		}
	}
	tr.r.Shutdown("test over")
	tr.finish()
}

func TestCanDieKeepsTheRestRunning(t *testing.T) {
	dies := shSpec("dies", "exit 4")
	dies.CanDie = true
	tr := start(t, []Spec{dies, spec("stays", "sleep")}, Options{})
	tr.wait("dies to exit and stays to be ready", func(Event) bool {
		return strings.Contains(tr.output("stays"), "ready") && len(tr.kinds("dies", Exited)) > 0
	})
	tr.r.Shutdown("test over")
	res := tr.finish()
	if res.Proc != -1 {
		t.Errorf("result %+v, want the run ended by Shutdown", res)
	}
	if e := tr.kinds("stays", Exited); len(e) != 1 || e[0].Status.Signal != syscall.SIGTERM {
		t.Errorf("stays: exits %s, want one by SIGTERM", summary(e))
	}
}

func TestExitEndsTheRun(t *testing.T) {
	tr := start(t, []Spec{spec("bad", "exit", "3"), spec("good", "sleep")}, Options{})
	res := tr.finish()
	if res.Name != "bad" || res.Status.ExitCode() != 3 {
		t.Errorf("result %+v, want bad's exit code 3", res)
	}
	if e := tr.kinds("good", Signaled); len(e) != 1 || e[0].Signal != syscall.SIGTERM {
		t.Errorf("good was sent %s, want SIGTERM", summary(e))
	}
	if e := tr.kinds("good", Exited); len(e) != 1 || e[0].State != StateStopped {
		t.Errorf("good: %s, want one exit leaving it stopped", summary(e))
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	tr := start(t, []Spec{spec("stubborn", "ignore-term")}, Options{Timeout: 200 * time.Millisecond})
	tr.wait("ready", hasOutput("stubborn", "ready"))
	began := time.Now()
	tr.r.Shutdown("test over")
	tr.finish()
	var sigs []string
	for _, e := range tr.kinds("stubborn", Signaled) {
		sigs = append(sigs, SignalName(e.Signal)+"/"+e.Reason)
	}
	if fmt.Sprint(sigs) != "[SIGTERM/stop SIGKILL/timeout]" {
		t.Errorf("signals = %v, want SIGTERM then SIGKILL after the timeout", sigs)
	}
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Errorf("stopped after %v, before the timeout", took)
	}
}

func TestKillCutsTheTimeoutShort(t *testing.T) {
	tr := start(t, []Spec{spec("stubborn", "ignore-term")}, Options{Timeout: time.Hour})
	tr.wait("ready", hasOutput("stubborn", "ready"))
	tr.r.Shutdown("test over")
	tr.wait("SIGTERM", is("stubborn", Signaled))
	tr.r.Kill()
	tr.finish()
	if e := tr.kinds("stubborn", Exited); len(e) != 1 || e[0].Status.Signal != syscall.SIGKILL {
		t.Errorf("exits %s, want one by SIGKILL", summary(e))
	}
}

func TestProcessGroupIsKilled(t *testing.T) {
	tests := []struct{ name, command string }{
		// Grandchildren of a process that is stopped.
		{"stopped", "sleep 1000 & echo pid $!; sleep 1000 & echo pid $!; echo ready; wait"},
		// Children left behind by a process that exits on its own.
		{"exited", "sleep 1000 & echo pid $!; echo ready; exec sleep 1000 </dev/null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := start(t, []Spec{shSpec("a", tt.command)}, Options{})
			tr.wait("ready", hasOutput("a", "ready"))
			if tt.name == "exited" {
				pid := tr.kinds("a", Started)[0].PID
				syscall.Kill(pid, syscall.SIGKILL) // the main process only
			} else {
				tr.r.Shutdown("test over")
			}
			tr.finish()
			var pids []int
			for _, f := range strings.Fields(tr.output("a")) {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				}
			}
			if len(pids) == 0 {
				t.Fatalf("no pids in output %q", tr.output("a"))
			}
			for _, pid := range pids {
				gone(t, pid)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	tr := start(t, []Spec{spec("a", "sleep"), spec("b", "sleep")}, Options{})
	first := tr.wait("a to start", is("a", Started))
	tr.wait("b to start", is("b", Started))

	errc := make(chan error, 1)
	go func() { errc <- tr.r.Restart("a") }()
	second := tr.wait("a to start again", is("a", Started))
	if err := <-errc; err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if second.PID == first.PID || second.Restarts != 1 {
		t.Errorf("after restart: pid %d (was %d), restarts %d; want a new pid and 1 restart", second.PID, first.PID, second.Restarts)
	}

	go func() { errc <- tr.r.Stop("a") }()
	stopped := tr.wait("a to stop", is("a", Exited))
	if err := <-errc; err != nil || stopped.State != StateStopped {
		t.Fatalf("Stop: %v, state %v", err, stopped.State)
	}

	go func() { errc <- tr.r.Start("a") }()
	third := tr.wait("a to start after the stop", is("a", Started))
	if err := <-errc; err != nil || third.Restarts != 1 {
		t.Errorf("Start: %v, restarts %d, want 1", err, third.Restarts)
	}

	if err := tr.r.Restart("nope"); err == nil || !strings.Contains(err.Error(), `unknown process "nope"`) {
		t.Errorf("Restart(nope) = %v, want unknown process", err)
	}

	go func() { errc <- tr.r.Signal("b", syscall.SIGKILL) }()
	killed := tr.wait("b to die", is("b", Exited))
	if err := <-errc; err != nil || killed.Status.Signal != syscall.SIGKILL {
		t.Errorf("Signal: %v, status %v", err, killed.Status)
	}
	res := tr.finish()
	if res.Name != "b" || res.Status.ExitCode() != 137 {
		t.Errorf("result %+v, want b killed (137) ending the run", res)
	}
	if err := tr.r.Start("a"); err != ErrEnded {
		t.Errorf("Start after the end = %v, want ErrEnded", err)
	}
}

// Stopping the only process does not end the run: it can be started again.
func TestStopKeepsTheRun(t *testing.T) {
	tr := start(t, []Spec{spec("a", "sleep")}, Options{})
	tr.wait("a to start", is("a", Started))
	if err := tr.r.Stop("a"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := tr.r.Start("a"); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	again := tr.wait("a to start again", is("a", Started))
	if again.PID == 0 {
		t.Errorf("started again without a pid: %+v", again)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// A Restart whose new start fails returns that failure, even when the
// process is restarted with backoff: it does not wait for a later start.
func TestRestartThatCannotStart(t *testing.T) {
	dir := t.TempDir()
	s := spec("a", "sleep")
	s.Dir, s.Restart = dir, RestartAlways
	tr := start(t, []Spec{s, spec("b", "sleep")}, Options{BackoffMin: time.Hour})
	tr.wait("a to start", is("a", Started))
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- tr.r.Restart("a") }()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("Restart in a removed directory succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Restart in a removed directory has not returned after 10s")
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// dash runs a lone command as its child; if the shell stayed, the stop
// signal would kill it at once and the terminal's hangup would cut the
// program's graceful shutdown short.
func TestStopWaitsForTheGroup(t *testing.T) {
	lone := Spec{Name: "app", Command: strings.TrimPrefix(helperCmd("graceful"), "exec "), Env: helperEnv()}
	tr := start(t, []Spec{lone}, Options{Timeout: 5 * time.Second})
	tr.wait("app to be ready", hasOutput("app", "ready"))
	tr.r.Shutdown("test")
	tr.finish()
	if out := tr.output("app"); !strings.Contains(out, "clean\r\n") {
		t.Errorf("the program was cut short; its output: %q", out)
	}
	if kills := tr.kinds("app", Signaled); len(kills) != 1 || kills[0].Signal != syscall.SIGTERM {
		t.Errorf("signals sent: %s, want SIGTERM only", summary(kills))
	}
}

func TestWriteGoesToTheTerminal(t *testing.T) {
	tr := start(t, []Spec{spec("repl", "echo"), spec("done", "exit", "0")}, Options{KeepRunning: true})
	tr.wait("repl to be ready and done to exit", func(Event) bool {
		return strings.Contains(tr.output("repl"), "ready") && len(tr.kinds("done", Exited)) > 0
	})

	if n, err := tr.r.Write("repl", []byte("hello\r")); err != nil || n != 6 {
		t.Fatalf("Write = %d, %v; want 6, nil", n, err)
	}
	// The terminal echoes the input, then the process answers.
	tr.wait("the answer", hasOutput("repl", "HELLO"))
	if _, err := tr.r.Write("done", []byte("x")); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Write to an exited process = %v, want ErrNotRunning", err)
	}
	if _, err := tr.r.Write("nope", []byte("x")); !errors.Is(err, ErrUnknown) {
		t.Errorf("Write to an unknown process = %v, want ErrUnknown", err)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

func TestHostileOutputPassesThrough(t *testing.T) {
	const big = 5 << 20
	specs := []Spec{
		spec("big", "bytes", strconv.Itoa(big)),
		shSpec("bin", `printf '\377\376 \033[31mred\r\033[0m \000 ok\n'`),
	}
	specs[0].CanDie, specs[1].CanDie = true, true
	tr := start(t, specs, Options{})
	tr.finish()
	if n := len(tr.output("big")); n != big {
		t.Errorf("big: got %d bytes, want %d", n, big)
	}
	if got, want := tr.output("bin"), "\xff\xfe \x1b[31mred\r\x1b[0m \x00 ok\r\n"; got != want {
		t.Errorf("bin: got %q, want %q", got, want)
	}
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		want syscall.Signal
		err  bool
	}{
		{"TERM", syscall.SIGTERM, false},
		{"SIGINT", syscall.SIGINT, false},
		{"sigquit", syscall.SIGQUIT, false},
		{"hup", syscall.SIGHUP, false},
		{"9", syscall.SIGKILL, false},
		{"0", 0, true},
		{"SIGFOO", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSignal(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseSignal(%q) = %v, %v, want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestIdleAfterOutput(t *testing.T) {
	tr := start(t, []Spec{shSpec("a", "printf 'name? '; sleep 0.4; echo done")}, Options{Idle: 100 * time.Millisecond})
	tr.finish()
	var seq []string
	for _, e := range tr.all {
		switch e.Kind {
		case Output:
			seq = append(seq, strings.TrimSpace(string(e.Data)))
		case Idle:
			seq = append(seq, "idle")
		}
	}
	// A second Idle may follow "done" if the shell is slow to exit.
	if got := strings.Join(seq, ","); got != "name?,idle,done" && got != "name?,idle,done,idle" {
		t.Errorf("events %q, want name?, idle, done", got)
	}
}

// A resize reaches the process as a terminal's does: SIGWINCH to its
// foreground group, with the new size.
func TestResize(t *testing.T) {
	tr := start(t, []Spec{shSpec("a", `trap 'stty size' WINCH; echo ready; while :; do sleep 1 & wait $!; done`)}, Options{Cols: 80, Rows: 24})
	tr.wait("ready", hasOutput("a", "ready"))
	if err := tr.r.Resize("a", 100, 30); err != nil {
		t.Fatal(err)
	}
	tr.wait("the new size", hasOutput("a", "30 100"))
	tr.r.Shutdown("test")
	tr.finish()
}

// The process leads its terminal's foreground: a typed ^C interrupts it.
func TestTypedInterrupt(t *testing.T) {
	tr := start(t, []Spec{shSpec("a", `trap 'echo interrupted; exit 0' INT; echo ready; while :; do sleep 1 & wait $!; done`)}, Options{})
	tr.wait("ready", hasOutput("a", "ready"))
	if _, err := tr.r.Write("a", []byte{3}); err != nil {
		t.Fatal(err)
	}
	res := tr.finish()
	if !strings.Contains(tr.output("a"), "interrupted") || res.Status.ExitCode() != 0 {
		t.Errorf("result %+v, output %q; want the trap's exit 0", res, tr.output("a"))
	}
}
