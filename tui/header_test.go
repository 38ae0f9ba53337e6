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
	var procs []Proc
	for i := range len(states) * len(ends) {
		procs = append(procs, Proc{Name: fmt.Sprintf("p%d", i)})
	}
	m := New(nil, &fakeControl{}, Options{Procs: procs})
	m.width = 400
	for i, p := range m.shared.procs {
		p.state, p.status = states[i/len(ends)], ends[i%len(ends)]
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
			m.shared.procs[0].state, m.shared.procs[0].status = s, end
			if h := ansi.Strip(m.header()); !regexp.MustCompile(`1 process · 1 [a-z]+\s*$`).MatchString(h) {
				t.Errorf("a process %v (%v): header %q", s, end.String(), h)
			}
		}
	}
}
