package probe

import (
	"context"
	"time"
)

// Result is what Watch found: the probe passes; or it fails (Failed:
// FailureThreshold failures in a row), or has not passed yet, with
// Failures in a row, Err the last.
type Result struct {
	Passing  bool
	Failed   bool
	Err      error
	Failures int
	Time     time.Time // of the try that decided it
}

// Watch tries p every Period, after InitialDelay, until ctx is done, and
// calls report when what it finds changes: Passing after
// SuccessThreshold passes in a row; Failed after FailureThreshold
// failures in a row; and, before either, at the first failure and
// whenever the failure's reason changes (so that a view can show why a
// process is not ready yet, without a report every period). report runs
// on Watch's goroutine; Watch returns once ctx is done. One try runs at
// a time: the next starts Period after the last started, or at once when
// that took longer.
func Watch(ctx context.Context, p *Probe, report func(Result)) {
	successes := orDefault(p.SuccessThreshold, 1)
	failures := orDefault(p.FailureThreshold, 3)
	t := time.NewTimer(p.InitialDelay)
	defer t.Stop()
	const (
		unknown = iota // neither passed nor failed yet
		passing
		failed
	)
	state := unknown
	okRow, failRow := 0, 0
	lastErr := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		err := p.Try(ctx)
		if ctx.Err() != nil {
			return
		}
		now := time.Now()
		if err == nil {
			okRow, failRow = okRow+1, 0
			if state != passing && okRow >= successes {
				state, lastErr = passing, ""
				report(Result{Passing: true, Time: now})
			}
		} else {
			okRow, failRow = 0, failRow+1
			switch {
			case state != failed && failRow >= failures:
				state, lastErr = failed, err.Error()
				report(Result{Failed: true, Err: err, Failures: failRow, Time: now})
			case state == unknown && err.Error() != lastErr:
				lastErr = err.Error()
				report(Result{Err: err, Failures: failRow, Time: now})
			}
		}
		t.Reset(max(0, p.period()-now.Sub(start)))
	}
}
