package tui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"

	"github.com/composer-dev/composer/runner"
)

func TestMain(m *testing.M) {
	// teatest leaves a goroutine waiting for SIGINT behind each program.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest/v2.NewTestModel.func2"))
}

// fakeControl records the commands the interface sends.
type fakeControl struct {
	mu       sync.Mutex
	failNext error // returned by the next Write
	calls    []string
	written  strings.Builder
	sizes    map[string][2]int
	procs    []runner.Proc // what Snapshot says
	own      runner.Usage
}

func (c *fakeControl) record(format string, args ...any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf(format, args...))
	return nil
}

func (c *fakeControl) Restart(name string) error { return c.record("restart %s", name) }
func (c *fakeControl) Stop(name string) error    { return c.record("stop %s", name) }
func (c *fakeControl) Start(name string) error   { return c.record("start %s", name) }
func (c *fakeControl) Signal(name string, sig syscall.Signal) error {
	return c.record("signal %s %s", name, runner.SignalName(sig))
}
func (c *fakeControl) Shutdown(reason string) { c.record("shutdown %s", reason) }
func (c *fakeControl) Snapshot() ([]runner.Proc, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]runner.Proc(nil), c.procs...), 0
}
func (c *fakeControl) Own() runner.Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.own
}
func (c *fakeControl) Kill() { c.record("kill") }
func (c *fakeControl) Resize(name string, cols, rows int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sizes == nil {
		c.sizes = map[string][2]int{}
	}
	c.sizes[name] = [2]int{cols, rows}
	return nil
}
func (c *fakeControl) Write(name string, p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failNext; err != nil {
		c.failNext = nil
		return 0, err
	}
	fmt.Fprintf(&c.written, "%s:%q ", name, p)
	return len(p), nil
}

func (c *fakeControl) has(call string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Contains(c.calls, call)
}

// harness runs the Model in a teatest program and reads its output into a
// terminal emulator, so tests look at the screen a user would see.
type harness struct {
	t      *testing.T
	tm     *teatest.TestModel
	m      *Model
	ctl    *fakeControl
	events chan runner.Event
	term   *vt.Emulator
	out    io.Reader
	raw    bytes.Buffer              // everything the program wrote, escape sequences and all
	now    atomic.Pointer[time.Time] // the clock the view reads
}

func newHarness(t *testing.T, w, h int, names ...string) *harness {
	t.Helper()
	return newHarnessWith(t, w, h, Options{}, names...)
}

// newHarnessWith is newHarness with options; their title and clock are
// the harness's, and so are their processes unless opts.Procs has them.
func newHarnessWith(t *testing.T, w, h int, opts Options, names ...string) *harness {
	t.Helper()
	procs := opts.Procs
	if procs == nil {
		procs = make([]runner.Spec, len(names))
		for i, n := range names {
			procs[i] = runner.Spec{Name: n, Port: 5000 + 100*i}
		}
	}
	hs := &harness{t: t, ctl: &fakeControl{}, events: make(chan runner.Event, 64)}
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	hs.now.Store(&start)
	opts.Procs, opts.Title, opts.Now = procs, "~/shop", func() time.Time { return *hs.now.Load() }
	hs.m = New(hs.events, hs.ctl, opts)
	hs.tm = teatest.NewTestModel(t, hs.m, teatest.WithInitialTermSize(w, h))
	hs.term = vt.NewEmulator(w, h)
	replies := make(chan struct{})
	go func() {
		// The emulator answers the program's queries through a pipe that
		// must be read, or its Write blocks.
		io.Copy(io.Discard, hs.term)
		close(replies)
	}()
	hs.out = hs.tm.Output()
	t.Cleanup(func() {
		hs.end()
		hs.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		// Emulator.Close races with a blocked Read; closing the pipe ends
		// the Read without it.
		if pw, ok := hs.term.InputPipe().(*io.PipeWriter); ok {
			pw.Close()
		}
		<-replies
	})
	return hs
}

// end closes the event stream, as the runner does when the run is over.
func (hs *harness) end() {
	if hs.events != nil {
		close(hs.events)
		hs.events = nil
	}
}

// resize changes the terminal's size, as a user dragging its window.
func (hs *harness) resize(w, h int) {
	hs.screen() // what was drawn at the old size
	hs.term.Resize(w, h)
	hs.tm.Send(tea.WindowSizeMsg{Width: w, Height: h})
}

