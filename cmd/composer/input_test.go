package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A .env or Procfile found by its default name that is a FIFO is not
// opened: it would block every command with no word.
func TestDefaultFilesThatAreFIFOs(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, ".env"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := composer(t, dir, nil, "check")
	if r.code != 0 || !strings.Contains(r.stdout, "env       (no env file)") {
		t.Errorf("check with a FIFO .env: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "composer: warning: " + filepath.Join(".", ".env") + " is a FIFO, not a file: skipped (name it with -e to read it)\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}

	dir = t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "Procfile"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = composer(t, dir, nil, "up")
	if want := "composer: Procfile is a FIFO, not a file (name it with -f to read it)\n"; r.code != 2 || r.stderr != want {
		t.Errorf("up with a FIFO Procfile: exit %d, stderr %q; want exit 2, %q", r.code, r.stderr, want)
	}
}

// A FIFO named with -e or -f is read, and composer says what it waits for
// until something writes to it.
func TestNamedFIFOs(t *testing.T) {
	tests := []struct {
		name, flag, fifo string
		files            map[string]string
		content, want    string
	}{
		{"env file", "-e", "secrets.env", map[string]string{"Procfile": "web: echo hi\n"}, "FROM_FIFO=1\n", "env       secrets.env\n"},
		{"Procfile", "-f", "Procfile.live", nil, "fifo: echo hi\n", "fifo  fifo.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := projectDir(t, tt.files)
			fifo := filepath.Join(dir, tt.fifo)
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "check", tt.flag, tt.fifo)
			cmd.Dir = dir
			cmd.Env = cleanEnv()
			var stdout strings.Builder
			cmd.Stdout = &stdout
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			want := "composer: waiting for " + tt.fifo + " (a FIFO) to be written"
			select {
			case l := <-lines:
				if l != want {
					t.Fatalf("stderr %q, want %q", l, want)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("composer did not say that it waits for %s", tt.fifo)
			}
			if err := os.WriteFile(fifo, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			for l := range lines {
				t.Errorf("stderr: %s", l)
			}
			if err := cmd.Wait(); err != nil || !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("check %s %s: %v\n%s", tt.flag, tt.fifo, err, stdout.String())
			}
		})
	}
}

// A process substitution, <(...), is a pipe at /dev/fd/N: it is read.
func TestProcessSubstitution(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n"})
	r := runProgram(t, bash, dir, nil, "-c", bin+` run -e <(echo GREETING=from-a-pipe) 'echo $GREETING'`)
	if r.code != 0 || r.stdout != "from-a-pipe\n" {
		t.Errorf("run -e <(...): exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runProgram(t, bash, dir, nil, "-c", bin+` check -f <(echo 'piped: echo hi')`)
	if r.code != 0 || !strings.Contains(r.stdout, "piped  piped.1") {
		t.Errorf("check -f <(...): exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// A default .env that cannot be read (a link in a loop, or to nothing) is
// skipped, saying why.
func TestDefaultEnvThatCannotBeRead(t *testing.T) {
	for name, target := range map[string]string{"a loop": ".env", "a dangling link": "gone.env"} {
		dir := projectDir(t, map[string]string{"Procfile": "web: echo hi\n"})
		if err := os.Symlink(target, filepath.Join(dir, ".env")); err != nil {
			t.Fatal(err)
		}
		r := composer(t, dir, nil, "check")
		if r.code != 0 || !strings.Contains(r.stdout, "env       (no env file)") || !strings.HasPrefix(r.stderr, "composer: warning: stat ") || !strings.HasSuffix(r.stderr, ": skipped\n") {
			t.Errorf("%s: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
}
