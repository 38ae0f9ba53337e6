package control

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/composer-dev/composer/runner"
)

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
func match(procs []runner.Spec, patterns []string) ([]int, error) {
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

func matches(pat string, p runner.Spec) (bool, error) {
	if pat == "all" {
		return true, nil
	}
	for _, name := range []string{p.Name, typeOf(p), p.PS} {
		if name == "" {
			continue
		}
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

// validNames lists what a request may name: "all", then each type, and
// each process of a type that runs more than once, in the run's order.
func validNames(procs []runner.Spec) string {
	names := []string{"all"}
	for _, p := range procs {
		if t := typeOf(p); !slices.Contains(names, t) {
			names = append(names, t)
		}
		if p.Name != typeOf(p) {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ", ")
}

func typeOf(p runner.Spec) string {
	if p.Type == "" {
		return p.Name
	}
	return p.Type
}
