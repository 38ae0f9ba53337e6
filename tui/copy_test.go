package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// waitCopied waits until the program has asked the terminal to put want
// on the clipboard (OSC 52).
func (hs *harness) waitCopied(want string) {
	hs.t.Helper()
	seq := []byte(ansi.SetSystemClipboard(want))
	hs.eventually("the clipboard set to "+want, func() (bool, string) {
		s := hs.screen()
		return bytes.Contains(hs.raw.Bytes(), seq), s
	})
}

// The pane of a single process at 80×24: the sidebar of a 3-letter name
// is 29 wide and a separator follows; the header is row 0 and the pane's
// title row 1.
const paneX, paneY = 30, 2

func TestCopyModeKeys(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "\x1b[32mGET /health 200\x1b[m\r\nPOST /orders 201 (12 ms)\r\n")
	hs.output(0, "web", strings.Repeat("0123456789", 7)+"\r\nlast line\r\n")
	hs.waitScreen("the output", `last line`)

	hs.key("v")
	hs.waitFor("copy mode's footer", func(s string) bool { return strings.Contains(lastLine(s), "COPY") })
	// The cursor starts on the last line, whose row y copies whole.
	hs.key("y")
	hs.waitCopied("last line")
	hs.waitFor("back to the list, saying so", func(s string) bool {
		return strings.Contains(lastLine(s), "copied 1 line") && !strings.Contains(lastLine(s), "COPY")
	})

	// A selection over a wrapped line and the lines around it: colours
	// left behind, the wrapped line one line.
	hs.key("v", "k", "k", "k", "w", "v", "j", "j", "$", "enter")
	hs.waitCopied("/orders 201 (12 ms)\n" + strings.Repeat("0123456789", 7))

	// From the oldest line, a word at a time; esc first drops the
	// selection, then leaves.
	hs.key("v", "g", "w", "v", "w", "esc", "esc")
	hs.waitFor("copy mode left", func(s string) bool { return !strings.Contains(lastLine(s), "COPY") })
	hs.key("v", "g", "w", "v", "w", "b", "$", "y")
	hs.waitCopied("/health 200")
}

func TestCopyModeHoldsTheView(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "first\r\n")
	hs.waitScreen("the output", `first`)
	hs.key("v", "v", "$")
	// Output arriving while a selection is made does not move it.
	var b strings.Builder
	for range 40 {
		b.WriteString("more output\r\n")
	}
	hs.output(0, "web", b.String())
	hs.waitScreen("held at the top", `▲0 ▼\d+`)
	hs.key("y")
	hs.waitCopied("first")
	hs.waitFor("following again after the copy", func(s string) bool {
		return strings.Contains(s, "copied 1 line") && !strings.Contains(s, "▲")
	})
}

func TestCopyByMouse(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "GET \"/api/v1?x=1\" 200\r\n日本語 wide\r\nthird line\r\n")
	hs.waitScreen("the output", `third line`)

	// A drag from the pane into the sidebar selects from the pane's
	// first column, never the sidebar's text.
	hs.tm.Send(tea.MouseClickMsg{X: paneX + 4, Y: paneY + 2, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseMotionMsg{X: paneX + 2, Y: paneY + 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseMotionMsg{X: 5, Y: paneY + 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseReleaseMsg{X: 5, Y: paneY + 1, Button: tea.MouseLeft})
	hs.waitCopied("日本語 wide\nthird")
	hs.waitScreen("the footer says so", `copied 2 lines`)

	// A double click copies the word, a path with its query.
	later := hs.now.Load().Add(time.Second)
	hs.now.Store(&later)
	for range 2 {
		hs.tm.Send(tea.MouseClickMsg{X: paneX + 8, Y: paneY, Button: tea.MouseLeft})
		hs.tm.Send(tea.MouseReleaseMsg{X: paneX + 8, Y: paneY, Button: tea.MouseLeft})
	}
	hs.waitCopied("/api/v1?x=1")

	// A click alone copies nothing, and a drag on the title bar selects
	// nothing.
	before := hs.raw.Len()
	third := later.Add(time.Second)
	hs.now.Store(&third)
	hs.tm.Send(tea.MouseClickMsg{X: paneX + 1, Y: paneY + 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseReleaseMsg{X: paneX + 1, Y: paneY + 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseClickMsg{X: paneX + 1, Y: paneY - 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseMotionMsg{X: paneX + 9, Y: paneY + 1, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseReleaseMsg{X: paneX + 9, Y: paneY + 1, Button: tea.MouseLeft})
	hs.key("?") // a key that draws, so what the clicks did is written out
	hs.waitScreen("the help", `select by name`)
	if bytes.Contains(hs.raw.Bytes()[before:], []byte("\x1b]52;")) {
		t.Error("a click, or a drag from the title bar, set the clipboard")
	}
}

// A key pressed in the middle of a drag ends it: its release copies
// nothing.
func TestCopyDragEndedByAKey(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "some text\r\n")
	hs.waitScreen("the output", `some text`)
	hs.tm.Send(tea.MouseClickMsg{X: paneX, Y: paneY, Button: tea.MouseLeft})
	hs.tm.Send(tea.MouseMotionMsg{X: paneX + 4, Y: paneY, Button: tea.MouseLeft})
	hs.key("?")
	hs.tm.Send(tea.MouseReleaseMsg{X: paneX + 4, Y: paneY, Button: tea.MouseLeft})
	hs.key("esc")
	hs.waitFor("back from the help", func(s string) bool { return strings.Contains(s, "some text") && !strings.Contains(s, "select by name") })
	if bytes.Contains(hs.raw.Bytes(), []byte("\x1b]52;")) {
		t.Error("a drag ended by a key was copied on release")
	}
}

// After a search, copy mode starts on the match.
func TestCopyModeStartsOnTheMatch(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "line %d\r\n", i)
	}
	b.WriteString("GET /orders failed: timeout\r\n")
	for i := range 100 {
		fmt.Fprintf(&b, "later %d\r\n", i)
	}
	hs.output(0, "web", b.String())
	hs.waitScreen("the output", `later 99`)
	hs.key("/", "f", "a", "i", "l", "e", "d", "enter")
	hs.waitScreen("the match", `match 1/1`)
	hs.key("v", "v", "$", "y")
	hs.waitCopied("failed: timeout")
}

// / in copy mode searches, and puts the cursor on the match; n and N go
// to the others.
func TestCopyModeSearch(t *testing.T) {
	hs := newHarness(t, 80, 24, "web")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "GET /a 200\r\nPOST /orders 500 first\r\nGET /b 200\r\nPOST /orders 500 second\r\nGET /c 200\r\n")
	hs.waitScreen("the output", `GET /c 200`)
	hs.key("v", "/", "5", "0", "0", "enter")
	hs.waitScreen("the match", `match 2/2`)
	hs.key("v", "$", "y")
	hs.waitCopied("500 second")
	hs.key("v", "/", "5", "0", "0", "enter")
	hs.waitScreen("the match", `match 2/2`)
	hs.key("n", "v", "$", "y") // the older one
	hs.waitCopied("500 first")
	hs.key("v", "/", "esc") // a search given up goes back to copy mode
	hs.waitFor("copy mode again", func(s string) bool { return strings.Contains(lastLine(s), "COPY") })
}
