package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func manyNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i+1)
	}
	return names
}

// 13 processes in 12 rows: the list scrolls to keep the selection in
// view and says how many rows are above and below.
func TestListScrollsToTheSelection(t *testing.T) {
	hs := newHarness(t, 80, 12, manyNames(13)...)
	hs.waitScreen("the first rows, and more below", `(?s)▌◌ p1 .*◌ p9 .*▼ 4 more`)
	for range 11 {
		hs.key("j")
	}
	hs.waitScreen("p12 selected, in view", `(?s)▲ 4 more.*▌◌ p12 .*◌ p13 `)
	hs.key("j")
	hs.waitFor("p13, the last row", func(s string) bool {
		return strings.Contains(s, "▌◌ p13") && !strings.Contains(s, "▼")
	})
	hs.key("j") // wraps to the top
	hs.waitFor("p1 again", func(s string) bool { return strings.Contains(s, "▌◌ p1 ") && !strings.Contains(s, "▲") })

	// The wheel over the list scrolls it, leaving the selection alone; a
	// click then selects the row under it.
	hs.tm.Send(tea.MouseWheelMsg{X: 3, Y: 4, Button: tea.MouseWheelDown})
	hs.waitScreen("scrolled by the wheel", `(?s)▲ 3 more.*◌ p4 `)
	hs.tm.Send(tea.MouseClickMsg{X: 3, Y: 2, Button: tea.MouseLeft}) // the row under ▲
	hs.waitScreen("p4 clicked", `▌◌ p4 `)
	hs.tm.Send(tea.MouseWheelMsg{X: 3, Y: 4, Button: tea.MouseWheelUp})
	hs.waitFor("back at the top", func(s string) bool { return strings.Contains(s, "◌ p1 ") && !strings.Contains(s, "▲") })
}

// Numbers above 9 are typed digit by digit, quickly.
func TestSelectByNumber(t *testing.T) {
	hs := newHarness(t, 80, 12, manyNames(13)...)
	hs.waitScreen("the list", `▌◌ p1 `)
	hs.key("1", "2")
	hs.waitScreen("p12", `▌◌ p12 `)
	hs.key("3")
	hs.waitScreen("123 is none: a fresh 3", `▌◌ p3 `)
	hs.key("1")
	hs.waitScreen("p1", `▌◌ p1 `)
	later := hs.now.Load().Add(2 * time.Second)
	hs.now.Store(&later)
	hs.key("3")
	hs.waitScreen("too late for 13: p3", `▌◌ p3 `)
	hs.key("1", "j", "3")
	hs.waitScreen("another key between: p3", `▌◌ p3 `)
	hs.key("1", "0")
	hs.waitScreen("p10", `▌◌ p10 `)
}

// ' selects a process by typing its name: the first whose name starts
// with what is typed, else the first holding it, ignoring case; enter
// keeps it, esc goes back to where the selection was.
func TestSelectByName(t *testing.T) {
	hs := newHarness(t, 100, 12, "web", "worker", "db", "webhook")
	hs.waitScreen("the list", `▌◌ web `)
	hs.key("'", "w", "o")
	hs.waitScreen("worker, as wo is typed", `(?s)▌◌ worker .*'wo`)
	hs.key("enter")
	hs.waitFor("worker kept, keys back", func(s string) bool {
		return strings.Contains(s, "▌◌ worker ") && strings.Contains(s, "r restart")
	})
	hs.key("'", "d", "esc")
	hs.waitFor("back at worker", func(s string) bool {
		return strings.Contains(s, "▌◌ worker ") && strings.Contains(s, "r restart")
	})
	hs.key("'", "H", "O", "O", "K")
	hs.waitScreen("webhook, holding HOOK", `▌◌ webhook `)
	hs.key("z")
	hs.waitScreen("none like hookz", `no process named like hookz`)
	hs.key("esc")
	hs.waitScreen("back at worker", `▌◌ worker `)
}

// & shows only the lines of the pane that hold what is typed, live, with
// their count; esc shows them all again.
func TestFilterPane(t *testing.T) {
	hs := newHarness(t, 100, 12, "web")
	hs.started(0, "web", 7, 0)
	hs.output(0, "web", "GET /a\r\nERROR one\r\nGET /b\r\nerror two\r\n")
	hs.waitScreen("the output", `(?s)GET /a.*error two`)
	hs.key("&", "e", "r", "r")
	hs.waitFor("only the errors, as typed", func(s string) bool {
		return strings.Contains(s, "& err: 2 lines") && strings.Contains(s, "ERROR one") && !strings.Contains(s, "GET /")
	})
	hs.key("enter")
	hs.output(0, "web", "GET /c\r\nerror three\r\n")
	hs.waitFor("a new error shown, the rest not", func(s string) bool {
		return strings.Contains(s, "error three") && strings.Contains(s, "& err: 3 lines") && !strings.Contains(s, "GET /c") &&
			strings.Contains(s, "esc all lines")
	})
	hs.key("esc")
	hs.waitFor("every line again", func(s string) bool {
		return strings.Contains(s, "GET /c") && !strings.Contains(s, "& err")
	})
	hs.key("&", "x", "esc") // cancelled: nothing filtered
	hs.waitFor("still every line", func(s string) bool { return strings.Contains(s, "GET /c") && strings.Contains(s, "r restart") })
}
