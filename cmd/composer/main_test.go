package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"

	"github.com/composer-dev/composer/internal/proctest"
	"github.com/composer-dev/composer/tui"
)

// bin is composer built once for the tests that run it as users do.
var bin string

func TestMain(m *testing.M) {
	if os.Getenv("COMPOSER_TEST_PANIC") != "" {
		// Be composer, with a view that panics at the key P.
		viewModel = func(m *tui.Model) tea.Model { return panicky{m} }
		os.Exit(run(os.Args[1:]))
	}
	if os.Getenv("COMPOSER_TEST_OPEN_SOCKET") != "" {
		// Be composer, with a control socket any user may connect to,
		// to show that its peer check still keeps them out.
		socketMode = 0o666
		os.Exit(run(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "composer-test")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "composer")
	build := exec.Command("go", "build", "-race", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building composer:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// projectDir writes files (name -> content) into a new directory.
func projectDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cleanEnv is the environment without COMPOSER_ and test variables that
// would change what is tested.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMPOSER_") && !strings.HasPrefix(kv, "PORT=") && !strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "GORACE=atexit_sleep_ms=0"), extra...)
}

type result struct {
	stdout, stderr string
	code           int
}

// composer runs the binary in dir to the end.
func composer(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	return runProgram(t, bin, dir, env, args...)
}

// runProgram runs program (composer, or a bundle) in dir to the end.
func runProgram(t *testing.T, program, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("composer %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("composer %v did not finish; stdout:\n%s", args, stdout.String())
	}
	return result{stdout.String(), stderr.String(), code}
}

// running is a composer started in the background, its stdout read line
// by line.
type running struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string
	seen  []string
	errs  bytes.Buffer
}

func startComposer(t *testing.T, dir string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	rc := &running{t: t, cmd: cmd, lines: make(chan string, 1024)}
	cmd.Stderr = &rc.errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			rc.lines <- sc.Text()
		}
		close(rc.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return rc
}

// waitLine reads lines until one contains text.
func (rc *running) waitLine(text string) {
	rc.t.Helper()
	rc.waitMatch(regexp.QuoteMeta(text))
}

// eventually polls check until it is done, and fails the test with the
// message check last gave once limit has passed.
func eventually(t *testing.T, limit time.Duration, check func() (done bool, failure string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		done, failure := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(failure)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noSurvivors waits until nothing marked is alive: after composer, its
// supervisor may still be killing their processes.
func noSurvivors(t *testing.T, mark string) {
	t.Helper()
	eventually(t, 10*time.Second, func() (bool, string) {
		left := proctest.Marked(mark)
		return len(left) == 0, fmt.Sprintf("still running after composer: %q", left)
	})
}

// wait reads the rest of the output and returns the exit code.
func (rc *running) wait() int {
	rc.t.Helper()
	for l := range rc.lines {
		rc.seen = append(rc.seen, l)
	}
	err := rc.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		rc.t.Fatal(err)
	}
	return 0
}

func TestUpHeadless(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "hello: echo hello from $PS on $PORT\nlonger_name: printf 'no newline'\n",
	})
	r := composer(t, dir, nil, "up", "--can-die", "all")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"composer    | hello started (pid ",
		"hello       | hello from hello.1 on 5000\n",
		"longer_name | no newline\n",
		"composer    | longer_name exited with code 0\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("escape codes written to a pipe:\n%q", r.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		procfile string
		args     []string
		code     int
		output   string
	}{
		{"clean", "a: true\n", nil, 0, "a exited with code 0"},
		{"failing process", "a: sleep 0.2; exit 3\nb: sleep 30\n", nil, 3, "sending SIGTERM to b"},
		{"killed process", "a: kill -9 $$\nb: sleep 30\n", nil, 137, "a killed by SIGKILL"},
		{"missing command", "a: no-such-command-xyz\n", nil, 127, "not found"},
		{"can-die", "a: exit 4\nb: sleep 0.3; echo done\n", []string{"--can-die", "a"}, 0, "b        | done"},
		{"stop escalation", "a: trap '' TERM; echo ready; sleep 30 & wait; exit 9\nb: sleep 0.5; exit 5\n", []string{"--timeout", "300ms"}, 5, "a did not stop within 300ms; sending SIGKILL"},
		{"timeout 0 kills at once", "a: trap '' TERM; sleep 30 & wait\nb: sleep 0.3; exit 5\n", []string{"--timeout", "0"}, 5, "sending SIGKILL to a (pid"},
		{"stop signal", "a: trap 'echo got INT; exit 0' INT; sleep 30 & wait\nb: sleep 0.3; exit 6\n", []string{"--stop-signal", "INT"}, 6, "got INT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := projectDir(t, map[string]string{"Procfile": tt.procfile})
			r := composer(t, dir, nil, append([]string{"up", "--headless"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.output) {
				t.Errorf("exit %d, want %d; output (want %q):\n%s%s", r.code, tt.code, tt.output, r.stdout, r.stderr)
			}
		})
	}
}

