package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/composer-dev/composer/control"
)

// waitMatch reads lines until one matches re, and returns its submatches.
func (rc *running) waitMatch(re string) []string {
	rc.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-rc.lines:
			if !ok {
				rc.t.Fatalf("composer ended before printing a line matching %s; output:\n%s", re, strings.Join(rc.seen, "\n"))
			}
			rc.seen = append(rc.seen, l)
			if m := rx.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			rc.t.Fatalf("no line matching %s; output:\n%s", re, strings.Join(rc.seen, "\n"))
		}
	}
}

// startedPID waits for name's started line and returns its pid.
func (rc *running) startedPID(name string) int {
	rc.t.Helper()
	m := rc.waitMatch(`^composer +\| ` + regexp.QuoteMeta(name) + ` started \(pid (\d+)`)
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// ps is composer ps --json in dir.
func ps(t *testing.T, dir string) map[string]control.Proc {
	t.Helper()
	r := composer(t, dir, nil, "ps", "--json")
	if r.code != 0 {
		t.Fatalf("ps --json: exit %d: %s", r.code, r.stderr)
	}
	var procs []control.Proc
	if err := json.Unmarshal([]byte(r.stdout), &procs); err != nil {
		t.Fatalf("ps --json: %v\n%s", err, r.stdout)
	}
	m := map[string]control.Proc{}
	for _, p := range procs {
		m[p.Name] = p
	}
	return m
}

// ok runs a composer command that must succeed and returns its stdout.
func ok(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := composer(t, dir, nil, args...)
	if r.code != 0 {
		t.Fatalf("composer %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func pidIn(t *testing.T, out, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%q does not match %s", out, pattern)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

const secret = "hunter2-secret-value"

func TestControl(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo web ready; exec sleep 1000\n" +
			"worker: echo worker ready; exec sleep 1000\n" +
			"clock: i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done\n",
		".env": "API_TOKEN=" + secret + "\n",
	})
	rc := startComposer(t, dir, "up", "--headless", "-m", "web=2", "--can-die", "all")
	pids := map[string]int{}
	for _, name := range []string{"web.1", "web.2", "worker", "clock"} {
		pids[name] = rc.startedPID(name)
	}
	rc.waitLine("clock    | tick 2")

	st, err := os.Stat(filepath.Join(dir, ".composer.sock"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v; want mode 0600", err)
	}
	var outputs []string // what the commands printed, searched for the secret
	record := func(s string) string { outputs = append(outputs, s); return s }

	t.Run("ps", func(t *testing.T) {
		procs := ps(t, dir)
		for name, pid := range pids {
			if p := procs[name]; p.State != "running" || p.PID != pid || p.Restarts != 0 || p.ExitCode != nil || p.StartedAt == nil {
				t.Errorf("ps %s: %+v, want running with pid %d", name, p, pid)
			}
		}
		if p := procs["web.2"]; p.Port != 5001 || p.Type != "web" {
			t.Errorf("ps web.2: %+v", p)
		}
		table := record(ok(t, dir, "ps"))
		for _, re := range []string{
			`^NAME +STATE +PID +RESTARTS +CPU +MEM +STATUS +PORT\n`,
			fmt.Sprintf(`\nweb\.1 +running +%d +0 +(-|[\d.]+%%) +(-|[\d.]+[KMG]) +up \d+s +5000\n`, pids["web.1"]),
			fmt.Sprintf(`\nclock +running +%d +0 +(-|[\d.]+%%) +(-|[\d.]+[KMG]) +up \d+s +5200\n`, pids["clock"]),
		} {
			if !regexp.MustCompile(re).MatchString(table) {
				t.Errorf("ps table lacks %s:\n%s", re, table)
			}
		}
	})

	t.Run("restart", func(t *testing.T) {
		out := record(ok(t, dir, "restart", "web"))
		p1 := pidIn(t, out, `(?m)^web\.1 restarted \(pid (\d+)\)$`)
		p2 := pidIn(t, out, `(?m)^web\.2 restarted \(pid (\d+)\)$`)
		// Done means done: the new processes run, the old are gone.
		if !alive(p1) || !alive(p2) || p1 == pids["web.1"] || p2 == pids["web.2"] {
			t.Errorf("after restart: pids %d %d (were %d %d)", p1, p2, pids["web.1"], pids["web.2"])
		}
		waitGone(t, pids["web.1"])
		procs := ps(t, dir)
		if p := procs["web.1"]; p.PID != p1 || p.Restarts != 1 || p.State != "running" {
			t.Errorf("ps web.1 after restart: %+v, want pid %d, 1 restart", p, p1)
		}
		if p := procs["worker"]; p.Restarts != 0 || p.PID != pids["worker"] {
			t.Errorf("restart web touched worker: %+v", p)
		}
		rc.waitLine(fmt.Sprintf("web.1 started (pid %d, port 5000, restart 1)", p1))
		pids["web.1"], pids["web.2"] = p1, p2

		out = record(ok(t, dir, "restart", "w*"))
		for _, name := range []string{"web.1", "web.2", "worker"} {
			pids[name] = pidIn(t, out, `(?m)^`+regexp.QuoteMeta(name)+` restarted \(pid (\d+)\)$`)
		}
		if strings.Contains(out, "clock") {
			t.Errorf("w* restarted clock:\n%s", out)
		}
		out = record(ok(t, dir, "restart", "all"))
		if n := strings.Count(out, " restarted (pid "); n != 4 {
			t.Errorf("restart all: %d restarted:\n%s", n, out)
		}
		procs = ps(t, dir)
		for name, want := range map[string]int{"web.1": 3, "web.2": 3, "worker": 2, "clock": 1} {
			if p := procs[name]; p.Restarts != want || p.State != "running" {
				t.Errorf("%s: %d restarts, state %s; want %d", name, p.Restarts, p.State, want)
			}
			pids[name] = procs[name].PID
		}
	})

	t.Run("stop and start", func(t *testing.T) {
		if out := record(ok(t, dir, "stop", "worker")); out != "worker stopped\n" {
			t.Errorf("stop: %q", out)
		}
		waitGone(t, pids["worker"])
		p := ps(t, dir)["worker"]
		if p.State != "stopped" || p.PID != 0 || p.ExitCode == nil || *p.ExitCode != 143 || p.Signal == nil || *p.Signal != "SIGTERM" {
			t.Errorf("ps worker after stop: %+v", p)
		}
		if out := ok(t, dir, "stop", "worker"); out != "worker was not running\n" {
			t.Errorf("stop again: %q", out)
		}
		out := record(ok(t, dir, "start", "worker", "web.1"))
		pid := pidIn(t, out, `(?m)^worker started \(pid (\d+)\)$`)
		if !alive(pid) || !strings.Contains(out, fmt.Sprintf("web.1 is already running (pid %d)", pids["web.1"])) {
			t.Errorf("start: %q", out)
		}
		if p := ps(t, dir)["worker"]; p.State != "running" || p.PID != pid || p.ExitCode != nil {
			t.Errorf("ps worker after start: %+v", p)
		}
	})

	t.Run("logs", func(t *testing.T) {
		out := ok(t, dir, "logs", "-n", "3", "web.2")
		want := fmt.Sprintf("composer | web.2 killed by SIGTERM\n"+
			"composer | web.2 started (pid %d, port 5001, restart 3)\n"+
			"web.2    | web ready\n", pids["web.2"])
		if out != want {
			t.Errorf("logs -n 3 web.2:\n%s\nwant:\n%s", out, want)
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("logs wrote colours to a pipe: %q", out)
		}
		// clock ticks again since restart all: wait for 5 ticks.
		deadline := time.Now().Add(30 * time.Second)
		for {
			out = ok(t, dir, "logs", "-n", "5", "clock")
			ticks := regexp.MustCompile(`(?m)^clock    \| tick \d+$`).FindAllString(out, -1)
			if len(ticks) == 5 && strings.Count(out, "\n") == 5 {
				break
			}
			if time.Now().After(deadline) || strings.Count(out, "\n") != 5 {
				t.Fatalf("logs -n 5 clock:\n%s", out)
			}
			time.Sleep(50 * time.Millisecond)
		}

		// logs -f sees lines written after it began, then ends with the run.
		follow := exec.Command(bin, "logs", "-f", "-n", "0", "clock")
		follow.Dir, follow.Env = dir, cleanEnv()
		stdout, _ := follow.StdoutPipe()
		if err := follow.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { follow.Process.Kill(); follow.Wait() })
		sc := bufio.NewScanner(stdout)
		last := 0
		for range 3 {
			if !sc.Scan() {
				t.Fatalf("logs -f ended: %v", sc.Err())
			}
			m := regexp.MustCompile(`^clock    \| tick (\d+)$`).FindStringSubmatch(sc.Text())
			if m == nil {
				t.Fatalf("logs -f printed %q", sc.Text())
			}
			n, _ := strconv.Atoi(m[1])
			if last > 0 && n != last+1 {
				t.Errorf("logs -f: tick %d after %d", n, last)
			}
			last = n
		}
		rest := make(chan string, 1)
		go func() { b, _ := io.ReadAll(stdout); rest <- string(b) }()

		// kill -s TERM (clock can die) shows in the stream; the follower
		// ends when the run does (below, by quit).
		out = record(ok(t, dir, "kill", "clock", "-s", "TERM"))
		if want := fmt.Sprintf("sent SIGTERM to clock (pid %d)\n", pids["clock"]); out != want {
			t.Errorf("kill: %q, want %q", out, want)
		}
		// The log has an older "clock killed by SIGTERM" (its restart
		// above): wait on ps, which knows this run.
		eventually(t, 30*time.Second, func() (bool, string) {
			p := ps(t, dir)["clock"]
			return p.State == "exited" && p.Signal != nil && *p.Signal == "SIGTERM", fmt.Sprintf("ps clock after kill: %+v", p)
		})
		if out := ok(t, dir, "kill", "clock"); out != "clock is not running; no signal sent\n" {
			t.Errorf("kill a dead process: %q", out)
		}

		t.Run("quit", func(t *testing.T) {
			if out := ok(t, dir, "quit"); out != "" {
				t.Errorf("quit printed %q", out)
			}
			for _, f := range []string{".composer.sock", ".composer.sock.lock"} {
				if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is still there once quit returned: %v", f, err)
				}
			}
			if code := rc.wait(); code != 0 {
				t.Errorf("up exited %d after quit, want 0", code)
			}
			log := strings.Join(rc.seen, "\n")
			if !strings.Contains(log, "composer | stopping all processes: composer quit") {
				t.Errorf("the log does not say why it stopped:\n%s", log)
			}
			if err := follow.Wait(); err != nil {
				t.Errorf("logs -f: %v", err)
			}
			// composer's own lines about the run come too.
			if got := <-rest; !strings.Contains(got, "composer | clock killed by SIGTERM\n") || !strings.HasSuffix(got, "composer | stopping all processes: composer quit\n") {
				t.Errorf("logs -f did not follow to the end:\n%s", got)
			}
		})
	})

	for _, out := range append(outputs, rc.errs.String()) {
		if strings.Contains(out, secret) {
			t.Errorf("a secret from .env was printed:\n%s", out)
		}
	}
}