func (hs *harness) send(ev runner.Event) {
	ev.Time = *hs.now.Load()
	hs.events <- ev
}

func (hs *harness) started(i int, name string, pid, restarts int) {
	hs.send(runner.Event{Kind: runner.Started, Proc: i, Name: name, PID: pid, Restarts: restarts, State: runner.StateRunning})
}

func (hs *harness) output(i int, name, data string) {
	hs.send(runner.Event{Kind: runner.Output, Proc: i, Name: name, Data: []byte(data)})
}

func (hs *harness) key(keys ...string) {
	for _, k := range keys {
		hs.tm.Send(keyPress(k))
	}
}

// screen is the terminal's text now.
func (hs *harness) screen() string {
	buf := make([]byte, 64*1024)
	for {
		n, _ := hs.out.Read(buf)
		if n == 0 {
			break
		}
		// A program without a terminal for input assumes its newlines
		// are mapped to CR LF, as a terminal's output processing does.
		hs.raw.Write(buf[:n])
		hs.term.Write(bytes.ReplaceAll(buf[:n], []byte("\n"), []byte("\r\n")))
	}
	return hs.term.String()
}

// eventually polls check until it reports done, failing after a deadline
// with what it last saw.
func (hs *harness) eventually(what string, check func() (done bool, saw string)) {
	hs.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		done, saw := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			hs.t.Fatalf("timed out waiting for %s; saw:\n%s", what, saw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitScreen waits until the screen matches re.
func (hs *harness) waitScreen(what string, re string) (m []string) {
	hs.t.Helper()
	rx := regexp.MustCompile(re)
	hs.eventually(what+" ("+re+")", func() (bool, string) {
		s := hs.screen()
		m = rx.FindStringSubmatch(s)
		return m != nil, s
	})
	return m
}

// waitFor waits until the screen satisfies ok.
func (hs *harness) waitFor(what string, ok func(screen string) bool) {
	hs.t.Helper()
	hs.eventually(what, func() (bool, string) {
		s := hs.screen()
		return ok(s), s
	})
}

// waitWritten waits until what was typed into processes contains s.
func (hs *harness) waitWritten(s string) {
	hs.t.Helper()
	hs.eventually("typed input "+s, func() (bool, string) {
		hs.ctl.mu.Lock()
		defer hs.ctl.mu.Unlock()
		got := hs.ctl.written.String()
		return strings.Contains(got, s), got
	})
}

// waitCall waits until the control received call.
func (hs *harness) waitCall(call string) {
	hs.t.Helper()
	hs.eventually("the call "+call, func() (bool, string) {
		hs.ctl.mu.Lock()
		defer hs.ctl.mu.Unlock()
		return slices.Contains(hs.ctl.calls, call), fmt.Sprintf("%q", hs.ctl.calls)
	})
}

// keyPress is the message for a key written as key.Binding spells it.
func keyPress(s string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown},
		"ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "ctrl+]": {Code: ']', Mod: tea.ModCtrl},
		"ctrl+u": {Code: 'u', Mod: tea.ModCtrl}, "ctrl+d": {Code: 'd', Mod: tea.ModCtrl}, "ctrl+z": {Code: 'z', Mod: tea.ModCtrl},
	}
	if k, ok := special[s]; ok {
		return tea.KeyPressMsg(k)
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestStatusFollowsEvents(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker", "clock")
	hs.waitScreen("every process starting", `(?s)◌ web.*◌ worker.*◌ clock`)
	hs.started(0, "web", 4121, 0)
	hs.started(1, "worker", 4122, 0)
	hs.started(2, "clock", 4123, 0)
	hs.waitScreen("web running", `● web\s+4121 ↻0\s+0s`)
	hs.send(runner.Event{Kind: runner.Exited, Proc: 1, Name: "worker", State: runner.StateExited, Status: runner.Status{Code: 3}})
	hs.waitScreen("worker crashed", `✗ worker\s+↻0\s+exit 3`)
	hs.send(runner.Event{Kind: runner.Exited, Proc: 2, Name: "clock", State: runner.StateRestarting, Status: runner.Status{Signal: syscall.SIGKILL}, Delay: 4 * time.Second})
	hs.waitScreen("clock restarting", `↻ clock\s+↻0\s+in 4s`)
	later := hs.now.Load().Add(12*time.Minute + 3*time.Second)
	hs.now.Store(&later)
	hs.tm.Send(tickMsg{})
	hs.waitScreen("web's uptime", `● web\s+4121 ↻0\s+12m03s`)
	hs.waitScreen("the header", `composer · ~/shop · 3 processes · 1 running · 1 restarting · 1 crashed`)
	hs.waitScreen("web's title bar", `web · running · 12m03s · pid 4121 · :5000 · ↻0`)
}

func TestSelectAndCommands(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker")
	hs.started(0, "web", 11, 0)
	hs.started(1, "worker", 12, 0)
	hs.waitScreen("both running", `(?s)● web.*● worker`)

	hs.key("j")
	hs.waitScreen("worker selected", `▌● worker`)
	hs.key("r")
	hs.waitCall("restart worker")
	hs.key("x")
	hs.waitCall("signal worker SIGKILL")
	hs.key("s")
	hs.waitCall("stop worker")

	hs.key("1")
	hs.waitScreen("web selected", `▌● web`)
	hs.key("R")
	hs.waitCall("restart web")
	hs.waitCall("restart worker")

	// A click on a sidebar row selects it.
	hs.tm.Send(tea.MouseClickMsg{X: 3, Y: 2, Button: tea.MouseLeft})
	hs.waitScreen("worker clicked", `▌● worker`)
	hs.key("up")
	hs.waitScreen("back to web", `▌● web`)

	// Exited processes are started, not stopped, by s.
	hs.send(runner.Event{Kind: runner.Exited, Proc: 0, Name: "web", State: runner.StateExited, Status: runner.Status{Code: 1}})
	hs.waitScreen("web crashed", `✗ web`)
	hs.key("s")
	hs.waitCall("start web")
}

func TestOutputSearchAndScroll(t *testing.T) {
	hs := newHarness(t, 100, 20, "web")
	hs.started(0, "web", 1, 0)
	var b strings.Builder
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&b, "line %03d\r\n", i)
	}
	hs.output(0, "web", "\x1b[32mGET /needle\x1b[0m\r\n"+b.String())
	hs.waitScreen("the last line", `line 200`)

	hs.key("pgup")
	hs.waitScreen("scrolled up", `▲\d+ ▼\d+`)
	hs.key("G")
	hs.waitFor("following", func(s string) bool { return !strings.Contains(s, "▲") })
	hs.tm.Send(tea.MouseWheelMsg{X: 60, Y: 5, Button: tea.MouseWheelUp})
	hs.waitScreen("scrolled by the wheel", `▲\d+ ▼3\b`)
	hs.key("g")
	hs.waitScreen("the top", `GET /needle`)
	hs.key("G")
	hs.waitScreen("the bottom again", `line 200`)

	hs.key("/")
	hs.tm.Type("needle")
	hs.key("enter")
	hs.waitScreen("the match", `(?s)match 1/1.*GET /needle`)
	hs.key("esc")
	hs.key("G")
	hs.waitScreen("following", `line 200`)

	hs.key("c")
	hs.waitFor("a cleared pane", func(s string) bool { return !strings.Contains(s, "line 200") })
}

