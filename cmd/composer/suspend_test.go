package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A process stopped by a signal shows as suspended in ps and the log,
// composer start continues it, and a stop while it is suspended is
// graceful.
func TestSuspended(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "" +
		"nap: trap 'echo bye; exit 0' TERM; echo ready; kill -STOP $$; echo awake; while :; do sleep 0.1; done\n"})
	rc := startComposer(t, dir, "up", "--timeout", "1m")
	pid := rc.startedPID("nap")
	rc.waitLine("nap suspended by SIGSTOP (pid ")
	if p := ps(t, dir)["nap"]; p.State != "suspended" || p.PID != pid || p.SuspendedBy == nil || *p.SuspendedBy != "SIGSTOP" {
		t.Errorf("ps: %+v", p)
	}
	if out := ok(t, dir, "ps"); !regexp.MustCompile(fmt.Sprintf(`\nnap +suspended +%d +0 +(-|[\d.]+%%) +(-|[\d.]+[KMG]) +up \d+s, suspended by SIGSTOP `, pid)).MatchString(out) {
		t.Errorf("ps:\n%s", out)
	}
	if out := ok(t, dir, "start", "nap"); strings.TrimSpace(out) != fmt.Sprintf("nap continued (pid %d)", pid) {
		t.Errorf("start: %q", out)
	}
	rc.waitLine("nap resumed (pid ")
	if !strings.Contains(strings.Join(rc.seen, "\n"), "nap      | awake") {
		rc.waitLine("nap      | awake") // the process may say it first, or after
	}
	if p := ps(t, dir)["nap"]; p.State != "running" {
		t.Errorf("ps after start: %+v", p)
	}

	ok(t, dir, "kill", "-s", "TSTP", "nap")
	rc.waitLine("nap suspended by SIGTSTP")
	if p := ps(t, dir)["nap"]; p.SuspendedBy == nil || *p.SuspendedBy != "SIGTSTP" {
		t.Errorf("ps after kill -s TSTP: %+v", p)
	}
	rc.cmd.Process.Signal(syscall.SIGTERM)
	if code := rc.wait(); code != 143 {
		t.Errorf("exit %d", code)
	}
	out := strings.Join(rc.seen, "\n")
	if !strings.Contains(out, "nap      | bye") || !strings.Contains(out, "nap exited with code 0") {
		t.Errorf("a suspended process did not stop gracefully:\n%s", out)
	}
}

// ps against a composer that is stopped (ctrl+z, SIGSTOP) says what it
// waits for, and answers once composer is continued.
func TestPsOfAStoppedComposer(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo ready; exec sleep 1000\n"})
	rc := startComposer(t, dir, "up")
	rc.waitLine("web      | ready")
	rc.cmd.Process.Signal(syscall.SIGSTOP)
	cmd := exec.Command(bin, "ps")
	cmd.Dir, cmd.Env = dir, cleanEnv()
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() (bool, string) {
		return strings.Contains(stderr.String(), "waiting for the composer running here to answer"), "ps said nothing: " + stderr.String()
	})
	rc.cmd.Process.Signal(syscall.SIGCONT)
	if err := cmd.Wait(); err != nil || !strings.Contains(stdout.String(), "web") {
		t.Errorf("ps after SIGCONT: %v\n%s", err, stdout.String())
	}
	rc.cmd.Process.Signal(syscall.SIGTERM)
	rc.wait()
}

// lockedBuffer is a bytes.Buffer written by one goroutine, read by another.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
