package config

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/goccy/go-yaml"
	"golang.org/x/sys/unix"
)

// The tests here keep composer.schema.json to what Parse reads: the same
// keys at every level, the same enums, and the same verdict on documents
// right and wrong, by a validator of the keywords the schema uses.

type schemaNode = map[string]any

func decodeSchema(t *testing.T) schemaNode {
	t.Helper()
	var s schemaNode
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatalf("composer.schema.json is not JSON: %v", err)
	}
	return s
}

// resolve follows n's $ref, if it has one, within root.
func resolve(t *testing.T, root, n schemaNode) schemaNode {
	t.Helper()
	for {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := root["$defs"].(map[string]any)
		def, found := defs[name].(map[string]any)
		if !ok || !found {
			t.Fatalf("$ref %q: no such definition", ref)
		}
		n = def
	}
}

// schemaAt is the schema of what is at path, from the root: each step a
// key, or * for any key of a mapping (additionalProperties).
func schemaAt(t *testing.T, root schemaNode, path ...string) schemaNode {
	t.Helper()
	n := root
	for i, step := range path {
		n = resolve(t, root, n)
		var next any
		if step == "*" {
			next = n["additionalProperties"]
		} else {
			props, _ := n["properties"].(map[string]any)
			next = props[step]
		}
		m, ok := next.(map[string]any)
		if !ok {
			t.Fatalf("the schema has no %s", strings.Join(path[:i+1], "."))
		}
		n = m
	}
	return resolve(t, root, n)
}

func TestSchemaIsJSON(t *testing.T) {
	s := decodeSchema(t)
	if got := s["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %v, want draft 2020-12", got)
	}
	// Every $ref leads somewhere, and every pattern compiles (Go's syntax
	// and ECMA 262's, which editors use, agree on what the schema uses)
	// and has a message for editors to show instead of itself
	// (yaml-language-server's patternErrorMessage).
	var walk func(n any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			resolve(t, s, n)
			if p, ok := n["pattern"].(string); ok {
				if _, err := regexp.Compile(p); err != nil {
					t.Errorf("pattern %q: %v", p, err)
				}
				if m, _ := n["patternErrorMessage"].(string); m == "" {
					t.Errorf("pattern %q has no patternErrorMessage", p)
				}
			}
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(s)
}

// The levels of the file: the keys each may hold, as Parse takes them.
var schemaLevels = []struct {
	name string // of the variable in parse.go
	keys []string
	path []string // in the schema
}{
	{"fileKeys", fileKeys, nil},
	{"processKeys", processKeys, []string{"processes", "*"}},
	{"dependencyKeys", dependencyKeys, []string{"processes", "*", "depends_on", "*"}},
	{"probeKeys", probeKeys, []string{"processes", "*", "readiness_probe"}},
	{"probeKeys", probeKeys, []string{"processes", "*", "liveness_probe"}},
	{"tcpSocketKeys", tcpSocketKeys, []string{"processes", "*", "readiness_probe", "tcp_socket"}},
	{"tcpSocketKeys", tcpSocketKeys, []string{"processes", "*", "liveness_probe", "tcp_socket"}},
	{"httpGetKeys", httpGetKeys, []string{"processes", "*", "readiness_probe", "http_get"}},
	{"httpGetKeys", httpGetKeys, []string{"processes", "*", "liveness_probe", "http_get"}},
	{"execKeys", execKeys, []string{"processes", "*", "readiness_probe", "exec"}},
	{"execKeys", execKeys, []string{"processes", "*", "liveness_probe", "exec"}},
	{"availabilityKeys", availabilityKeys, []string{"processes", "*", "availability"}},
	{"shutdownKeys", shutdownKeys, []string{"processes", "*", "shutdown"}},
}

// At every level the schema lists the keys Parse accepts, and no other.
func TestSchemaKeys(t *testing.T) {
	s := decodeSchema(t)
	for _, l := range schemaLevels {
		where := "the file"
		if l.path != nil {
			where = strings.Join(l.path, ".")
		}
		n := schemaAt(t, s, l.path...)
		if n["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is %v, want false (unknown keys are errors)", where, n["additionalProperties"])
		}
		props, _ := n["properties"].(map[string]any)
		var got []string
		for k := range props {
			got = append(got, k)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(l.keys))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the schema lists %q; Parse takes %q (%s)", where, got, want, l.name)
		}
	}
}

