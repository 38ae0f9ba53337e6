package runner

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary plays the child processes: with COMPOSER_TEST_HELPER set
// it runs helper(os.Args[1:]) instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("COMPOSER_TEST_HELPER") != "" {
		helper(os.Args[1:])
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func helper(args []string) {
	out := os.Stdout
	switch args[0] {
	case "lines": // lines N PREFIX: N numbered lines
		n, _ := strconv.Atoi(args[1])
		var b bytes.Buffer
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%s %07d\n", args[2], i)
			if b.Len() > 32*1024 {
				out.Write(b.Bytes())
				b.Reset()
			}
		}
		out.Write(b.Bytes())
	case "exit": // exit CODE
		code, _ := strconv.Atoi(args[1])
		fmt.Println("bye")
		os.Exit(code)
	case "sleep": // runs until signalled
		fmt.Println("ready")
		forever()
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		forever()
	case "run-for": // run-for DURATION then exit 1
		d, _ := time.ParseDuration(args[1])
		time.Sleep(d)
		os.Exit(1)
	case "graceful": // on SIGTERM: takes 300ms to clean up, then exits 0
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("ready")
		<-term
		fmt.Println("cleaning up")
		time.Sleep(300 * time.Millisecond)
		fmt.Println("clean")
	case "echo": // prints each line read from its terminal, upper-cased
		fmt.Println("ready")
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println(strings.ToUpper(sc.Text()))
		}
	case "tstp": // as echo, and says so at each SIGTSTP, which it catches
		tstp := make(chan os.Signal, 1)
		signal.Notify(tstp, syscall.SIGTSTP)
		go func() {
			for range tstp {
				fmt.Println("caught SIGTSTP")
			}
		}()
		fmt.Println("ready")
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println(strings.ToUpper(sc.Text()))
		}
	case "escape": // escape stay|exit [newgroup]: starts a process that leaves the session (a double fork), or only the process group, then stays or exits
		middle := exec.Command(os.Args[0], append([]string{"escape-middle"}, args[2:]...)...)
		middle.Stdout, middle.Stderr = out, out
		if err := middle.Run(); err != nil {
			fmt.Println("escape:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		if args[1] == "stay" {
			forever()
		}
	case "escape-middle": // escape-middle [newgroup]: starts the escapee in a new session (or group) and exits at once
		escapee := exec.Command(os.Args[0], "escapee")
		escapee.Stdout, escapee.Stderr = out, out
		escapee.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if len(args) > 1 && args[1] == "newgroup" {
			escapee.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		}
		if err := escapee.Start(); err != nil {
			fmt.Println("escape-middle:", err)
			os.Exit(1)
		}
		fmt.Println("escapee", escapee.Process.Pid)
	case "escapee": // ignores the signals that usually end a daemon
		signal.Ignore(syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
		forever()
	case "composer": // composer COMMAND: runs COMMAND under a Runner, printing its output
		r := New([]Spec{{Name: "a", Command: args[1], Env: os.Environ()}}, Options{})
		go func() {
			for e := range r.Events() {
				if e.Kind == Output {
					out.Write(e.Data)
				}
			}
		}()
		r.Run()
	case "hold": // hold PID: keeps PID stopped, as a tracer does, until it dies
		pid, _ := strconv.Atoi(args[1])
		hold(pid)
	case "memory": // memory N: holds N MiB, touched, until signalled
		n, _ := strconv.Atoi(args[1])
		heldMemory = bytes.Repeat([]byte{1}, n<<20)
		fmt.Println("ready")
		forever()
	case "bytes": // bytes N: N bytes without a newline
		n, _ := strconv.Atoi(args[1])
		out.Write(bytes.Repeat([]byte("x"), n))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", args)
		os.Exit(99)
	}
}

// heldMemory is what the memory helper holds.
var heldMemory []byte

// helperCmd is a shell command running the test binary as a helper.
func helperCmd(args ...string) string {
	return fmt.Sprintf("exec %q %s", os.Args[0], strings.Join(args, " "))
}

func helperEnv() []string {
	// The race runtime otherwise sleeps a second before a helper exits.
	return append(os.Environ(), "COMPOSER_TEST_HELPER=1", "GORACE=atexit_sleep_ms=0")
}

func spec(name string, args ...string) Spec {
	return Spec{Name: name, Command: helperCmd(args...), Env: helperEnv()}
}

