package config

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

const example = `
processes:
  redis:
    ready: tcp
    shutdown:
      signal: INT
      timeout_seconds: 2.5
  migrate:
    command: ./migrate up
    availability:
      restart: no
  web:
    depends_on:
      redis:
        condition: process_healthy
        restart: true
      migrate:
        condition: process_completed_successfully
    readiness_probe:
      http_get:
        path: /health
        port: $PORT
      period_seconds: 0.5
      failure_threshold: 5
    liveness_probe:
      exec:
        command: curl -fs localhost:$PORT/alive
    environment:
      RAILS_ENV: production
      WORKERS: 4
    port: 8080
  worker:
    depends_on: [redis]
    ready_log_line: "^ready"
    disabled: true
    working_dir: worker
    environment: ["A=1", "B=two words"]
    is_tty: false
`

func TestParse(t *testing.T) {
	f, err := Parse("composer.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range f.Processes {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "redis migrate web worker" {
		t.Errorf("processes %s", got)
	}
	redis := f.Lookup("redis")
	if r := redis.Readiness; r == nil || r.TCP == nil || r.TCP.Port != "$PORT" || r.TCP.Host != "127.0.0.1" || r.Period != time.Second || r.FailureThreshold != 3 {
		t.Errorf("redis readiness: %+v", r)
	}
	if s := redis.Shutdown; s.Signal != syscall.SIGINT || s.Timeout != 2500*time.Millisecond || !s.HasTimeout {
		t.Errorf("redis shutdown: %+v", s)
	}
	if m := f.Lookup("migrate"); m.Command != "./migrate up" || m.Restart == nil || m.Restart.Restart != RestartNo {
		t.Errorf("migrate: %+v", m)
	}
	web := f.Lookup("web")
	if d := web.DependsOn; len(d) != 2 || d[0] != (Dependency{"redis", Healthy, true, Pos{14, 7}}) || d[1].Condition != CompletedSuccessfully || d[1].Restart {
		t.Errorf("web depends on %+v", d)
	}
	if r := web.Readiness; r == nil || r.HTTP == nil || r.HTTP.Path != "/health" || r.HTTP.Port != "$PORT" || r.Period != 500*time.Millisecond || r.FailureThreshold != 5 {
		t.Errorf("web readiness: %+v", r)
	}
	if l := web.Liveness; l == nil || l.Exec == nil || l.Exec.Command != "curl -fs localhost:$PORT/alive" {
		t.Errorf("web liveness: %+v", l)
	}
	if got := strings.Join(web.Env, " "); got != "RAILS_ENV=production WORKERS=4" || web.Port == nil || *web.Port != 8080 {
		t.Errorf("web env %q, port %v", got, web.Port)
	}
	w := f.Lookup("worker")
	if len(w.DependsOn) != 1 || w.DependsOn[0].Condition != Started || !w.Disabled || !w.NoTTY || web.NoTTY || w.WorkingDir != "worker" || w.ReadyLine.String() != "^ready" || strings.Join(w.Env, "|") != "A=1|B=two words" {
		t.Errorf("worker: %+v", w)
	}

	order, err := Check(f, "Procfile", []Defined{{"web", 1}, {"worker", 2}, {"redis", 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, " "); got != "redis migrate web worker" {
		t.Errorf("start order %s", got)
	}
}

func TestBOM(t *testing.T) {
	f, err := Parse("c.yaml", []byte("\ufeffprocesses:\n  web:\n    ready: tcp\n"))
	if err != nil || f.Lookup("web") == nil {
		t.Errorf("a file starting with a BOM: %v", err)
	}
}

func TestShortProbe(t *testing.T) {
	for src, want := range map[string]string{
		"tcp":               "tcp 127.0.0.1:$PORT",
		"tcp 5432":          "tcp 127.0.0.1:5432",
		"http":              "http $PORT /",
		"http /health":      "http $PORT /health",
		"http 8080/healthz": "http 8080 /healthz",
	} {
		f, err := Parse("c.yaml", []byte("processes:\n  a:\n    ready: "+src+"\n"))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		r := f.Lookup("a").Readiness
		var got string
		switch {
		case r.TCP != nil:
			got = "tcp " + r.TCP.Host + ":" + r.TCP.Port
		case r.HTTP != nil:
			got = "http " + r.HTTP.Port + " " + r.HTTP.Path
		}
		if got != want {
			t.Errorf("ready: %s is %s, want %s", src, got, want)
		}
	}
}

// Every mistake is one line: the file, line and column, and what was
// expected.
func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"processes:\n  web:\n    command: [a\n", `c.yaml:3:14: not YAML: sequence end token ']' not found`},
		{"process:\n  web: {}\n", `c.yaml:1:1: the file: unknown key "process" (did you mean processes?)`},
		{"processes:\n  web:\n    depend_on: [db]\n", `c.yaml:3:5: process web: unknown key "depend_on" (did you mean depends_on?)`},
		{"processes:\n  web:\n    commnd: x\n", `c.yaml:3:5: process web: unknown key "commnd" (did you mean command?)`},
		{"processes:\n  web:\n    zzz: x\n", `c.yaml:3:5: process web: unknown key "zzz" (expected command, depends_on, readiness_probe, liveness_probe, ready, ready_log_line, availability, shutdown, working_dir, environment, disabled, port, is_tty)`},
		{"processes:\n  web.1:\n    command: x\n", `c.yaml:2:3: process "web.1": invalid character "." in the name (names are letters, digits, _ and -)`},
		{"processes: [a, b]\n", `c.yaml:1:12: processes: expected a mapping (key: value), got a list`},
		{"processes:\n  web:\n    command: 3\n", `c.yaml:3:14: command: expected a string, got a number`},
		{"processes:\n  web:\n    readiness_probe:\n      period_seconds: 1\n", `c.yaml:4:7: readiness_probe: no target: expected one of tcp_socket, http_get or exec`},
		{"processes:\n  web:\n    readiness_probe:\n      tcp_socket: {}\n      exec: {command: x}\n", `c.yaml:4:7: readiness_probe: more than one target: expected one of tcp_socket, http_get or exec`},
		{"processes:\n  web:\n    ready: udp\n", `c.yaml:3:12: ready "udp": expected tcp, tcp PORT, http, http /PATH or http PORT/PATH`},
		{"processes:\n  web:\n    ready: tcp\n    readiness_probe: {tcp_socket: {}}\n", `c.yaml:4:22: readiness_probe: the readiness probe is given twice (ready and readiness_probe)`},
		{"processes:\n  web:\n    readiness_probe:\n      tcp_socket: {port: 70000}\n", `c.yaml:4:26: port: 70000 is out of range (1 to 65535)`},
		{"processes:\n  web:\n    readiness_probe:\n      http_get: {path: health}\n", `c.yaml:4:24: path "health": expected a path starting with /`},
		{"processes:\n  web:\n    readiness_probe:\n      http_get: {path: \"/a b\"}\n", `c.yaml:4:24: path "/a b": a space or control character; escape it (%20)`},
		{"processes:\n  web:\n    ready: \"http /a\\tb\"\n", `c.yaml:3:12: ready "/a\tb": a space or control character in the path; escape it (%20)`},
		{"processes:\n  web:\n    readiness_probe:\n      http_get: {scheme: https}\n", `c.yaml:4:26: scheme https: not supported (expected http); check a TLS server with an exec probe, such as "curl -fsk https://localhost:$PORT/health"`},
		{"processes:\n  web:\n    readiness_probe:\n      tcp_socket: {}\n      period_seconds: 0\n", `c.yaml:5:23: period_seconds: expected a number of seconds above 0`},
		{"processes:\n  web:\n    readiness_probe:\n      tcp_socket: {}\n      timeout_seconds: soon\n", `c.yaml:5:24: timeout_seconds: expected a number of seconds, got a string`},
		{"processes:\n  web:\n    depends_on:\n      db:\n        condition: process_ready\n", `c.yaml:5:20: condition "process_ready": expected process_started, process_healthy, process_completed_successfully, process_log_ready`},
		{"processes:\n  web:\n    availability: {restart: sometimes}\n", `c.yaml:3:29: restart "sometimes": expected no, on_failure, always, exit_on_failure`},
		{"processes:\n  web:\n    shutdown: {signal: TREM}\n", `c.yaml:3:24: signal: unknown signal "TREM" (expected a name like TERM, INT, QUIT, or a number)`},
		{"processes:\n  web:\n    environment: [NOEQUALS]\n", `c.yaml:3:19: environment: "NOEQUALS": expected KEY=value`},
		{"processes:\n  web:\n    ready_log_line: \"(\"\n", "c.yaml:3:21: ready_log_line: not a regular expression: error parsing regexp: missing closing ): `(`"},
		{"processes:\n  web:\n    command: x\n  web:\n    command: y\n", `c.yaml:4:3: not YAML: mapping key "web" already defined at [2:3]`},
		{"processes:\n  web:\n    disabled: yes please\n", `c.yaml:3:15: disabled: expected true or false, got a string`},
		{"a: 1\n---\nb: 2\n", `c.yaml:3:1: a second document: composer.yaml holds one`},
	}
	for _, tt := range tests {
		_, err := Parse("c.yaml", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	procfile := []Defined{{"web", 1}, {"db", 2}}
	tests := []struct{ src, want string }{
		{"processes:\n  web:\n    command: x\n", `c.yaml:3:14: web has a command here and in Procfile:1: give it in one place`},
		{"processes:\n  api:\n    port: 1\n", `c.yaml:2:3: api has no command: it is not in Procfile, and gives none here (command: ...)`},
		{"processes:\n  web:\n    depends_on: [cache]\n", `c.yaml:3:18: web depends on "cache", which is no process (valid: web, db)`},
		{"processes:\n  web:\n    depends_on: [web]\n", `c.yaml:3:18: web depends on itself`},
		{"processes:\n  web:\n    depends_on: {db: {condition: process_healthy}}\n", `c.yaml:3:18: web waits for db to be healthy, but db has no readiness_probe (or ready)`},
		{"processes:\n  web:\n    depends_on: {db: {condition: process_log_ready}}\n", `c.yaml:3:18: web waits for a ready line of db's, but db has no ready_log_line`},
		{"processes:\n  web:\n    depends_on: [api]\n  api:\n    command: x\n    depends_on: [db]\n  db:\n    depends_on: [web]\n", `c.yaml:3:18: a cycle of dependencies: web -> api -> db -> web`},
	}
	for _, tt := range tests {
		f, err := Parse("c.yaml", []byte(tt.src))
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		_, err = Check(f, "Procfile", procfile)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

// Whatever the file holds, Parse and Check return, with an error that
// names the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("processes:\n  web:\n    depends_on: [api]\n  api:\n    command: x\n    depends_on: [web]\n"))
	f.Add([]byte("processes: {a: {ready: http 80/x, environment: {K: [1, 2]}}}"))
	f.Add([]byte("processes:\n  a: &x {command: y}\n  b: *x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("c.yaml", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "c.yaml") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q", err)
			}
			var e *Error
			if !errors.As(err, &e) && !strings.HasPrefix(err.Error(), "c.yaml: not YAML") {
				t.Fatalf("error %q is not an *Error", err)
			}
			return
		}
		order, err := Check(file, "Procfile", []Defined{{"web", 1}})
		if err == nil && len(order) < 1 {
			t.Fatalf("no start order: %v", order)
		}
	})
}
