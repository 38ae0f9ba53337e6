package main

import (
	"bytes"
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

	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/internal/proctest"
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
	return startTmuxSize(t, dir, command, 120, 40)
}

// startTmuxSize is startTmux in a window of width×height.
func startTmuxSize(t *testing.T, dir, command string, width, height int) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the terminal tests (.ci/run installs it)")
	}
	// A socket of the test's own, in a directory removed after it.
	tt := &tmuxTerm{t: t, socket: filepath.Join(t.TempDir(), "tmux")}
	script := command + `; echo "[exit $?]"; exec sleep 600`
	cmd := exec.Command("tmux", "-S", tt.socket, "-f", "/dev/null", "new-session", "-d",
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-c", dir, "sh", "-c", script)
	cmd.Env = append(cleanEnv(), "TERM=xterm-256color")
	cmd.Env = slicesDelete(cmd.Env, "TMUX")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", tt.socket, "kill-server").Run() })
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
	out, err := exec.Command("tmux", append([]string{"-S", tt.socket}, args...)...).CombinedOutput()
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
		"Procfile": "this line is no process\n" +
			"web: echo web is up; exec sleep 1000\n" +
			"crash: echo going down; exit 3\n" +
			"colors: printf '\\033[31mred\\033[0m \\033]0;title\\007\\033[?1049h\\033[?1049l plain\\n'; exec sleep 1000\n" +
			"size: trap 'echo size $(stty size)' WINCH; echo size $(stty size); while :; do sleep 0.1; done\n",
	})
	tt := startTmux(t, dir, bin+" up")

	m := tt.wait("web running", `● web\s+(\d+) ↻0`)
	pid, _ := strconv.Atoi(m[1])
	tt.wait("the Procfile's warning", `warning: Procfile:1: `)
	tt.wait("crash's exit code in the sidebar", `✗ crash\s+↻0\s+exit 3`)
	tt.wait("web's output", `web is up`)
	if got := tt.tmux("display-message", "-p", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}"); strings.TrimSpace(got) != "1 0 1" {
		t.Errorf("while running: alternate screen, cursor visible, mouse = %q, want 1 0 1", got)
	}

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
	if title := strings.TrimSpace(tt.tmux("display-message", "-p", "#{pane_title}")); title == "title" {
		t.Errorf("a process set the terminal's title to %q", title)
	}

	// A smaller terminal: the view redraws to fit, and the process's
	// terminal shrinks with its pane.
	tt.keys("j")
	m = tt.wait("size's first size", `size (\d+) (\d+)`)
	rows, _ := strconv.Atoi(m[1])
	tt.tmux("resize-window", "-x", "100", "-y", "30")
	m = tt.wait("size's size after the resize", `(?s)size \d+ \d+.*size (\d+) (\d+)`)
	if newRows, _ := strconv.Atoi(m[1]); newRows >= rows {
		t.Errorf("the pane has %d rows after the terminal lost 10, had %d", newRows, rows)
	}
	if lines := strings.Split(strings.TrimRight(tt.screen(), "\n"), "\n"); len(lines) != 30 || !strings.Contains(lines[29], "r restart") {
		t.Errorf("after the resize the help bar is not on the last of 30 rows:\n%s", strings.Join(lines, "\n"))
	}

	// Interacting shows the process's cursor; leaving hides it again.
	tt.keys("i")
	tt.wait("interact mode", `INTERACT  keys go to size`)
	if got := strings.TrimSpace(tt.tmux("display-message", "-p", "#{cursor_flag}")); got != "1" {
		t.Errorf("interacting: cursor_flag %q, want 1", got)
	}
	tt.keys("C-]")
	tt.wait("normal mode", `r restart`)
	if got := strings.TrimSpace(tt.tmux("display-message", "-p", "#{cursor_flag}")); got != "0" {
		t.Errorf("after leaving: cursor_flag %q, want 0", got)
	}

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
}

// waitGone waits until pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	eventually(t, 10*time.Second, func() (bool, string) {
		return syscall.Kill(pid, 0) != nil, fmt.Sprintf("process %d still alive", pid)
	})
}

// panicky is a view that panics when P is pressed.
type panicky struct{ tea.Model }

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "P":
			panic("a bug in the view")
		case "C": // in a command, one of a batch
			return p, tea.Batch(func() tea.Msg { return nil }, func() tea.Msg { panic("a bug in a command") })
		}
	}
	m, cmd := p.Model.Update(msg)
	return panicky{m}, cmd
}