// Every list of keys Parse checks a mapping against is one of
// schemaLevels: a new level, or a list written in place, fails here until
// the schema and schemaLevels have it.
func TestSchemaKnowsEveryLevel(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, l := range schemaLevels {
		known[l.name] = true
	}
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "fields" || len(call.Args) != 4 {
				return true
			}
			calls++
			if id, ok := call.Args[2].(*ast.Ident); !ok || !known[id.Name] {
				t.Errorf("%s: fields checks keys that are not among schemaLevels: name the list in parse.go, give the schema its keys, and add it to schemaLevels", fset.Position(call.Pos()))
			}
			return true
		})
	}
	if calls < len(known) {
		t.Errorf("found %d calls of fields, fewer than the %d lists of keys", calls, len(known))
	}
}

// The schema's enums are the names Parse takes, in order.
func TestSchemaEnums(t *testing.T) {
	s := decodeSchema(t)
	var conditions, restarts []string
	for c := Condition(1); int(c) < len(conditionNames); c++ {
		conditions = append(conditions, c.String())
	}
	for r := RestartPolicy(1); int(r) < len(restartNames); r++ {
		restarts = append(restarts, r.String())
	}
	tests := []struct {
		key  string
		n    schemaNode
		want []string
	}{
		{"depends_on.*.condition", schemaAt(t, s, "processes", "*", "depends_on", "*", "condition"), conditions},
		{"availability.restart", schemaAt(t, s, "processes", "*", "availability", "restart"), restarts},
	}
	for _, tt := range tests {
		var enums [][]string
		var collect func(n schemaNode)
		collect = func(n schemaNode) {
			if e, ok := n["enum"].([]any); ok {
				var names []string
				for _, v := range e {
					s, _ := v.(string)
					names = append(names, s)
				}
				enums = append(enums, names)
			}
			for _, kw := range []string{"anyOf", "oneOf"} {
				branches, _ := n[kw].([]any)
				for _, b := range branches {
					collect(b.(map[string]any))
				}
			}
		}
		collect(tt.n)
		if len(enums) != 1 || !slices.Equal(enums[0], tt.want) {
			t.Errorf("%s: the schema's enums are %q, want one: %q", tt.key, enums, tt.want)
		}
	}
}

// Every key has a description, for editors to show.
func TestSchemaDescriptions(t *testing.T) {
	s := decodeSchema(t)
	var walk func(path string, n any)
	walk = func(path string, n any) {
		switch n := n.(type) {
		case map[string]any:
			if props, ok := n["properties"].(map[string]any); ok {
				for k, v := range props {
					if d, _ := v.(map[string]any)["description"].(string); strings.TrimSpace(d) == "" {
						t.Errorf("%s.%s has no description", path, k)
					}
				}
			}
			for k, v := range n {
				walk(path+"."+k, v)
			}
		case []any:
			for _, v := range n {
				walk(path, v)
			}
		}
	}
	walk("", s)
}

