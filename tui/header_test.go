package tui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/composer-dev/composer/runner"
)

// Every state, however a process ended, is counted once in the header.
func TestHeaderCountsEveryProcess(t *testing.T) {
	var states []runner.State
	for s := runner.State(0); !strings.HasPrefix(s.String(), "State("); s++ {
		states = append(states, s)
	}
	ends := []runner.Status{{}, {Code: 1}, {Signal: 9}, {Err: fmt.Errorf("no such file")}}
	var procs []runner.Spec
	for i := range len(states) * len(ends) {
		procs = append(procs, runner.Spec{Name: fmt.Sprintf("p%d", i)})
	}
	m := New(nil, &fakeControl{}, Options{Procs: procs})
	m.width = 400
	for i, p := range m.shared.procs {
		p.State, p.Status = states[i/len(ends)], ends[i%len(ends)]
	}
	header := ansi.Strip(m.header())
	total := regexp.MustCompile(`(\d+) processes`).FindStringSubmatch(header)
	if total == nil || total[1] != strconv.Itoa(len(procs)) {
		t.Fatalf("header %q does not count %d processes", header, len(procs))
	}
	sum := 0
	for _, c := range regexp.MustCompile(` · (\d+) ([a-z]+)`).FindAllStringSubmatch(header, -1)[1:] {
		n, _ := strconv.Atoi(c[1])
		sum += n
	}
	if sum != len(procs) {
		t.Errorf("header %q: the states add up to %d of %d processes", header, sum, len(procs))
	}

	// One of each, alone.
	for _, s := range states {
		for _, end := range ends {
			m := New(nil, &fakeControl{}, Options{Procs: procs[:1]})
			m.width = 200
			m.shared.procs[0].State, m.shared.procs[0].Status = s, end
			if h := ansi.Strip(m.header()); !regexp.MustCompile(`1 process · 1 [a-z]+( [a-z]+)?\s*$`).MatchString(h) {
				t.Errorf("a process %v (%v): header %q", s, end.String(), h)
			}
		}
	}
}

// A narrow header shortens the project's place, then leaves it out, and
// keeps every count.
func TestHeaderKeepsTheCounts(t *testing.T) {
	procs := []runner.Spec{{Name: "web"}, {Name: "worker"}, {Name: "flaky"}}
	for _, width := range []int{120, 80, 60, 40} {
		m := New(nil, &fakeControl{}, Options{Procs: procs, Title: "/tmp/some/rather/long/path/to/the/project"})
		m.width = width
		m.shared.procs[0].State = runner.StateRunning
		m.shared.procs[1].State = runner.StateRestarting
		m.shared.procs[2].State, m.shared.procs[2].Status = runner.StateExited, runner.Status{Code: 1}
		h := ansi.Strip(m.header())
		counts := " · 3 processes · 1 running · 1 restarting · 1 crashed"
		if width >= len(" composer")+len(counts) && !strings.HasSuffix(strings.TrimRight(h, " "), counts) {
			t.Errorf("at %d columns the header lost a count: %q", width, h)
		}
		if ansi.StringWidth(h) > width {
			t.Errorf("at %d columns the header is %d wide: %q", width, ansi.StringWidth(h), h)
		}
		if width == 120 && !strings.Contains(h, "/tmp/some/rather/long/path/to/the/project") {
			t.Errorf("with room, the title is whole: %q", h)
		}
		if width == 80 && !regexp.MustCompile(`· …\S*the/project ·`).MatchString(h) {
			t.Errorf("at 80 columns, the title's end stays: %q", h)
		}
	}
}
