package tui

import (
	"slices"

	"github.com/composer-dev/composer/runner"
)

// count is how many processes are in one of the header's buckets.
type count struct {
	what string
	n    int
}

// tally puts every process in one bucket, so that the counts add up to
// the processes, and returns the buckets that are not empty in a fixed
// order.
func tally(procs []*proc) []count {
	order := []string{"running", "suspended", "starting", "waiting", "stopping", "restarting", "crashed", "given up", "done", "stopped"}
	n := map[string]int{}
	for _, p := range procs {
		what := bucket(p)
		if n[what] == 0 && !slices.Contains(order, what) {
			order = append(order, what)
		}
		n[what]++
	}
	var out []count
	for _, what := range order {
		if n[what] > 0 {
			out = append(out, count{what, n[what]})
		}
	}
	return out
}

// bucket is the header's word for the state p is in.
func bucket(p *proc) string {
	switch p.State {
	case runner.StatePending:
		return "starting"
	case runner.StateRunning:
		return "running"
	case runner.StateSuspended:
		return "suspended"
	case runner.StateStopping:
		return "stopping"
	case runner.StateRestarting:
		return "restarting"
	case runner.StateStopped:
		return "stopped"
	case runner.StateWaiting:
		return "waiting"
	case runner.StateGivenUp:
		return "given up"
	case runner.StateExited:
		if s := p.Status; s.Err != nil || s.Signal != 0 || s.Code != 0 {
			return "crashed"
		}
		return "done"
	}
	return p.State.String() // a state added since: counted by its name
}