func TestStoppedBySignal(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGINT, "SIGINT", 130},
		{syscall.SIGTERM, "SIGTERM", 143},
		{syscall.SIGHUP, "SIGHUP", 129},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 30\nworker: exec sleep 30\n"})
			rc := startComposer(t, dir, "up")
			rc.waitLine("web      | ready")
			rc.cmd.Process.Signal(tt.sig)
			if code := rc.wait(); code != tt.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, strings.Join(rc.seen, "\n"))
			}
			out := strings.Join(rc.seen, "\n")
			for _, want := range []string{"stopping all processes: received " + tt.name, "sending SIGTERM to worker", "worker killed by SIGTERM"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestSecondSignalKills(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "stubborn: trap '' TERM; echo ready; while :; do sleep 1; done\n"})
	rc := startComposer(t, dir, "up", "--timeout", "1h")
	rc.waitLine("ready")
	rc.cmd.Process.Signal(syscall.SIGINT)
	rc.waitLine("sending SIGTERM to stubborn")
	time.Sleep(echo) // sooner, it is taken for the first's echo
	rc.cmd.Process.Signal(syscall.SIGINT)
	if code := rc.wait(); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if out := strings.Join(rc.seen, "\n"); !strings.Contains(out, "killing all processes") || !strings.Contains(out, "stubborn killed by SIGKILL") {
		t.Errorf("output:\n%s", out)
	}
}

// The same signal twice at once (GNU timeout signals composer, then its
// own process group) is one request: the stop stays graceful.
func TestSignalEcho(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "calm: trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.1; done\n"})
	rc := startComposer(t, dir, "up")
	rc.waitLine("ready")
	rc.cmd.Process.Signal(syscall.SIGTERM)
	rc.waitLine("stopping all processes: received SIGTERM")
	rc.cmd.Process.Signal(syscall.SIGTERM) // the echo, at once after
	if code := rc.wait(); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	out := strings.Join(rc.seen, "\n")
	if strings.Contains(out, "killing all processes") || !strings.Contains(out, "calm exited with code 0") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRestart(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "flaky: echo run; exit 1\nweb: exec sleep 30\n"})
	rc := startComposer(t, dir, "up", "--restart", "flaky")
	rc.waitLine("flaky exited with code 1; restarting in 1s (restart 1)")
	rc.waitLine("flaky started (pid")
	rc.waitLine("flaky exited with code 1; restarting in 2s (restart 2)")
	rc.cmd.Process.Signal(syscall.SIGTERM)
	if code := rc.wait(); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
}