func TestTUIEndings(t *testing.T) {
	procfile := "web: echo ready; exec sleep 1000\n" +
		"stubborn: trap '' TERM HUP; echo ready; while :; do sleep 1; done\n"
	tests := []struct {
		name     string
		env      string
		end      func(tt *tmuxTerm, pid int)
		code     int
		messages []string
	}{
		{"q", "", func(tt *tmuxTerm, _ int) { tt.keys("q") }, 0, nil},
		{"ctrl-c twice", "", func(tt *tmuxTerm, _ int) {
			tt.keys("C-c")
			tt.wait("the stopping notice", `stopping: stubborn · q or ctrl\+c again to kill`)
			tt.keys("C-c")
		}, 130, nil},
		{"SIGTERM, then ctrl-c", "", func(tt *tmuxTerm, pid int) {
			syscall.Kill(pid, syscall.SIGTERM)
			tt.wait("the stopping notice", `stopping: stubborn · q or ctrl\+c again to kill`)
			tt.keys("C-c")
		}, 143, nil},
		{"SIGHUP", "", func(_ *tmuxTerm, pid int) { syscall.Kill(pid, syscall.SIGHUP) }, 129, nil},
		{"panic", "COMPOSER_TEST_PANIC=1", func(tt *tmuxTerm, _ int) { tt.keys("P") }, 1,
			[]string{"a bug in the view", "composer: the interface failed"}},
		{"panic in a command", "COMPOSER_TEST_PANIC=1", func(tt *tmuxTerm, _ int) { tt.keys("C") }, 1,
			[]string{"a bug in a command", "composer: the interface failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := projectDir(t, map[string]string{"Procfile": procfile})
			program := bin
			if tc.env != "" {
				program = "env " + tc.env + " " + os.Args[0]
			}
			pidfile := dir + "/composer.pid"
			tt := startTmux(t, dir, fmt.Sprintf(`sh -c 'echo $$ > %s; exec %s up --timeout 1s'`, pidfile, program))
			m := tt.wait("both running", `● web\s+(\d+)(?s:.*)● stubborn\s+(\d+)`)
			var pids []int
			for _, s := range m[1:] {
				pid, _ := strconv.Atoi(s)
				pids = append(pids, pid)
			}
			b, err := os.ReadFile(pidfile)
			if err != nil {
				t.Fatal(err)
			}
			composerPID, _ := strconv.Atoi(strings.TrimSpace(string(b)))

			tc.end(tt, composerPID)
			m = tt.wait("composer's exit", `\[exit (\d+)\]`)
			if code, _ := strconv.Atoi(m[1]); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, pid := range pids {
				waitGone(t, pid)
			}
			screen := tt.tmux("capture-pane", "-p", "-S", "-")
			for _, want := range append(tc.messages, "web       stopped", "stubborn  stopped") {
				if !strings.Contains(screen, want) {
					t.Errorf("the screen lacks %q:\n%s", want, screen)
				}
			}
			if got := tt.tmux("display-message", "-p", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}"); strings.TrimSpace(got) != "0 1 0" {
				t.Errorf("after the end: alternate screen, cursor visible, mouse = %q, want 0 1 0", got)
			}
		})
	}
}