func TestControlErrors(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: exec sleep 1000\nworker: exec sleep 1000\n"})
	for _, cmd := range []string{"ps", "attach"} {
		r := composer(t, dir, nil, cmd)
		if want := "composer: not running in " + dir + " (no .composer.sock)\n"; r.code != 1 || r.stderr != want {
			t.Errorf("%s with nothing running: exit %d, %q; want 1, %q", cmd, r.code, r.stderr, want)
		}
	}
	r := composer(t, dir, nil, "restart", "web", "--socket", filepath.Join(dir, "x.sock"))
	if want := "composer: not running (no socket at " + filepath.Join(dir, "x.sock") + ")\n"; r.code != 1 || r.stderr != want {
		t.Errorf("restart with --socket: exit %d, %q; want 1, %q", r.code, r.stderr, want)
	}

	rc := startComposer(t, dir, "up", "--headless")
	rc.startedPID("web")
	rc.startedPID("worker")
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"stop", "db"}, 2, `composer: unknown process "db" (valid: all, web, worker)`},
		{[]string{"restart", "web", "db*"}, 2, `composer: unknown process "db*" (valid: all, web, worker)`},
		{[]string{"kill", "web", "-s", "TREM"}, 2, `composer: -s: unknown signal "TREM" (expected a name like TERM, INT, QUIT, or a number)`},
		{[]string{"logs", "db"}, 2, `composer: unknown process "db" (valid: all, web, worker)`},
		{[]string{"restart"}, 2, `composer: restart: which processes? name them, use a glob such as 'web*', or all (see 'composer restart --help')`},
		{[]string{"attach", "db"}, 2, `composer: unknown process "db" (valid: web, worker)`},
		{[]string{"attach", "--interact"}, 2, `composer: --interact needs the process to type into: composer attach NAME --interact`},
	}
	for _, tt := range tests {
		r := composer(t, dir, nil, tt.args...)
		if r.code != tt.code || r.stderr != tt.msg+"\n" || r.stdout != "" {
			t.Errorf("composer %s: exit %d, %q%q; want %d, %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.msg)
		}
	}

	// A second up starts nothing and names the first.
	r = composer(t, dir, nil, "up", "--headless")
	want := fmt.Sprintf("composer: already running (pid %d) with socket %s; 'composer attach' opens its view, 'composer quit' stops it, --socket PATH runs another\n",
		rc.cmd.Process.Pid, filepath.Join(dir, ".composer.sock"))
	if r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("second up: exit %d, %q%q; want 1, %q", r.code, r.stdout, r.stderr, want)
	}
	if p := ps(t, dir); len(p) != 2 || p["web"].State != "running" {
		t.Errorf("the first composer was disturbed: %+v", p)
	}
}