// Bad input is one line naming what is wrong (the file and line where
// there is one), exit 2; check refuses whatever up does, with the same
// message: each up case runs as check too.
func TestBadInput(t *testing.T) {
	good := "web: echo hi\n"
	two := "web: echo hi\nworker: echo ho\n"
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		args  []string
		want  string // the whole first line of stderr, as a regexp
	}{
		{"missing Procfile", nil, nil, []string{"up"}, `^composer: no Procfile at /.*/Procfile: write one with lines like "web: \./server --port \$PORT", or name it with -f FILE$`},
		{"Procfile is a directory", map[string]string{"Procfile/x": ""}, nil, []string{"up"}, `^composer: Procfile is a directory, not a Procfile$`},
		{"duplicate", map[string]string{"Procfile": "a: x\nb: y\na: z\n"}, nil, []string{"up"}, `^composer: Procfile:3: duplicate process "a" \(first defined on line 1\)$`},
		{"empty", map[string]string{"Procfile": "# nothing\n"}, nil, []string{"up"}, `^composer: Procfile: no processes defined \(expected lines like "web: command"\)$`},
		{"strict", map[string]string{"Procfile": "web: x\nRAILS_ENV=production rails s\n"}, nil, []string{"check", "--strict"}, `^composer: warning: Procfile:2: ignored: not a "name: command" line$`},
		{"NUL in a command", map[string]string{"Procfile": "web: echo a\x00b\n"}, nil, []string{"up"}, `^composer: Procfile:1: the command of "web" contains a NUL byte$`},
		{"command too long", map[string]string{"Procfile": "web: echo hi\nbig: echo " + strings.Repeat("x", 140000) + "\n"}, nil, []string{"up"}, `^composer: Procfile:2: the command of "big" is 140005 bytes, longer than the 131066 a process can run \(the kernel's limit for one argument\)$`},
		{"env syntax", map[string]string{"Procfile": good, ".env": "A=1\n# c\nB-C=2\n"}, nil, []string{"up"}, `^composer: \.env:3: expected KEY=value: unexpected character "-" in variable name$`},
		{"env unterminated", map[string]string{"Procfile": good, ".env": "A=1\nB=\"multi\nline\"\nC='open\n"}, nil, []string{"up"}, `^composer: \.env:4: expected KEY=value: unterminated quoted value$`},
		{"env no equals", map[string]string{"Procfile": good, ".env": "A=1\nJUSTAWORD\nB=2\n"}, nil, []string{"up"}, `^composer: \.env:2: expected KEY=value: no "=" on the line$`},
		{"env space in key", map[string]string{"Procfile": good, ".env": "A=1\nTWO WORDS=2\n"}, nil, []string{"up"}, `^composer: \.env:2: expected KEY=value, got "TWO WORDS"$`},
		{"env key in a later line", map[string]string{"Procfile": good, ".env": "PATHX=1\nexport  A=\"PATH\nX\"\nPATH X=2\n"}, nil, []string{"up"}, `^composer: \.env:4: expected KEY=value, got "PATH X"$`},
		{"NUL in an env value", map[string]string{"Procfile": good, ".env": "A=1\nB=x\x00y\n"}, nil, []string{"up"}, `^composer: \.env:2: the value of B contains a NUL byte, which no environment variable can hold$`},
		{"env value too long", map[string]string{"Procfile": good, ".env": "A=1\nBLOB=" + strings.Repeat("x", 140000) + "\n"}, nil, []string{"up"}, `^composer: \.env:2: BLOB is 140005 bytes long, more than the 131071 a process can be given \(the kernel's limit for one variable\)$`},
		{"missing env file", map[string]string{"Procfile": good}, nil, []string{"up", "-e", "prod.env"}, `^composer: env file prod\.env not found$`},
		{"env file is a directory", map[string]string{"Procfile": good, "prod.env/x": ""}, nil, []string{"up", "-e", "prod.env"}, `^composer: env file prod\.env is a directory, not a file$`},
		{"formation", map[string]string{"Procfile": good}, nil, []string{"up", "-m", "web=two"}, `^composer: formation "web=two": count for "web" must be a whole number ≥ 0, got "two"$`},
		{"formation name", map[string]string{"Procfile": good}, nil, []string{"up", "-m", "wbe=2"}, `^composer: formation: unknown process "wbe" \(valid: web\)$`},
		{"formation too large", map[string]string{"Procfile": good}, nil, []string{"up", "-m", "web=100000000"}, `^composer: formation "web=100000000": 100000000 instances of "web", more than the 10000 allowed in all$`},
		{"formation too large in all", map[string]string{"Procfile": two}, nil, []string{"up", "-m", "all=5001"}, `^composer: formation: 10002 instances in all, more than the 10000 allowed$`},
		{"formation from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_FORMATION=web=-1\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_FORMATION: formation "web=-1": count for "web" must be a whole number ≥ 0, got "-1"$`},
		{"derived port", map[string]string{"Procfile": two}, nil, []string{"up", "-p", "65535"}, `^composer: worker: PORT 65635 is out of range \(1 to 65535; base port 65535, port step 100\)$`},
		{"instance port", map[string]string{"Procfile": good}, nil, []string{"up", "-p", "65535", "-m", "web=2"}, `^composer: web\.2: PORT 65536 is out of range \(1 to 65535; base port 65535, port step 100\)$`},
		{"port step", map[string]string{"Procfile": two}, nil, []string{"up", "--port-step", "100000"}, `^composer: worker: PORT 105000 is out of range \(1 to 65535; base port 5000, port step 100000\)$`},
		{"negative port step", map[string]string{"Procfile": two}, nil, []string{"up", "--port-step", "-100"}, `^composer: --port-step -100: expected 0 or more$`},
		{"base port", map[string]string{"Procfile": good}, nil, []string{"up", "-p", "70000"}, `^composer: --port 70000: expected a port from 1 to 65535$`},
		{"port flag", map[string]string{"Procfile": good}, nil, []string{"up", "-p", "x"}, `^composer: invalid argument "x" for "-p, --port" flag: not a whole number \(see 'composer (up|check) --help'\)$`},
		{"unknown name", map[string]string{"Procfile": good}, nil, []string{"up", "db"}, `^composer: unknown process "db" \(valid: web\)$`},
		{"unknown restart name", map[string]string{"Procfile": good}, nil, []string{"up", "--restart", "db"}, `^composer: --restart: unknown process "db" \(valid: all, web\)$`},
		{"restart from env file", map[string]string{"Procfile": good, ".env": "A=1\nCOMPOSER_RESTART=nonexistent\n"}, nil, []string{"up"}, `^composer: \.env:2: COMPOSER_RESTART: unknown process "nonexistent" \(valid: all, web\)$`},
		{"can-die from the environment", map[string]string{"Procfile": good}, []string{"COMPOSER_CAN_DIE=db"}, []string{"up"}, `^composer: COMPOSER_CAN_DIE \(from the environment\): unknown process "db" \(valid: all, web\)$`},
		{"signal", map[string]string{"Procfile": good}, nil, []string{"up", "--stop-signal", "TREM"}, `^composer: --stop-signal: unknown signal "TREM" \(expected a name like TERM, INT, QUIT, or a number\)$`},
		{"signal from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_STOP_SIGNAL=TREM\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_STOP_SIGNAL: unknown signal "TREM" \(expected a name like TERM, INT, QUIT, or a number\)$`},
		{"stats interval", map[string]string{"Procfile": good}, nil, []string{"up", "--stats-interval", "1ms"}, `^composer: --stats-interval 1ms: expected 0 \(never\) or at least 100ms: CPU time is counted in hundredths of a second$`},
		{"duration", map[string]string{"Procfile": good}, nil, []string{"up", "--timeout", "5 s"}, `^composer: invalid argument "5 s" for "--timeout" flag: not a duration \(like 10s, 1m30s, or 10 for seconds\) \(see 'composer (up|check) --help'\)$`},
		{"duration from env", map[string]string{"Procfile": good}, []string{"COMPOSER_TIMEOUT=banana"}, []string{"up"}, `^composer: COMPOSER_TIMEOUT="banana" \(from the environment\): not a duration \(like 10s, 1m30s, or 10 for seconds\)$`},
		{"duration from env file", map[string]string{"Procfile": good, ".env": "A=1\n\nCOMPOSER_TIMEOUT=banana\n"}, nil, []string{"up"}, `^composer: \.env:3: COMPOSER_TIMEOUT="banana": not a duration \(like 10s, 1m30s, or 10 for seconds\)$`},
		{"duration from a later env file", map[string]string{"Procfile": good, ".env": "COMPOSER_TIMEOUT=1s\n", "b.env": "X=1\nCOMPOSER_TIMEOUT=banana\n"}, nil, []string{"up", "-e", ".env,b.env"}, `^composer: b\.env:2: COMPOSER_TIMEOUT="banana": not a duration \(like 10s, 1m30s, or 10 for seconds\)$`},
		{"negative duration", map[string]string{"Procfile": good, ".env": "COMPOSER_TIMEOUT=-1s\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_TIMEOUT="-1s": expected a duration ≥ 0$`},
		{"scrollback from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_SCROLLBACK=0\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_SCROLLBACK="0": expected at least 1 line$`},
		{"bool from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_HEADLESS=yes please\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_HEADLESS="yes please": not true or false$`},
		{"log dir from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_LOG_DIR=Procfile/logs\n"}, nil, []string{"up"}, `^composer: \.env:1: COMPOSER_LOG_DIR="Procfile/logs": mkdir Procfile: not a directory$`},
		{"unknown process in a formation from env file", map[string]string{"Procfile": good, ".env": "X=1\nCOMPOSER_FORMATION=db=1\n"}, nil, []string{"up"}, `^composer: \.env:2: COMPOSER_FORMATION: formation: unknown process "db" \(valid: `},
		{"log keep from env file", map[string]string{"Procfile": good, ".env": "COMPOSER_LOG_DIR=logs\nCOMPOSER_LOG_KEEP=-1\n"}, nil, []string{"up"}, `^composer: \.env:2: COMPOSER_LOG_KEEP="-1": expected 0 or more files$`},
		{"log file of composer", map[string]string{"Procfile": "composer: echo hi\n"}, nil, []string{"up", "--log-dir", "logs"}, `^composer: --log-dir logs: process "composer" would share composer\.log with composer's own lines$`},
		{"PORT", map[string]string{"Procfile": good}, []string{"PORT=http"}, []string{"up"}, `^composer: PORT="http" \(from the environment\): expected a port number$`},
		{"PORT from env file", map[string]string{"Procfile": good, ".env": "A=1\nPORT=99999\n"}, nil, []string{"up"}, `^composer: \.env:2: PORT="99999": expected a port from 1 to 65535$`},
		{"unknown flag", map[string]string{"Procfile": good}, nil, []string{"up", "--bogus"}, `^composer: unknown flag: --bogus \(see 'composer (up|check) --help'\)$`},
		{"unknown command", nil, nil, []string{"upp"}, `^composer: unknown command "upp" for "composer".*$`},
	}
	for _, tt := range tests {
		cmds := []string{tt.args[0]}
		if tt.args[0] == "up" {
			cmds = append(cmds, "check")
		}
		for _, cmd := range cmds {
			args := append([]string{cmd}, tt.args[1:]...)
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				dir := projectDir(t, tt.files)
				r := composer(t, dir, tt.env, args...)
				first, _, _ := strings.Cut(r.stderr, "\n")
				if r.code != 2 || !regexp.MustCompile(tt.want).MatchString(first) {
					t.Errorf("composer %.80q: exit %d, stderr %.300q; want exit 2 and %s", args, r.code, r.stderr, tt.want)
				}
				if r.stdout != "" {
					t.Errorf("composer %.80q: wrote to stdout: %q", args, r.stdout)
				}
				if _, err := os.Stat(filepath.Join(dir, "logs")); err == nil {
					t.Errorf("composer %.80q made the log directory of a run that did not start", args)
				}
			})
		}
	}
}

func TestEnvironment(t *testing.T) {
	files := map[string]string{
		"Procfile":   "web: echo \"$PS $COMPOSER_PROCESS $PORT $FROM_FILE $FROM_BOTH $INHERITED $EXPANDED\"\nworker: echo $PS $PORT\n",
		".env":       "FROM_FILE=first\nFROM_BOTH=first\nINHERITED=file\nEXPANDED=${FROM_FILE}-x\n",
		"second.env": "export FROM_BOTH='second'\n",
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"defaults", []string{"INHERITED=shell"}, nil, []string{"web.1 web.1 5000 first first shell first-x", "worker.1 5100"}},
		{"later file wins", nil, []string{"-e", ".env,second.env"}, []string{"web.1 web.1 5000 first second file first-x"}},
		{"base port flag", nil, []string{"-p", "3000"}, []string{"5000"[:0] + "web.1 web.1 3000", "worker.1 3100"}},
		{"PORT variable", []string{"PORT=4000"}, nil, []string{"web.1 web.1 4000", "worker.1 4100"}},
		{"formation", nil, []string{"-m", "web=2,worker=0"}, []string{"web.1 web.1 5000", "web.2 web.2 5001"}},
		{"port step", nil, []string{"--port-step", "10"}, []string{"worker.1 5010"}},
		{"flags from the environment", []string{"COMPOSER_PORT=6000", "COMPOSER_FORMATION=worker=0"}, nil, []string{"web.1 web.1 6000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := projectDir(t, files) // one composer runs in a directory at a time
			r := composer(t, dir, tt.env, append([]string{"up", "--can-die", "all"}, tt.args...)...)
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, "| "+want) {
					t.Errorf("output lacks %q:\n%s%s", want, r.stdout, r.stderr)
				}
			}
			if tt.name == "formation" && strings.Contains(r.stdout, "worker") {
				t.Errorf("worker=0 ran worker:\n%s", r.stdout)
			}
		})
	}
}

