package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/procfile"
)

func TestVersionFlags(t *testing.T) {
	want := composer(t, t.TempDir(), nil, "version").stdout
	for _, flag := range []string{"--version", "-v"} {
		if r := composer(t, t.TempDir(), nil, flag); r.code != 0 || r.stdout != want {
			t.Errorf("composer %s: exit %d, %q %q; want %q", flag, r.code, r.stdout, r.stderr, want)
		}
	}
}

// A help that shows a COMPOSER_ variable shows one of the command's own
// flags.
func TestHelpNamesOwnFlags(t *testing.T) {
	variable := regexp.MustCompile(`COMPOSER_[A-Z][A-Z_]*`)
	for _, cmd := range []string{"up", "check", "run", "bundle", "ps", "logs", "restart", "stop", "start", "kill", "quit"} {
		help := composer(t, t.TempDir(), nil, cmd, "--help").stdout
		for _, key := range variable.FindAllString(help, -1) {
			if key == "COMPOSER_BUNDLE_DIR" || key == "COMPOSER_PROCESS" {
				continue // given to the processes, not read
			}
			flag := "--" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(key, "COMPOSER_")), "_", "-") + " "
			if !strings.Contains(help, flag) {
				t.Errorf("%s --help shows %s, but has no %s flag", cmd, key, flag)
			}
		}
	}
}

func TestCheckCounts(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: x\nbad name: y\n"})
	r := composer(t, dir, nil, "check")
	if !strings.HasPrefix(r.stdout, "Procfile  Procfile (1 entry)\n") {
		t.Errorf("check:\n%s", r.stdout)
	}
	r = composer(t, dir, nil, "check", "--strict")
	if !strings.HasSuffix(r.stderr, "composer: 1 warning in Procfile; --strict makes them errors\n") {
		t.Errorf("check --strict: %s", r.stderr)
	}
}

// The longest command check accepts starts: the limit is the kernel's.
func TestLongestCommandRuns(t *testing.T) {
	cmd := "echo ok #"
	dir := projectDir(t, map[string]string{"Procfile": "long: " + cmd + strings.Repeat("x", procfile.MaxCommand-len(cmd)) + "\n"})
	r := composer(t, dir, nil, "up")
	if r.code != 0 || !strings.Contains(r.stdout, "long     | ok\n") {
		t.Errorf("a command of %d bytes: exit %d\n%.2000s%s", procfile.MaxCommand, r.code, r.stdout, r.stderr)
	}
}

// An env file written by a Windows editor starts with a byte-order mark.
func TestEnvFileWithByteOrderMark(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo $GREETING\n", ".env": "\uFEFFGREETING=hi\r\n"})
	r := composer(t, dir, nil, "up")
	if r.code != 0 || !strings.Contains(r.stdout, "web      | hi\n") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// COMPOSER_RESTART may name any process of the Procfile, also when only
// some run.
func TestRestartNamesAProcessNotRun(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\nworker: exit 1\n", ".env": "COMPOSER_RESTART=worker\n"})
	for _, cmd := range []string{"check", "up"} {
		if r := composer(t, dir, nil, cmd, "web"); r.code != 0 {
			t.Errorf("%s web: exit %d, %s", cmd, r.code, r.stderr)
		}
	}
}

// check opens the log directory as up does, and leaves it as it was.
func TestCheckLogDir(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n", "kept/web.log": "old\n"})
	for _, args := range [][]string{{"--log-dir", "new/logs"}, {"--log-dir", "kept"}} {
		if r := composer(t, dir, nil, append([]string{"check"}, args...)...); r.code != 0 {
			t.Errorf("check %s: exit %d, %s", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("check left the log directory it made")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "kept"))
	if len(entries) != 1 {
		t.Errorf("check left files in the log directory: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kept/web.log")); string(b) != "old\n" {
		t.Errorf("web.log: %q", b)
	}
}

// The binary ships inside every bundle: it must not link text/template's
// execution (a cobra template set by us would), whose reflection keeps
// every exported method of every package linked, 2.7 MB.
func TestBinaryHasNoTemplates(t *testing.T) {
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "text/template.(*state).evalCall") {
		t.Error("composer links text/template's execution")
	}
}

// --timeout takes a duration or, as foreman's and overmind's, seconds.
func TestTimeoutInSeconds(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"10": 10 * time.Second, "1.5": 1500 * time.Millisecond, "0": 0, "90s": 90 * time.Second, "1m30s": 90 * time.Second, "-1": -time.Second,
	} {
		var d seconds
		if err := d.Set(v); err != nil || time.Duration(d) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", v, time.Duration(d), err, want)
		}
	}
	for _, v := range []string{"10 s", "ten", "1e300", "NaN", "Inf", ""} {
		var d seconds
		if err := d.Set(v); err == nil {
			t.Errorf("Set(%q) = %v, want an error", v, time.Duration(d))
		}
	}
	dir := projectDir(t, map[string]string{"Procfile": "web: sleep 1\n", ".env": "COMPOSER_TIMEOUT=2\n"})
	if r := composer(t, dir, nil, "check"); r.code != 0 {
		t.Errorf("check with COMPOSER_TIMEOUT=2: exit %d: %s", r.code, r.stderr)
	}
}
