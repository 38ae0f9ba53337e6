package runner

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Probe tells whether a process is ready, or alive (package probe has
// the TCP, HTTP and exec ones).
type Probe interface {
	// Watch checks until ctx is done, and calls report, on Watch's own
	// goroutine, whenever what it finds changes. It returns once ctx is
	// done.
	Watch(ctx context.Context, report func(ProbeResult))
	// String says what it checks, for the log: "tcp :5432".
	String() string
}

// ProbeResult is what a Probe found: it passes; or it fails (Failed: as
// many failures in a row as it takes), or has not passed yet, with
// Failures in a row, Err the last.
type ProbeResult struct {
	Passing  bool
	Failed   bool
	Err      error
	Failures int
}

// probeMsg reports to Run what a probe of a process's run found, or that
// its ready line was written.
type probeMsg struct {
	proc, gen int
	live      bool // its liveness probe, else readiness
	line      bool // its ready line
	res       ProbeResult
}

// stopMsg: a process's stop command has ended; its stop signal is due.
type stopMsg struct{ proc, gen int }

// watch starts the probes of p's new run, on goroutines of their own:
// Run hears only what changes, never waits for a check, and ends them at
// the run's exit.
func (r *Runner) watch(p *proc) {
	if p.spec.Readiness == nil && p.spec.Liveness == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.unwatch = cancel
	gen := p.gen
	for _, pr := range []struct {
		probe Probe
		live  bool
	}{{p.spec.Readiness, false}, {p.spec.Liveness, true}} {
		if pr.probe == nil {
			continue
		}
		r.helpers.Add(1)
		go func() {
			defer r.helpers.Done()
			pr.probe.Watch(ctx, func(res ProbeResult) {
				select {
				case r.probed <- probeMsg{proc: p.index, gen: gen, live: pr.live, res: res}:
				case <-ctx.Done():
				case <-r.over:
				}
			})
		}()
	}
}

// checked follows what p's probes found in its current run.
func (r *Runner) checked(p *proc, m probeMsg) {
	errText := ""
	if m.res.Err != nil {
		errText = m.res.Err.Error()
	}
	switch {
	case m.line:
		p.logReady = true
		ev := r.procEvent(p, Ready)
		ev.Ready, ev.Probe, ev.Took = true, "ready_log_line", time.Since(p.since)
		r.emit(ev)
	case m.live:
		if !m.res.Failed || p.state != StateRunning && p.state != StateSuspended {
			return
		}
		ev := r.procEvent(p, Unhealthy)
		ev.Probe, ev.ProbeErr, ev.Failures = p.spec.Liveness.String(), errText, m.res.Failures
		ev.Reason = "stopping"
		if r.restarts(p, true) && !r.shutting {
			ev.Reason = "restarting"
			if p.spec.MaxRestarts > 0 && p.streak >= p.spec.MaxRestarts && time.Since(p.since) < r.opts.BackoffReset {
				ev.Reason = fmt.Sprintf("giving it up after %d restarts", p.streak)
			}
		}
		r.emit(ev)
		p.unhealthy = true
		r.terminate(p, time.Now().Add(r.timeout(p)))
	default:
		p.ready = m.res.Passing
		ev := r.procEvent(p, Ready)
		ev.Ready, ev.Probe, ev.ProbeErr, ev.Took = p.ready, p.spec.Readiness.String(), errText, time.Since(p.since)
		r.emit(ev)
	}
}

// runStopCommand runs p's stop command, on a goroutine of its own, and
// has Run send the stop signal when it ends, or at deadline.
func (r *Runner) runStopCommand(p *proc, deadline time.Time) {
	m := stopMsg{p.index, p.gen}
	cmd := exec.Command("/bin/sh", "-c", p.spec.StopCommand)
	cmd.Dir, cmd.Env = p.spec.Dir, p.spec.Env
	// Its own group, in composer's session: the group can be killed at the
	// deadline, and the sweep of orphans (other sessions) leaves it be.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r.helpers.Add(1)
	go func() {
		defer r.helpers.Done()
		if err := cmd.Start(); err == nil {
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			select {
			case <-exited:
			case <-time.After(time.Until(deadline)):
			case <-r.over: // the process has exited meanwhile, and the run is over
			}
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			reapGroup(cmd.Process.Pid)
		}
		select {
		case r.stopped <- m:
		case <-r.over:
		}
	}()
}

// reapGroup waits for the children of this process in process group
// pgid, killed, until none is left: what a stop command left behind comes
// to composer, a subreaper, once its shell has been reaped.
func reapGroup(pgid int) {
	for {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(-pgid, &ws, 0, nil); err != syscall.EINTR && err != nil {
			return // ECHILD: none left
		}
	}
}

// maxReadyLine bounds the part of a line a ready_log_line is matched
// against: its first 4 KiB.
const maxReadyLine = 4 << 10

// lineMatcher finds the first line of a process's output that matches
// re, its ANSI sequences left out. A line still being written is tried
// too, so a prompt without a newline can say a process is ready.
type lineMatcher struct {
	re   *regexp.Regexp
	line []byte
}

// match feeds data, reporting whether a line so far matches.
func (m *lineMatcher) match(data []byte) bool {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		chunk := data
		if i >= 0 {
			chunk = data[:i]
		}
		if room := maxReadyLine - len(m.line); room > 0 {
			m.line = append(m.line, chunk[:min(len(chunk), room)]...)
		}
		if m.re.MatchString(ansi.Strip(string(bytes.TrimRight(m.line, "\r")))) {
			return true
		}
		if i < 0 {
			return false
		}
		m.line, data = m.line[:0], data[i+1:]
	}
	return false
}
