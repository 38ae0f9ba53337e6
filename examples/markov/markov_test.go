package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/composer-dev/composer/internal/proctest"
)

const text = "The quick brown fox jumps over the lazy dog. The lazy dog sleeps, " +
	"and the quick fox runs away! Does the dog care? Not at all; it sleeps on."

// TestExample runs the example as a user would: composer up --headless in
// this directory, with redis-server and the service from PATH. It builds a
// chain, restarts redis through composer, finds the chain still there (the
// append-only file), and stops everything.
func TestExample(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (.ci/run installs it)")
	}
	bin := t.TempDir()
	for pkg, name := range map[string]string{"../../cmd/composer": "composer", ".": "markov"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
	}
	data := t.TempDir()
	redisPort, httpAddr := freePort(t), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	marker := proctest.Marker(t)

	socket := "COMPOSER_SOCKET=" + filepath.Join(t.TempDir(), "composer.sock")
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MARKOV_LISTEN_ADDR="+httpAddr, "MARKOV_DATA_DIR="+data, "MARKOV_REDIS_PORT="+strconv.Itoa(redisPort),
		socket, marker)
	up := exec.Command(filepath.Join(bin, "composer"), "up", "--headless")
	up.Env = env
	log := startAndBuild(t, up, httpAddr)
	api := "http://" + httpAddr
	checkGenerated(t, api, 3)

	// Restart redis through composer; it reads its append-only file.
	control := func(args ...string) string {
		cmd := exec.Command(filepath.Join(bin, "composer"), args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("composer %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	restartRedis(t, redisPort, control)
	checkGenerated(t, api, 2)
	checkGenerated(t, api, 2)

	if err := up.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := up.Wait()
	if code := up.ProcessState.ExitCode(); code != 143 {
		t.Errorf("composer exited %d (%v), want 143 (stopped by SIGTERM)\n%s", code, err, log)
	}
	if left := proctest.Marked(marker); len(left) > 0 {
		t.Errorf("processes left running after composer: %v", left)
	}
	if !strings.Contains(log.String(), "markov   | listening on") {
		t.Errorf("the log lacks the service's lines:\n%s", log)
	}
	// composer.yaml: the service, which exits when redis does not answer,
	// waited for it and started once.
	for _, want := range []string{"markov waits for redis (healthy)", "redis is ready (tcp :" + strconv.Itoa(redisPort) + " after"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	before, _, _ := strings.Cut(log.String(), "stopping all processes")
	if n := strings.Count(log.String(), "markov started"); n != 1 || strings.Contains(before, "markov exited") {
		t.Errorf("markov started %d times:\n%s", n, log)
	}
}

// TestBundle: build-bundle.sh writes one file that, copied to an empty
// directory and run where redis-server is not on PATH (the PATH holds sh
// alone), serves the API with the redis-server it carries, using only the
// shared libraries it carries.
func TestBundle(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (.ci/run installs it)")
	}
	app := filepath.Join(t.TempDir(), "markov")
	if out, err := exec.Command("./build-bundle.sh", app).CombinedOutput(); err != nil {
		t.Fatalf("build-bundle.sh: %v\n%s", err, out)
	}
	empty := t.TempDir()
	if err := os.Rename(app, filepath.Join(empty, "markov")); err != nil {
		t.Fatal(err)
	}
	onlySh := t.TempDir()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sh, filepath.Join(onlySh, "sh")); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	marker := proctest.Marker(t)

	redisPort := freePort(t)
	env := []string{"PATH=" + onlySh, "HOME=" + empty, "XDG_CACHE_HOME=" + cache,
		"MARKOV_LISTEN_ADDR=" + httpAddr, fmt.Sprintf("MARKOV_REDIS_PORT=%d", redisPort), marker}
	up := exec.Command("./markov")
	up.Dir, up.Env = empty, env
	log := startAndBuild(t, up, httpAddr)
	checkGenerated(t, "http://"+httpAddr, 2)

	// The bundle's own control commands, from the directory it runs in.
	restartRedis(t, redisPort, func(args ...string) string {
		cmd := exec.Command("./markov", args...)
		cmd.Dir, cmd.Env = empty, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("./markov %v: %v\n%s", args, err, out)
		}
		return string(out)
	})
	checkGenerated(t, "http://"+httpAddr, 2)

	// Every shared object redis has mapped comes from the bundle.
	bundles, _ := filepath.Glob(filepath.Join(cache, "composer", "bundles", "*"))
	if len(bundles) != 1 {
		t.Fatalf("unpacked bundles: %v, want one", bundles)
	}
	redisPIDs := proctest.Marked(marker)
	checked := 0
	for _, p := range redisPIDs {
		if !strings.Contains(p.Cmdline, "libexec/bin/redis-server") {
			continue
		}
		maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", p.PID))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(maps), "\n") {
			if f := strings.Fields(l); len(f) == 6 && strings.Contains(f[5], ".so") {
				checked++
				if !strings.HasPrefix(f[5], bundles[0]+"/lib/") {
					t.Errorf("redis uses %s, not a library from the bundle", f[5])
				}
			}
		}
	}
	if checked == 0 {
		t.Errorf("found no shared library mapped by the bundled redis-server among %v", redisPIDs)
	}
	if _, err := os.Stat(filepath.Join(empty, "appendonlydir")); err != nil {
		t.Errorf("redis's append-only file is not in the directory the bundle ran in: %v", err)
	}

	if err := up.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	up.Wait()
	if code := up.ProcessState.ExitCode(); code != 130 {
		t.Errorf("the bundle exited %d, want 130 (stopped by SIGINT)\n%s", code, log)
	}
	if left := proctest.Marked(marker); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
}

