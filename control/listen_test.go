package control

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestListen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode().Type() != os.ModeSocket {
		t.Errorf("socket: %v, %v; want a socket with mode 0600", st.Mode(), err)
	}
	_, err = Listen(path)
	var re *RunningError
	if !errors.As(err, &re) || re.PID != os.Getpid() || err.Error() != "already running (pid "+strconv.Itoa(os.Getpid())+")" {
		t.Errorf("second Listen: %v, want already running (pid %d)", err, os.Getpid())
	}
	l.Close()
	for _, p := range []string{path, path + ".lock"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after Close: %v", p, err)
		}
	}
}

// A socket and lock left by a composer that was killed are replaced.
func TestListenReplacesStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()                                                                         // the file stays; connecting to it is refused
	if err := os.WriteFile(path+".lock", []byte("99999999999\n"), 0o600); err != nil { // longer than any pid
		t.Fatal(err)
	}
	if _, err := Dial(path); !isStale(err) {
		t.Fatalf("Dial to a stale socket: %v", err)
	}
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the new socket does not answer: %v", err)
	}
	c.Close()
	var re *RunningError
	if _, err := Listen(path); !errors.As(err, &re) || re.PID != os.Getpid() {
		t.Errorf("Listen after replacing a stale lock: %v, want already running (pid %d)", err, os.Getpid())
	}
}

func isStale(err error) bool {
	var nr *NotRunningError
	return errors.As(err, &nr) && nr.Stale
}

// What is at the path and not a stale socket is left alone.
func TestListenKeepsOthers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := Listen(file); err == nil || !strings.Contains(err.Error(), "exists and is not a socket") {
		t.Errorf("Listen over a file: %v", err)
	}
	live := filepath.Join(dir, "live.sock")
	ln, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var re *RunningError
	if _, err := Listen(live); !errors.As(err, &re) || err.Error() != "already running" {
		t.Errorf("Listen over a live socket: %v, want already running", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the file was changed")
	}
}

// Of many composers starting at once, one serves; the others are told.
func TestListenRace(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "c.sock")
		const n = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []*Listener
		var lost int
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				l, err := Listen(path)
				mu.Lock()
				defer mu.Unlock()
				var re *RunningError
				switch {
				case err == nil:
					won = append(won, l)
				case errors.As(err, &re):
					lost++
				default:
					t.Errorf("Listen: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(won) != 1 || lost != n-1 {
			t.Fatalf("round %d: %d listeners, %d told it runs", round, len(won), lost)
		}
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("round %d: the winner's socket does not answer: %v", round, err)
		}
		c.Close()
		won[0].Close()
	}
}

func TestDialNotRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	_, err := Dial(path)
	var nr *NotRunningError
	if !errors.As(err, &nr) || nr.Stale || nr.Path != path {
		t.Errorf("Dial with no socket: %v", err)
	}
}

// A lock file that is a link (planted in a shared directory, say) is
// refused, and what it points to is left as it was.
func TestListenRefusesALinkedLock(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious")
	if err := os.WriteFile(precious, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.sock")
	if err := os.Symlink(precious, path+".lock"); err != nil {
		t.Fatal(err)
	}
	if l, err := Listen(path); err == nil {
		l.Close()
		t.Fatal("Listen with a linked lock file succeeded")
	}
	if b, _ := os.ReadFile(precious); string(b) != "keep me\n" {
		t.Errorf("the file the lock linked to now holds %q", b)
	}
}

// A composer whose socket and lock were removed while it ran (git clean,
// say) does not remove those of a composer started since.
func TestCloseLeavesANewerComposersFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	first, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	os.Remove(path + ".lock")
	second, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	first.Close()
	for _, p := range []string{path, path + ".lock"} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("the first composer's Close removed the second's %s: %v", p, err)
		}
	}
}

// deepDir is a new directory whose path is longer than a unix socket
// address holds, as in a deep monorepo.
func deepDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for len(dir) <= 120 {
		dir = filepath.Join(dir, "a-rather-long-directory-name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A socket whose path is too long for a socket address works all the
// same, with every property of a short one.
func TestLongPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reached through /proc/self/fd on Linux only")
	}
	path := filepath.Join(deepDir(t), "c.sock")
	if _, err := Dial(path); !isNotRunning(err, false) {
		t.Errorf("Dial with no socket yet: %v", err)
	}
	l, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen at %d bytes: %v", len(path), err)
	}
	st, err := os.Lstat(path)
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode().Type() != os.ModeSocket {
		t.Errorf("socket: %v, %v; want a socket with mode 0600 at the long path", st, err)
	}
	srv := Serve(l, &fakeControl{}, Options{Procs: testProcs})
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Do(Request{Cmd: CmdPS})
	c.Close()
	if err != nil || len(r.Procs) != len(testProcs) {
		t.Errorf("ps through the long path: %+v, %v", r, err)
	}
	var re *RunningError
	if _, err := Listen(path); !errors.As(err, &re) || re.PID != os.Getpid() {
		t.Errorf("second Listen: %v, want already running (pid %d)", err, os.Getpid())
	}

	// Killed: the socket stays, the lock goes with the process.
	l.ln.Close()
	l.ln = nil
	srv.Close()
	if _, err := Dial(path); !isNotRunning(err, true) {
		t.Errorf("Dial to the stale socket: %v", err)
	}
	l, err = Listen(path)
	if err != nil {
		t.Fatalf("Listen over the stale socket: %v", err)
	}
	if c, err := Dial(path); err != nil {
		t.Errorf("the replacing socket does not answer: %v", err)
	} else {
		c.Close()
	}
	l.Close()
	for _, p := range []string{path, path + ".lock"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after Close: %v", p, err)
		}
	}
}

// A name too long even for the directory's short path is refused with
// its length, before anything is made.
func TestPathTooLong(t *testing.T) {
	path := filepath.Join(deepDir(t), strings.Repeat("s", 100)+".sock")
	want := fmt.Sprintf("control: socket path too long (%d > %d bytes)", len(path), maxPath)
	var tl *PathTooLongError
	if _, err := Listen(path); !errors.As(err, &tl) || err.Error() != want {
		t.Errorf("Listen: %v, want %s", err, want)
	}
	if _, err := Dial(path); !errors.As(err, &tl) || err.Error() != want {
		t.Errorf("Dial: %v, want %s", err, want)
	}
	for _, p := range []string{path, path + ".lock"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s made: %v", p, err)
		}
	}
}

func isNotRunning(err error, stale bool) bool {
	var nr *NotRunningError
	return errors.As(err, &nr) && nr.Stale == stale
}