// Without a socket (here a file is in its way), up warns and runs.
func TestNoSocket(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n", ".composer.sock": "not a socket"})
	r := composer(t, dir, nil, "up")
	want := "composer: warning: no control socket, so ps, logs, restart and quit will not reach this run: control: .composer.sock exists and is not a socket (--socket PATH puts it elsewhere)\n"
	if r.code != 0 || r.stderr != want || !strings.Contains(r.stdout, "web      | hi") {
		t.Errorf("exit %d, stderr %q, want %q; stdout:\n%s", r.code, r.stderr, want, r.stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".composer.sock")); string(b) != "not a socket" {
		t.Errorf("the file in the way was changed: %q", b)
	}
}

// Two ups started at the same instant: one runs, the other refuses.
func TestUpRace(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 1000\n"})
	var cmds [2]*exec.Cmd
	var outs [2]*strings.Builder
	for i := range cmds {
		cmds[i] = exec.Command(bin, "up", "--headless")
		cmds[i].Dir, cmds[i].Env = dir, cleanEnv()
		outs[i] = &strings.Builder{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	// The refused one ends on its own; the other runs until quit.
	ended := make(chan int, 2)
	for i, c := range cmds {
		go func() { c.Wait(); ended <- i }()
	}
	var loser int
	select {
	case loser = <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("neither up refused to run")
	}
	winner := 1 - loser
	want := fmt.Sprintf("composer: already running (pid %d)", cmds[winner].Process.Pid)
	if code := cmds[loser].ProcessState.ExitCode(); code != 1 || !strings.HasPrefix(outs[loser].String(), want) {
		t.Errorf("the refused up: exit %d, %q; want 1, %q", code, outs[loser].String(), want)
	}
	// The socket is claimed before any process starts: web may still be
	// starting when the loser has gone.
	eventually(t, 30*time.Second, func() (bool, string) {
		out := ok(t, dir, "ps")
		return regexp.MustCompile(`\nweb +running`).MatchString(out), "web never ran under the up that won; ps:\n" + out
	})
	ok(t, dir, "quit")
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the running up did not end at quit")
	}
}

// A composer killed with SIGKILL leaves its socket; the next replaces it.
func TestStaleSocket(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 1000\n"})
	rc := startComposer(t, dir, "up", "--headless")
	pid := rc.startedPID("web")
	t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL) })
	rc.cmd.Process.Signal(syscall.SIGKILL)
	rc.wait()
	if _, err := os.Stat(filepath.Join(dir, ".composer.sock")); err != nil {
		t.Fatalf("the killed composer left no socket: %v", err)
	}
	r := composer(t, dir, nil, "ps")
	if want := "composer: not running in " + dir + " (.composer.sock is left from a composer that was killed)\n"; r.code != 1 || r.stderr != want {
		t.Errorf("ps: exit %d, %q; want 1, %q", r.code, r.stderr, want)
	}

	rc = startComposer(t, dir, "up", "--headless")
	pid2 := rc.startedPID("web")
	t.Cleanup(func() { syscall.Kill(-pid2, syscall.SIGKILL) })
	if p := ps(t, dir)["web"]; p.PID != pid2 {
		t.Errorf("ps after replacing the stale socket: %+v, want pid %d", p, pid2)
	}
	ok(t, dir, "quit")
	if code := rc.wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// On a terminal, logs colours the prefixes as up does.
