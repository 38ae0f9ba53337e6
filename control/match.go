package control

import (
	"fmt"
	"path"

	"github.com/composer-dev/composer/procfile"
)

// Process is a process the server knows, as the Procfile planned it: its
// Name is the runner's; Type and PS are other names a request may use.
type Process = procfile.Instance

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

// validNames lists what a request may name: "all", then what names the
// processes.
func validNames(procs []Process) string { return "all, " + procfile.InstanceNames(procs) }
