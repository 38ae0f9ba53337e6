package control

import (
	"fmt"
	"path"
	"strings"
)

// Process is a process the server knows: what the runner calls it, and
// the other names a request may use for it.
type Process struct {
	Name string // the runner's name, as in the log: "web" or "web.2"
	Type string // its Procfile entry: "web"
	PS   string // foreman's instance name: "web.1"
	Port int    // its PORT; 0 for none
}

// UsageError is a request naming what does not exist: an unknown process,
// a bad pattern or signal.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// match resolves patterns (names, types, "all" or globs of them) to the
// indexes of the processes they name, in the run's order. A pattern that
// names none is an error listing the valid names.
func match(procs []Process, patterns []string) ([]int, error) {
	hit := make([]bool, len(procs))
	for _, pat := range patterns {
		found := false
		for i, p := range procs {
			ok, err := matches(pat, p)
			if err != nil {
				return nil, err
			}
			if ok {
				hit[i], found = true, true
			}
		}
		if !found {
			return nil, usageErrorf("unknown process %q (valid: %s)", pat, validNames(procs))
		}
	}
	var out []int
	for i, h := range hit {
		if h {
			out = append(out, i)
		}
	}
	return out, nil
}

func matches(pat string, p Process) (bool, error) {
	if pat == "all" {
		return true, nil
	}
	for _, name := range []string{p.Name, p.Type, p.PS} {
		ok, err := path.Match(pat, name)
		if err != nil {
			return false, usageErrorf("bad pattern %q: %v", pat, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// validNames lists what a request may name: "all", each type, and each
// instance of a type that runs more than once.
func validNames(procs []Process) string {
	names := []string{"all"}
	seen := map[string]bool{}
	for _, p := range procs {
		if !seen[p.Type] {
			seen[p.Type] = true
			names = append(names, p.Type)
		}
		if p.Name != p.Type {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ", ")
}