func TestLogsColor(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo web ready; exec sleep 1000\n"})
	rc := startComposer(t, dir, "up", "--headless")
	rc.waitLine("web ready")
	for _, tt := range []struct {
		args  []string
		color bool
	}{{nil, true}, {[]string{"--no-color"}, false}} {
		cmd := exec.Command(bin, append([]string{"logs"}, tt.args...)...)
		cmd.Dir, cmd.Env = dir, cleanEnv()
		f, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(f) // EIO once it exits
		cmd.Wait()
		f.Close()
		if got := strings.Contains(string(out), "\x1b[36mweb      | \x1b[0mweb ready"); got != tt.color {
			t.Errorf("logs %v: coloured %v, want %v: %q", tt.args, got, tt.color, out)
		}
	}
	ok(t, dir, "quit")
	rc.wait()
}

// Another user is refused: by the socket's mode, and, should that be
// opened, by the peer check.
func TestOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a client as another user (uid 65534)")
	}
	// A copy of composer that user may run, in a directory it may enter.
	shared, err := os.MkdirTemp("", "composer-nobody")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	client := filepath.Join(shared, "composer")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(client, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{shared} {
		os.Chmod(d, 0o755)
	}
	asNobody := func(dir string, args ...string) (string, int) {
		cmd := exec.Command(client, args...)
		cmd.Dir, cmd.Env = dir, cleanEnv()
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}

	for _, open := range []bool{false, true} {
		t.Run(fmt.Sprintf("socket open to all: %v", open), func(t *testing.T) {
			dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 1000\n"})
			os.Chmod(filepath.Dir(dir), 0o755)
			os.Chmod(dir, 0o755)
			program, env := bin, []string(nil)
			if open {
				program, env = os.Args[0], []string{"COMPOSER_TEST_OPEN_SOCKET=1"}
			}
			up := exec.Command(program, "up", "--headless")
			up.Dir, up.Env = dir, cleanEnv(env...)
			stdout, _ := up.StdoutPipe()
			if err := up.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { up.Process.Kill(); up.Wait() })
			sc := bufio.NewScanner(stdout)
			for sc.Scan() && !strings.Contains(sc.Text(), "ready") {
			}
			go io.Copy(io.Discard, stdout)

			st, _ := os.Stat(filepath.Join(dir, ".composer.sock"))
			out, code := asNobody(dir, "stop", "web")
			want := "composer: cannot reach composer at .composer.sock: permission denied\n"
			if open {
				if st.Mode().Perm() != 0o666 {
					t.Fatalf("the test hook did not open the socket: %v", st.Mode())
				}
				want = "composer: permission denied: this composer accepts only its own user (uid 0), not uid 65534\n"
			}
			if code != 1 || out != want {
				t.Errorf("stop web as uid 65534: exit %d, %q; want 1, %q", code, out, want)
			}
			if p := ps(t, dir)["web"]; p.State != "running" || p.Restarts != 0 {
				t.Errorf("another user changed web: %+v", p)
			}
			ok(t, dir, "quit")
			up.Wait()
		})
	}
}