// A search in a pane whose scrollback is full: the count drops the matches
// whose lines went, the view stays on the match rather than following, and
// n and N land on matches that are shown.
func TestSearchFullScrollback(t *testing.T) {
	hs := newHarnessWith(t, 100, 20, Options{Scrollback: 50}, "web")
	hs.started(0, "web", 1, 0)
	lines := func(from, to int) {
		var b strings.Builder
		for i := from; i < to; i++ {
			if i%10 == 0 {
				fmt.Fprintf(&b, "ERROR %d\r\n", i)
			} else {
				fmt.Fprintf(&b, "line %d\r\n", i)
			}
		}
		hs.output(0, "web", b.String())
	}
	lines(0, 60) // history keeps 10..59: 5 matches
	hs.waitScreen("the output", `line 59`)
	hs.key("/")
	hs.tm.Type("ERROR")
	hs.key("enter")
	hs.waitScreen("the most recent match", `(?s)match 5/5 · ▲\d+ ▼0.*ERROR 50`)

	lines(60, 90) // 10..39 go, with 3 matches; 3 come
	hs.waitScreen("the same match, numbered among those left", `(?s)match 2/5 · ▲\d+ ▼\d+.*ERROR 50`)
	if s := hs.screen(); strings.Contains(s, "line 89") {
		t.Errorf("the pane followed new output after a search:\n%s", s)
	}

	lines(90, 110) // 40..59 go, the current match with them
	hs.waitScreen("the next match taking over", `(?s)match 1/5 · ▲\d+ ▼\d+.*ERROR 60`)
	hs.key("N")
	hs.waitScreen("a newer match", `(?s)match 2/5 · ▲\d+ ▼\d+.*ERROR 70`)
	hs.key("n", "n")
	hs.waitScreen("the oldest match", `(?s)match 1/5 · ▲\d+ ▼\d+.*ERROR 60`)

	hs.key("G")
	hs.waitFor("following again", func(s string) bool { return !strings.Contains(s, "▲") && strings.Contains(s, "line 109") })
	lines(110, 120)
	hs.waitScreen("new output followed", `(?s)match 1/5.*line 119`)
}