// The schema and Parse agree on what is right and what is wrong.
func TestSchemaAgreesWithParse(t *testing.T) {
	proc := func(body string) string { return "processes:\n  web:\n" + body }
	valid := []string{
		"",
		"processes:\n",
		"processes:\n  web:\n",
		"processes:\n  a_b-9: {}\n",
		example,
		proc("    command: ./bin/web\n"),
		proc("    command: |\n      a\n      b\n"),
		proc("    port: 0\n"),
		proc("    port: 65535\n"),
		proc("    disabled: true\n    working_dir: sub/dir\n"),
		proc("    ready_log_line: '^listening on :\\d+'\n"),
		proc("    ready: tcp\n"),
		proc("    ready: tcp 5432\n"),
		proc("    ready: tcp   0080\n"),
		proc("    ready: tcp 65535\n"),
		proc("    ready: http\n"),
		proc("    ready: http /\n"),
		proc("    ready: http /health?full=1\n"),
		proc("    ready: http 8080\n"),
		proc("    ready: http 8080/\n"),
		proc("    ready: ' http  /x '\n"),
		proc("    readiness_probe: {tcp_socket: null}\n"),
		proc("    readiness_probe: {tcp_socket: {host: db, port: 1}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: '8080'}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: '${PORT}'}}\n"),
		proc("    readiness_probe: {http_get: {scheme: http, host: localhost, port: 65535, path: /x}}\n"),
		proc("    readiness_probe: {http_get: {}}\n"),
		proc("    liveness_probe: {exec: {command: 'true'}}\n"),
		proc("    readiness_probe:\n      exec: {command: x}\n      initial_delay_seconds: 0\n      period_seconds: 0.001\n      timeout_seconds: 2147483647\n      success_threshold: 1\n      failure_threshold: 2147483647\n"),
		proc("    readiness_probe: {exec: {command: x}, initial_delay_seconds: 1.5}\n"),
		proc("    availability:\n"),
		proc("    availability: {restart: false, backoff_seconds: 0.5, max_restarts: 0}\n"),
		proc("    availability: {max_restarts: 2147483647}\n"),
		proc("    shutdown:\n"),
		proc("    shutdown: {signal: 9, timeout_seconds: 0, command: ''}\n"),
		proc("    shutdown: {signal: 64}\n"),
		proc("    shutdown: {signal: '+9'}\n"),
		proc("    shutdown: {signal: Sigquit}\n"),
		proc("    environment:\n"),
		proc("    environment: {A: 1, B: true, C: , D: x, E: 1.5}\n"),
		proc("    environment: [A=1, B=, C==]\n"),
		proc("    depends_on: [db, cache]\n"),
		proc("    depends_on:\n"),
		proc("    depends_on: {db: }\n"),
		proc("    depends_on: {db: {}}\n"),
	}
	invalid := []string{
		proc("    ready: http 8080/a b\n"),
		proc("    readiness_probe: {http_get: {path: \"/a\\tb\"}}\n"),
		"processes: [a]\n",
		"process: {}\n",
		"processes:\n  web.1: {}\n",
		"processes:\n  web: 1\n",
		proc("    commnd: x\n"),
		proc("    command: 3\n"),
		proc("    command: '  '\n"),
		proc("    port: -1\n"),
		proc("    port: 65536\n"),
		proc("    port: '80'\n"),
		proc("    disabled: yes please\n"),
		proc("    disabled: 'true'\n"),
		proc("    working_dir: 1\n"),
		proc("    ready_log_line: 3\n"),
		proc("    ready: udp\n"),
		proc("    ready: TCP\n"),
		proc("    ready: tcp 0\n"),
		proc("    ready: tcp 65536\n"),
		proc("    ready: tcp 80/x\n"),
		proc("    ready: tcp x\n"),
		proc("    ready: http x\n"),
		proc("    ready: http 80 /x\n"),
		proc("    ready: http80\n"),
		proc("    ready: 80\n"),
		proc("    ready: tcp\n    readiness_probe: {tcp_socket: {}}\n"),
		proc("    readiness_probe:\n"),
		proc("    readiness_probe: {}\n"),
		proc("    readiness_probe: {period_seconds: 1}\n"),
		proc("    readiness_probe: {tcp_socket: {}, exec: {command: x}}\n"),
		proc("    readiness_probe: {tcp: {}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: 0}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: 70000}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: '0'}}\n"),
		proc("    readiness_probe: {tcp_socket: {port: web}}\n"),
		proc("    readiness_probe: {tcp_socket: {host: 1}}\n"),
		proc("    readiness_probe: {tcp_socket: {hots: db}}\n"),
		proc("    readiness_probe: {http_get: {path: health}}\n"),
		proc("    readiness_probe: {http_get: {scheme: ftp}}\n"),
		proc("    readiness_probe: {http_get: {url: /}}\n"),
		proc("    readiness_probe: {exec: }\n"),
		proc("    readiness_probe: {exec: {}}\n"),
		proc("    readiness_probe: {exec: {command: ' '}}\n"),
		proc("    readiness_probe: {exec: {command: x, shell: sh}}\n"),
		proc("    readiness_probe: {exec: {command: x}, period_seconds: 0}\n"),
		proc("    readiness_probe: {exec: {command: x}, period_seconds: 0.0}\n"),
		proc("    readiness_probe: {exec: {command: x}, timeout_seconds: 0}\n"),
		proc("    readiness_probe: {exec: {command: x}, timeout_seconds: soon}\n"),
		proc("    readiness_probe: {exec: {command: x}, timeout_seconds: 2147483648}\n"),
		proc("    readiness_probe: {exec: {command: x}, initial_delay_seconds: -0.5}\n"),
		proc("    readiness_probe: {exec: {command: x}, initial_delay_seconds: -1}\n"),
		proc("    readiness_probe: {exec: {command: x}, success_threshold: 0}\n"),
		proc("    readiness_probe: {exec: {command: x}, success_threshold: 1.5}\n"),
		proc("    readiness_probe: {exec: {command: x}, failure_threshold: 2147483648}\n"),
		proc("    liveness_probe: {exec: {command: x}, period: 1}\n"),
		proc("    availability: {restart: sometimes}\n"),
		proc("    availability: {restart: true}\n"),
		proc("    availability: {restart: No}\n"),
		proc("    availability: {backoff_seconds: 0}\n"),
		proc("    availability: {max_restarts: -1}\n"),
		proc("    availability: {max_restarts: 1.5}\n"),
		proc("    availability: {restarts: 1}\n"),
		proc("    shutdown: {signal: TREM}\n"),
		proc("    shutdown: {signal: SIGFOO}\n"),
		proc("    shutdown: {signal: ''}\n"),
		proc("    shutdown: {signal: 0}\n"),
		proc("    shutdown: {signal: 65}\n"),
		proc("    shutdown: {signal: '65'}\n"),
		proc("    shutdown: {signal: 1.5}\n"),
		proc("    shutdown: {timeout_seconds: -1}\n"),
		proc("    shutdown: {command: [a]}\n"),
		proc("    shutdown: {sig: TERM}\n"),
		proc("    environment: [NOEQUALS]\n"),
		proc("    environment: ['=x']\n"),
		proc("    environment: [1]\n"),
		proc("    environment: {'A=B': 1}\n"),
		proc("    environment: {A: [1]}\n"),
		proc("    environment: {A: {b: 1}}\n"),
		proc("    environment: A=1\n"),
		proc("    depends_on: db\n"),
		proc("    depends_on: [[db]]\n"),
		proc("    depends_on: {db: {condition: process_ready}}\n"),
		proc("    depends_on: {db: {cond: process_started}}\n"),
		proc("    depends_on: {db: {condition: 1}}\n"),
		proc("    depends_on: {db: process_started}\n"),
	}
	// Every name Parse takes: its conditions and restart policies, and
	// this system's signals.
	for c := Condition(1); int(c) < len(conditionNames); c++ {
		valid = append(valid, proc("    depends_on: {db: {condition: "+c.String()+"}}\n"))
	}
	for r := RestartPolicy(1); int(r) < len(restartNames); r++ {
		valid = append(valid, proc("    availability: {restart: "+r.String()+"}\n"))
	}
	for n := 1; n <= 64; n++ {
		name := unix.SignalName(syscall.Signal(n))
		if name == "" {
			continue
		}
		short := strings.TrimPrefix(name, "SIG")
		for _, s := range []string{name, short, strings.ToLower(name), strings.ToLower(short)} {
			valid = append(valid, proc("    shutdown: {signal: "+s+"}\n"))
		}
	}

	v := &validator{t: t, root: decodeSchema(t)}
	check := func(src string, want bool) {
		var doc any
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		_, perr := Parse("c.yaml", []byte(src))
		if (perr == nil) != want {
			t.Errorf("%q: Parse: %v, want valid %v", src, perr, want)
		}
		if got := v.valid(v.root, doc); got != want {
			t.Errorf("%q: the schema says valid %v, Parse says %v", src, got, perr)
		}
	}
	for _, src := range valid {
		check(src, true)
	}
	for _, src := range invalid {
		check(src, false)
	}
}

