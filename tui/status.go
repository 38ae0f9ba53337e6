package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/composer-dev/composer/runner"
)

// look is how a process's state is shown: a symbol, its colour, a short
// text for the sidebar and a longer one for the title bar.
type look struct {
	symbol      string
	style       lipgloss.Style
	short, long string
}

func (m *Model) look(p *proc, now time.Time) look {
	st := m.st
	switch p.State {
	case runner.StatePending:
		return look{"◌", st.Starting, "starting", "starting"}
	case runner.StateRunning:
		up := Duration(now.Sub(p.Started))
		switch {
		case p.Ready:
			return look{"●", st.Running, "✓ " + up, "running ✓ · " + up}
		case p.spec.Readiness == nil && p.spec.ReadyLine == nil:
			return look{"●", st.Running, up, "running · " + up}
		case p.ProbeErr != "":
			return look{"●", st.Running, up, "running · " + up + " · not ready: " + p.ProbeErr}
		}
		return look{"●", st.Running, up, "running · " + up + " · not ready yet"}
	case runner.StateWaiting:
		if p.Blocked != "" {
			return look{"◌", st.Crashed, "blocked", "will not start: " + p.Blocked}
		}
		return look{"◌", st.Starting, "waiting", "waiting for " + runner.WaitingFor(p.Waiting)}
	case runner.StateSuspended:
		return look{"‖", st.Stopped, "suspended", "suspended by " + runner.SignalName(p.Suspend) + " · s continues it"}
	case runner.StateStopping:
		if p.ProbeErr != "" {
			return look{"◍", st.Restarting, "stopping", "stopping · " + p.ProbeErr}
		}
		return look{"◍", st.Restarting, "stopping", "stopping"}
	case runner.StateRestarting:
		in := Duration(max(0, p.Due.Sub(now)) + time.Second - 1)
		return look{"↻", st.Restarting, "in " + in, ended(p.Status) + " · restarting in " + in}
	case runner.StateStopped:
		return look{"■", st.Stopped, "stopped", "stopped"}
	case runner.StateGivenUp:
		return look{"✗", st.Crashed, "given up", "given up · " + ended(p.Status)}
	case runner.StateExited:
	}
	s := p.Status
	switch {
	case s.Err != nil:
		return look{"✗", st.Crashed, "failed", s.String()}
	case s.Signal != 0:
		return look{"✗", st.Killed, runner.SignalName(s.Signal), ended(s)}
	case s.Code != 0:
		return look{"✗", st.Crashed, fmt.Sprintf("exit %d", s.Code), ended(s)}
	}
	return look{"✓", st.Done, "exit 0", ended(s)}
}

func ended(s runner.Status) string {
	switch {
	case s.Err != nil:
		return "failed to start"
	case s.Signal != 0:
		return "killed by " + runner.SignalName(s.Signal)
	}
	return fmt.Sprintf("exited %d", s.Code)
}

// Duration is a compact, whole-second age as the view shows it: 42s,
// 12m03s, 3h04m, 2d05h.
func Duration(d time.Duration) string {
	s := int(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// Bytes is a compact size as the view shows it: 812K, 41.2M, 1.3G.
func Bytes(n int64) string {
	switch {
	case n < 1<<20:
		return fmt.Sprintf("%dK", (n+1023)>>10)
	case n < 100<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n < 1<<30:
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
}

// Percent is a CPU share as the view shows it: 0.4%, 37%, 195%.
func Percent(p float64) string {
	if p < 10 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

// Summary is how each process ended, one line each, for the normal screen
// once the view has closed.
func (m *Model) Summary() string {
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	nameW := 0
	for _, p := range m.shared.procs {
		nameW = max(nameW, len(p.Name))
	}
	var b strings.Builder
	for _, p := range m.shared.procs {
		l := m.look(p, m.opts.Now())
		how := ended(p.Status)
		switch {
		case p.State == runner.StateWaiting && p.Blocked != "":
			how = "never started: " + p.Blocked
		case p.State == runner.StateWaiting:
			how = "never started, waiting for " + runner.WaitingFor(p.Waiting)
		case p.Started.IsZero() && p.Status.Err == nil:
			how = "never started"
		case p.State == runner.StateGivenUp:
			how = "given up, " + how
		case p.State == runner.StateStopped:
			how = "stopped, " + how
		case p.State.Live():
			how = "still running" // the view failed before the end
		}
		fmt.Fprintf(&b, "%s %-*s  %s", l.symbol, nameW, p.Name, how)
		switch p.Restarts {
		case 0:
		case 1:
			b.WriteString(" · 1 restart")
		default:
			fmt.Fprintf(&b, " · %d restarts", p.Restarts)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
