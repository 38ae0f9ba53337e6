package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

var logStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) `)

// logLines reads a log file's lines without their time stamps.
func logLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "\x1b") {
		t.Errorf("%s holds escape codes", path)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		m := logStamp.FindString(l)
		if m == "" {
			t.Fatalf("%s: line without a time stamp: %q", path, l)
		}
		lines = append(lines, l[len(m):])
	}
	return lines
}

// checkCount checks that lines are "1" to "n" (after prefix), once each, in
// order.
func checkCount(t *testing.T, what string, lines []string, prefix string, first, n int) {
	t.Helper()
	want := first
	for _, l := range lines {
		text, ok := strings.CutPrefix(l, prefix)
		if !ok {
			continue
		}
		if text != strconv.Itoa(want) {
			t.Fatalf("%s: %q where %d was due", what, l, want)
		}
		want++
	}
	if want != n+1 {
		t.Errorf("%s: lines %d to %d, want to %d", what, first, want-1, n)
	}
}

func TestLogDirHeadless(t *testing.T) {
	const n = 200000
	dir := projectDir(t, map[string]string{
		"Procfile": fmt.Sprintf("flood: seq 1 %d\n", n) +
			`color: printf '\033[31mred\033[0m \033]0;title\007plain\n'; for i in 1 2 3; do printf '\r%d0%%' $i; done; printf '\rdone\n'; printf 'no newline'` + "\n" +
			"web: echo web is $PS\n",
	})
	logs := filepath.Join(dir, "logs")
	r := composer(t, dir, nil, "up", "--headless", "--can-die", "all", "-m", "web=2", "--log-dir", "logs")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	stream := strings.Split(r.stdout, "\n")
	checkCount(t, "the stream", stream, "flood    | ", 1, n)
	checkCount(t, "flood.log", logLines(t, filepath.Join(logs, "flood.log")), "", 1, n)

	for name, want := range map[string][]string{
		"color.log": {"red plain", "done", "no newline"},
		"web.1.log": {"web is web.1"},
		"web.2.log": {"web is web.2"},
	} {
		if got := logLines(t, filepath.Join(logs, name)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	// composer.log holds the stream's composer lines.
	var own []string
	for _, l := range stream {
		if text, ok := strings.CutPrefix(l, "composer | "); ok {
			own = append(own, text)
		}
	}
	if got := logLines(t, filepath.Join(logs, "composer.log")); fmt.Sprint(got) != fmt.Sprint(own) || len(own) != 8 {
		t.Errorf("composer.log holds %q, want the stream's composer lines %q", got, own)
	}
}

// A \r progress bar shown while its process was idle is not followed by
// an empty line when its newline comes, in the stream or the file. The
// process goes on only once the stream has shown its line, which composer
// does when the process goes idle. (A read may open the FIFO before the
// last writer has closed it, and see only its end: it reads again.)
func TestLogDirProgressShownWhenIdle(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": `a: printf 'start\n'; for p in 10 60 100; do printf '\r%d%%' $p; until read x < next; do :; done; done; printf '\nafter\n'` + "\n",
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "next"), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := startComposer(t, dir, "up", "--headless", "--can-die", "all", "--log-dir", "logs")
	for _, p := range []string{"10%", "60%", "100%"} {
		rc.waitLine("a        | " + p)
		if err := os.WriteFile(filepath.Join(dir, "next"), []byte("\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code := rc.wait(); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, rc.errs.String())
	}
	want := []string{"start", "10%", "60%", "100%", "after"}
	var stream []string
	for _, l := range rc.seen {
		if text, ok := strings.CutPrefix(l, "a        | "); ok {
			stream = append(stream, text)
		}
	}
	if fmt.Sprintf("%q", stream) != fmt.Sprintf("%q", want) {
		t.Errorf("the stream shows %q, want %q", stream, want)
	}
	if got := logLines(t, filepath.Join(dir, "logs", "a.log")); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("a.log holds %q, want %q", got, want)
	}
}

// Rotation set from the environment: the files hold the last lines, whole
// and in order, none past the limit.
func TestLogDirRotation(t *testing.T) {
	const n = 100000
	dir := projectDir(t, map[string]string{"Procfile": fmt.Sprintf("flood: seq 1 %d\n", n)})
	r := composer(t, dir, []string{"COMPOSER_LOG_DIR=logs", "COMPOSER_LOG_MAX_SIZE=100KB", "COMPOSER_LOG_KEEP=3"}, "up", "--headless")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	logs := filepath.Join(dir, "logs")
	var lines []string
	for _, name := range []string{"flood.log.3", "flood.log.2", "flood.log.1", "flood.log"} {
		path := filepath.Join(logs, name)
		if st, err := os.Stat(path); err != nil || st.Size() > 100000 || (name != "flood.log" && st.Size() < 99000) {
			t.Fatalf("%s: %v, %d bytes; want up to 100KB, the old files full", name, err, st.Size())
		}
		lines = append(lines, logLines(t, path)...)
	}
	if _, err := os.Stat(filepath.Join(logs, "flood.log.4")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("flood.log.4: %v; want 3 old files", err)
	}
	first, _ := strconv.Atoi(lines[0])
	checkCount(t, "the log files", lines, "", first, n)
}

func TestLogDirErrors(t *testing.T) {
	tests := []struct {
		name     string
		procfile string
		args     []string
		want     string // the whole of stderr, as a regexp
	}{
		{"not a directory", "web: echo hi\n", []string{"--log-dir", "Procfile/logs"}, `^composer: --log-dir Procfile/logs: mkdir Procfile: not a directory\n$`},
		{"size", "web: echo hi\n", []string{"--log-dir", "logs", "--log-max-size", "10XB"}, `^composer: invalid argument "10XB" for "--log-max-size" flag: size "10XB": want a number of bytes with an optional unit \(B, KB, KiB, MB, MiB, GB, GiB\) \(see 'composer up --help'\)\n$`},
		{"keep", "web: echo hi\n", []string{"--log-dir", "logs", "--log-keep", "-1"}, `^composer: --log-keep -1: expected 0 or more files\n$`},
		{"process named composer", "composer: echo hi\n", []string{"--log-dir", "logs"}, `^composer: --log-dir logs: process "composer" would share composer.log with composer's own lines\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := projectDir(t, map[string]string{"Procfile": tt.procfile})
			r := composer(t, dir, nil, append([]string{"up", "--headless"}, tt.args...)...)
			if r.code != 2 || !regexp.MustCompile(tt.want).MatchString(r.stderr) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, nothing started, and %s", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

