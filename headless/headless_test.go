package headless

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe to read while Copy writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls the output until it contains text, with a deadline.
func waitFor(t *testing.T, out *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q; got:\n%s", text, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCopyFormatsEvents(t *testing.T) {
	procs := []runner.Spec{{Name: "web", Port: 5000}, {Name: "background"}}
	events := make(chan runner.Event, 100)
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	events <- runner.Event{Kind: runner.Started, Proc: 0, PID: 42, Time: t0}
	events <- runner.Event{Kind: runner.Started, Proc: 1, PID: 43, Time: t0}
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("listening\r\nhalf "), Time: t0}
	events <- runner.Event{Kind: runner.Output, Proc: 1, Data: []byte("\x1b[32mgreen\r\n"), Time: t0}
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("a line\r\n"), Time: t0}
	events <- runner.Event{Kind: runner.Exited, Proc: 1, Status: runner.Status{Code: 1}, State: runner.StateRestarting, Delay: time.Second, Time: t0}
	events <- runner.Event{Kind: runner.ShuttingDown, Proc: -1, Reason: "received SIGINT", Time: t0}
	events <- runner.Event{Kind: runner.Signaled, Proc: 0, PID: 42, Signal: syscall.SIGTERM, Reason: "stop", Time: t0}
	events <- runner.Event{Kind: runner.Signaled, Proc: 0, PID: 42, Signal: syscall.SIGKILL, Reason: "timeout", Time: t0}
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("last words"), Time: t0}
	events <- runner.Event{Kind: runner.Exited, Proc: 0, PID: 42, Status: runner.Status{Signal: syscall.SIGKILL}, State: runner.StateStopped, Time: t0}
	close(events)

	var out bytes.Buffer
	if err := Copy(&out, events, Options{Procs: procs, Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	want := `composer   | web started (pid 42, port 5000)
composer   | background started (pid 43)
web        | listening
background | ` + "\x1b[32mgreen" + `
web        | half a line
composer   | background exited with code 1; restarting in 1s (restart 1)
composer   | stopping all processes: received SIGINT
composer   | sending SIGTERM to web (pid 42)
composer   | web did not stop within 5s; sending SIGKILL (pid 42)
web        | last words
composer   | web killed by SIGKILL
`
	if out.String() != want {
		t.Errorf("Copy wrote:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestCopyColorAndTimestamps(t *testing.T) {
	events := make(chan runner.Event, 10)
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 6e6, time.UTC)
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("\x1b[31mred\r\nplain\r\n"), Time: t0}
	close(events)
	var out bytes.Buffer
	if err := Copy(&out, events, Options{Procs: []runner.Spec{{Name: "a"}}, Color: true, Timestamps: true}); err != nil {
		t.Fatal(err)
	}
	want := "15:04:05.006 \x1b[36ma        | \x1b[0m\x1b[31mred\x1b[0m\n" +
		"15:04:05.006 \x1b[36ma        | \x1b[0mplain\n"
	if out.String() != want {
		t.Errorf("Copy wrote %q, want %q", out.String(), want)
	}
}

func TestCopyShowsPromptWhenIdle(t *testing.T) {
	events := make(chan runner.Event)
	out := &syncBuffer{}
	done := make(chan error)
	go func() { done <- Copy(out, events, Options{Procs: []runner.Spec{{Name: "a"}}}) }()
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("password: "), Time: time.Now()}
	events <- runner.Event{Kind: runner.Idle, Proc: 0, Time: time.Now()}
	waitFor(t, out, "a        | password: \n")
	close(events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCopyShowsProgressEverySoOften(t *testing.T) {
	events := make(chan runner.Event)
	out := &syncBuffer{}
	done := make(chan error)
	go func() {
		done <- Copy(out, events, Options{Procs: []runner.Spec{{Name: "a"}}, Progress: 20 * time.Millisecond})
	}()
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("\r10%"), Time: time.Now()}
	events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("\r20%"), Time: time.Now()}
	waitFor(t, out, "a        | 20%\n")
	close(events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestCopyKeepsDrainingAfterWriteError(t *testing.T) {
	events := make(chan runner.Event)
	var failed []error
	done := make(chan error)
	go func() {
		done <- Copy(failWriter{}, events, Options{Procs: []runner.Spec{{Name: "a"}}, WriteFailed: func(err error) { failed = append(failed, err) }})
	}()
	for range 1000 {
		events <- runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("line\n"), Time: time.Now()}
	}
	close(events)
	if err := <-done; err == nil || len(failed) != 1 {
		t.Errorf("Copy = %v, WriteFailed called %d times; want the error once", err, len(failed))
	}
}

// The real runner and Copy together: many processes flooding at once lose
// no line and never share one.
func TestFloodKeepsEveryLineWhole(t *testing.T) {
	const procs, lines = 4, 50000
	var specs []runner.Spec
	var names []runner.Spec
	for i := range procs {
		name := fmt.Sprint("p", i)
		cmd := fmt.Sprintf("seq -f '%s %%07g xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' 1 %d", name, lines)
		specs = append(specs, runner.Spec{Name: name, Command: cmd, Env: os.Environ(), CanDie: true})
		names = append(names, runner.Spec{Name: name})
	}
	// A writer that pauses mid-line for Idle has its line shown in two
	// (as documented): a loaded machine may pause seq that long, and this
	// test is about floods, not pauses.
	r := runner.New(specs, runner.Options{Idle: time.Minute})
	var out bytes.Buffer
	done := make(chan error)
	go func() { done <- Copy(&out, r.Events(), Options{Procs: names}) }()
	r.Run()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	next := make([]int, procs)
	line := regexp.MustCompile(`^(p\d) +\| (p\d) (\d{7}) x{54}$`)
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "composer ") {
			continue
		}
		m := line.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != m[2] {
			t.Fatalf("mangled line %q", sc.Text())
		}
		p := int(m[1][1] - '0')
		n, _ := strconv.Atoi(m[3])
		if n != next[p]+1 {
			t.Fatalf("%s: line %d after %d", m[1], n, next[p])
		}
		next[p] = n
	}
	for i, n := range next {
		if n != lines {
			t.Errorf("p%d: last line %d, want %d", i, n, lines)
		}
	}
}