// validator applies a JSON Schema to a decoded document: the keywords
// composer.schema.json uses, and a test failure for any other.
type validator struct {
	t    *testing.T
	root schemaNode
}

func (v *validator) valid(s schemaNode, x any) bool {
	m, isObject := x.(map[string]any)
	arr, _ := x.([]any)
	str, isString := x.(string)
	num, isNumber := number(x)
	for kw, arg := range s {
		ok := true
		switch kw {
		case "$schema", "$defs", "title", "description", "default", "examples", "patternErrorMessage":
		case "properties", "additionalProperties":
			ok = v.members(s, m)
		case "$ref":
			ok = v.valid(resolve(v.t, v.root, schemaNode{"$ref": arg}), x)
		case "type":
			types, isList := arg.([]any)
			if !isList {
				types = []any{arg}
			}
			ok = slices.ContainsFunc(types, func(t any) bool { return hasType(t.(string), x) })
		case "enum":
			ok = slices.ContainsFunc(arg.([]any), func(e any) bool { return sameValue(e, x) })
		case "const":
			ok = sameValue(arg, x)
		case "pattern":
			ok = !isString || regexp.MustCompile(arg.(string)).MatchString(str)
		case "minimum":
			ok = !isNumber || num >= arg.(float64)
		case "maximum":
			ok = !isNumber || num <= arg.(float64)
		case "exclusiveMinimum":
			ok = !isNumber || num > arg.(float64)
		case "required":
			for _, k := range arg.([]any) {
				_, has := m[k.(string)]
				ok = ok && (!isObject || has)
			}
		case "propertyNames":
			for k := range m {
				ok = ok && v.valid(arg.(map[string]any), k)
			}
		case "items":
			for _, e := range arr {
				ok = ok && v.valid(arg.(map[string]any), e)
			}
		case "anyOf", "oneOf":
			n := 0
			for _, b := range arg.([]any) {
				if v.valid(b.(map[string]any), x) {
					n++
				}
			}
			ok = n > 0 && (kw == "anyOf" || n == 1)
		case "not":
			ok = !v.valid(arg.(map[string]any), x)
		default:
			v.t.Fatalf("the schema uses %q, which this test's validator does not know", kw)
		}
		if !ok {
			return false
		}
	}
	return true
}

