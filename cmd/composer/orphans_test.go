//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/composer-dev/composer/internal/proctest"
)

// The fault matrix: every way composer can end, against processes that
// make leaving nothing behind hard. Each case runs the built binary
// headless and checks that nothing it started survives it (found in /proc
// by a marker in the environment every process inherits), that it exits
// with the code the README documents, and that what was written before the
// end reached the log. (Goroutine leaks are checked where a Go API is
// tested in-process: the runner's tests run under goleak.)

// An exitPath ends a started composer. Adding a way to end composer is
// adding a row to exitPaths.
//
// Paths through the interactive view run composer in a terminal (tmux)
// and read its log with composer logs -f, which keeps only recent lines
// and may skip some under a flood: there the matrix checks survivors and
// the exit code, not the log's content.
type exitPath struct {
	name     string
	procfile string // Procfile lines the path needs, besides the process under test
	setup    func(t *testing.T, dir string)
	end      func(t *testing.T, m *matrixRun)
	code     int    // composer's exit code, as the README documents it
	stops    bool   // the processes get the stop signal and time to stop
	drains   bool   // composer reads its processes' output to the end
	terminal bool   // composer runs its interactive view in a terminal
	env      string // for composer, as VAR=value
}

var exitPaths = []exitPath{
	{name: "SIGINT", end: signalComposer(syscall.SIGINT), code: 130, stops: true, drains: true},
	{name: "SIGTERM", end: signalComposer(syscall.SIGTERM), code: 143, stops: true, drains: true},
	{name: "SIGHUP", end: signalComposer(syscall.SIGHUP), code: 129, stops: true, drains: true},
	{
		// The second Ctrl-C kills at once.
		name: "SIGINT twice",
		end: func(t *testing.T, m *matrixRun) {
			signalComposer(syscall.SIGINT)(t, m)
			// With nothing running (a crash loop between runs) there is
			// nothing to stop, and composer ends at once.
			if m.seeLine(regexp.MustCompile(`\| stopping all processes: received SIGINT$`)) {
				// Sooner, it is taken for the first's echo; composer may
				// have ended meanwhile.
				time.Sleep(echo)
				m.cmd.Process.Signal(syscall.SIGINT)
			}
		},
		code:   130,
		drains: true,
	},
	{
		name:     "process exit",
		procfile: "ender: read line < ender.fifo; exit 3\n",
		setup: func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "ender.fifo"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		end: func(t *testing.T, m *matrixRun) {
			// Opening blocks until ender reads; ender exits 3 once it has a line.
			f, err := os.OpenFile(filepath.Join(m.dir, "ender.fifo"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("go\n")
			f.Close()
		},
		code:   3,
		stops:  true,
		drains: true,
	},
	{
		name: "composer quit",
		end: func(t *testing.T, m *matrixRun) {
			if r := composer(t, m.dir, nil, "quit"); r.code != 0 {
				t.Errorf("composer quit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		},
		code: 0, stops: true, drains: true,
	},
	// A shell reports a process killed by signal S as 128+S.
	{name: "SIGKILL", end: signalComposer(syscall.SIGKILL), code: 137},
	{name: "q in the view", end: pressKey("q"), code: 0, stops: true, drains: true, terminal: true},
	{
		// The view panics (a test build's view does at P): composer still
		// stops its processes, and exits 1.
		name: "crash of the view", end: pressKey("P"), code: 1, stops: true, drains: true,
		terminal: true, env: "COMPOSER_TEST_PANIC=1",
	},
}

func pressKey(key string) func(*testing.T, *matrixRun) {
	return func(t *testing.T, m *matrixRun) { m.tt.keys(key) }
}

func signalComposer(sig syscall.Signal) func(*testing.T, *matrixRun) {
	return func(t *testing.T, m *matrixRun) {
		if err := m.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
}

// A behaviour is process b's: its command, and what to wait for before
// composer is ended and to check after.
type behaviour struct {
	name  string
	line  string   // b's command
	flags []string // for composer up
	needs string   // a program the command needs
	ready func(t *testing.T, m *matrixRun)
	check func(t *testing.T, m *matrixRun, p exitPath)
}

var behaviours = []behaviour{
	{
		name:  "well-behaved",
		line:  `trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 1 & wait $!; done`,
		ready: waitReady,
		check: func(t *testing.T, m *matrixRun, p exitPath) {
			// What it prints while it stops is in the log too.
			if p.stops && !m.logged("bye") {
				t.Errorf("its last line is missing:\n%s", m.log())
			}
		},
	},
	{
		name:  "ignores TERM",
		line:  `trap '' TERM; sleep 1000 & echo ready; exec sleep 1000`,
		flags: []string{"--timeout", "300ms"},
		ready: waitReady,
		check: func(t *testing.T, m *matrixRun, p exitPath) {
			if p.stops && !strings.Contains(m.log(), "b did not stop within 300ms; sending SIGKILL") {
				t.Errorf("no escalation in the log:\n%s", m.log())
			}
		},
	},
	{
		name:  "ignores HUP",
		line:  `trap '' HUP; sleep 1000 & echo ready; exec sleep 1000`,
		ready: waitReady,
	},
	{
		name:  "grandchildren",
		line:  `sh -c 'sleep 1000 & sleep 1000 & wait' & echo ready; wait`,
		ready: waitReady,
	},
	{
		name:  "double fork and setsid",
		line:  `setsid -f sh -c 'trap "" HUP TERM INT; exec sleep 1000'; echo ready; exec sleep 1000`,
		needs: "setsid",
		ready: waitReady,
	},
	{
		name:  "crash loop",
		line:  `echo crash; exit 1`,
		flags: []string{"--restart", "b"},
		ready: func(t *testing.T, m *matrixRun) {
			m.waitLine(regexp.MustCompile(`b exited with code 1; restarting in 1s \(restart 1\)$`))
			before := cpuTime(t, m.pid)
			began := time.Now()
			m.waitLine(regexp.MustCompile(`b exited with code 1; restarting in 2s \(restart 2\)$`))
			// Backoff, not a busy loop: composer's CPU over the
			// second (a restart included) stays a small part of it.
			used, took := cpuTime(t, m.pid)-before, time.Since(began)
			if used > took/4 {
				t.Errorf("composer used %v of CPU in %v of crash loop", used, took)
			}
		},
		check: func(t *testing.T, m *matrixRun, p exitPath) {
			// Composer was ended during the 2s backoff: two runs, two
			// restarts announced, the second not yet done.
			log := m.log()
			if n := strings.Count(log, "| b started (pid"); n != 2 {
				t.Errorf("b started %d times, want 2:\n%s", n, log)
			}
			if n := strings.Count(log, "b        | crash"); n != 2 {
				t.Errorf("b ran %d times, want 2:\n%s", n, log)
			}
		},
	},
	{
		name: "5 MB line",
		line: `head -c 5242880 /dev/zero | tr '\0' x; touch written; exec sleep 1000`,
		ready: func(t *testing.T, m *matrixRun) {
			// End composer as soon as the line is written, with some
			// of it still in flight.
			eventually(t, 30*time.Second, func() (bool, string) {
				_, err := os.Stat(filepath.Join(m.dir, "written"))
				return err == nil, "the 5 MB line was never written"
			})
		},
		check: func(t *testing.T, m *matrixRun, p exitPath) {
			if !p.drains {
				return // composer died with the line in flight
			}
			var n int
			for _, l := range m.lines {
				if text, ok := strings.CutPrefix(l, "b        | "); ok {
					if strings.Trim(text, "x") != "" {
						t.Fatalf("b wrote %q", text[:min(len(text), 40)])
					}
					n += len(text)
				}
			}
			if n != 5<<20 {
				t.Errorf("the log holds %d bytes of the 5 MB line, want %d", n, 5<<20)
			}
		},
	},
	{
		name:  "invalid UTF-8",
		line:  `printf '\377\376 not utf-8\n'; echo ready; exec sleep 1000`,
		ready: waitReady,
		check: func(t *testing.T, m *matrixRun, p exitPath) {
			if !m.logged("\xff\xfe not utf-8") {
				t.Errorf("the bytes did not pass through:\n%q", m.log())
			}
		},
	},
	{
		name:  "closes its output",
		line:  `echo ready; exec sleep 1000 <&- >&- 2>&-`,
		ready: waitReady,
	},
	{
		name:  "waits on stdin",
		line:  `echo ready; read line; echo "got $line"`,
		ready: waitReady,
	},
}

func TestNoOrphans(t *testing.T) {
	for _, p := range exitPaths {
		t.Run(p.name, func(t *testing.T) {
			for _, b := range behaviours {
				t.Run(b.name, func(t *testing.T) {
					t.Parallel()
					if b.needs != "" {
						if _, err := exec.LookPath(b.needs); err != nil {
							t.Skipf("%s is needed (util-linux; .ci/run installs it)", b.needs)
						}
					}
					dir := projectDir(t, map[string]string{"Procfile": "b: " + b.line + "\n" + p.procfile})
					if p.setup != nil {
						p.setup(t, dir)
					}
					var m *matrixRun
					if p.terminal {
						m = startInTerminal(t, dir, p.env, b.flags)
					} else {
						m = startMatrix(t, dir, append([]string{"up", "--headless"}, b.flags...)...)
					}
					b.ready(t, m)
					p.end(t, m)
					if code := m.wait(); code != p.code {
						screen := ""
						if m.tt != nil {
							screen = "\nthe terminal:\n" + m.tt.tmux("capture-pane", "-p", "-S", "-200")
						}
						t.Errorf("composer exited %d, want %d; log:\n%s%s%s", code, p.code, m.log(), m.errs.String(), screen)
					}
					noSurvivors(t, m.mark)
					if b.check != nil && !p.terminal {
						b.check(t, m, p)
					}
				})
			}
		})
	}
}

// matrixRun is a composer started in the background with a marker in its
// environment, its log read line by line.
type matrixRun struct {
	t     *testing.T
	dir   string
	mark  string
	cmd   *exec.Cmd // composer, or in a terminal, composer logs -f
	tt    *tmuxTerm // the terminal composer runs in, if it does
	pid   int       // composer's
	ch    chan string
	lines []string
	errs  bytes.Buffer
}

// startInTerminal runs composer up in a terminal with env and flags, and
// reads its log through composer logs -f.
func startInTerminal(t *testing.T, dir, env string, flags []string) *matrixRun {
	t.Helper()
	m := &matrixRun{t: t, dir: dir, ch: make(chan string, 1024), mark: proctest.Marker(t)}
	program := bin
	if env != "" {
		program = "env " + env + " " + os.Args[0] // the test binary, as composer
	}
	pidfile := filepath.Join(dir, "composer.pid")
	m.tt = startTmux(t, dir, fmt.Sprintf(`sh -c 'echo $$ > %s; exec env %s %s up %s'`, pidfile, m.mark, program, strings.Join(flags, " ")))
	eventually(t, 30*time.Second, func() (bool, string) {
		if r := composer(t, dir, nil, "ps"); r.code == 0 {
			return true, ""
		}
		return false, "composer in the terminal never answered ps; screen:\n" + m.tt.screen()
	})
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	m.pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	m.cmd = exec.Command(bin, "logs", "-f", "-n", "1000")
	m.cmd.Dir = dir
	m.cmd.Env = cleanEnv()
	m.follow(t)
	return m
}

func startMatrix(t *testing.T, dir string, args ...string) *matrixRun {
	t.Helper()
	m := &matrixRun{t: t, dir: dir, ch: make(chan string, 1024), mark: proctest.Marker(t)}
	m.cmd = exec.Command(bin, args...)
	m.cmd.Dir = dir
	m.cmd.Env = cleanEnv(m.mark)
	m.follow(t)
	m.pid = m.cmd.Process.Pid
	return m
}

// follow starts m.cmd and reads its output, a log, into m.ch.
func (m *matrixRun) follow(t *testing.T) {
	t.Helper()
	m.cmd.Stderr = &m.errs
	out, err := m.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 256<<10), 256<<10) // the log cuts lines at 64 KiB
		for sc.Scan() {
			m.ch <- sc.Text()
		}
		close(m.ch)
	}()
	t.Cleanup(func() {
		m.cmd.Process.Kill()
		m.cmd.Wait()
		for _, p := range proctest.Marked(m.mark) {
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
	})
}

// waitLine reads the log until a line matches re.
func (m *matrixRun) waitLine(re *regexp.Regexp) {
	m.t.Helper()
	if !m.seeLine(re) {
		m.t.Fatalf("composer ended before a line matching %s; log:\n%s", re, m.log())
	}
}

// seeLine reads the log until a line matches re, and reports false if the
// log ends first.
func (m *matrixRun) seeLine(re *regexp.Regexp) bool {
	m.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-m.ch:
			if !ok {
				return false
			}
			m.lines = append(m.lines, l)
			if re.MatchString(l) {
				return true
			}
		case <-deadline:
			m.t.Fatalf("no line matching %s; log:\n%s", re, m.log())
		}
	}
}

var readyLine = regexp.MustCompile(`^b +\| ready$`)

func waitReady(t *testing.T, m *matrixRun) { m.waitLine(readyLine) }

// wait reads the rest of the log and returns composer's exit code as a
// shell reports it (128+S when killed by signal S).
func (m *matrixRun) wait() int {
	m.t.Helper()
	for l := range m.ch {
		m.lines = append(m.lines, l)
	}
	if m.tt != nil {
		m.cmd.Wait()
		code, _ := strconv.Atoi(m.tt.wait("composer's exit", `\[exit (\d+)\]`)[1])
		return code
	}
	err := m.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		m.t.Fatal(err)
	}
	return 0
}

func (m *matrixRun) log() string { return strings.Join(m.lines, "\n") }

// logged reports whether b printed a line holding text.
func (m *matrixRun) logged(text string) bool {
	for _, l := range m.lines {
		if strings.HasPrefix(l, "b ") && strings.Contains(l, "| "+text) {
			return true
		}
	}
	return false
}

// cpuTime is the user and system time pid has used.
func cpuTime(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}