// The interactive view shows at once what is done from outside.
func TestTUIControlledFromOutside(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo web is up; exec sleep 1000\nworker: exec sleep 1000\n"})
	tt := startTmux(t, dir, bin+" up")
	m := tt.wait("web running", `● web\s+(\d+) ↻0`)
	pid, _ := strconv.Atoi(m[1])

	out := ok(t, dir, "restart", "web")
	newPID := pidIn(t, out, `^web restarted \(pid (\d+)\)\n$`)
	m = tt.wait("web restarted", `● web\s+(\d+) ↻1`)
	if shown, _ := strconv.Atoi(m[1]); shown != newPID || shown == pid {
		t.Errorf("the view shows pid %d after restart; restart said %d (was %d)", shown, newPID, pid)
	}
	ok(t, dir, "stop", "worker")
	tt.wait("worker stopped", `■ worker`)
	ok(t, dir, "quit")
	tt.wait("composer's exit", `\[exit 0\]`)
}

// --socket and COMPOSER_SOCKET put the socket elsewhere, for up and the
// commands alike; an env file cannot (the commands read none).
func TestSocketFlag(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo ready; exec sleep 1000\n",
		".env":     "COMPOSER_SOCKET=ignored.sock\n",
	})
	sock := filepath.Join(t.TempDir(), "shop.sock")
	rc := startComposer(t, dir, "up", "--headless", "--socket", sock)
	rc.startedPID("web")
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("no socket at --socket: %v", err)
	}
	for _, f := range []string{".composer.sock", "ignored.sock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a socket at %s too", f)
		}
	}
	if r := composer(t, dir, nil, "ps"); r.code != 1 {
		t.Errorf("ps found a composer at the default socket: %+v", r)
	}
	r := composer(t, dir, []string{"COMPOSER_SOCKET=" + sock}, "ps", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"state": "running"`) {
		t.Errorf("ps with COMPOSER_SOCKET: %+v", r)
	}
	r = composer(t, dir, []string{"COMPOSER_SOCKET=" + sock, "COMPOSER_SIGNAL=TREM"}, "kill", "web")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown signal "TREM"`) {
		t.Errorf("kill with COMPOSER_SIGNAL=TREM: %+v", r)
	}
	ok(t, dir, "quit", "--socket", sock)
	if code := rc.wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// A signal known only by its number (a real-time one) reaches the process.
func TestKillByNumber(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "a: echo ready; exec sleep 1000\nb: exec sleep 1000\n"})
	rc := startComposer(t, dir, "up", "--headless", "--can-die", "all")
	pid := rc.startedPID("a")
	rt := int(syscall.Signal(40))
	if out := ok(t, dir, "kill", "a", "-s", strconv.Itoa(rt)); !strings.Contains(out, fmt.Sprintf("(pid %d)", pid)) {
		t.Errorf("kill -s %d: %q", rt, out)
	}
	var p control.Proc
	eventually(t, 30*time.Second, func() (bool, string) {
		p = ps(t, dir)["a"]
		return p.ExitCode != nil, fmt.Sprintf("a has not ended after kill -s %d: %+v", rt, p)
	})
	if *p.ExitCode != 128+rt {
		t.Errorf("ps a after kill -s %d: %+v, want exit code %d", rt, p, 128+rt)
	}
	ok(t, dir, "quit")
}

// fakeComposer serves a socket in a new directory the way a broken or
// dying composer might: it reads each request, then answers with reply
// (nothing: it just closes) and closes. It returns the socket's path.
func fakeComposer(t *testing.T, reply string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n')
			io.WriteString(c, reply)
			c.Close()
		}
	}()
	return path
}

