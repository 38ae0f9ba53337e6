package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/runner"
)

// BenchmarkView is the cost of one frame: a 120×40 screen with a sidebar
// of 10 processes and a full pane of coloured output.
func BenchmarkView(b *testing.B) {
	procs := make([]runner.Spec, 10)
	for i := range procs {
		procs[i] = runner.Spec{Name: fmt.Sprintf("proc%d", i), Port: 5000 + 100*i}
	}
	m := New(nil, &fakeControl{}, Options{Procs: procs})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	now := time.Now()
	for i := range procs {
		m.shared.apply(runner.Event{Kind: runner.Started, Proc: i, PID: 1000 + i, State: runner.StateRunning, Time: now})
		for j := range 100 {
			m.shared.apply(runner.Event{Kind: runner.Output, Proc: i, Data: fmt.Appendf(nil, "\x1b[32mINFO\x1b[0m request %d path=/api/v1/items status=200\r\n", j)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m.View()
	}
}