// members checks each member of m against s's properties, or else its
// additionalProperties.
func (v *validator) members(s schemaNode, m map[string]any) bool {
	props, _ := s["properties"].(map[string]any)
	for k, e := range m {
		sub, listed := props[k]
		if !listed {
			sub = s["additionalProperties"]
		}
		switch sub := sub.(type) {
		case bool:
			if !sub {
				return false
			}
		case map[string]any:
			if !v.valid(sub, e) {
				return false
			}
		}
	}
	return true
}

// number is x as a number, if it is one: YAML's integers are int64 or
// uint64, its other numbers float64.
func number(x any) (float64, bool) {
	switch x := x.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func hasType(t string, x any) bool {
	switch t {
	case "null":
		return x == nil
	case "boolean":
		_, ok := x.(bool)
		return ok
	case "string":
		_, ok := x.(string)
		return ok
	case "number":
		_, ok := number(x)
		return ok
	case "integer":
		// JSON Schema's integers include 2.0; Parse's do not, but then a
		// whole number with a point is a rare thing to write.
		n, ok := number(x)
		return ok && n == math.Trunc(n) && !math.IsInf(n, 0)
	case "object":
		_, ok := x.(map[string]any)
		return ok
	case "array":
		_, ok := x.([]any)
		return ok
	}
	return false
}

// sameValue compares a schema's value (decoded JSON) and a document's.
func sameValue(schema, x any) bool {
	if a, ok := number(schema); ok {
		b, ok := number(x)
		return ok && a == b
	}
	return reflect.DeepEqual(schema, x)
}
