package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// daemonC is a daemon (a double fork and setsid) whose first thread ends
// while another runs on: /proc says Z of it, and its environment cannot
// be read through its first thread.
const daemonC = `#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *work(void *a) { for (;;) pause(); return 0; }
int main(void) {
	if (fork() != 0) return 0;
	setsid();
	if (fork() != 0) _exit(0);
	printf("daemon %d\n", getpid());
	fflush(stdout);
	pthread_t t;
	pthread_create(&t, 0, work, 0);
	pthread_exit(0);
}
`

// What a process leaves dies with it even when its first thread has
// ended: it is no zombie while its other threads run.
func TestLeftoverWithoutItsFirstThread(t *testing.T) {
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "daemon.c"), filepath.Join(dir, "daemon")
	if err := os.WriteFile(src, []byte(daemonC), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-pthread", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc (which .ci/run installs): %v\n%s", err, out)
	}
	tr := start(t, []Spec{shSpec("a", bin+"; echo started; read x; exit 3")}, Options{KeepRunning: true})
	tr.until("the daemon", func() bool {
		out := tr.output("a")
		return strings.Contains(out, "started") && strings.Contains(out, "daemon ")
	})
	pid := 0
	for _, f := range strings.Fields(tr.output("a")) {
		if n, err := strconv.Atoi(f); err == nil {
			pid = n
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for state(pid) != 'Z' { // its first thread has ended
		if time.Now().After(deadline) {
			t.Fatalf("daemon %d: state %q, output %q", pid, state(pid), tr.output("a"))
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := tr.r.Write("a", []byte("\n")); err != nil {
		t.Fatal(err)
	}
	if e := tr.wait("a to exit", is("a", Exited)); e.Status.Code != 3 {
		t.Errorf("a ended %v, want exit 3", e.Status)
	}
	// Dead by then, and reaped.
	if s := state(pid); s != 0 {
		t.Errorf("daemon %d still there after a exited: state %q", pid, s)
	}
	tr.r.Shutdown("test")
	tr.finish()
}