// startAndBuild starts up, waits until the API at addr answers, and
// builds the chain "fox" from text. It returns up's output.
func startAndBuild(t *testing.T, up *exec.Cmd, addr string) *lines {
	t.Helper()
	log := &lines{}
	up.Stdout, up.Stderr = log, log
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Process.Kill(); up.Wait() })
	api := "http://" + addr
	waitFor(t, "the API", func() error { _, err := get(api + "/generate?chainName=none"); return err })
	if body, err := post(api+"/build?chainName=fox", text); err != nil || !strings.Contains(body, "added") {
		t.Fatalf("POST /build: %q, %v\n%s", body, err, log)
	}
	return log
}

// restartRedis restarts redis with composer's restart command, run by
// control, and checks that a new redis answers and that ps counts the
// restart.
func restartRedis(t *testing.T, port int, control func(args ...string) string) {
	t.Helper()
	db := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("localhost:%d", port)})
	defer db.Close()
	pid := redisPID(t, db)
	control("restart", "redis")
	waitFor(t, "redis to answer with a new pid", func() error {
		info, err := db.InfoMap(context.Background(), "server").Result()
		if err != nil {
			return err
		}
		if info["Server"]["process_id"] == strconv.Itoa(pid) {
			return fmt.Errorf("still pid %d", pid)
		}
		return nil
	})
	var procs []struct {
		Name     string `json:"name"`
		State    string `json:"state"`
		Restarts int    `json:"restarts"`
	}
	out := control("ps", "--json")
	if err := json.Unmarshal([]byte(out), &procs); err != nil {
		t.Fatalf("ps --json: %v\n%s", err, out)
	}
	for _, p := range procs {
		if p.Name == "redis" && (p.Restarts != 1 || p.State != "running") {
			t.Errorf("after the restart ps says redis is %s with %d restarts, want running with 1", p.State, p.Restarts)
		}
	}
}

// checkGenerated asks for text of parts parts and checks it is made of
// the chain's words, with as many part endings.
func checkGenerated(t *testing.T, api string, parts int) {
	t.Helper()
	var got string
	waitFor(t, "generated text", func() error {
		var err error
		got, err = get(fmt.Sprintf("%s/generate?chainName=fox&numParts=%d", api, parts))
		return err
	})
	known := map[string]bool{}
	for _, w := range strings.Fields(text) {
		known[w] = true
	}
	words := strings.Fields(got)
	ends := 0
	for _, w := range words {
		if !known[w] {
			t.Errorf("generated %q: %q is not a word of the text", got, w)
		}
		if endsPart(w) {
			ends++
		}
	}
	if len(words) == 0 || ends != parts {
		t.Errorf("generated %q: %d part endings, want %d", got, ends, parts)
	}
}

func redisPID(t *testing.T, db *redis.Client) int {
	t.Helper()
	info, err := db.InfoMap(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(info["Server"]["process_id"])
	if err != nil {
		t.Fatalf("redis INFO process_id: %v", err)
	}
	return pid
}

// waitFor polls check until it succeeds, failing the test after a minute.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 5 * time.Second}

func get(url string) (string, error) {
	resp, err := client.Get(url)
	return answer(resp, err, http.StatusOK, http.StatusNotFound)
}

func post(url, body string) (string, error) {
	resp, err := client.Post(url, "text/plain", strings.NewReader(body))
	return answer(resp, err, http.StatusOK)
}

// answer is resp's body when its status is one of ok.
func answer(resp *http.Response, err error, ok ...int) (string, error) {
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	for _, code := range ok {
		if resp.StatusCode == code {
			return string(b), err
		}
	}
	return "", fmt.Errorf("%s: %s", resp.Status, b)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lines collects a process's output, safe for concurrent writes.
type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
