package runner

import (
	"os"
	"time"

	"github.com/composer-dev/composer/runner/internal/supervisor"
)

// sampleUsage reads, every Options.Stats until the run is over, what each
// running process uses, and composer with its supervisor, into the
// snapshot. It reads /proc once a round, off the Run goroutine.
func (r *Runner) sampleUsage() {
	t := time.NewTicker(r.opts.Stats)
	defer t.Stop()
	self := os.Getpid()
	var prev *supervisor.Sample
	prevAt := time.Now()
	for {
		select {
		case <-r.over:
			return
		case <-t.C:
		}
		s, now := supervisor.Read(), time.Now()
		secs := now.Sub(prevAt).Seconds()
		r.snapMu.Lock()
		pids := make([]int, len(r.snap))
		for i, p := range r.snap {
			if p.State.Live() {
				pids[i] = p.PID
			}
		}
		r.snapMu.Unlock()
		usage := make([]Usage, len(pids))
		for i, pid := range pids {
			if pid != 0 {
				usage[i] = usageOf(s, prev, s.Tree(pid), now, secs)
			}
		}
		own := usageOf(s, prev, append([]int{self}, supervisor.Running()...), now, secs)
		r.snapMu.Lock()
		for i, pid := range pids {
			if pid != 0 && r.snap[i].PID == pid && r.snap[i].State.Live() {
				r.snap[i].Usage = usage[i]
			}
		}
		r.own = own
		r.snapMu.Unlock()
		prev, prevAt = s, now
	}
}

// usageOf is what pids use in s; their CPU is the time they used since
// prev, over secs (all of it for one that was not there then).
func usageOf(s, prev *supervisor.Sample, pids []int, now time.Time, secs float64) Usage {
	u := s.Usage(pids, true)
	var used uint64
	for _, pid := range pids {
		t, _ := s.Ticks(pid)
		var before uint64
		if prev != nil {
			before, _ = prev.Ticks(pid)
		}
		if t > before {
			used += t - before
		}
	}
	cpu := 0.0
	if prev != nil && secs > 0 {
		cpu = float64(used) / secs // ticks are hundredths of a second: % of a core
	}
	return Usage{CPU: cpu, RSS: u.RSS, PSS: u.PSS, Procs: u.Procs, At: now}
}
