package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// composer probe waits for a real server: a port opened late, an HTTP
// endpoint that fails, then passes; and exits 1 with why when time is up.
func TestProbeCommand(t *testing.T) {
	dir := t.TempDir()

	// A port that opens half a second after the probe starts.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	go func() {
		time.Sleep(500 * time.Millisecond)
		if l, err := net.Listen("tcp", addr); err == nil {
			t.Cleanup(func() { l.Close() })
		}
	}()
	r := composer(t, dir, nil, "probe", "tcp", addr, "--period", "100ms", "--timeout", "10s")
	if r.code != 0 || !strings.Contains(r.stderr, "passes after") {
		t.Errorf("probe tcp of a port opened late: exit %d, %q", r.code, r.stderr)
	}

	healthy := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-healthy:
			if req.URL.Path == "/health" {
				return // 200
			}
		default:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	r = composer(t, dir, nil, "probe", "http", host+"/health", "--period", "100ms", "--timeout", "1s")
	if r.code != 1 || !strings.Contains(r.stderr, "did not pass within 1s: 503 Service Unavailable") {
		t.Errorf("probe http of a server answering 503: exit %d, %q", r.code, r.stderr)
	}
	close(healthy)
	r = composer(t, dir, nil, "probe", "http", "http://"+host+"/health", "--period", "100ms")
	if r.code != 0 {
		t.Errorf("probe http of a healthy server: exit %d, %q", r.code, r.stderr)
	}

	if r := composer(t, dir, nil, "probe", "exec", "test -e ready", "--period", "100ms", "--timeout", "300ms"); r.code != 1 || !strings.Contains(r.stderr, "exit status 1") {
		t.Errorf("probe exec that fails: exit %d, %q", r.code, r.stderr)
	}
	// A command as words, with flags of its own after --; a try slower
	// than the period still passes.
	os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
	if r := composer(t, dir, nil, "probe", "exec", "--period", "100ms", "--", "sh", "-c", "sleep 0.3; test -f ready"); r.code != 0 {
		t.Errorf("probe exec -- sh -c ...: exit %d, %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"probe", "udp", ":1"}, {"probe", "tcp", "nowhere"}, {"probe", "tcp", "5432"}, {"probe", "tcp", ":1", "extra"}, {"probe", "http", ":80/x", "--period", "0"}} {
		if r := composer(t, dir, nil, args...); r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want 2 and one line", args, r.code, r.stderr)
		}
	}
}