// In a log directory others can write to, a link planted as a log file,
// or a file of another user's, is refused before anything starts, and
// what the link leads to is left alone.
func TestLogDirPlanted(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		plant func(log string) error
		want  string
	}{
		{"link", func(log string) error { return os.Symlink(victim, log) }, "it is a symbolic link"},
		{"another user's file", func(log string) error {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a file to another user")
			}
			if err := os.WriteFile(log, nil, 0o666); err != nil {
				return err
			}
			return os.Chown(log, 65534, 65534)
		}, `it belongs to another user \(uid 65534\)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := projectDir(t, map[string]string{"Procfile": "web: echo secret\n"})
			logs := filepath.Join(dir, "logs")
			if err := os.Mkdir(logs, 0o755); err != nil {
				t.Fatal(err)
			}
			os.Chmod(logs, 0o1777)
			if err := tt.plant(filepath.Join(logs, "web.log")); err != nil {
				t.Fatal(err)
			}
			r := composer(t, dir, nil, "up", "--headless", "--log-dir", "logs")
			want := `^composer: --log-dir logs: refusing logs/web.log: ` + tt.want + ` \(another user may have put it there: remove it, or use a directory only you can write to\)\n$`
			if r.code != 2 || r.stdout != "" || !regexp.MustCompile(want).MatchString(r.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, nothing started, and %s", r.code, r.stdout, r.stderr, want)
			}
			if data, _ := os.ReadFile(victim); string(data) != "precious\n" {
				t.Errorf("the file the link leads to holds %q", data)
			}
		})
	}
}

// Log files are created 0600, or with the mode asked for.
func TestLogDirMode(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo secret\n"})
	for _, tt := range []struct {
		env  []string
		args []string
		want os.FileMode
	}{
		{nil, nil, 0o600},
		{[]string{"COMPOSER_LOG_MODE=0640"}, nil, 0o640},
		{nil, []string{"--log-mode", "644"}, 0o644},
	} {
		logs := filepath.Join(dir, "logs")
		os.RemoveAll(logs)
		r := composer(t, dir, tt.env, append([]string{"up", "--headless", "--log-dir", "logs"}, tt.args...)...)
		if r.code != 0 {
			t.Fatalf("%v %v: exit %d, stderr %s", tt.env, tt.args, r.code, r.stderr)
		}
		for _, name := range []string{"web.log", "composer.log"} {
			if st, err := os.Stat(filepath.Join(logs, name)); err != nil || st.Mode().Perm() != tt.want {
				t.Errorf("%v %v: %s: mode %v, %v; want %v", tt.env, tt.args, name, st.Mode().Perm(), err, tt.want)
			}
		}
	}
	for _, bad := range []string{"banana", "0999", "01000", "0444"} {
		r := composer(t, dir, nil, "up", "--headless", "--log-dir", "logs", "--log-mode", bad)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, `invalid argument "`+bad+`" for "--log-mode" flag: mode "`+bad+`"`) {
			t.Errorf("--log-mode %s: exit %d, stdout %q, stderr %q; want exit 2 and why", bad, r.code, r.stdout, r.stderr)
		}
	}
}

// A full disk during the run is reported once; the processes and the
// stream go on. A limit on the size of files stands in for the full disk:
// Go ignores SIGXFSZ, so the write past it fails with EFBIG; the stream,
// to a pipe, is not limited.
func TestLogDirWriteError(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "full: seq 1 20000\nother: echo fine\n"})
	r := runProgram(t, "sh", dir, nil, "-c", "ulimit -f 64; exec "+bin+" up --headless --can-die all --log-dir logs")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	checkCount(t, "the stream", strings.Split(r.stdout, "\n"), "full     | ", 1, 20000)
	want := `^composer: warning: --log-dir: write logs/full.log: file too large; nothing more is written to the log files\n$`
	if !regexp.MustCompile(want).MatchString(r.stderr) {
		t.Errorf("stderr %q, want %s", r.stderr, want)
	}
}

// The interactive view writes the same files.
func TestLogDirTUI(t *testing.T) {
	const n = 50000
	dir := projectDir(t, map[string]string{
		"Procfile": "web: printf '\\033[32mweb is up\\033[0m\\n'; exec sleep 1000\n" +
			fmt.Sprintf("flood: seq 1 %d\n", n),
	})
	tt := startTmux(t, dir, bin+" up --log-dir logs")
	tt.wait("web's output", `web is up`)
	tt.wait("flood's end", `✓ flood`)
	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)

	logs := filepath.Join(dir, "logs")
	checkCount(t, "flood.log", logLines(t, filepath.Join(logs, "flood.log")), "", 1, n)
	if got := logLines(t, filepath.Join(logs, "web.log")); fmt.Sprint(got) != "[web is up]" {
		t.Errorf("web.log holds %q", got)
	}
	own := strings.Join(logLines(t, filepath.Join(logs, "composer.log")), "\n")
	for _, want := range []string{"flood exited with code 0", "stopping all processes", "web killed by SIGTERM"} {
		if !strings.Contains(own, want) {
			t.Errorf("composer.log lacks %q:\n%s", want, own)
		}
	}
}

// Under the interactive view a write error waits until the view has
// closed, then is printed once.
func TestLogDirTUIWriteError(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "full: seq 1 2000; echo all written; exec sleep 1000\n"})
	tt := startTmux(t, dir, "(ulimit -f 64; exec "+bin+" up --log-dir logs)")
	tt.wait("full's output", `all written`)
	if s := tt.screen(); strings.Contains(s, "no space left") {
		t.Errorf("the error was printed over the view:\n%s", s)
	}
	tt.keys("q")
	tt.wait("composer's exit", `\[exit 0\]`)
	screen := tt.tmux("capture-pane", "-p", "-S", "-")
	if n := strings.Count(screen, "composer: warning: --log-dir: write logs/full.log: file too large"); n != 1 {
		t.Errorf("the warning is printed %d times after the view, want once:\n%s", n, screen)
	}
}
