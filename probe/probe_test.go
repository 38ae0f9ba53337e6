package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// freePort is a port nothing listens on (it was free a moment ago).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// boundPort is a port held for the test but not listened on, so that a
// connection is refused and no other listener can take it; listen makes
// it listen.
func boundPort(t *testing.T) (port string, listen func() net.Listener) {
	t.Helper()
	syscall.ForkLock.RLock() // the way os does it where SOCK_CLOEXEC is not
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "bound")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(sa.(*syscall.SockaddrInet4).Port), func() net.Listener {
		if err := syscall.Listen(fd, 16); err != nil {
			t.Fatal(err)
		}
		l, err := net.FileListener(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
}

// rawServer answers every connection with reply, then holds it open
// until the test ends (reply "" answers nothing), or closes it.
func rawServer(t *testing.T, reply string, hold bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close(); <-exited })
	go func() {
		defer close(exited)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				// Read the request first: closing with it unread would
				// reset the connection.
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				_, _ = c.Write([]byte(reply))
				if hold {
					<-done
				}
				c.Close()
			}()
		}
	}()
	return l.Addr().String()
}

func httpProbe(t *testing.T, url string, timeout time.Duration) *Probe {
	t.Helper()
	hostport, path, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatal(err)
	}
	return &Probe{HTTP: &HTTP{Host: host, Port: port, Path: path}, Timeout: timeout}
}

func TestTry(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			fmt.Fprintln(w, "ok")
		case "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/elsewhere":
			w.WriteHeader(http.StatusServiceUnavailable) // not followed: never asked
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ok.Close()
	listening := rawServer(t, "", true)
	closedPort, _ := boundPort(t)
	closed := "127.0.0.1:" + closedPort
	short := 200 * time.Millisecond

	for _, tc := range []struct {
		name  string
		probe *Probe
		want  string // "" passes
	}{
		{"tcp listening", &Probe{TCP: listening}, ""},
		{"tcp refused", &Probe{TCP: closed}, "connection refused"},
		{"http 200", httpProbe(t, ok.URL+"/health", 0), ""},
		{"http 302 is not followed", httpProbe(t, ok.URL+"/moved", 0), ""},
		{"http 503", httpProbe(t, ok.URL+"/down", 0), "503 Service Unavailable"},
		{"http refused", httpProbe(t, "http://"+closed+"/", 0), "connection refused"},
		{"http a hostile status text", httpProbe(t, "http://"+rawServer(t, "HTTP/1.1 503 \x1b]0;PWNED\x07\x1b[2J"+strings.Repeat("x", 100)+"\r\n", true)+"/", 0), "503 ?]0;PWNED??[2J" + strings.Repeat("x", 46) + "…"},
		{"http garbage", httpProbe(t, "http://"+rawServer(t, "SSH-2.0-OpenSSH_9.6\r\n", true)+"/", 0), `not an HTTP answer: "SSH-2.0-OpenSSH_9.6"`},
		{"http a megabyte without a newline", httpProbe(t, "http://"+rawServer(t, strings.Repeat("x", 1<<20), true)+"/", short), "not an HTTP answer (no status line in its first 4 KiB)"},
		{"http silent", httpProbe(t, "http://"+listening+"/", short), "timed out after 200ms"},
		{"http half a status line", httpProbe(t, "http://"+rawServer(t, "HTTP/1.1 2", true)+"/", short), "timed out after 200ms"},
		{"http half a status line, closed", httpProbe(t, "http://"+rawServer(t, "HTTP/1.1 2", false)+"/", short), `not an HTTP answer: "HTTP/1.1 2"`},
		{"http closed without an answer", httpProbe(t, "http://"+rawServer(t, "", false)+"/", short), "closed without an answer"},
		{"http path with a header in it", &Probe{HTTP: &HTTP{Host: "127.0.0.1", Port: "1", Path: "/x HTTP/1.1\r\nX-Evil: 1"}}, `path "/x HTTP/1.1\r\nX-Evil: 1": a space or control character, not escaped (%20)`},
		{"exec true", &Probe{Exec: &Exec{Command: "true"}}, ""},
		{"exec false", &Probe{Exec: &Exec{Command: "exit 3"}}, "exit status 3"},
		{"exec false, saying why", &Probe{Exec: &Exec{Command: "echo starting; echo 'not ready: \x1b[31mno db\x1b[m' >&2; echo >&2; exit 1"}}, "exit status 1: not ready: ?[31mno db?[m"},
		{"exec false, leaving a writer behind", &Probe{Exec: &Exec{Command: "(sleep 10; echo late) & echo why; exit 1"}}, "exit status 1: why"},
		{"exec in its dir and env", &Probe{Exec: &Exec{Command: `test "$(pwd)" = / && test "$X" = 1`, Dir: "/", Env: []string{"X=1"}}}, ""},
		{"exec too slow", &Probe{Exec: &Exec{Command: "sleep 10"}, Timeout: short}, "timed out after 200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := tc.probe.Try(context.Background())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Try: %q, want %q", got, tc.want)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Try took %v", took)
			}
		})
	}
}