// A composer that goes away or answers nonsense is reported with what
// went wrong, not a bare "unexpected EOF".
func TestBrokenComposer(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		reply string
		args  []string
		want  string
	}{
		{"", []string{"ps"}, "composer: composer closed the connection: unexpected EOF\n"},
		{"", []string{"restart", "web"}, "composer: composer closed the connection: unexpected EOF\n"},
		{"oops\n", []string{"ps"}, "composer: reading a response: invalid character 'o' looking for beginning of value\n"},
		{"", []string{"logs"}, "composer: logs: composer closed the connection: unexpected EOF\n"},
		// Cut off after the first response.
		{`{"v":2,"procs":[{"name":"web","type":"web","state":"running","pid":1,"port":5000}]}` + "\n", []string{"logs", "-f"},
			"composer: logs: composer closed the connection before the end: it was killed, or this reader read nothing for 30s\n"},
	} {
		sock := fakeComposer(t, tt.reply)
		r := composer(t, dir, nil, append(tt.args, "--socket", sock)...)
		if r.code != 1 || r.stderr != tt.want {
			t.Errorf("%s against a composer replying %q: exit %d, %q; want 1, %q", tt.args, tt.reply, r.code, r.stderr, tt.want)
		}
	}
}

func TestRemoteErrorWrapsNothing(t *testing.T) {
	err := remoteError(errors.New("the socket went away"))
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || ee.msg != "the socket went away" {
		t.Errorf("remoteError(an error wrapping nothing) = %#v", err)
	}
}