func TestResize(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker")
	hs.waitScreen("the list", `◌ web`)
	waitSize := func(name string, want [2]int) {
		t.Helper()
		hs.eventually(fmt.Sprintf("%s's terminal to be %v", name, want), func() (bool, string) {
			hs.ctl.mu.Lock()
			defer hs.ctl.mu.Unlock()
			return hs.ctl.sizes[name] == want, fmt.Sprint(hs.ctl.sizes[name])
		})
	}
	// 20 rows: header, title bar, 17 rows of output, footer.
	side := sidebarWidth(len("worker"))
	waitSize("web", [2]int{100 - side - 1, 17})
	if cols, rows := PaneSize(100, 20, []string{"web", "worker"}, false); cols != 100-side-1 || rows != 17 {
		t.Errorf("PaneSize(100, 20) = %d×%d, want the list pane's %d×17", cols, rows, 100-side-1)
	}

	hs.resize(140, 30) // wide enough for the sidebar's CPU and memory
	waitSize("worker", [2]int{140 - side - usageCols - 1, 27})

	hs.key("z")
	waitSize("web", [2]int{140, 27})

	hs.key("tab")
	hs.waitScreen("the grid", `(?s)web · starting.*│.*worker · starting`)
	waitSize("web", [2]int{69, 27})

	hs.resize(30, 5)
	hs.waitScreen("the notice", `too small`)
}

// A narrow sidebar keeps whole names and gives up the pid column (the
// pane's title has the pid).
func TestNarrowSidebar(t *testing.T) {
	hs := newHarness(t, 120, 20, "web", "scheduler")
	hs.started(1, "scheduler", 4242, 0)
	hs.waitScreen("the pid in a wide sidebar", `● scheduler +4242 ↻0`)
	hs.resize(60, 15)
	hs.waitScreen("the whole name in a narrow one", `● scheduler +↻0`)
}

func TestInteract(t *testing.T) {
	hs := newHarness(t, 100, 20, "repl")
	hs.started(0, "repl", 7, 0)
	hs.output(0, "repl", ">>> ")
	hs.waitScreen("the prompt", `● repl(?s:.*)>>>`)
	hs.key("i")
	hs.waitScreen("interactive mode", `INTERACT`)
	hs.key("1", "+", "1", "enter", "up", "q")
	hs.tm.Send(tea.PasteMsg{Content: "x=1"})
	hs.waitWritten(`repl:"x=1"`)
	// The process asks for bracketed paste; once its next output shows,
	// the mode has been seen.
	hs.output(0, "repl", "\x1b[?2004hok\r\n")
	hs.waitScreen("the output after the mode", `\bok\b`)
	hs.tm.Send(tea.PasteMsg{Content: "y=2"})
	hs.key("ctrl+]")
	hs.waitScreen("normal mode", `r restart`)
	hs.key("q")
	hs.waitCall("shutdown quit")
	want := `repl:"1" repl:"+" repl:"1" repl:"\r" repl:"\x1b[A" repl:"q" repl:"x=1" repl:"\x1b[200~y=2\x1b[201~" `
	hs.waitWritten(want)
}