func TestFlagsFromEnvFile(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: exit 0\nworker: sleep 0.2; echo still here\n",
		".env":     "COMPOSER_CAN_DIE=web\nCOMPOSER_TIMESTAMPS=true\n",
	})
	r := composer(t, dir, nil, "up")
	if r.code != 0 || !strings.Contains(r.stdout, "| still here") {
		t.Errorf("COMPOSER_CAN_DIE from .env ignored: exit %d\n%s", r.code, r.stdout)
	}
	if !regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} worker +\| still here$`).MatchString(r.stdout) {
		t.Errorf("COMPOSER_TIMESTAMPS from .env ignored:\n%s", r.stdout)
	}
	// The command line wins over the env file.
	r = composer(t, dir, []string{"COMPOSER_CAN_DIE=worker"}, "up")
	if strings.Contains(r.stdout, "still here") {
		t.Errorf("the environment did not win over .env:\n%s", r.stdout)
	}
}

func TestSelectNames(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo web ran\nworker: echo worker ran\nclock: echo clock ran\n"})
	r := composer(t, dir, nil, "up", "--can-die", "all", "worker", "clock")
	if strings.Contains(r.stdout, "web ran") || !strings.Contains(r.stdout, "worker ran") || !strings.Contains(r.stdout, "clock ran") {
		t.Errorf("up worker clock ran:\n%s", r.stdout)
	}
}

func TestProcfileFlagAndRoot(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"deploy/Procfile.dev": "web: pwd; echo $WHERE\n",
		"deploy/.env":         "WHERE=beside the Procfile\n",
		"app/marker":          "",
	})
	r := composer(t, dir, nil, "up", "-f", "deploy/Procfile.dev")
	if !strings.Contains(r.stdout, "| "+filepath.Join(dir, "deploy")+"\n") || !strings.Contains(r.stdout, "beside the Procfile") {
		t.Errorf("-f: output:\n%s%s", r.stdout, r.stderr)
	}
	r = composer(t, dir, nil, "up", "-f", "deploy/Procfile.dev", "--root", "app")
	if !strings.Contains(r.stdout, "| "+filepath.Join(dir, "app")+"\n") {
		t.Errorf("--root: output:\n%s%s", r.stdout, r.stderr)
	}
}

func TestCheck(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: bundle exec puma -p $PORT\n<%= template %>\nworker:bin/worker\n",
		".env":     "COMPOSER_FORMATION=web=2\n",
	})
	r := composer(t, dir, nil, "check")
	want := `Procfile  Procfile (2 entries)
