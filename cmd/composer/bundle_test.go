package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// staticComposer is composer built static, as bundles need it, once for
// the tests that make bundles.
var staticComposer = sync.OnceValues(func() (string, error) {
	static := filepath.Join(filepath.Dir(bin), "composer-static")
	build := exec.Command("go", "build", "-o", static, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building a static composer: %v\n%s", err, out)
	}
	return static, nil
})

// TestBundle makes a bundle with a static composer and runs it elsewhere,
// as a user would copy it to another machine.
func TestBundle(t *testing.T) {
	static, err := staticComposer()
	if err != nil {
		t.Fatal(err)
	}
	src := projectDir(t, map[string]string{
		"Procfile": "hello: greet; cat \"$COMPOSER_BUNDLE_DIR/notes.txt\"; pwd\nidle: echo idle up; exec sleep 1000\n",
		// The bundle carries the settings: hello waits for idle.
		"composer.yaml": "processes:\n  idle: {ready_log_line: ^idle up}\n  hello: {depends_on: {idle: {condition: process_log_ready}}}\n",
		".env":          "GREETING=bundled\n",
		"greet":         "#!/bin/sh\necho \"hello, $GREETING\"\n",
		"notes.txt":     "notes travel along\n",
	})
	if err := os.Chmod(filepath.Join(src, "greet"), 0o755); err != nil {
		t.Fatal(err)
	}

	// The test's own composer is built with -race, which needs cgo.
	r := composer(t, src, nil, "bundle", "-o", "app", "--include", "greet", "--include", "notes.txt")
	if r.code != 2 || !strings.Contains(r.stderr, "CGO_ENABLED=0 go build ./cmd/composer") {
		t.Errorf("bundle from a dynamic composer: exit %d, %q; want 2 and how to build it static", r.code, r.stderr)
	}
	r = runProgram(t, static, src, nil, "bundle", "-o", "app", "--include", "greet", "--include", "notes.txt")
	if r.code != 0 || !strings.Contains(r.stderr, "wrote app") {
		t.Fatalf("composer bundle: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	elsewhere := t.TempDir()
	app := filepath.Join(elsewhere, "app")
	if err := os.Rename(filepath.Join(src, "app"), app); err != nil {
		t.Fatal(err)
	}
	cache := "XDG_CACHE_HOME=" + t.TempDir()
	r = runProgram(t, app, elsewhere, []string{cache}, "--headless", "--log-dir", "logs")
	for _, want := range []string{"hello    | hello, bundled", "hello    | notes travel along", "hello    | " + elsewhere, "hello exited with code 0",
		"hello waits for idle (log ready)", "idle is ready (its ready line"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the bundle's run lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
	if b, err := os.ReadFile(filepath.Join(elsewhere, "logs", "hello.log")); err != nil || !strings.Contains(string(b), "hello, bundled") {
		t.Errorf("the bundle's --log-dir logs/hello.log: %q, %v", b, err)
	}
	// A .env where the bundle runs wins over its env files, variables set
	// there win over both, and commands other than up work on the
	// bundled project.
	if err := os.WriteFile(filepath.Join(elsewhere, ".env"), []byte("GREETING=dotenv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runProgram(t, app, elsewhere, []string{cache}, "up", "--headless")
	if !strings.Contains(r.stdout, "hello, dotenv") {
		t.Errorf("the .env where the bundle runs did not win over the bundled one:\n%s", r.stdout)
	}
	r = runProgram(t, app, elsewhere, []string{cache, "GREETING=local"}, "up", "--headless")
	if !strings.Contains(r.stdout, "hello, local") {
		t.Errorf("GREETING=local did not win over the env files:\n%s", r.stdout)
	}
	if r = runProgram(t, app, elsewhere, []string{cache}, "check"); r.code != 0 || !strings.Contains(r.stdout, "hello") {
		t.Errorf("app check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A flag may come before the command; a name alone is a process to run.
	if r = runProgram(t, app, elsewhere, []string{cache}, "-e", ".env", "run", "echo $GREETING"); r.code != 0 || r.stdout != "dotenv\n" {
		t.Errorf("app -e .env run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// (hello needs idle: --no-deps leaves it out.)
	if r = runProgram(t, app, elsewhere, []string{cache}, "--headless", "--no-deps", "hello"); r.code != 0 || !strings.Contains(r.stdout, "hello, dotenv") || strings.Contains(r.stdout, "idle") {
		t.Errorf("app --headless --no-deps hello: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The control commands reach a running bundle from the directory it
	// runs in.
	server := exec.Command(app, "--headless")
	server.Dir = elsewhere
	server.Env = cleanEnv(cache, "COMPOSER_CAN_DIE=hello")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	eventually(t, 30*time.Second, func() (bool, string) {
		r = runProgram(t, app, elsewhere, []string{cache}, "ps")
		return r.code == 0 && strings.Contains(r.stdout, "exited"),
			fmt.Sprintf("app ps never showed hello exited: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	})
	if _, err := os.Stat(filepath.Join(elsewhere, socketName)); err != nil {
		t.Errorf("the bundle's control socket is not in the directory it runs in: %v", err)
	}
	if r = runProgram(t, app, elsewhere, []string{cache}, "restart", "hello"); r.code != 0 {
		t.Errorf("app restart hello: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runProgram(t, app, elsewhere, []string{cache}, "quit"); r.code != 0 {
		t.Errorf("app quit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := server.Wait(); err != nil {
		t.Errorf("the bundle after quit: %v", err)
	}

	// A bundle cut short says so, and runs nothing: cut in its archive,
	// or in the program itself.
	whole, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, lost := range []int{10, 4096} {
		cut := filepath.Join(elsewhere, "cut")
		if err := os.WriteFile(cut, whole[:len(whole)-lost], 0o755); err != nil {
			t.Fatal(err)
		}
		r = runProgram(t, "./cut", elsewhere, []string{"XDG_CACHE_HOME=" + t.TempDir()}, "--headless")
		if r.code != 1 || !strings.HasPrefix(r.stderr, "composer: ./cut: the bundle is truncated or corrupted") || r.stdout != "" {
			t.Errorf("a bundle %d bytes short: exit %d\nstdout: %s\nstderr: %s", lost, r.code, r.stdout, r.stderr)
		}
	}
	// Named as the shell found it through PATH, and by its path when its
	// argv[0] names another file.
	r = runProgram(t, "sh", t.TempDir(), []string{"PATH=" + elsewhere + ":" + os.Getenv("PATH")}, "-c", "cut --headless")
	if want := "composer: " + filepath.Join(elsewhere, "cut") + ": the bundle is truncated"; r.code != 1 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("a bundle cut short, run through PATH: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
	lied := exec.Command(filepath.Join(elsewhere, "cut"), "--headless")
	lied.Args[0], lied.Env = "sh", cleanEnv()
	out, _ := lied.CombinedOutput()
	if want := "composer: " + filepath.Join(elsewhere, "cut") + ": the bundle is truncated"; !strings.HasPrefix(string(out), want) {
		t.Errorf("a bundle cut short, run as \"sh\": %q; want %q", out, want)
	}
}

// TestBundleOnATerminal: a bundle started on a terminal with no arguments
// opens the interactive view on its project.
func TestBundleOnATerminal(t *testing.T) {
	static, err := staticComposer()
	if err != nil {
		t.Fatal(err)
	}
	src := projectDir(t, map[string]string{"Procfile": "ticker: echo tick; exec sleep 1000\n"})
	if r := runProgram(t, static, src, nil, "bundle", "-o", "app"); r.code != 0 {
		t.Fatalf("composer bundle: exit %d\n%s", r.code, r.stderr)
	}
	tt := startTmux(t, src, "XDG_CACHE_HOME="+t.TempDir()+" ./app")
	tt.wait("the bundled process in the view", `● ticker\s+\d+ ↻0`)
	tt.wait("its output", `tick`)
	tt.keys("q")
	tt.wait("the bundle's exit", `\[exit 0\]`)
}
