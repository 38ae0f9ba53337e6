package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/composer-dev/composer/procfile"
	"github.com/composer-dev/composer/runner"
)

// Error is a mistake in the file, at Pos.
type Error struct {
	Path string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Parse reads the settings file at path, whose content is src, and checks
// it on its own: its keys, the types and ranges of its values, each
// probe's target. Check does the rest, against the Procfile.
func Parse(path string, src []byte) (*File, error) {
	p := &reader{path: path}
	src = bytes.TrimPrefix(src, []byte("\ufeff")) // a BOM, as some editors write
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			return nil, &Error{path, Pos{se.Token.Position.Line, se.Token.Position.Column}, "not YAML: " + se.Message}
		}
		return nil, fmt.Errorf("%s: not YAML: %w", path, err)
	}
	out := &File{Path: path}
	var body ast.Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if body != nil {
			return nil, p.errorf(d.Body, "a second document: composer.yaml holds one")
		}
		body = d.Body
	}
	if body == nil {
		return out, nil // empty: nothing to say
	}
	err = p.fields(body, "the file", fileKeys, func(key string, v ast.Node) error {
		return p.each(v, "processes", func(name string, at ast.Node, v ast.Node) error {
			if err := procfile.NameProblem(name); err != "" {
				return p.errorf(at, "process %q: %s", name, err)
			}
			if out.Lookup(name) != nil {
				return p.errorf(at, "process %q is given twice", name)
			}
			proc := &Process{Name: name, Pos: pos(at)}
			out.Processes = append(out.Processes, proc)
			return p.process(proc, v)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The keys of each mapping of the file, in the order errors list them.
// composer.schema.json names the same (schema_test.go checks it).
var (
	fileKeys = []string{"processes"}

	processKeys = []string{
		"command", "depends_on", "readiness_probe", "liveness_probe", "ready", "ready_log_line",
		"availability", "shutdown", "working_dir", "environment", "disabled", "port", "is_tty",
	}

	dependencyKeys = []string{"condition", "restart"} // of a depends_on entry

	probeKeys = []string{
		"tcp_socket", "http_get", "exec",
		"initial_delay_seconds", "period_seconds", "timeout_seconds", "success_threshold", "failure_threshold",
	}

	tcpSocketKeys    = []string{"host", "port"}
	httpGetKeys      = []string{"scheme", "host", "port", "path"}
	execKeys         = []string{"command"}
	availabilityKeys = []string{"restart", "backoff_seconds", "max_restarts"}
	shutdownKeys     = []string{"signal", "timeout_seconds", "command"}
)

func (p *reader) process(proc *Process, n ast.Node) error {
	return p.fields(n, "process "+proc.Name, processKeys, func(key string, v ast.Node) error {
		var err error
		switch key {
		case "command":
			proc.CommandPos = pos(v)
			if proc.Command, err = p.str(v, "command"); err == nil && strings.TrimSpace(proc.Command) == "" {
				err = p.errorf(v, "command: expected a command, got nothing")
			}
		case "depends_on":
			err = p.dependsOn(proc, v)
		case "readiness_probe", "ready":
			if proc.Readiness != nil {
				return p.errorf(v, "%s: the readiness probe is given twice (ready and readiness_probe)", key)
			}
			if key == "ready" {
				proc.Readiness, err = p.shortProbe(v)
			} else {
				proc.Readiness, err = p.probe(v, key)
			}
		case "liveness_probe":
			proc.Liveness, err = p.probe(v, key)
		case "ready_log_line":
			var s string
			if s, err = p.str(v, key); err == nil {
				if proc.ReadyLine, err = regexp.Compile(s); err != nil {
					err = p.errorf(v, "ready_log_line: not a regular expression: %v", err)
				}
			}
		case "availability":
			proc.Restart = &Availability{}
			err = p.availability(proc.Restart, v)
		case "shutdown":
			err = p.shutdown(&proc.Shutdown, v)
		case "working_dir":
			proc.WorkingDir, err = p.str(v, key)
		case "environment":
			proc.Env, err = p.environment(v)
		case "disabled":
			proc.Disabled, err = p.boolean(v, key)
		case "is_tty":
			var tty bool
			tty, err = p.boolean(v, key)
			proc.NoTTY = !tty
		case "port":
			var n int
			if n, err = p.integer(v, key, 0, 65535); err == nil {
				proc.Port = &n
			}
		}
		return err
	})
}

func (p *reader) dependsOn(proc *Process, n ast.Node) error {
	if seq, ok := n.(*ast.SequenceNode); ok {
		// A list of names: each started.
		for _, v := range seq.Values {
			name, err := p.str(v, "depends_on")
			if err != nil {
				return err
			}
			proc.DependsOn = append(proc.DependsOn, Dependency{Name: name, Condition: Started, Pos: pos(v)})
		}
		return nil
	}
	return p.each(n, "depends_on", func(name string, at ast.Node, v ast.Node) error {
		d := Dependency{Name: name, Condition: Started, Pos: pos(at)}
		err := p.fields(v, "depends_on "+name, dependencyKeys, func(key string, v ast.Node) error {
			if key == "restart" {
				var err error
				d.Restart, err = p.boolean(v, "restart")
				return err
			}
			s, err := p.str(v, "condition")
			if err != nil {
				return err
			}
			for c := Started; c <= LogReady; c++ {
				if s == c.String() {
					d.Condition = c
					return nil
				}
			}
			return p.errorf(v, "condition %q: expected %s", s, strings.Join(conditionNames[1:], ", "))
		})
		proc.DependsOn = append(proc.DependsOn, d)
		return err
	})
}

func (p *reader) probe(n ast.Node, what string) (*Probe, error) {
	pr := defaultProbe(n)
	targets := 0
	err := p.fields(n, what, probeKeys, func(key string, v ast.Node) error {
		var err error
		switch key {
		case "tcp_socket":
			targets++
			pr.TCP = &TCPProbe{Host: "127.0.0.1", Port: "$PORT"}
			err = p.fields(v, what+".tcp_socket", tcpSocketKeys, func(key string, v ast.Node) error {
				var err error
				if key == "host" {
					pr.TCP.Host, err = p.str(v, key)
				} else {
					pr.TCP.Port, err = p.port(v)
				}
				return err
			})
		case "http_get":
			targets++
			pr.HTTP = &HTTPProbe{Scheme: "http", Host: "127.0.0.1", Port: "$PORT", Path: "/"}
			err = p.fields(v, what+".http_get", httpGetKeys, func(key string, v ast.Node) error {
				var err error
				switch key {
				case "scheme":
					switch pr.HTTP.Scheme, err = p.str(v, key); {
					case err != nil, pr.HTTP.Scheme == "http":
					case pr.HTTP.Scheme == "https":
						// A TLS client would add 2.9 MB to every bundle.
						err = p.errorf(v, `scheme https: not supported (expected http); check a TLS server with an exec probe, such as "curl -fsk https://localhost:$PORT/health"`)
					default:
						err = p.errorf(v, "scheme %q: expected http", pr.HTTP.Scheme)
					}
				case "host":
					pr.HTTP.Host, err = p.str(v, key)
				case "port":
					pr.HTTP.Port, err = p.port(v)
				case "path":
					if pr.HTTP.Path, err = p.str(v, key); err == nil && !strings.HasPrefix(pr.HTTP.Path, "/") {
						err = p.errorf(v, "path %q: expected a path starting with /", pr.HTTP.Path)
					} else if err == nil && !cleanPath(pr.HTTP.Path) {
						err = p.errorf(v, "path %q: a space or control character; escape it (%%20)", pr.HTTP.Path)
					}
				}
				return err
			})
		case "exec":
			targets++
			pr.Exec = &ExecProbe{}
			err = p.fields(v, what+".exec", execKeys, func(_ string, v ast.Node) error {
				var err error
				pr.Exec.Command, err = p.str(v, "command")
				return err
			})
			if err == nil && strings.TrimSpace(pr.Exec.Command) == "" {
				err = p.errorf(v, "%s.exec: expected a command", what)
			}
		case "initial_delay_seconds":
			pr.InitialDelay, err = p.seconds(v, key, true)
		case "period_seconds":
			pr.Period, err = p.seconds(v, key, false)
		case "timeout_seconds":
			pr.Timeout, err = p.seconds(v, key, false)
		case "success_threshold":
			pr.SuccessThreshold, err = p.integer(v, key, 1, math.MaxInt32)
		case "failure_threshold":
			pr.FailureThreshold, err = p.integer(v, key, 1, math.MaxInt32)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case targets == 0:
		return nil, p.errorf(n, "%s: no target: expected one of tcp_socket, http_get or exec", what)
	case targets > 1:
		return nil, p.errorf(n, "%s: more than one target: expected one of tcp_socket, http_get or exec", what)
	}
	return pr, nil
}

func defaultProbe(n ast.Node) *Probe {
	return &Probe{Period: time.Second, Timeout: time.Second, SuccessThreshold: 1, FailureThreshold: 3, Pos: pos(n)}
}

// shortProbe is the short form of a readiness probe: "tcp", "tcp PORT",
// "http", "http /PATH" or "http PORT/PATH".
func (p *reader) shortProbe(n ast.Node) (*Probe, error) {
	s, err := p.str(n, "ready")
	if err != nil {
		return nil, err
	}
	pr := defaultProbe(n)
	kind, arg, _ := strings.Cut(strings.TrimSpace(s), " ")
	arg = strings.TrimSpace(arg)
	bad := func() (*Probe, error) {
		return nil, p.errorf(n, "ready %q: expected tcp, tcp PORT, http, http /PATH or http PORT/PATH", s)
	}
	switch kind {
	case "tcp":
		pr.TCP = &TCPProbe{Host: "127.0.0.1", Port: "$PORT"}
		if arg != "" {
			if !isPort(arg) {
				return bad()
			}
			pr.TCP.Port = arg
		}
	case "http":
		pr.HTTP = &HTTPProbe{Scheme: "http", Host: "127.0.0.1", Port: "$PORT", Path: "/"}
		if arg != "" {
			port, path, hasPath := strings.Cut(arg, "/")
			if port != "" {
				if !isPort(port) {
					return bad()
				}
				pr.HTTP.Port = port
			}
			if hasPath {
				pr.HTTP.Path = "/" + path
			}
			if !cleanPath(pr.HTTP.Path) {
				return nil, p.errorf(n, "ready %q: a space or control character in the path; escape it (%%20)", arg)
			}
		}
	default:
		return bad()
	}
	return pr, nil
}

// cleanPath reports whether path can go in a request line as it is.
func cleanPath(path string) bool {
	return !strings.ContainsFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// port is a probe's port: a number, or a string with $PORT in it.
func (p *reader) port(n ast.Node) (string, error) {
	if _, ok := n.(*ast.IntegerNode); ok {
		v, err := p.integer(n, "port", 1, 65535)
		return strconv.Itoa(v), err
	}
	s, err := p.str(n, "port")
	if err == nil && !isPort(s) && !strings.Contains(s, "$") {
		err = p.errorf(n, "port %q: expected a port from 1 to 65535, or $PORT", s)
	}
	return s, err
}

func (p *reader) availability(a *Availability, n ast.Node) error {
	return p.fields(n, "availability", availabilityKeys, func(key string, v ast.Node) error {
		var err error
		switch key {
		case "restart":
			var s string
			if s, err = p.str(v, key); err != nil {
				// YAML reads an unquoted no as false.
				if b, ok := v.(*ast.BoolNode); ok && !b.Value {
					a.Restart, err = RestartNo, nil
				}
				return err
			}
			for r := RestartNo; r <= RestartExitOnFailure; r++ {
				if s == r.String() {
					a.Restart = r
					return nil
				}
			}
			err = p.errorf(v, "restart %q: expected %s", s, strings.Join(restartNames[1:], ", "))
		case "backoff_seconds":
			a.Backoff, err = p.seconds(v, key, false)
		case "max_restarts":
			a.MaxRestarts, err = p.integer(v, key, 0, math.MaxInt32)
		}
		return err
	})
}

func (p *reader) shutdown(s *Shutdown, n ast.Node) error {
	return p.fields(n, "shutdown", shutdownKeys, func(key string, v ast.Node) error {
		var err error
		switch key {
		case "signal":
			var name string
			if _, ok := v.(*ast.IntegerNode); ok {
				var n int
				n, err = p.integer(v, key, 1, 64)
				name = strconv.Itoa(n)
			} else {
				name, err = p.str(v, key)
			}
			if err == nil {
				if s.Signal, err = runner.ParseSignal(name); err != nil {
					err = p.errorf(v, "signal: %v", err)
				}
			}
		case "timeout_seconds":
			s.Timeout, err = p.seconds(v, key, true)
			s.HasTimeout = true
		case "command":
			s.Command, err = p.str(v, key)
		}
		return err
	})
}

// environment is a list of KEY=value, or a mapping of KEY: value.
func (p *reader) environment(n ast.Node) ([]string, error) {
	var env []string
	check := func(at ast.Node, key string) error {
		if key == "" || strings.ContainsAny(key, "=\x00") {
			return p.errorf(at, "environment: %q is not a variable name", key)
		}
		return nil
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, v := range seq.Values {
			s, err := p.str(v, "environment")
			if err != nil {
				return nil, err
			}
			key, _, found := strings.Cut(s, "=")
			if !found {
				return nil, p.errorf(v, "environment: %q: expected KEY=value", s)
			}
			if err := check(v, key); err != nil {
				return nil, err
			}
			env = append(env, s)
		}
		return env, nil
	}
	err := p.each(n, "environment", func(key string, at ast.Node, v ast.Node) error {
		if err := check(at, key); err != nil {
			return err
		}
		s, err := p.scalar(v, "environment "+key)
		env = append(env, key+"="+s)
		return err
	})
	return env, err
}

// reader reads one file.
type reader struct{ path string }

// pos is where n starts: a block mapping at its first key.
func pos(n ast.Node) Pos {
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) > 0 && !m.IsFlowStyle {
			return pos(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return pos(m.Key)
	}
	if n == nil || n.GetToken() == nil {
		return Pos{1, 1}
	}
	p := n.GetToken().Position
	return Pos{p.Line, p.Column}
}

func (p *reader) errorf(n ast.Node, format string, args ...any) error {
	return &Error{p.path, pos(n), fmt.Sprintf(format, args...)}
}

// each calls f for each key of the mapping n (what names it in errors),
// in order; an empty value is an empty mapping.
func (p *reader) each(n ast.Node, what string, f func(key string, at ast.Node, v ast.Node) error) error {
	if n == nil {
		return nil
	}
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		return p.errorf(n, "%s: expected a mapping (key: value), got %s", what, describe(n))
	}
	seen := map[string]bool{}
	for _, mv := range values {
		key, ok := mv.Key.(*ast.StringNode)
		if !ok {
			return p.errorf(mv.Key, "%s: expected a name as the key, got %s", what, describe(mv.Key))
		}
		if seen[key.Value] {
			return p.errorf(mv.Key, "%s: %q is given twice", what, key.Value)
		}
		seen[key.Value] = true
		if err := f(key.Value, mv.Key, mv.Value); err != nil {
			return err
		}
	}
	return nil
}

// fields is each for a mapping whose keys are from keys: another is an
// error suggesting the nearest.
func (p *reader) fields(n ast.Node, what string, keys []string, f func(key string, v ast.Node) error) error {
	return p.each(n, what, func(key string, at ast.Node, v ast.Node) error {
		if !slices.Contains(keys, key) {
			msg := fmt.Sprintf("%s: unknown key %q", what, key)
			if near := nearest(key, keys); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			} else {
				msg += " (expected " + strings.Join(keys, ", ") + ")"
			}
			return &Error{p.path, pos(at), msg}
		}
		return f(key, v)
	})
}

// nearest is the key of keys closest to key, if any is close.
func nearest(key string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := distance(key, k); d < bestD || (d == bestD && best == "" && strings.HasPrefix(k, key)) {
			best, bestD = k, d
		}
	}
	if best == "" {
		for _, k := range keys {
			if strings.HasPrefix(k, key) || strings.HasPrefix(key, k) {
				return k
			}
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// str is a string value.
func (p *reader) str(n ast.Node, what string) (string, error) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	}
	return "", p.errorf(n, "%s: expected a string, got %s", what, describe(n))
}

// scalar is a string, number or boolean value, as text.
func (p *reader) scalar(n ast.Node, what string) (string, error) {
	switch v := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, nil
	case *ast.NullNode:
		return "", nil
	}
	return p.str(n, what)
}

func (p *reader) boolean(n ast.Node, what string) (bool, error) {
	if b, ok := n.(*ast.BoolNode); ok {
		return b.Value, nil
	}
	return false, p.errorf(n, "%s: expected true or false, got %s", what, describe(n))
}

func (p *reader) integer(n ast.Node, what string, lo, hi int) (int, error) {
	v, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, p.errorf(n, "%s: expected a whole number, got %s", what, describe(n))
	}
	var i int64
	switch x := v.Value.(type) {
	case int64:
		i = x
	case uint64:
		i = math.MaxInt64
		if x <= math.MaxInt64 {
			i = int64(x)
		}
	}
	if i < int64(lo) || i > int64(hi) {
		return 0, p.errorf(n, "%s: %d is out of range (%d to %d)", what, i, lo, hi)
	}
	return int(i), nil
}

// seconds is a number of seconds (fractions allowed), as process-compose
// writes durations: above 0, or also 0 with zero.
func (p *reader) seconds(n ast.Node, what string, zero bool) (time.Duration, error) {
	var f float64
	switch v := n.(type) {
	case *ast.IntegerNode:
		i, err := p.integer(n, what, 0, math.MaxInt32)
		if err != nil {
			return 0, err
		}
		f = float64(i)
	case *ast.FloatNode:
		f = v.Value
	default:
		return 0, p.errorf(n, "%s: expected a number of seconds, got %s", what, describe(n))
	}
	if f < 0 || (f == 0 && !zero) || f > math.MaxInt32 || math.IsNaN(f) {
		if zero {
			return 0, p.errorf(n, "%s: expected a number of seconds, 0 or more", what)
		}
		return 0, p.errorf(n, "%s: expected a number of seconds above 0", what)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// describe names what n is, for errors.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode, *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "true or false"
	case *ast.NullNode:
		return "nothing"
	}
	return strings.ToLower(n.Type().String())
}