// A project deeper than a socket address holds is controlled as any other.
func TestDeepProject(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reached through /proc/self/fd on Linux only")
	}
	deep := t.TempDir()
	for len(filepath.Join(deep, socketName)) <= 120 {
		deep = filepath.Join(deep, "services-with-long-names")
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	procfile := filepath.Join(deep, "Procfile")
	if err := os.WriteFile(procfile, []byte("web: echo web ready; exec sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	rc := startComposer(t, elsewhere, "up", "--headless", "-f", procfile)
	pid := rc.startedPID("web")
	if st, err := os.Lstat(filepath.Join(deep, socketName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("no socket with mode 0600 in the deep directory (%d bytes): %v", len(filepath.Join(deep, socketName)), err)
	}

	if out := ok(t, elsewhere, "ps", "-f", procfile); !regexp.MustCompile(fmt.Sprintf(`\nweb +running +%d `, pid)).MatchString(out) {
		t.Errorf("ps:\n%s", out)
	}
	out := ok(t, elsewhere, "restart", "web", "-f", procfile)
	newPID := pidIn(t, out, `^web restarted \(pid (\d+)\)\n$`)
	// The new web says it is ready soon after it has started.
	want := fmt.Sprintf("composer | web started (pid %d, port 5000, restart 1)\nweb      | web ready\n", newPID)
	eventually(t, 10*time.Second, func() (bool, string) {
		out := ok(t, elsewhere, "logs", "--procfile", procfile, "-n", "2")
		return out == want, "logs -n 2:\n" + out
	})
	ok(t, elsewhere, "quit", "-f", procfile)
	if code := rc.wait(); code != 0 || rc.errs.Len() > 0 {
		t.Errorf("up exited %d after quit; stderr %q", code, rc.errs.String())
	}
	for _, f := range []string{socketName, socketName + ".lock"} {
		if _, err := os.Lstat(filepath.Join(deep, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", f, err)
		}
	}
}

// A socket name too long for any address is refused, with the way out.
func TestSocketPathTooLong(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the limit is Linux's")
	}
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n"})
	sock := filepath.Join(dir, strings.Repeat("s", 110)+".sock")
	r := composer(t, dir, nil, "ps", "--socket", sock)
	want := fmt.Sprintf("composer: cannot reach composer at %s: socket path too long (%d > 107 bytes); use a shorter --socket PATH, for up and the commands alike\n", sock, len(sock))
	if r.code != 1 || r.stderr != want {
		t.Errorf("ps: exit %d, %q; want 1, %q", r.code, r.stderr, want)
	}
	r = composer(t, dir, nil, "up", "--headless", "--socket", sock)
	want = fmt.Sprintf("composer: warning: no control socket, so ps, logs, restart and quit will not reach this run: control: socket path too long (%d > 107 bytes) (--socket PATH puts it elsewhere)\n", len(sock))
	if r.code != 0 || r.stderr != want {
		t.Errorf("up: exit %d, %q; want 0, %q", r.code, r.stderr, want)
	}
}

// Clients past the limits are refused with a message saying which, and
// composer serves again once they leave.
func TestControlLimits(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 1000\n"})
	rc := startComposer(t, dir, "up", "--headless")
	rc.waitLine("web      | ready")
	sock := filepath.Join(dir, socketName)
	dial := func(request string) net.Conn {
		t.Helper()
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		if request != "" {
			if _, err := io.WriteString(c, request+"\n"); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	var followers, idle []net.Conn
	defer func() {
		for _, c := range append(followers, idle...) {
			c.Close()
		}
	}()
	for range control.MaxFollowers {
		c := dial(`{"v":2,"cmd":"logs","follow":true}`)
		// The first response comes once it follows.
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		followers = append(followers, c)
	}
	r := composer(t, dir, nil, "logs", "-f")
	if want := "composer: logs: too many followers (64); try again later\n"; r.code != 1 || r.stderr != want {
		t.Errorf("logs -f past the followers' limit: exit %d, %q; want 1, %q", r.code, r.stderr, want)
	}
	// Connections are taken in turn: these before ps's.
	for range control.MaxConns - control.MaxFollowers {
		idle = append(idle, dial(""))
	}
	r = composer(t, dir, nil, "ps")
	if want := "composer: too many connections (128); try again later\n"; r.code != 1 || r.stderr != want {
		t.Errorf("ps past the connections' limit: exit %d, %q; want 1, %q", r.code, r.stderr, want)
	}
	for _, c := range append(followers, idle...) {
		c.Close()
	}
	followers, idle = nil, nil
	eventually(t, 30*time.Second, func() (bool, string) {
		r := composer(t, dir, nil, "ps")
		return r.code == 0, fmt.Sprintf("ps once the clients left: exit %d, %q", r.code, r.stderr)
	})
	ok(t, dir, "quit")
	if code := rc.wait(); code != 0 {
		t.Errorf("up exited %d", code)
	}
}

// logs --grep, --since, --no-prefix and --json: the last N lines that
// match, as they come when following.
func TestLogsSelected(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "" +
		"web: for i in 1 2 3; do echo \"GET /api $i\"; printf '\\033[31mERROR\\033[0m boom %s\\n' $i; done; echo web ready; until [ -e go ]; do sleep 0.05; done; echo 'late error'; exec sleep 1000\n" +
		"worker: echo 'job done'; echo 'error: disk'; echo worker ready; exec sleep 1000\n",
		// worker's lines come after web's: the order is known.
		"composer.yaml": "processes:\n  web:\n    ready_log_line: web ready\n  worker:\n    depends_on: {web: {condition: process_log_ready}}\n"})
	rc := startComposer(t, dir, "up", "--headless")
	for _, line := range []string{"web ready", "worker ready"} { // in either order
		if !strings.Contains(strings.Join(rc.seen, "\n"), line) {
			rc.waitLine(line)
		}
	}

	if out := ok(t, dir, "logs", "--grep", "error"); out != "web      | \x1b[31mERROR\x1b[0m boom 1\nweb      | \x1b[31mERROR\x1b[0m boom 2\n"+
		"web      | \x1b[31mERROR\x1b[0m boom 3\nworker   | error: disk\n" {
		t.Errorf("logs --grep error (case ignored, escape codes left out):\n%q", out)
	}
	if out := ok(t, dir, "logs", "--grep", "ERR|job", "-n", "2"); out != "web      | \x1b[31mERROR\x1b[0m boom 3\nworker   | job done\n" {
		t.Errorf("logs --grep ERR|job -n 2 (a capital: case counts; the last 2):\n%q", out)
	}
	if out := ok(t, dir, "logs", "web", "--no-prefix", "-n", "2", "--grep", "api|^web ready"); out != "GET /api 3\nweb ready\n" {
		t.Errorf("logs --no-prefix:\n%q", out)
	}
	if out := ok(t, dir, "logs", "--since", "1h", "-n", "1", "worker"); out != "worker   | worker ready\n" {
		t.Errorf("logs --since 1h -n 1 worker:\n%q", out)
	}
	if out := ok(t, dir, "logs", "--since", "0s"); out != "" {
		t.Errorf("logs --since 0s: nothing is that recent:\n%q", out)
	}
	out := ok(t, dir, "logs", "--json", "worker")
	var objs []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("logs --json: %q: %v", l, err)
		}
		objs = append(objs, o)
	}
	// worker waits, starts, and writes three lines.
	if len(objs) != 5 || objs[0]["process"] != "composer" || objs[0]["about"] != "worker" ||
		objs[3]["process"] != "worker" || objs[3]["type"] != "worker" || objs[3]["line"] != "error: disk" {
		t.Errorf("logs --json worker:\n%s", out)
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(objs[3]["time"])); err != nil {
		t.Errorf("logs --json: time %v: %v", objs[3]["time"], err)
	}

	// Following: the last match so far, then what matches as it comes.
	follow := exec.Command(bin, "logs", "-f", "-n", "1", "--grep", "error", "web")
	follow.Dir, follow.Env = dir, cleanEnv()
	stdout, _ := follow.StdoutPipe()
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "web      | \x1b[31mERROR\x1b[0m boom 3" {
		t.Fatalf("logs -f --grep: first %q, %v", sc.Text(), sc.Err())
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil { // web says its late error
		t.Fatal(err)
	}
	if !sc.Scan() || sc.Text() != "web      | late error" {
		t.Errorf("logs -f --grep: then %q, %v", sc.Text(), sc.Err())
	}
	ok(t, dir, "quit")
	rc.wait()
	follow.Wait()

	for _, bad := range [][]string{{"--since", "banana"}, {"--grep", "("}} {
		if r := composer(t, dir, nil, append([]string{"logs"}, bad...)...); r.code != 2 || !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("logs %v: exit %d, %q", bad, r.code, r.stderr)
		}
	}
}

// up --log-format json writes the log stream as the objects of logs --json.
func TestLogFormatJSON(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "a: echo hi; printf '\\033[1mbold\\033[0m \\377\\n'\n"})
	r := composer(t, dir, nil, "up", "--headless", "--log-format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var o struct {
			Time                       time.Time
			Process, Type, About, Line string
		}
		if err := json.Unmarshal([]byte(l), &o); err != nil || o.Time.IsZero() {
			t.Fatalf("not a line of JSON with a time: %q: %v", l, err)
		}
		got = append(got, o.Process+"|"+o.Type+"|"+o.About+"|"+o.Line)
	}
	want := []string{"composer||a|a started (pid ", "a|a||hi", "a|a||bold \uFFFD", "composer||a|a exited with code 0"}
	if len(got) != len(want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
	if r := composer(t, dir, nil, "up", "--log-format", "xml"); r.code != 2 || !strings.Contains(r.stderr, `--log-format xml: expected "text" or "json"`) {
		t.Errorf("up --log-format xml: exit %d, %q", r.code, r.stderr)
	}
}