// A process without a terminal cannot be typed at: the view says so.
func TestInteractWithoutATerminal(t *testing.T) {
	hs := newHarnessWith(t, 100, 20, Options{Procs: []runner.Spec{{Name: "logger", NoTTY: true}}})
	hs.started(0, "logger", 7, 0)
	hs.output(0, "logger", "a line\r\n")
	hs.waitScreen("its output", `a line`)
	hs.key("i")
	hs.waitScreen("a refusal", `logger has no terminal to type at \(is_tty: false\)`)
	hs.key("q") // quits: typed, it would have gone to the process
	hs.waitCall("shutdown quit")
}

func TestInteractAfterAnError(t *testing.T) {
	hs := newHarness(t, 100, 20, "repl", "gone")
	hs.started(0, "repl", 7, 0)
	hs.send(runner.Event{Kind: runner.Exited, Proc: 1, Name: "gone", State: runner.StateExited, Status: runner.Status{Code: 1}})
	hs.waitScreen("both", `● repl(?s:.*)✗ gone`)

	hs.key("2", "i")
	hs.waitScreen("a refusal", `gone is not running`)

	hs.ctl.mu.Lock()
	hs.ctl.failNext = errors.New("write /dev/ptmx: i/o timeout")
	hs.ctl.mu.Unlock()
	hs.key("1", "i", "a")
	hs.waitScreen("the error", `i/o timeout`)
	hs.key("b")
	hs.waitWritten(`repl:"b"`)

	// When the process ends, interactive mode ends with it.
	hs.send(runner.Event{Kind: runner.Exited, Proc: 0, Name: "repl", State: runner.StateExited, Status: runner.Status{Code: 0}})
	hs.waitFor("normal mode", func(s string) bool { return !strings.Contains(s, "INTERACT") && strings.Contains(s, "r restart") })
}

// A pane's answers to its process's queries are not the user's keys: one
// that cannot be delivered, its process gone, is dropped without a word.
func TestRepliesToAGoneProcess(t *testing.T) {
	hs := newHarness(t, 100, 20, "urandom")
	hs.started(0, "urandom", 7, 0)
	hs.ctl.mu.Lock()
	hs.ctl.failNext = fmt.Errorf("%w: urandom", runner.ErrNotRunning)
	hs.ctl.mu.Unlock()
	hs.output(0, "urandom", "\x1b[6n") // answered; the answer fails
	hs.eventually("the answer to fail", func() (bool, string) {
		hs.ctl.mu.Lock()
		defer hs.ctl.mu.Unlock()
		return hs.ctl.failNext == nil, hs.ctl.written.String()
	})
	hs.output(0, "urandom", "\x1b[5n") // answered after it
	hs.waitWritten(`urandom:"\x1b[0n"`)
	hs.send(runner.Event{Kind: runner.Exited, Proc: 0, Name: "urandom", State: runner.StateExited, Status: runner.Status{Code: 0}})
	hs.waitScreen("the exit", `✓ urandom`)
	if s := hs.screen(); strings.Contains(s, "not running") {
		t.Errorf("an answer to a query was reported as an error:\n%s", s)
	}
}

func TestHelpZoomGrid(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker", "clock")
	hs.waitScreen("the list", `◌ web`)
	hs.key("?")
	hs.waitScreen("the full help", `ctrl\+\]\s+leave interact`)
	hs.key("r") // acts on nothing while the help covers the panes
	hs.key("esc")
	hs.waitFor("the list again", func(s string) bool { return !strings.Contains(s, "leave interact") })

	hs.key("z")
	hs.waitFor("the zoomed pane", func(s string) bool { return !strings.Contains(s, "│") && strings.Contains(s, "web · starting") })
	hs.key("esc")
	hs.waitScreen("the sidebar again", `▌◌ web`)

	hs.key("tab")
	hs.waitScreen("the grid", `web · starting(?s:.*)clock · starting`)
	hs.key("z")
	hs.waitFor("zoomed from the grid", func(s string) bool { return !strings.Contains(s, "│") })
	hs.key("esc")
	hs.waitScreen("back in the grid", `web · starting(?s:.*)│(?s:.*)clock · starting`)
	// Three tiles side by side: click inside the third.
	hs.tm.Send(tea.MouseClickMsg{X: 80, Y: 10, Button: tea.MouseLeft})
	hs.key("tab")
	hs.waitScreen("clock selected", `▌◌ clock`)
	if hs.ctl.has("restart web") {
		t.Error("r behind the help restarted a process")
	}
}

