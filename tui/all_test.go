package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// logLines hands lines to the merged pane as the run's log does.
func (hs *harness) logLines(lines ...headless.Line) {
	sink := hs.m.Log()
	for _, l := range lines {
		sink.Line(l)
	}
	sink.Done(runner.Event{})
}

func TestAllProcessesPane(t *testing.T) {
	// Lines of the log before the pane is first shown are its backlog;
	// those after, the pane takes as they come.
	backlog := []headless.Line{
		{Proc: 0, About: 0, Text: []byte("\x1b[32mGET /\x1b[m 200")},
		{Proc: 1, About: 1, Text: []byte("job 1 error: timeout")},
		{Proc: -1, About: 0, Text: []byte("web exited with code 1")},
	}
	var hs *harness
	opts := Options{Backlog: func(start func([]headless.Line)) {
		hs.logLines(headless.Line{Proc: 0, About: 0, Text: []byte("before the pane: in the backlog already")})
		start(backlog)
	}}
	hs = newHarnessWith(t, 100, 20, opts, "web", "worker")
	hs.started(0, "web", 11, 0)
	hs.started(1, "worker", 12, 0)
	hs.output(0, "web", "web's own pane\r\n")
	hs.waitScreen("web's pane", `web's own pane`)

	hs.key("a")
	hs.waitScreen("the backlog", `composer │ web exited with code 1`)
	hs.logLines(headless.Line{Proc: 0, About: 0, Text: []byte("GET /error 500")})
	hs.waitScreen("the merged pane", `(?s)all · 2 processes.*web      │ GET / 200.*worker   │ job 1 error: timeout.*composer │ web exited with code 1.*web      │ GET /error 500`)
	hs.waitFor("its footer", func(s string) bool { return strings.Contains(lastLine(s), "a/esc back") })
	if strings.Contains(hs.screen(), "before the pane") {
		t.Error("a line given before the pane was shown, and not in its backlog, is shown")
	}

	// One filter over every process's lines.
	hs.key("&", "e", "r", "r", "o", "r", "enter")
	hs.waitFor("the lines that hold error", func(s string) bool {
		return strings.Contains(s, "& error: 2 lines") && strings.Contains(s, "job 1 error") && !strings.Contains(s, "GET / 200")
	})
	hs.key("esc")

	// h hides the selected process's lines, composer's about it too.
	hs.key("h")
	hs.waitFor("web hidden", func(s string) bool {
		return strings.Contains(s, "hidden: web") &&
			strings.Contains(s, "job 1 error") && !strings.Contains(s, "GET /error") && !strings.Contains(s, "web exited")
	})
	// New lines of a hidden process stay hidden.
	hs.logLines(headless.Line{Proc: 0, About: 0, Text: []byte("GET /later")}, headless.Line{Proc: 1, About: 1, Text: []byte("job 2 done")})
	hs.waitScreen("worker's new line", `job 2 done`)
	if strings.Contains(hs.screen(), "GET /later") {
		t.Error("a hidden process's new line is shown")
	}
	hs.key("h")
	hs.waitScreen("web shown again", `(?s)GET /error 500.*GET /later`)

	// Search and copy work in it as in a pane.
	hs.key("/", "l", "a", "t", "e", "r", "enter")
	hs.waitScreen("the match", `match 1/1`)
	hs.key("v", "y") // from the match: its line
	hs.waitCopied("web      │ GET /later")

	// a goes back to the selected process's pane.
	hs.key("esc", "a")
	hs.waitFor("web's own pane again", func(s string) bool {
		return strings.Contains(s, "web's own pane") && !strings.Contains(s, "all · 2 processes")
	})
}

// The mouse wheel over the a pane scrolls it, as it scrolls any pane.
func TestAllProcessesPaneWheel(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker")
	hs.started(0, "web", 11, 0)
	hs.started(1, "worker", 12, 0)
	hs.key("a")
	hs.waitScreen("the a pane", `all · 2 processes`)
	var ls []headless.Line
	for i := range 60 {
		ls = append(ls, headless.Line{Proc: 1, About: 1, Text: []byte(fmt.Sprintf("merged %d", i))})
	}
	hs.logLines(ls...)
	hs.waitScreen("the last line", `merged 59`)
	hs.tm.Send(tea.MouseWheelMsg{X: 80, Y: 10, Button: tea.MouseWheelUp})
	hs.waitFor("the a pane scrolled", func(s string) bool {
		return strings.Contains(s, "▲") && !strings.Contains(s, "merged 59")
	})
}
