package tui

import (
	"context"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
)

// What the sidebar and the title bar say of a process that waits, is
// ready or not, or was given up.
func TestLookOfReadiness(t *testing.T) {
	probed := runner.Spec{Name: "db", Readiness: fakeProbe{}}
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		spec        runner.Spec
		p           runner.Proc
		short, long string
	}{
		{"waiting", runner.Spec{Name: "web"}, runner.Proc{State: runner.StateWaiting, Waiting: []string{"db (healthy)", "migrate (completed)"}},
			"waiting", "waiting for db (healthy), migrate (completed)"},
		{"blocked", runner.Spec{Name: "web"}, runner.Proc{State: runner.StateWaiting, Waiting: []string{"db (healthy)"}, Blocked: "db exited with code 1 before it was healthy"},
			"blocked", "will not start: db exited with code 1 before it was healthy"},
		{"ready", probed, runner.Proc{State: runner.StateRunning, Started: t0.Add(-12 * time.Second), Ready: true},
			"✓ 12s", "running ✓ · 12s"},
		{"not ready yet", probed, runner.Proc{State: runner.StateRunning, Started: t0.Add(-2 * time.Second)},
			"2s", "running · 2s · not ready yet"},
		{"a failing probe", probed, runner.Proc{State: runner.StateRunning, Started: t0.Add(-2 * time.Second), ProbeErr: "tcp :5432: connection refused"},
			"2s", "running · 2s · not ready: tcp :5432: connection refused"},
		{"no probe", runner.Spec{Name: "web"}, runner.Proc{State: runner.StateRunning, Started: t0.Add(-2 * time.Second)},
			"2s", "running · 2s"},
		{"given up", runner.Spec{Name: "web"}, runner.Proc{State: runner.StateGivenUp, Status: runner.Status{Code: 3}},
			"given up", "given up · exited 3"},
		{"unhealthy, stopping", runner.Spec{Name: "api"}, runner.Proc{State: runner.StateStopping, ProbeErr: "liveness http :5100/health: 503 Service Unavailable"},
			"stopping", "stopping · liveness http :5100/health: 503 Service Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(nil, &fakeControl{}, Options{Procs: []runner.Spec{tc.spec}, Now: func() time.Time { return t0 }})
			p := m.shared.procs[0]
			tc.p.Name = tc.spec.Name
			p.Proc = tc.p
			l := m.look(p, t0)
			if l.short != tc.short || l.long != tc.long {
				t.Errorf("look: %q, %q; want %q, %q", l.short, l.long, tc.short, tc.long)
			}
		})
	}
}

// fakeProbe is a readiness probe that is never watched.
type fakeProbe struct{}

func (fakeProbe) Watch(context.Context, func(runner.ProbeResult)) {}
func (fakeProbe) String() string                                  { return "tcp :5432" }