// A terminal that goes away is a hangup, also when the kernel sends
// composer no SIGHUP because composer is not in the terminal's session (as
// under su -l, which passes no SIGHUP on, or setsid): composer stops
// everything, with the stop signal and then SIGKILL after --timeout, and
// exits 129. When the SIGHUP does come too, the two are one hangup, not the
// second signal that kills at once.
func TestTUITerminalGone(t *testing.T) {
	procfile := "web: echo ready; exec sleep 1000\n" +
		"stubborn: trap '' TERM HUP; echo ready; while :; do sleep 1; done\n"
	tests := []struct {
		name     string
		wrapper  string // runs composer; the shell after it outlives the terminal
		headless bool
		reason   string // why composer.log says it stopped, a regexp
	}{
		// setsid: a session of its own, the terminal its stdin and stdout
		// but not its controlling terminal.
		{"not in its session", "setsid sh -c '%s; echo $? > code'", false, `terminal closed`},
		{"in its session", `sh -c 'trap "" HUP; %s; echo $? > code'`, false, `(terminal closed|received SIGHUP)`},
		// The log stream on a terminal notices too, though it writes
		// nothing that could fail.
		{"headless, not in its session", "setsid sh -c '%s; echo $? > code'", true, `terminal closed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := projectDir(t, map[string]string{"Procfile": procfile})
			mark := proctest.Marker(t)
			t.Cleanup(func() {
				for _, p := range proctest.Marked(mark) {
					syscall.Kill(p.PID, syscall.SIGKILL)
				}
			})
			up := fmt.Sprintf("env %s %s up --timeout 1s --log-dir logs", mark, bin)
			if tc.headless {
				up += " --headless"
			}
			tt := startTmux(t, dir, fmt.Sprintf(tc.wrapper, up))
			if tc.headless {
				tt.wait("both running", `(?s)(web +\| ready.*stubborn +\| ready|stubborn +\| ready.*web +\| ready)`)
			} else {
				tt.wait("both running", `● web\s+\d+(?s:.*)● stubborn\s+\d+`)
			}
			tt.tmux("kill-server")

			var code []byte
			eventually(t, 30*time.Second, func() (bool, string) {
				var err error
				code, err = os.ReadFile(filepath.Join(dir, "code"))
				return err == nil && len(code) > 0, fmt.Sprintf("composer has not ended; running: %q", proctest.Marked(mark))
			})
			if got := strings.TrimSpace(string(code)); got != "129" {
				t.Errorf("exit code %s, want 129", got)
			}
			noSurvivors(t, mark)
			b, err := os.ReadFile(filepath.Join(dir, "logs", "composer.log"))
			if err != nil {
				t.Fatal(err)
			}
			log := string(b)
			for _, want := range []string{`stopping all processes: ` + tc.reason, `sending SIGTERM to web`, `stubborn did not stop within 1s; sending SIGKILL`} {
				if !regexp.MustCompile(want).MatchString(log) {
					t.Errorf("composer.log lacks %q:\n%s", want, log)
				}
			}
			if strings.Contains(log, "killing all processes") {
				t.Errorf("one hangup was taken for two signals:\n%s", log)
			}
		})
	}
}

// ctrl+z suspends the view as a shell user expects: the terminal is given
// back, the shell reports composer as a stopped job while its processes run
// on, and fg brings the view back, drawn afresh and taking keys. Where no
// shell could resume composer, ctrl+z says so and the view stays.
func TestTUISuspend(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed for the job-control test")
	}
	procfile := "tick: i=0; while :; do i=$((i+1)); echo $i > ticks; echo tick $i; sleep 0.05; done\n"
	ticks := func(dir string) int {
		b, _ := os.ReadFile(filepath.Join(dir, "ticks"))
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return n
	}
	modes := func(tt *tmuxTerm) string {
		return strings.TrimSpace(tt.tmux("display-message", "-p", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}"))
	}

	t.Run("from a shell", func(t *testing.T) {
		dir := projectDir(t, map[string]string{"Procfile": procfile})
		mark := proctest.Marker(t)
		t.Cleanup(func() {
			for _, p := range proctest.Marked(mark) {
				syscall.Kill(p.PID, syscall.SIGKILL)
			}
		})
		tt := startTmux(t, dir, "env PS1='prompt$ ' bash --norc --noprofile -i")
		tt.wait("the prompt", `(?m)^prompt\$\s*$`)
		tt.keys(fmt.Sprintf("env %s %s up", mark, bin), "Enter")
		tt.wait("tick running", `● tick\s+\d+`)
		pid := 0
		for _, p := range proctest.Marked(mark) {
			if strings.HasPrefix(p.Cmdline, bin+" up") {
				pid = p.PID
			}
		}
		if pid == 0 {
			t.Fatalf("no composer among %q", proctest.Marked(mark))
		}

		tt.keys("C-z")
		tt.wait("the shell's stopped job", `(?m)Stopped\s+env (?s:.*)^prompt\$\s*$`)
		if got := modes(tt); got != "0 1 0" {
			t.Errorf("suspended: alternate screen, cursor visible, mouse = %q, want 0 1 0", got)
		}
		eventually(t, 10*time.Second, func() (bool, string) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
			return len(f) > 0 && f[0] == "T", fmt.Sprintf("composer's state is not T (stopped): %s", b)
		})
		before := ticks(dir)
		eventually(t, 10*time.Second, func() (bool, string) {
			return ticks(dir) > before+5, fmt.Sprintf("tick stopped at %d while composer was suspended", ticks(dir))
		})

		tt.keys("fg", "Enter")
		tt.wait("the view again", `composer · (?s:.*)● tick\s+\d+`)
		if got := modes(tt); got != "1 0 1" {
			t.Errorf("after fg: alternate screen, cursor visible, mouse = %q, want 1 0 1", got)
		}
		tt.keys("?")
		tt.wait("the help", `ctrl\+z\s+suspend`)
		tt.keys("Escape")
		tt.wait("the pane again", `│tick \d+`)
		tt.keys("q")
		tt.wait("the prompt after composer", `(?m)■ tick\s+stopped(?s:.*)^prompt\$\s*$`)
		tt.keys(`echo "[exit $?]"`, "Enter")
		tt.wait("composer's exit", `\[exit 0\]`)
		noSurvivors(t, mark)
	})

	t.Run("with no shell to resume it", func(t *testing.T) {
		dir := projectDir(t, map[string]string{"Procfile": procfile})
		tt := startTmux(t, dir, bin+" up")
		tt.wait("tick running", `● tick\s+\d+`)
		tt.keys("C-z")
		tt.wait("the refusal", `ctrl\+z: no shell here could resume composer`)
		if got := modes(tt); got != "1 0 1" {
			t.Errorf("after the refusal: alternate screen, cursor visible, mouse = %q, want 1 0 1", got)
		}
		tt.keys("q")
		tt.wait("composer's exit", `\[exit 0\]`)
	})
}

// With its input redirected, composer still opens the view on its
// terminal and takes keys from it.
func TestTUIWithInputRedirected(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo up; exec sleep 1000\n"})
	tt := startTmux(t, dir, bin+" up < /dev/null")
	tt.wait("web running", `● web\s+\d+ ↻0`)
	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)
}

// At 80×24 a project opens on the grid when its .env asks, the footer
// ends with the keys for the help and for quitting, and the help shows
// every key.
func TestTUIAt80x24(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo listening; exec sleep 1000\n" +
			"worker: i=0; while :; do i=$((i+1)); echo job $i; sleep 0.2; done\n" +
			"bar: for p in 10 20 30; do printf '\\r[%s] %s%%' '##' $p; sleep 0.1; done; echo; exec sleep 1000\n",
		".env": "COMPOSER_GRID=true\n",
	})
	tt := startTmuxSize(t, dir, bin+" up", 80, 24)
	tt.wait("the grid", `(?s)web · running.*│.*worker · running.*job \d+.*bar · running.*\[##\] 30%`)
	tt.wait("a narrow tile's restart count", `web · running · \d+s · pid \d+ · ↻0`)
	tt.wait("the footer", `tab/esc list • .* • \? help • q quit\s*$`)

	tt.keys("?")
	for _, want := range []string{`/ +search`, `n +older match`, `esc +back`, `\? +help`, `q +quit`, `ctrl\+\] +leave interact`} {
		tt.wait("the help's "+want, want)
	}
	tt.keys("Escape")
	tt.wait("the grid again", `(?s)web · running.*│.*worker · running`)
	tt.keys("z")
	tt.wait("zoomed", `z/esc back • .* • \? help • q quit\s*$`)
	tt.keys("Escape") // one at a time: two in one read are alt+esc
	tt.wait("back in the grid", `tab/esc list • `)
	tt.keys("Escape")
	tt.wait("the list", `▌● web`)
	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)
}

// With more processes than rows the list scrolls to the selection, says
// what is above and below, and selects 10 and up by their number typed
// quickly; the grid they do not fit in is not opened.
func TestTUIListScrolls(t *testing.T) {
	var procfile strings.Builder
	for i := 1; i <= 13; i++ {
		fmt.Fprintf(&procfile, "p%d: echo I am p%d; exec sleep 1000\n", i, i)
	}
	dir := projectDir(t, map[string]string{"Procfile": procfile.String()})
	tt := startTmuxSize(t, dir, bin+" up --grid", 80, 12)
	tt.wait("the list, more below", `(?s)▌● p1 .*▼ 4 more`)
	for range 12 {
		tt.keys("j")
	}
	tt.wait("p13 selected, more above", `(?s)▲ 4 more.*▌● p13 `)
	tt.wait("p13's pane", `I am p13`)
	tt.keys("1", "2")
	tt.wait("p12 selected by its number", `▌● p12 `)
	tt.wait("p12's pane", `I am p12`)
	tt.keys("g", "1")
	tt.wait("p1 again, at the top", `(?s)▌● p1 .*▼ 4 more`)
	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)
}

// The view shows what waits and on what, readiness, and how waiting ends.
func TestTUIDependencies(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "db: echo db up; exec sleep 1000\nweb: echo web up; exec sleep 1000\n",
		"composer.yaml": `processes:
  db:
    readiness_probe:
      exec: {command: "test -e ready"}
      period_seconds: 0.05
  web:
    depends_on: {db: {condition: process_healthy}}
`,
	})
	tt := startTmux(t, dir, bin+" up")
	tt.wait("web waiting in the sidebar", `◌ web\s+↻0\s+waiting`)
	tt.wait("the header's count", `1 running · 1 waiting`)
	tt.keys("j")
	tt.wait("web's title", `◌ web · waiting for db \(healthy\)`)
	tt.keys("k")
	tt.wait("db's failing probe in its title", `db · running · \d+s · not ready: exec test -e ready: exit status 1`)
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tt.wait("db ready", `● db\s+\d+ ↻0\s+✓ \d+s`)
	tt.wait("web running", `● web\s+\d+ ↻0`)
	tt.keys("q")
}