// up -D returns once every process has started, and leaves the run in
// the background, its log stream in .composer.log, for the commands and
// for attach; its processes do not see how it was started.
func TestUpDetach(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo web is up; env; exec sleep 1000\nworker: exec sleep 1000\n",
	})
	r := composer(t, dir, nil, "up", "-D")
	m := regexp.MustCompile(`^composer runs in the background \(pid (\d+)\), its log in \.composer\.log, its socket \.composer\.sock\n`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("up -D: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGTERM) }) // if the test stops early
	for name, p := range ps(t, dir) {
		if p.State != "running" {
			t.Errorf("after up -D returned, %s is %s", name, p.State)
		}
	}
	st, err := os.Lstat(filepath.Join(dir, ".composer.log"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf(".composer.log: %v, mode %v; want 0600", err, st)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(dir, ".composer.log"))
		return strings.Contains(string(b), "| web is up") && !strings.Contains(string(b), "COMPOSER_INTERNAL"), string(b)
	})
	if r := composer(t, dir, nil, "up", "-D"); r.code != 1 || !strings.Contains(r.stderr, "already running") {
		t.Errorf("a second up -D: exit %d, %q", r.code, r.stderr)
	}
	ok(t, dir, "quit")
	waitGone(t, pid)

	// Bad input fails in the foreground; a link in the log's place is refused.
	if r := composer(t, dir, nil, "up", "-D", "--timeout", "soon"); r.code != 2 {
		t.Errorf("up -D --timeout soon: exit %d, %q", r.code, r.stderr)
	}
	os.Remove(filepath.Join(dir, ".composer.log"))
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(dir, ".composer.log")); err != nil {
		t.Fatal(err)
	}
	if r := composer(t, dir, nil, "up", "-D"); r.code != 1 || !strings.Contains(r.stderr, "refusing") || strings.Contains(r.stdout, "background") {
		t.Errorf("up -D with a link for its log: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	os.Remove(filepath.Join(dir, ".composer.log"))
	if err := syscall.Mkfifo(filepath.Join(dir, ".composer.log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := composer(t, dir, nil, "up", "-D"); r.code != 1 || !strings.Contains(r.stderr, "refusing .composer.log: not a regular file") {
		t.Errorf("up -D with a FIFO for its log: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	os.Remove(filepath.Join(dir, ".composer.log"))

	// No socket, no run; a run that ends first ends up -D with its code.
	if r := composer(t, dir, nil, "up", "-D", "--socket", filepath.Join(dir, "no", "such", "dir.sock")); r.code != 1 ||
		!strings.Contains(r.stderr, "up -D runs only with its control socket") {
		t.Errorf("up -D where no socket can be made: exit %d, %q", r.code, r.stderr)
	}
	for code, procfile := range map[int]string{0: "a: true\n", 3: "a: exit 3\n"} {
		os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644)
		r := composer(t, dir, nil, "up", "-D")
		if r.code != code || !strings.Contains(r.stdout+r.stderr, "the run ended") {
			t.Errorf("up -D of %q: exit %d, %q %q; want %d", procfile, r.code, r.stdout, r.stderr, code)
		}
	}
}