func TestQuit(t *testing.T) {
	hs := newHarness(t, 100, 20, "web")
	hs.started(0, "web", 1, 0)
	hs.waitScreen("running", `● web`)
	hs.key("q")
	hs.waitCall("shutdown quit")
	hs.send(runner.Event{Kind: runner.ShuttingDown, Proc: -1, Reason: "quit"})
	hs.send(runner.Event{Kind: runner.Signaled, Proc: 0, Name: "web", State: runner.StateStopping, Signal: syscall.SIGTERM})
	hs.waitScreen("what is stopping", `stopping: web · q or ctrl\+c again to kill`)
	hs.key("ctrl+c")
	hs.waitCall("kill")
	hs.send(runner.Event{Kind: runner.Exited, Proc: 0, Name: "web", State: runner.StateStopped, Status: runner.Status{Signal: syscall.SIGKILL}})
	hs.end()
	hs.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if !hs.m.Interrupted() {
		t.Error("ctrl+c did not count as an interruption")
	}
	if got, want := hs.m.Summary(), "■ web  stopped, killed by SIGKILL\n"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestEncodeKey(t *testing.T) {
	tests := []struct {
		key       tea.KeyPressMsg
		appCursor bool
		want      string
	}{
		{tea.KeyPressMsg{Code: 'a', Text: "a"}, false, "a"},
		{tea.KeyPressMsg{Code: 'a', Text: "A", Mod: tea.ModShift}, false, "A"},
		{tea.KeyPressMsg{Code: 'é', Text: "é"}, false, "é"},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, false, "\x03"},
		{tea.KeyPressMsg{Code: 'x', Mod: tea.ModAlt, Text: "x"}, false, "\x1bx"},
		{tea.KeyPressMsg{Code: tea.KeyEnter}, false, "\r"},
		{tea.KeyPressMsg{Code: tea.KeyBackspace}, false, "\x7f"},
		{tea.KeyPressMsg{Code: tea.KeyUp}, false, "\x1b[A"},
		{tea.KeyPressMsg{Code: tea.KeyUp}, true, "\x1bOA"},
		{tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModCtrl}, false, "\x1b[1;5D"},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, false, "\x1b[5~"},
		{tea.KeyPressMsg{Code: tea.KeyF1}, false, "\x1bOP"},
		{tea.KeyPressMsg{Code: tea.KeyF12}, false, "\x1b[24~"},
		{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, false, "\x1b[Z"},
		{tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}, false, " "},
		{tea.KeyPressMsg{Code: 'a', Mod: tea.ModShift}, false, "A"},
		{tea.KeyPressMsg{Code: '2', ShiftedCode: '@', Mod: tea.ModShift}, false, "@"},
		{tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl | tea.ModShift}, false, "\x03"},
		{tea.KeyPressMsg{Code: '/', Mod: tea.ModCtrl}, false, "\x1f"},
		{tea.KeyPressMsg{Code: tea.KeyKp7}, false, "7"},
		{tea.KeyPressMsg{Code: tea.KeyKpEnter}, false, "\r"},
	}
	for _, tt := range tests {
		if got := string(encodeKey(tt.key, tt.appCursor)); got != tt.want {
			t.Errorf("encodeKey(%v, %v) = %q, want %q", tt.key, tt.appCursor, got, tt.want)
		}
	}
}

func TestLayout(t *testing.T) {
	tests := []struct {
		w, h, n    int
		grid, zoom bool
		wantCols   int
		small      bool
	}{
		{120, 40, 4, true, false, 2, false},
		{200, 40, 3, true, false, 3, false},
		{120, 40, 1, true, false, 1, false},
		{30, 40, 2, false, false, 0, true},
		{60, 9, 20, true, false, 0, true},
	}
	for _, tt := range tests {
		l := compute(tt.w, tt.h, tt.n, 6, tt.grid, tt.zoom)
		if (l.small != "") != tt.small || l.gridCols != tt.wantCols {
			t.Errorf("compute(%d×%d, %d procs, grid %v) = cols %d, small %q; want cols %d, small %v",
				tt.w, tt.h, tt.n, tt.grid, l.gridCols, l.small, tt.wantCols, tt.small)
			continue
		}
		if tt.small {
			continue
		}
		for i, r := range l.panes {
			if r.x < 0 || r.y < headerRows || r.x+r.w > tt.w || r.y+r.h > tt.h-footerRows {
				t.Errorf("compute(%d×%d, %d procs): pane %d at %+v is off screen", tt.w, tt.h, tt.n, i, r)
			}
		}
	}
}

