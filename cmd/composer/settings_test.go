package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// freePort is a port nothing listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

const orderedProcfile = "web: exec sleep 100\nworker: exec sleep 100\ndb: exec sleep 100\n"

const orderedSettings = `processes:
  db:
    ready: tcp
  migrate:
    command: echo migrated
  web:
    depends_on:
      db: {condition: process_healthy}
      migrate: {condition: process_completed_successfully}
  worker:
    depends_on: [web]
  admin:
    command: exec sleep 100
    disabled: true
`

func TestCheckPrintsTheStartOrder(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": orderedProcfile, "composer.yaml": orderedSettings})
	r := composer(t, dir, nil, "check")
	want := `Procfile  Procfile (3 entries)
env       (no env file)
settings  composer.yaml (5 processes)
root      .

NAME     PS         PORT  COMMAND
web      web.1      5000  exec sleep 100
worker   worker.1   5100  exec sleep 100
db       db.1       5200  exec sleep 100
migrate  migrate.1  5300  echo migrated
admin    admin.1    5400  exec sleep 100

start order
  1. db
  1. migrate
  1. admin  disabled: started when asked
  2. web  after db (healthy), migrate (completed)
  3. worker  after web (started)
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("check: exit %d\n%s%s\nwant\n%s", r.code, r.stdout, r.stderr, want)
	}

	// Naming a process brings what it needs, unless --no-deps.
	r = composer(t, dir, nil, "check", "worker")
	if r.code != 0 || !strings.Contains(r.stdout, "  1. db\n  1. migrate\n  2. web  after") || strings.Contains(r.stdout, "admin") {
		t.Errorf("check worker: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = composer(t, dir, nil, "check", "admin")
	if r.code != 0 || !strings.Contains(r.stdout, "start order\n  1. admin\n") {
		t.Errorf("check admin (disabled, named): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = composer(t, dir, nil, "check", "--no-deps", "worker")
	if r.code != 0 || !strings.Contains(r.stdout, "start order\n  1. worker\n") {
		t.Errorf("check --no-deps worker: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSettingsErrors(t *testing.T) {
	pf := "web: exec sleep 100\ndb: exec sleep 100\n"
	tests := []struct {
		name     string
		settings string
		args     []string
		env      []string
		want     string // the whole of stderr, as a regexp
	}{
		{"unknown key", "processes:\n  web:\n    depend_on: [db]\n", nil, nil,
			`^composer: composer\.yaml:3:5: process web: unknown key "depend_on" \(did you mean depends_on\?\)$`},
		{"cycle", "processes:\n  web:\n    depends_on: [db]\n  db:\n    depends_on: [web]\n", nil, nil,
			`^composer: composer\.yaml:3:18: a cycle of dependencies: web -> db -> web$`},
		{"unknown dependency", "processes:\n  web:\n    depends_on: [dbb]\n", nil, nil,
			`^composer: composer\.yaml:3:18: web depends on "dbb", which is no process \(valid: web, db\)$`},
		{"a command in both files", "processes:\n  web:\n    command: ./web\n", nil, nil,
			`^composer: composer\.yaml:3:14: web has a command here and in Procfile:1: give it in one place$`},
		{"healthy without a probe", "processes:\n  web:\n    depends_on: {db: {condition: process_healthy}}\n", nil, nil,
			`^composer: composer\.yaml:3:18: web waits for db to be healthy, but db has no readiness_probe \(or ready\)$`},
		{"a probe of no PORT", "processes:\n  db:\n    port: 0\n    ready: tcp\n", nil, nil,
			`^composer: composer\.yaml:4:12: db's readiness_probe port \$PORT is empty: the process has no PORT \(give the probe a port\)$`},
		{"a fixed port, twice", "processes:\n  web:\n    port: 8080\n", []string{"-m", "web=2"}, nil,
			`^composer: composer\.yaml:2:3: web has the fixed port 8080, so it can run once; the formation runs it 2 times$`},
		{"--config missing", "", []string{"-c", "other.yaml"}, nil,
			`^composer: --config other\.yaml: no such file$`},
		{"COMPOSER_CONFIG missing", "", nil, []string{"COMPOSER_CONFIG=other.yaml"},
			`^composer: COMPOSER_CONFIG="other\.yaml" \(from the environment\): no such file$`},
		{"not YAML", "processes:\n  web: [\n", nil, nil, `^composer: composer\.yaml:2:8: not YAML: .*$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"Procfile": pf}
			if tt.settings != "" {
				files["composer.yaml"] = tt.settings
			}
			dir := projectDir(t, files)
			for _, cmd := range []string{"check", "up"} {
				r := composer(t, dir, tt.env, append([]string{cmd, "--headless"}, tt.args...)...)
				if r.code != 2 || !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(r.stderr, "\n")) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %s", cmd, r.code, r.stderr, tt.want)
				}
			}
		})
	}
}

// The markov case: a service that exits at once when its database does
// not listen yet starts once, with no restart, beside a real
// redis-server, and the two stop in reverse order.
func TestAServiceWaitsForRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (.ci/run installs it)")
	}
	port := freePort(t)
	dir := projectDir(t, map[string]string{
		// app is listed first, so that without the settings it would
		// start beside redis and fail.
		"Procfile": "app: redis-cli -p " + strconv.Itoa(port) + " ping | grep -q PONG || { echo no redis; exit 1; }; echo connected; exec sleep 100\n" +
			"redis: exec redis-server --port " + strconv.Itoa(port) + " --save '' --appendonly no\n",
		"composer.yaml": "processes:\n  redis:\n    ready: tcp " + strconv.Itoa(port) + "\n    readiness_probe_period: 0\n",
	})
	// (a typo on purpose, first: the file is checked before anything starts)
	if r := composer(t, dir, nil, "up", "--headless"); r.code != 2 || !strings.Contains(r.stderr, `unknown key "readiness_probe_period"`) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	settings := "processes:\n  redis:\n    readiness_probe:\n      tcp_socket: {port: " + strconv.Itoa(port) + "}\n      period_seconds: 0.05\n" +
		"  app:\n    depends_on:\n      redis: {condition: process_healthy}\n"
	if err := os.WriteFile(filepath.Join(dir, "composer.yaml"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	rc := startComposer(t, dir, "up", "--headless", "--restart", "all")
	rc.waitLine("app waits for redis (healthy)")
	rc.waitMatch(`redis is ready \(tcp :` + strconv.Itoa(port) + ` after \d`)
	rc.waitLine("connected")
	ps := ps(t, dir)
	if r := ps["redis"]; r.Ready == nil || !*r.Ready || r.State != "running" {
		t.Errorf("ps: redis %+v", r)
	}
	if a := ps["app"]; a.Ready != nil || a.Restarts != 0 || a.State != "running" {
		t.Errorf("ps: app %+v", a)
	}
	if err := rc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := rc.wait(); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	log := strings.Join(rc.seen, "\n")
	if strings.Contains(log, "no redis") || strings.Contains(log, "restart") {
		t.Errorf("app did not wait for redis:\n%s", log)
	}
	appStop := slices.IndexFunc(rc.seen, func(l string) bool { return strings.Contains(l, "sending SIGTERM to app") })
	appExit := slices.IndexFunc(rc.seen, func(l string) bool { return strings.Contains(l, "app killed by SIGTERM") })
	redisStop := slices.IndexFunc(rc.seen, func(l string) bool { return strings.Contains(l, "sending SIGTERM to redis") })
	if appStop < 0 || appExit < 0 || redisStop < appExit {
		t.Errorf("redis was not stopped after app ended:\n%s", log)
	}
}

// What waits for a process that never becomes ready says so, in ps too;
// a liveness probe that fails has its process restarted.
func TestWaitingAndLiveness(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "never: exec sleep 100\nblocked: exec sleep 100\nsick: echo up; exec sleep 100\n",
		"composer.yaml": `processes:
  never:
    readiness_probe:
      exec: {command: "false"}
      period_seconds: 0.05
  blocked:
    depends_on: {never: {condition: process_healthy}}
  sick:
    availability: {restart: on_failure, backoff_seconds: 0.05}
    liveness_probe:
      exec: {command: "test ! -e sick"}
      period_seconds: 0.05
      failure_threshold: 2
`,
	})
	rc := startComposer(t, dir, "up", "--headless")
	rc.waitLine("sick started")
	rc.waitLine("blocked waits for never (healthy)")
	eventually(t, 10e9, func() (bool, string) {
		p := ps(t, dir)
		b, n := p["blocked"], p["never"]
		ok := b.State == "waiting" && slices.Equal(b.WaitingFor, []string{"never (healthy)"}) &&
			n.Ready != nil && !*n.Ready && n.ProbeError == "exec false: exit status 1"
		return ok, "ps: blocked " + b.State + " " + strings.Join(b.WaitingFor, ",") + "; never " + n.ProbeError
	})
	if out := ok(t, dir, "ps", "blocked", "never"); !strings.Contains(out, "waiting for never (healthy)") || !strings.Contains(out, "not ready: exec false: exit status 1") {
		t.Errorf("ps:\n%s", out)
	}
	if err := os.WriteFile(filepath.Join(dir, "sick"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rc.waitMatch(`sick liveness failed 2 times \(exec test ! -e sick: exit status 1\); restarting`)
	if err := os.Remove(filepath.Join(dir, "sick")); err != nil {
		t.Fatal(err)
	}
	rc.waitMatch(`sick started \(pid \d+, port \d+, restart 1\)`)
	ok(t, dir, "quit")
	rc.wait()
}

func TestExpandEnv(t *testing.T) {
	env := []string{"PORT=5000", "EMPTY=", "A=1", "A=2"}
	for v, want := range map[string]string{
		"$PORT":              "5000",
		"${PORT}/health":     "5000/health",
		"${A}":               "2", // the last wins, as for exec
		"${NONE:-6379}":      "6379",
		"${EMPTY:-6379}":     "6379",
		"${EMPTY-6379}":      "",
		"${NONE-6379}":       "6379",
		"${PORT:-6379}":      "5000",
		"$NONE":              "",
		"plain":              "plain",
		"${NONE:-a-b}":       "a-b",
		"${MARKOV:-6379}:80": "6379:80",
		"pa$$word":           "pa$word",
		"$$PORT":             "$PORT",
	} {
		if got := expandEnv(v, env); got != want {
			t.Errorf("expandEnv(%q) = %q, want %q", v, got, want)
		}
	}
}

// A PORT set in environment is the one the log shows.
func TestEnvironmentPORTIsShown(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile":      "web: echo $PORT\n",
		"composer.yaml": "processes:\n  web:\n    environment: {PORT: 7070}\n",
	})
	r := composer(t, dir, nil, "up", "--headless")
	if !strings.Contains(r.stdout, "web started (pid ") || !strings.Contains(r.stdout, ", port 7070)") || !strings.Contains(r.stdout, "web      | 7070") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// is_tty: false runs a process without a terminal: its output and errors
// come through one pipe, line by line, and its input is /dev/null.
func TestWithoutATerminal(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile": "piped: if [ -t 1 ]; then echo out on a terminal; else echo out on a pipe; fi; echo err >&2; read x || echo input ended\n" +
			"tty: if [ -t 1 ]; then echo out on a terminal; fi\n",
		"composer.yaml": "processes:\n  piped:\n    is_tty: false\n",
	})
	r := composer(t, dir, nil, "up", "--can-die", "all")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"piped    | out on a pipe\n",
		"piped    | err\n",
		"piped    | input ended\n",
		"tty      | out on a terminal\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\r") {
		t.Errorf("a carriage return in the log:\n%q", r.stdout)
	}
}
