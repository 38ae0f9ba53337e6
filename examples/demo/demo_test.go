package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The repository's demo Procfile, run by composer as a user would: web
// waits for the migration, answers on its PORT, the worker logs, the flaky job fails within
// seconds and is restarted, and SIGTERM stops everything with exit code
// 143.
func TestDemoProcfile(t *testing.T) {
	// A new demo, not one restarted after a failure.
	if err := os.Remove("../../.bin/flaky.failed"); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "composer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/composer").CombinedOutput(); err != nil {
		t.Fatalf("building composer: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "up", "--headless", "-p", fmt.Sprint(port))
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GREETING=howdy")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	type line struct {
		at   time.Time // when composer wrote it
		text string
	}
	lines := make(chan line, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- line{time.Now(), sc.Text()}
		}
		close(lines)
	}()
	var seen []string
	var times []time.Time
	// waitFor returns when the first line with text was written, reading
	// lines until it comes.
	waitFor := func(text string) time.Time {
		t.Helper()
		for i, l := range seen {
			if strings.Contains(l, text) {
				return times[i]
			}
		}
		deadline := time.After(2 * time.Minute) // the first go run compiles
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("composer ended before %q:\n%s", text, strings.Join(seen, "\n"))
				}
				seen, times = append(seen, l.text), append(times, l.at)
				if strings.Contains(l.text, text) {
					return l.at
				}
			case <-deadline:
				t.Fatalf("no %q in:\n%s", text, strings.Join(seen, "\n"))
			}
		}
	}
	// composer.yaml: web waits for the migration, worker for web.
	waitFor("web waits for migrate (completed)")
	migrated := waitFor("migrate exited with code 0")
	if started := waitFor("web started (pid "); started.Before(migrated) {
		t.Errorf("web started before migrate completed")
	}
	waitFor(fmt.Sprintf("web is ready (http :%d/health after", port))
	waitFor("worker started (pid ")
	waitFor(fmt.Sprintf("web      | listening on http://localhost:%d", port))
	resp, err := http.Get(fmt.Sprintf("http://localhost:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "howdy from web.1") {
		t.Errorf("web answered %q", body)
	}
	waitFor("web      | GET / from")
	waitFor("worker   | ")
	began := waitFor("flaky    | starting a batch")
	if failed := waitFor("lost the connection, giving up"); failed.Sub(began) > 12*time.Second {
		t.Errorf("the flaky job failed %v after it began, want about 7s", failed.Sub(began).Round(time.Second))
	}
	waitFor("flaky exited with code 1; restarting in 1s (restart 1)")
	waitFor("flaky started (pid ")
	cmd.Process.Signal(syscall.SIGTERM)
	for l := range lines {
		seen = append(seen, l.text)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 143 {
		t.Errorf("composer exited with %v, want code 143:\n%s", err, strings.Join(seen, "\n"))
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