// Copy mode in a real terminal inside tmux: what is copied lands in
// tmux's paste buffer, a line with wide characters and one that wraps
// included.
func TestTUICopyToTmuxBuffer(t *testing.T) {
	long := strings.Repeat("abcdefghij", 15) // 150 columns: two rows of a 90-column pane
	dir := projectDir(t, map[string]string{
		"Procfile": "log: printf '\\033[1malpha\\033[0m one\\n日本語 wide line\\n" + long + "\\n'; exec sleep 1000\n",
	})
	tt := startTmux(t, dir, bin+" up")
	tt.wait("the output", `abcdefghij\s*\n`)
	buffer := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, _ := exec.Command("tmux", "-S", tt.socket, "show-buffer").Output()
			if string(out) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("tmux's buffer holds %q, want %q; screen:\n%s", out, want, tt.screen())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	tt.keys("v")
	tt.wait("copy mode", `COPY`)
	tt.keys("y") // on the last line; no selection: the line, both rows of it
	buffer(long)
	tt.wait("the copy said", `copied 1 line`)

	tt.keys("v", "k", "k", "v", "l", "l", "y") // three wide characters, one each press
	buffer("日本語")

	tt.keys("v", "g", "v", "j", "$", "Enter") // bold left behind
	buffer("alpha one\n日本語 wide line")
}

