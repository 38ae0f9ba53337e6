package procfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxInstances bounds the instances a formation may run in all: far more
// than one machine runs, and few enough that a typo (web=100000000) is
// refused rather than planned.
const MaxInstances = 10000

// Formation maps a process type to how many instances of it to run. The
// key "all" sets the count for types not named. The zero value (nil) runs
// one instance of every type.
type Formation map[string]int

// ParseFormation parses "web=2,worker=0,all=1". Spaces around items are
// allowed; an empty string is the zero Formation.
func ParseFormation(s string) (Formation, error) {
	f := Formation{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, count, ok := strings.Cut(item, "=")
		name, count = strings.TrimSpace(name), strings.TrimSpace(count)
		if !ok || !ValidName(name) {
			return nil, fmt.Errorf("formation %q: expected NAME=COUNT, got %q", s, item)
		}
		n, err := strconv.Atoi(count)
		if err != nil && !errors.Is(err, strconv.ErrRange) || n < 0 {
			return nil, fmt.Errorf("formation %q: count for %q must be a whole number ≥ 0, got %q", s, name, count)
		}
		if n > MaxInstances {
			return nil, fmt.Errorf("formation %q: %s instances of %q, more than the %d allowed in all", s, count, name, MaxInstances)
		}
		if _, dup := f[name]; dup {
			return nil, fmt.Errorf("formation %q: %q given twice", s, name)
		}
		f[name] = n
	}
	return f, nil
}

// Count is how many instances of the type name to run.
func (f Formation) Count(name string) int {
	if n, ok := f[name]; ok {
		return n
	}
	if n, ok := f["all"]; ok {
		return n
	}
	return 1
}

// Instance is one process to run: an Entry expanded by a Formation.
type Instance struct {
	Name    string // "web" when its type runs once, else "web.1", "web.2"
	PS      string // always "web.1" style, foreman's PS variable
	Type    string // the Procfile entry's name
	Index   int    // 1-based instance number within the type
	Command string
	Port    int
	Line    int // the entry's line in the Procfile
}

// MaxPort is the highest PORT an instance may get.
const MaxPort = 65535

// ErrFormation is wrapped by Plan's errors about the Formation, as
// opposed to the ports.
var ErrFormation = errors.New("formation")

// Plan expands entries into instances. The PORT of instance i (1-based) of
// the entry at position t in the Procfile is basePort + t*portStep + i-1,
// foreman's rule, so ports do not move when some types are not run.
//
// It is an error, naming what is wrong, when the Formation names a type
// that is not in entries (the message lists the valid names), when it runs
// more than MaxInstances in all, when portStep is negative, or when an
// instance's PORT would be outside 1 to MaxPort.
func Plan(entries []Entry, f Formation, basePort, portStep int) ([]Instance, error) {
	known := make(map[string]bool, len(entries))
	for _, e := range entries {
		known[e.Name] = true
	}
	for name := range f {
		if name != "all" && !known[name] {
			return nil, fmt.Errorf("%w: unknown process %q (valid: %s)", ErrFormation, name, Names(entries))
		}
	}
	total := 0
	for _, e := range entries {
		// Counted before anything is allocated, each count bounded so that
		// the sum cannot overflow (a parsed formation's counts are).
		total += min(f.Count(e.Name), MaxInstances+1)
	}
	if total > MaxInstances {
		return nil, fmt.Errorf("%w: %d instances in all, more than the %d allowed", ErrFormation, total, MaxInstances)
	}
	if portStep < 0 {
		return nil, fmt.Errorf("port step %d: expected 0 or more", portStep)
	}
	out := make([]Instance, 0, total)
	for t, e := range entries {
		n := f.Count(e.Name)
		for i := 1; i <= n; i++ {
			name := e.Name
			ps := fmt.Sprintf("%s.%d", e.Name, i)
			if n > 1 {
				name = ps
			}
			port := basePort + t*portStep + i - 1
			if port < 1 || port > MaxPort {
				return nil, fmt.Errorf("%s: PORT %d is out of range (1 to %d; base port %d, port step %d)", name, port, MaxPort, basePort, portStep)
			}
			out = append(out, Instance{
				Name: name, PS: ps, Type: e.Name, Index: i,
				Command: e.Command, Line: e.Line,
				Port: port,
			})
		}
	}
	return out, nil
}

// Names lists the entries' names, comma separated, for messages.
func Names(entries []Entry) string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}

// Select keeps the instances whose type or instance name is in names, in
// plan order. An empty names keeps all. A name matching nothing is an
// error listing the valid ones.
func Select(instances []Instance, names []string) ([]Instance, error) {
	if len(names) == 0 {
		return instances, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		found := false
		for _, in := range instances {
			if n == in.Type || n == in.Name || n == in.PS {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown process %q (valid: %s)", n, InstanceNames(instances))
		}
		want[n] = true
	}
	var out []Instance
	for _, in := range instances {
		if want[in.Type] || want[in.Name] || want[in.PS] {
			out = append(out, in)
		}
	}
	return out, nil
}

// InstanceNames lists what names instances, comma separated, as
// ValidNames does.
func InstanceNames(instances []Instance) string {
	return strings.Join(ValidNames(instances), ", ")
}

// ValidNames is what names instances: each type, and each instance of a
// type that runs more than once, in plan order.
func ValidNames(instances []Instance) []string {
	var names []string
	seen := map[string]bool{}
	for _, in := range instances {
		if !seen[in.Type] {
			seen[in.Type] = true
			names = append(names, in.Type)
		}
		if in.Name != in.Type {
			names = append(names, in.Name)
		}
	}
	return names
}