// A process stopped by a signal (ctrl+z while interacting) shows as
// suspended, leaves interact mode, and s continues it; its screen stays
// as it was.
func TestSuspended(t *testing.T) {
	hs := newHarness(t, 100, 20, "repl", "web")
	hs.started(0, "repl", 7, 0)
	hs.started(1, "web", 8, 0)
	hs.output(0, "repl", "\x1b[?1049h\x1b[2J\x1b[H~\r\n~\r\n\x1b[5;1Hfull screen\x1b[H")
	hs.waitScreen("the full-screen program", `● repl(?s:.*)full screen`)
	hs.key("i")
	hs.waitScreen("interactive mode", `INTERACT`)
	hs.key("ctrl+z")
	hs.waitWritten(`repl:"\x1a"`)
	hs.send(runner.Event{Kind: runner.Suspended, Proc: 0, Name: "repl", PID: 7, State: runner.StateSuspended, Signal: syscall.SIGTSTP})
	hs.waitScreen("repl suspended", `‖ repl\s+7 ↻0\s+suspended`)
	hs.waitScreen("the title bar", `repl · suspended by SIGTSTP · s continues it`)
	hs.waitScreen("the header", `2 processes · 1 running · 1 suspended`)
	hs.waitScreen("normal mode", `r restart`)
	hs.key("s")
	hs.waitCall("start repl")
	hs.send(runner.Event{Kind: runner.Resumed, Proc: 0, Name: "repl", PID: 7, State: runner.StateRunning})
	hs.waitScreen("repl running again", `● repl\s+7 ↻0`)
	if s := hs.screen(); !regexp.MustCompile(`│~\s*\n.*│~\s*\n(?s:.*)│full screen`).MatchString(s) {
		t.Errorf("the program's screen did not survive:\n%s", s)
	}
}

// What a process uses is in its pane's title, and composer's own in the
// header, from the runner's snapshot once a second.
func TestUsage(t *testing.T) {
	hs := newHarness(t, 120, 12, "web", "db")
	hs.started(0, "web", 4121, 0)
	hs.started(1, "db", 4122, 0)
	hs.waitScreen("both running", `(?s)● web.*● db`)
	at := time.Now()
	hs.ctl.mu.Lock()
	hs.ctl.procs = []runner.Proc{
		{Name: "web", State: runner.StateRunning, PID: 4121, Usage: runner.Usage{CPU: 37.4, RSS: 41 << 20, Procs: 2, At: at}},
		{Name: "db", State: runner.StateRunning, PID: 4122, Usage: runner.Usage{CPU: 0.2, RSS: 900 << 10, Procs: 1, At: at}},
	}
	hs.ctl.own = runner.Usage{CPU: 1.5, RSS: 14 << 20, At: at}
	hs.ctl.mu.Unlock()
	hs.tm.Send(tickMsg{})
	hs.waitScreen("web's in its title, composer's in the header",
		`(?s)composer · ~/shop .*· composer 1\.5% · 14\.0M.*web · running · .*pid 4121 · :5000 · 37% · 41\.0M · ↻0`)
	hs.key("2")
	hs.waitScreen("db's", `db · running · .*pid 4122 · :5100 · 0\.2% · 900K · ↻0`)
}

// A wide terminal has CPU and memory columns in the sidebar.
func TestUsageColumns(t *testing.T) {
	hs := newHarness(t, usageWidth, 12, "web", "db")
	hs.started(0, "web", 4121, 0)
	hs.waitScreen("web running", `● web`)
	hs.ctl.mu.Lock()
	hs.ctl.procs = []runner.Proc{{Name: "web", State: runner.StateRunning, PID: 4121, Usage: runner.Usage{CPU: 37.4, RSS: 41 << 20, At: time.Now()}}}
	hs.ctl.mu.Unlock()
	hs.tm.Send(tickMsg{})
	hs.waitScreen("the columns", `▌● web +4121 +37% +41\.0M ↻0 `)
	hs.waitScreen("none for what does not run", `◌ db +↻0 `)
}
