//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/composer-dev/composer/internal/proctest"
)

// A stdout nobody reads (a stalled log collector) holds back output, not
// the stop: a signal or composer quit stops every process at once, and
// composer exits, saying what it could not write. The log files get it
// all the same.
func TestStuckOutput(t *testing.T) {
	for _, how := range []string{"SIGTERM", "quit", "restart"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			mark := proctest.Marker(t)
			dir := projectDir(t, map[string]string{"Procfile": "" +
				"flood: exec yes a line of a flood of output\n" +
				"calm: trap 'echo bye; exit 0' TERM; touch calm.ready; while :; do sleep 0.1; done\n"})
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close() // open, and never read
			cmd := exec.Command(bin, "up", "--timeout", "30s", "--log-dir", "logs")
			cmd.Dir, cmd.Env, cmd.Stdout = dir, cleanEnv(mark), w
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			eventually(t, 20*time.Second, func() (bool, string) {
				_, err := os.Stat(filepath.Join(dir, "calm.ready"))
				return err == nil, "calm never started"
			})
			// The pipe is filling up with a flood that never ends: from
			// now on composer has more to write than it can.
			size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, func() (bool, string) {
				n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD
				return err == nil && n >= size/2, fmt.Sprintf("the pipe holds %d bytes of %d (%v)", n, size, err)
			})

			want := 143
			switch how {
			case "SIGTERM":
				cmd.Process.Signal(syscall.SIGTERM)
			case "restart":
				// Commands act and answer meanwhile, with the state
				// they left.
				res := composer(t, dir, nil, "restart", "calm")
				if res.code != 0 || !regexp.MustCompile(`^calm restarted \(pid \d+\)\n$`).MatchString(res.stdout) {
					t.Errorf("restart: exit %d: %q %s", res.code, res.stdout, res.stderr)
				}
				if p := ps(t, dir)["calm"]; p.State != "running" || p.Restarts != 1 {
					t.Errorf("ps after restart: %+v", p)
				}
				cmd.Process.Signal(syscall.SIGTERM)
			case "quit":
				want = 0
				if res := composer(t, dir, nil, "quit"); res.code != 0 {
					t.Errorf("quit: exit %d: %s", res.code, res.stderr)
				}
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var err2 error
			select {
			case err2 = <-exited:
			case <-time.After(20 * time.Second):
				t.Fatalf("composer is still running with its stdout unread; stderr:\n%s", stderr.String())
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err2, &ee) {
				code = ee.ExitCode()
			}
			if code != want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr.String())
			}
			if !strings.Contains(stderr.String(), "composer: stdout was not read for 2s: the last ") {
				t.Errorf("stderr does not say what was not written:\n%s", stderr.String())
			}
			noSurvivors(t, mark)
			calm, _ := os.ReadFile(filepath.Join(dir, "logs", "calm.log"))
			own, _ := os.ReadFile(filepath.Join(dir, "logs", "composer.log"))
			if !strings.HasSuffix(string(calm), " bye\n") || !strings.Contains(string(own), "calm exited with code 0") {
				t.Errorf("the log files lack the end of the run:\ncalm.log ends %q\ncomposer.log:\n%s", tail(string(calm)), own)
			}
		})
	}
}

func tail(s string) string { return s[max(0, len(s)-200):] }

// A reader slower than composer's writes, but reading, is waited for: the
// whole log reaches it.
func TestSlowReader(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int)
	go func() {
		n, b := 0, make([]byte, 2048)
		for {
			k, err := r.Read(b)
			n += k
			if err != nil {
				got <- n
				return
			}
			time.Sleep(100 * time.Millisecond) // 20 KB/s
		}
	}()
	out := &countingWriter{w: w}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer w.Close()
		b := make([]byte, 64<<10)
		for range 2 {
			if _, err := out.Write(b); err != nil {
				return
			}
		}
	}()
	if why, _ := drained(done, out, outputStall, nil); why != "" {
		t.Errorf("drained gave up on a reader reading all along: %s", why)
	}
	if n := <-got; n != 128<<10 {
		t.Errorf("the reader got %d bytes, want %d", n, 128<<10)
	}
}

// Once every process has ended, a signal ends composer's wait for a slow
// reader at once.
func TestSignalWhileWritingTheRest(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "burst: seq 1 100000\n"})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(bin, "up")
	cmd.Dir, cmd.Env, cmd.Stdout = dir, cleanEnv(), w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited, waited := make(chan error, 1), make(chan struct{})
	go func() { exited <- cmd.Wait(); close(waited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-waited })
	reading := make(chan struct{})
	go func() { // slowly, so composer has much left to write
		b := make([]byte, 4096)
		for {
			if _, err := r.Read(b); err != nil {
				return
			}
			select {
			case <-reading:
			default:
				close(reading)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	<-reading
	eventually(t, 30*time.Second, func() (bool, string) {
		out := composer(t, dir, nil, "ps", "--json")
		return strings.Contains(out.stdout, `"state": "exited"`) || out.code != 0, "burst still runs: " + out.stdout
	})
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 143 {
			t.Errorf("exit %v, want 143", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("composer went on writing after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "composer: received SIGTERM: the last ") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}