func shSpec(name, command string) Spec {
	return Spec{Name: name, Command: command, Env: os.Environ()}
}

// run is a Runner under test, with its events gathered.
type run struct {
	t      *testing.T
	r      *Runner
	all    []Event
	result chan Result
}

func start(t *testing.T, specs []Spec, opts Options) *run {
	t.Helper()
	r := New(specs, opts)
	tr := &run{t: t, r: r, result: make(chan Result, 1)}
	go func() { tr.result <- r.Run() }()
	return tr
}

// wait receives events until one matches, failing after a deadline.
func (tr *run) wait(what string, match func(Event) bool) Event {
	tr.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		e, ok := tr.next(deadline, what)
		if !ok {
			tr.t.Fatalf("events closed while waiting for %s", what)
		}
		if match(e) {
			return e
		}
	}
}

// until receives events until ok holds of those received, failing after
// a deadline.
func (tr *run) until(what string, ok func() bool) {
	tr.t.Helper()
	deadline := time.After(20 * time.Second)
	for !ok() {
		if _, open := tr.next(deadline, what); !open {
			tr.t.Fatalf("events closed while waiting for %s", what)
		}
	}
}

// finish drains the remaining events and returns the result.
func (tr *run) finish() Result {
	tr.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if _, ok := tr.next(deadline, "the run to end"); !ok {
			return <-tr.result
		}
	}
}

// next receives and records one event; ok is false once Events is closed.
func (tr *run) next(deadline <-chan time.Time, what string) (Event, bool) {
	tr.t.Helper()
	select {
	case e, ok := <-tr.r.Events():
		if ok {
			tr.all = append(tr.all, e)
		}
		return e, ok
	case <-deadline:
		tr.r.Kill()
		tr.t.Fatalf("timed out waiting for %s; events: %s", what, summary(tr.all))
		return Event{}, false
	}
}

// output is everything process name wrote.
func (tr *run) output(name string) string {
	var b strings.Builder
	for _, e := range tr.all {
		if e.Kind == Output && e.Name == name {
			b.Write(e.Data)
		}
	}
	return b.String()
}

func (tr *run) kinds(name string, k Kind) []Event {
	var out []Event
	for _, e := range tr.all {
		if e.Kind == k && e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func summary(events []Event) string {
	var b strings.Builder
	for _, e := range events {
		switch e.Kind {
		case Output:
			fmt.Fprintf(&b, "\n  %s output %q", e.Name, trim(string(e.Data)))
		case Started:
			fmt.Fprintf(&b, "\n  %s started pid %d restarts %d", e.Name, e.PID, e.Restarts)
		case Exited:
			fmt.Fprintf(&b, "\n  %s %s -> %s (delay %v)", e.Name, e.Status, e.State, e.Delay)
		case Signaled:
			fmt.Fprintf(&b, "\n  %s sent %s (%s)", e.Name, SignalName(e.Signal), e.Reason)
		case ShuttingDown:
			fmt.Fprintf(&b, "\n  shutting down: %s", e.Reason)
		case Suspended:
			fmt.Fprintf(&b, "\n  %s suspended by %s", e.Name, SignalName(e.Signal))
		case Resumed:
			fmt.Fprintf(&b, "\n  %s resumed", e.Name)
		case Waiting:
			fmt.Fprintf(&b, "\n  %s waits for %v %s", e.Name, e.Waiting, e.Reason)
		case Ready:
			fmt.Fprintf(&b, "\n  %s ready %v (%s: %s)", e.Name, e.Ready, e.Probe, e.ProbeErr)
		case Unhealthy:
			fmt.Fprintf(&b, "\n  %s unhealthy (%s: %s) %s", e.Name, e.Probe, e.ProbeErr, e.Reason)
		case Idle:
		}
	}
	return b.String()
}

func trim(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func is(name string, k Kind) func(Event) bool {
	return func(e Event) bool { return e.Name == name && e.Kind == k }
}

func hasOutput(name, text string) func(Event) bool {
	var seen strings.Builder
	return func(e Event) bool {
		if e.Name == name && e.Kind == Output {
			seen.Write(e.Data)
		}
		return strings.Contains(seen.String(), text)
	}
}

// gone waits until pid no longer exists.
func gone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// forever blocks without the runtime taking it for a deadlock (as it
// does "select {}" in a program with no other goroutine, unless built
// with -race).
func forever() {
	for {
		time.Sleep(time.Hour)
	}
}
