package tui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

// TestTerminalFrames: a frame is written only when the view changed, and
// holds only what changed; the screen it leaves is the view.
func TestTerminalFrames(t *testing.T) {
	const w, h = 40, 6
	term := newTerminal(w, h, colorprofile.TrueColor)
	screen := vt.NewEmulator(w, h)
	draw := func(content string, cursor *tea.Cursor) string {
		t.Helper()
		v := tea.NewView(content)
		v.Cursor = cursor
		term.mu.Lock()
		term.next = &v
		frame := string(term.frame())
		term.mu.Unlock()
		if _, err := screen.Write([]byte(frame)); err != nil {
			t.Fatal(err)
		}
		return frame
	}
	lines := func() string {
		var b strings.Builder
		for y := range h {
			for x := range w {
				if c := screen.CellAt(x, y); c != nil {
					b.WriteString(c.Content)
				}
			}
			b.WriteByte('\n')
		}
		return b.String()
	}

	first := "\x1b[1mcomposer\x1b[m 3 processes\n● web   running\n● redis running"
	if f := draw(first, nil); !strings.Contains(f, "composer") || !strings.Contains(f, "redis") {
		t.Fatalf("first frame %q lacks the view", f)
	}
	if f := draw(first, nil); f != "" {
		t.Errorf("the same view again wrote %q, want nothing", f)
	}

	changed := strings.Replace(first, "redis running", "redis exit 1!", 1)
	f := draw(changed, nil)
	if f == "" || strings.Contains(f, "composer") || strings.Contains(f, "web") {
		t.Errorf("a one-line change wrote %q, want only that line's change", f)
	}
	if got := lines(); !strings.Contains(got, "● redis exit 1!") || !strings.Contains(got, "● web   running") {
		t.Errorf("screen after the change:\n%s", got)
	}

	// The cursor: shown at its place, hidden again when the view has none.
	f = draw(changed, tea.NewCursor(3, 2))
	if !strings.HasSuffix(f, ansi.SetModeTextCursorEnable) {
		t.Errorf("a view with a cursor wrote %q, want it to end showing the cursor", f)
	}
	if pos := screen.CursorPosition(); pos.X != 3 || pos.Y != 2 {
		t.Errorf("cursor at %v, want (3,2)", pos)
	}
	if f := draw(changed, nil); !strings.Contains(f, ansi.ResetModeTextCursorEnable) || strings.Contains(f, ansi.SetModeTextCursorEnable) {
		t.Errorf("a view without a cursor wrote %q, want it hidden", f)
	}

	// After a resize everything is drawn again, at the new size.
	term.mu.Lock()
	term.resize(30, 4)
	term.mu.Unlock()
	screen.Resize(30, 4)
	if f := draw(changed, nil); !strings.Contains(f, "composer") || !strings.Contains(f, "web") {
		t.Errorf("the frame after a resize %q does not redraw the whole view", f)
	}
}

// sizeRecorder is a model that keeps the last window size it was given.
type sizeRecorder struct{ got *tea.WindowSizeMsg }

func (r sizeRecorder) Init() tea.Cmd { return nil }
func (r sizeRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		*r.got = m
	}
	return r, nil
}
func (r sizeRecorder) View() tea.View { return tea.NewView("") }

// A size that arrives late (Bubble Tea sends the first one from a
// goroutine of its own) does not undo a resize seen since.
func TestTerminalSizeWins(t *testing.T) {
	term := newTerminal(120, 40, colorprofile.TrueColor)
	term.mu.Lock()
	term.resize(80, 20)
	term.mu.Unlock()
	var got tea.WindowSizeMsg
	term.Model(sizeRecorder{&got}).Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if got.Width != 80 || got.Height != 20 {
		t.Errorf("the model was given %dx%d, want the terminal's 80x20", got.Width, got.Height)
	}
}

// A terminal whose other side closed is gone: its reads end, which ends
// Bubble Tea's input quietly, and Gone says so.
func TestTerminalGone(t *testing.T) {
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pts.Close()
	term := newTerminal(80, 24, colorprofile.TrueColor)
	in := ttyInput{pts, term}
	if _, err := ptm.Write([]byte("q\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := in.Read(buf); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v; want a line", n, err)
	}
	select {
	case <-term.Gone():
		t.Fatal("Gone while the terminal is there")
	default:
	}
	ptm.Close()
	if _, err := in.Read(buf); err != io.EOF {
		t.Errorf("Read from a closed terminal: %v, want io.EOF", err)
	}
	select {
	case <-term.Gone():
	case <-time.After(5 * time.Second):
		t.Fatal("a closed terminal is not Gone")
	}
}

// Suspended, the view is not drawn; resumed (SIGCONT), the terminal is put
// back in the view's modes and all of the latest view is drawn again.
func TestTerminalResume(t *testing.T) {
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptm.Close()
	defer pts.Close()
	term := newTerminal(40, 6, colorprofile.TrueColor)
	term.in, term.out, term.setup = pts, pts, ansi.SetModeAltScreenSaveCursor
	frame := func(content string) string {
		v := tea.NewView(content)
		term.show(v)
		term.mu.Lock()
		defer term.mu.Unlock()
		return string(term.frame())
	}
	if f := frame("composer\nweb running"); !strings.Contains(f, "web running") {
		t.Fatalf("first frame %q lacks the view", f)
	}
	term.mu.Lock()
	term.suspended = true
	term.mu.Unlock()
	if f := frame("composer\nweb exited"); f != "" {
		t.Errorf("suspended, a frame was drawn: %q", f)
	}
	term.resume()
	term.mu.Lock()
	f := string(term.frame())
	term.mu.Unlock()
	if !strings.Contains(f, "composer") || !strings.Contains(f, "web exited") {
		t.Errorf("the frame after resume %q does not redraw the latest view whole", f)
	}
	got := make([]byte, 64)
	n, _ := ptm.Read(got)
	if !strings.Contains(string(got[:n]), ansi.SetModeAltScreenSaveCursor) {
		t.Errorf("resume wrote %q, want the view's modes", got[:n])
	}
}