env       .env
root      .

NAME    PS        PORT  COMMAND
web.1   web.1     5000  bundle exec puma -p $PORT
web.2   web.2     5001  bundle exec puma -p $PORT
worker  worker.1  5100  bin/worker
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("check: exit %d\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	if r.stderr != "composer: warning: Procfile:2: ignored: not a \"name: command\" line\n" {
		t.Errorf("check: stderr %q", r.stderr)
	}
}

func TestRun(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: x\n", ".env": "GREETING=hi\n"})
	tests := []struct {
		args []string
		env  []string
		out  string
		code int
	}{
		{[]string{"run", "echo $GREETING $PORT"}, nil, "hi 5000\n", 0},
		{[]string{"run", "-p", "7000", "printenv", "PORT"}, nil, "7000\n", 0},
		{[]string{"run", "printenv", "PORT"}, []string{"PORT=8000"}, "8000\n", 0},
		{[]string{"run", "sh", "-c", "exit 7"}, nil, "", 7},
		{[]string{"run", "kill -TERM $$"}, nil, "", 143},
		{[]string{"run", "no-such-command-xyz", "--flag"}, nil, "", 127},
	}
	for _, tt := range tests {
		r := composer(t, dir, tt.env, tt.args...)
		if r.stdout != tt.out || r.code != tt.code {
			t.Errorf("composer %q: %q, exit %d; want %q, exit %d (stderr %q)", tt.args, r.stdout, r.code, tt.out, tt.code, r.stderr)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	r := composer(t, t.TempDir(), nil, "version")
	if !regexp.MustCompile(`^composer version \S+ \(commit \S+\) go\S+ \w+/\w+\n$`).MatchString(r.stdout) {
		t.Errorf("version: %q", r.stdout)
	}
	for _, cmd := range []string{"up", "check", "run", "schema", "version", "ps", "logs", "restart", "stop", "start", "kill", "quit"} {
		r := composer(t, t.TempDir(), nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "--help") {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
	r = composer(t, t.TempDir(), nil, "up", "--help")
	for _, flag := range []string{"--procfile", "--env", "--root", "--port", "--port-step", "--formation", "--restart", "--can-die", "--stop-signal", "--timeout", "--headless", "--timestamps", "--no-color", "--socket", "COMPOSER_TIMEOUT"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("up --help lacks %s", flag)
		}
	}
}

// Output to a pipe that closes: composer stops its processes and exits.
// composer up | head: composer stops once its output is closed, whether a
// process floods (a write fails) or all are quiet (nothing is written).
func TestClosedOutput(t *testing.T) {
	for _, tc := range []struct{ name, procfile string }{
		{"flood", "yes: exec yes\n"},
		{"quiet", "a: echo one; echo two; exec sleep 1000\nb: exec sleep 1000\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := projectDir(t, map[string]string{"Procfile": tc.procfile})
			cmd := exec.Command(bin, "up")
			cmd.Dir = dir
			cmd.Env = cleanEnv()
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.name == "flood" {
				io.ReadFull(out, make([]byte, 1<<20))
			} else {
				sc := bufio.NewScanner(out)
				for sc.Scan() && !strings.Contains(sc.Text(), "| two") {
				}
			}
			out.Close()
			done := make(chan error)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 141 {
					t.Errorf("exit %v, want 141", err)
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatal("composer kept running after its output closed")
			}
		})
	}
}

// On a terminal the prefixes are coloured and the processes' own colours
// kept; NO_COLOR and --no-color drop composer's own.
func TestColorOnATerminal(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: printf '\\033[31mred\\n'\n"})
	tests := []struct {
		name      string
		env, args []string
		color     bool
	}{
		{"terminal", nil, nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, nil, false},
		{"--no-color", nil, []string{"--no-color"}, false},
		{"COMPOSER_NO_COLOR", []string{"COMPOSER_NO_COLOR=true"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"up", "--headless"}, tt.args...)...)
			cmd.Dir = dir
			cmd.Env = cleanEnv(tt.env...)
			f, err := pty.Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, _ := io.ReadAll(f) // EIO once composer exits
			cmd.Wait()
			got := string(out)
			if !strings.Contains(got, "\x1b[31mred") {
				t.Errorf("the process's own colour was lost: %q", got)
			}
			if colored := strings.Contains(got, "\x1b[36mweb      | \x1b[0m"); colored != tt.color {
				t.Errorf("coloured prefix: %v, want %v: %q", colored, tt.color, got)
			}
			if reset := strings.Contains(got, "red\x1b[0m\r\n"); reset != tt.color {
				t.Errorf("reset after a coloured line: %v, want %v: %q", reset, tt.color, got)
			}
		})
	}
}
