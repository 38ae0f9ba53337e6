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

// The repository's demo Procfile, run by composer as a user would: the web
// process answers on its PORT, the worker logs, and SIGTERM stops
// everything with exit code 143.
func TestDemoProcfile(t *testing.T) {
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
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen []string
	waitFor := func(text string) {
		t.Helper()
		deadline := time.After(2 * time.Minute) // the first go run compiles
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("composer ended before %q:\n%s", text, strings.Join(seen, "\n"))
				}
				seen = append(seen, l)
				if strings.Contains(l, text) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q in:\n%s", text, strings.Join(seen, "\n"))
			}
		}
	}
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
	cmd.Process.Signal(syscall.SIGTERM)
	for l := range lines {
		seen = append(seen, l)
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
