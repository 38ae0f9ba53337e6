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
// composer exits, saying what it could not write.
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
			cmd := exec.Command(bin, "up", "--timeout", "30s")
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
		})
	}
}