// Lines as a user sees them from real processes in ptys.
func TestRealProcesses(t *testing.T) {
	tests := []struct {
		name, command string
		want          []string // lines expected, in order, after the prefix
	}{
		{"pause mid-line", `printf 'abc'; sleep 0.05; printf 'def\n'`, []string{"abcdef"}},
		{"prompt", `printf 'continue? '; sleep 0.6; echo yes`, []string{"continue? ", "yes"}},
		{"progress bar", `for i in 1 2 3 4 5; do printf '\r%d0%%' $i; done; printf '\rdone\n'`, []string{"done"}},
		{"last line without newline", `echo one; printf two`, []string{"one", "two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runner.New([]runner.Spec{{Name: "a", Command: tt.command, Env: os.Environ()}}, runner.Options{})
			var out bytes.Buffer
			done := make(chan error)
			go func() { done <- Copy(&out, r.Events(), Options{Procs: []runner.Spec{{Name: "a"}}}) }()
			r.Run()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if text, ok := strings.CutPrefix(l, "a        | "); ok {
					got = append(got, text)
				}
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("%s: lines %q, want %q; output:\n%s", tt.command, got, tt.want, out.String())
			}
		})
	}
}

// Copy writes events to w, as the log stream, until the channel is
// closed, and returns the first write error: a Log with a Stream, as up
// has them.
func Copy(w io.Writer, events <-chan runner.Event, opts Options) error {
	s := NewStream(w, opts)
	l := NewLog(opts, s)
	for e := range events {
		l.Event(e)
	}
	l.Close()
	return s.Close()
}

// gated is a writer that takes nothing until opened.
type gated struct {
	open chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (g *gated) Write(p []byte) (int, error) {
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

// Once abandoned, a Stream drops what it is given, and what it writes is
// a beginning of what it was given: no line is missing from the middle.
func TestAbandonLeavesNoGaps(t *testing.T) {
	g := &gated{open: make(chan struct{})}
	s := NewStream(g, Options{Procs: []runner.Spec{{Name: "a"}}})
	n := 0
	give := func(k int) {
		for range k {
			s.Line(Line{Proc: 0, Text: fmt.Appendf(nil, "line %d", n)})
			s.Done(runner.Event{})
			n++
		}
	}
	give(5)
	s.Abandon()
	close(g.open)
	give(2000)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	if out := g.buf.String(); out != "" {
		lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	}
	for i, l := range lines {
		if want := fmt.Sprintf("a        | line %d", i); l != want {
			t.Fatalf("line %d written is %q, want %q", i, l, want)
		}
	}
	if got := s.Unwritten(); got != int64(n-len(lines)) {
		t.Errorf("Unwritten says %d, but %d of %d were written", got, len(lines), n)
	}
}
