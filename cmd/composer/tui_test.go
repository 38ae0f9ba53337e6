package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmuxTerm is a real terminal: a tmux server of the test's own, with one
// window running composer.
type tmuxTerm struct {
	t      *testing.T
	socket string
}

// startTmux runs command in a new 120×40 tmux window in dir. After the
// command, the window prints "[exit CODE]" and stays open.
func startTmux(t *testing.T, dir, command string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the terminal tests (.ci/run installs it)")
	}
	tt := &tmuxTerm{t: t, socket: fmt.Sprintf("composer-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	script := command + `; echo "[exit $?]"; exec sleep 600`
	cmd := exec.Command("tmux", "-L", tt.socket, "-f", "/dev/null", "new-session", "-d",
		"-x", "120", "-y", "40", "-c", dir, "sh", "-c", script)
	cmd.Env = append(cleanEnv(), "TERM=xterm-256color")
	cmd.Env = slicesDelete(cmd.Env, "TMUX")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", tt.socket, "kill-server").Run() })
	return tt
}

func slicesDelete(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func (tt *tmuxTerm) tmux(args ...string) string {
	tt.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tt.socket}, args...)...).CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tt *tmuxTerm) screen() string { return tt.tmux("capture-pane", "-p") }

// keys sends keys as tmux send-keys names them ("r", "Enter", "C-c").
func (tt *tmuxTerm) keys(keys ...string) { tt.tmux(append([]string{"send-keys"}, keys...)...) }

// wait polls the screen until it matches re, failing after a deadline.
func (tt *tmuxTerm) wait(what, re string) []string {
	tt.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tt.screen()
		if m := rx.FindStringSubmatch(s); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("timed out waiting for %s (%s); screen:\n%s", what, re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTUIInATerminal(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo web is up; exec sleep 1000\n" +
			"crash: echo going down; exit 3\n" +
			"colors: printf '\\033[31mred\\033[0m \\033]0;title\\007\\033[?1049h\\033[?1049l plain\\n'; exec sleep 1000\n",
	})
	tt := startTmux(t, dir, bin+" up")

	m := tt.wait("web running", `● web\s+(\d+) ↻0`)
	pid, _ := strconv.Atoi(m[1])
	tt.wait("crash's exit code in the sidebar", `✗ crash\s+↻0\s+exit 3`)
	tt.wait("web's output", `web is up`)

	tt.keys("r")
	m = tt.wait("web restarted", `● web\s+(\d+) ↻1`)
	if newPID, _ := strconv.Atoi(m[1]); newPID == pid {
		t.Errorf("web's pid is still %d after r", pid)
	}
	waitGone(t, pid)

	tt.keys("j")
	tt.wait("crash's pane", `crash · exited 3`)
	tt.wait("crash's output and how it ended", `(?s)going down.*exited with code 3`)

	tt.keys("j")
	tt.wait("the child's colours, without its title or screen switch", `colors · running(?s:.*)red  plain`)

	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)
	screen := tt.screen()
	for _, want := range []string{"■ web     stopped, killed by SIGTERM · 1 restart\n", "✗ crash   exited 3\n"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the summary lacks %q:\n%s", want, screen)
		}
	}
	if got := tt.tmux("display-message", "-p", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}"); strings.TrimSpace(got) != "0 1 0" {
		t.Errorf("after quitting: alternate screen, cursor visible, mouse = %q, want 0 1 0", got)
	}
	if title := strings.TrimSpace(tt.tmux("display-message", "-p", "#{pane_title}")); title == "title" {
		t.Errorf("a child's title reached the terminal: %q", title)
	}
}

// waitGone waits until pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