// An exec probe's command, and what it started, are gone once Try
// returns, whether it timed out or left something in the background.
func TestExecLeavesNothing(t *testing.T) {
	for _, tc := range []struct {
		name, command string
	}{
		{"timed out", `echo $$ > %s; sleep 10 & echo $! >> %s; wait`},
		{"exited, with a child in the background", `echo $$ > %s; sleep 10 & echo $! >> %s; exit 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pids := t.TempDir() + "/pids"
			p := &Probe{Exec: &Exec{Command: fmt.Sprintf(tc.command, pids, pids)}, Timeout: 300 * time.Millisecond}
			start := time.Now()
			_ = p.Try(context.Background())
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Try took %v", took)
			}
			b, err := os.ReadFile(pids)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				deadline := time.Now().Add(5 * time.Second)
				for syscall.Kill(pid, 0) == nil {
					if time.Now().After(deadline) {
						t.Fatalf("pid %d outlived the probe", pid)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		p    *Probe
		want string
	}{
		{&Probe{TCP: "127.0.0.1:5432"}, "tcp :5432"},
		{&Probe{TCP: "db.internal:5432"}, "tcp db.internal:5432"},
		{&Probe{HTTP: &HTTP{Host: "localhost", Port: "5100", Path: "/health"}}, "http :5100/health"},
		{&Probe{HTTP: &HTTP{Host: "10.0.0.2", Port: "80"}}, "http 10.0.0.2:80/"},
		{&Probe{Exec: &Exec{Command: "pg_isready -q"}}, "exec pg_isready -q"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

// flipper is an HTTP server whose answer the test sets, counting the
// requests.
type flipper struct {
	srv  *httptest.Server
	code atomic.Int32
	hits atomic.Int32
}

func newFlipper(t *testing.T, code int) *flipper {
	f := &flipper{}
	f.code.Store(int32(code))
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		w.WriteHeader(int(f.code.Load()))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// watch runs Watch on p, handing its reports to the test.
func watch(t *testing.T, p *Probe) <-chan Result {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Result, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, p, func(r Result) { out <- r })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return out
}

func next(t *testing.T, reports <-chan Result) Result {
	t.Helper()
	select {
	case r := <-reports:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
		return Result{}
	}
}

func describe(r Result) string {
	switch {
	case r.Passing:
		return "passing"
	case r.Failed:
		return fmt.Sprintf("failed %d: %v", r.Failures, r.Err)
	}
	return fmt.Sprintf("not yet %d: %v", r.Failures, r.Err)
}

func TestWatchThresholds(t *testing.T) {
	f := newFlipper(t, 503)
	p := httpProbe(t, f.srv.URL, 0)
	p.Period, p.SuccessThreshold, p.FailureThreshold = 10*time.Millisecond, 2, 2
	reports := watch(t, p)
	want := func(s string) {
		t.Helper()
		if got := describe(next(t, reports)); got != s {
			t.Fatalf("report %q, want %q", got, s)
		}
	}
	want("not yet 1: 503 Service Unavailable") // the first failure, once
	want("failed 2: 503 Service Unavailable")
	f.code.Store(200)
	want("passing") // after two passes
	if n := f.hits.Load(); n < 4 {
		t.Errorf("passing after %d tries, want 2 failures and 2 passes at least", n)
	}
	f.code.Store(500)
	want("failed 2: 500 Internal Server Error")
	f.code.Store(204)
	want("passing")
}

// Before a probe first passes, a reason that changes is reported, the
// same one again is not.
func TestWatchReportsANewReason(t *testing.T) {
	f := newFlipper(t, 503)
	p := httpProbe(t, f.srv.URL, 0)
	p.Period, p.FailureThreshold = 10*time.Millisecond, 1000
	reports := watch(t, p)
	if got := describe(next(t, reports)); got != "not yet 1: 503 Service Unavailable" {
		t.Fatalf("first report %q", got)
	}
	for f.hits.Load() < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case r := <-reports:
		t.Fatalf("reported the same failure again: %s", describe(r))
	default:
	}
	f.code.Store(404)
	if got := describe(next(t, reports)); !strings.HasPrefix(got, "not yet") || !strings.HasSuffix(got, "404 Not Found") {
		t.Fatalf("report %q, want the new reason", got)
	}
}

func TestWatchWaitsTheInitialDelay(t *testing.T) {
	f := newFlipper(t, 200)
	p := httpProbe(t, f.srv.URL, 0)
	p.InitialDelay = 300 * time.Millisecond
	start := time.Now()
	reports := watch(t, p)
	next(t, reports)
	if took := time.Since(start); took < p.InitialDelay {
		t.Errorf("first report after %v, before the initial delay", took)
	}
}

// A server that comes up late: not ready, then ready.
func TestWatchALateServer(t *testing.T) {
	port, listen := boundPort(t)
	p := &Probe{TCP: "127.0.0.1:" + port, Period: 20 * time.Millisecond}
	reports := watch(t, p)
	if r := next(t, reports); r.Passing || !strings.Contains(fmt.Sprint(r.Err), "connection refused") {
		t.Fatalf("first report: %s", describe(r))
	}
	listen()
	for {
		if r := next(t, reports); r.Passing {
			break
		}
	}
}

// The real thing: redis-server becomes ready on its port.
func TestRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is needed (.ci/run installs it)")
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--port", port, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Failed after 10 s of failures: redis never listened.
	p := &Probe{TCP: "127.0.0.1:" + port, Period: 20 * time.Millisecond, FailureThreshold: 500}
	for r := range watch(t, p) {
		if r.Passing {
			return
		}
		if r.Failed {
			t.Fatalf("redis never listened: %v", r.Err)
		}
	}
}

func TestTryHonoursItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &Probe{Exec: &Exec{Command: "sleep 10"}, Timeout: time.Minute}
	start := time.Now()
	if err := p.Try(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Try on a cancelled context: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v", took)
	}
}

func ExampleProbe_Try() {
	p := &Probe{TCP: "127.0.0.1:1"} // nothing listens on port 1
	fmt.Println(p, "->", p.Try(context.Background()))
	// Output: tcp :1 -> connection refused
}