// composer attach opens the view on a composer running headless: its
// panes, its keys; q detaches and leaves the run going, two views attach
// at once, and Q stops everything.
func TestTUIAttach(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "web: echo web is up; exec sleep 1000\nsh: PS1='$ ' exec sh -i\n",
	})
	rc := startComposer(t, dir, "up", "--headless")
	pid := rc.startedPID("web")
	rc.startedPID("sh")

	tt := startTmux(t, dir, bin+" attach")
	tt.wait("web's pane, from before the view", `web is up`)
	tt.wait("the footer", `q detach • Q stop every process`)
	tt.keys("a")
	tt.wait("the a pane, from what the view was sent", `web +│ web is up`)
	tt.keys("a")
	tt.keys("r")
	tt.wait("web restarted", `● web\s+\d+ ↻1`)
	waitGone(t, pid)
	tt.keys("q")
	tt.wait("detached", `(?s)detached; the processes run on.*\[exit 0\]`)
	if p := ps(t, dir)["sh"]; p.State != "running" {
		t.Fatalf("after the view detached, sh is %s", p.State)
	}

	// Two views: one typing into sh, the other watching it.
	typing := startTmux(t, dir, bin+" attach sh --interact")
	typing.wait("interacting", `INTERACT`)
	watching := startTmux(t, dir, bin+" attach sh")
	watching.wait("sh's pane", `sh · running`)
	typing.keys("-l", "echo $((6*7))")
	typing.keys("Enter")
	typing.wait("the answer, in the view typed into", `(?m)^\$ echo \$\(\(6\*7\)\)\s*\n42`)
	watching.wait("the answer, in the other view", `(?m)^42`)

	watching.keys("Q")
	watching.wait("the end of the run", `(?s)the run has ended.*\[exit 0\]`)
	typing.wait("the end of the run in the other view", `the run has ended`)
	if code := rc.wait(); code != 0 {
		t.Errorf("composer up exited %d after Q", code)
	}
}
