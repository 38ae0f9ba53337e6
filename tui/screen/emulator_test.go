package screen

import (
	"strings"
	"testing"
	"time"
)

func TestAltScreen(t *testing.T) {
	for _, mode := range []string{"1049", "1047", "47"} {
		t.Run(mode, func(t *testing.T) {
			b := newBuffer(t, 100, 20, 4)
			write(b, "\x1b[33mone\r\ntwo\r\n$ ")
			write(b, "\x1b[?"+mode+"h\x1b[H\x1b[2J\x1b[7mtop - 12:00\x1b[m\x1b[3;5Hload 0.1\x1b[?25l")
			if !b.AltScreen() {
				t.Fatalf("AltScreen() = false on the alternate screen")
			}
			checkRender(t, b)
			if got, want := plain(b), []string{"top - 12:00", "", "    load 0.1", ""}; !equal(got, want) {
				t.Errorf("alternate screen renders %q, want %q", got, want)
			}
			if _, _, visible := b.Cursor(); visible {
				t.Errorf("Cursor() visible after CSI ?25l")
			}
			// Scrolled up, the view shows history, like tmux's copy mode.
			b.ScrollUp(2)
			if got, want := plain(b), []string{"one", "two", "top - 12:00", ""}; !equal(got, want) {
				t.Errorf("scrolled up on the alternate screen: %q, want %q", got, want)
			}
			b.Follow()

			write(b, "\x1b[?"+mode+"l\x1b[?25hdone\r\n")
			if b.AltScreen() || b.emu != nil {
				t.Fatalf("still in emulator mode after leaving the alternate screen")
			}
			checkRender(t, b)
			if got, want := plain(b), []string{"one", "two", "$ done", ""}; !equal(got, want) {
				t.Errorf("back from the alternate screen: %q, want %q", got, want)
			}
			if got := b.Render()[2]; !strings.HasPrefix(got, "\x1b[33m$ done\x1b[m") {
				t.Errorf("the main screen's pen is lost: %q", got)
			}
		})
	}
}

func TestCursorUpRedraw(t *testing.T) {
	b := newBuffer(t, 100, 20, 5)
	write(b, "start\r\n")
	write(b, "line1\nline2\n\x1b[2A\x1b[Kupdated1\n\x1b[Kupdated2\n")
	checkRender(t, b)
	if got, want := plain(b), []string{"start", "updated1", "updated2", "", ""}; !equal(got, want) {
		t.Errorf("after the redraw: %q, want %q", got, want)
	}
	if b.emu == nil {
		t.Fatalf("cursor up did not start the emulator")
	}
	// Plain output scrolling a whole screen hands the screen back to line
	// mode, and history reads as the screen did.
	for i := range 6 {
		write(b, "log "+itoa(i)+"\r\n")
	}
	if b.emu != nil {
		t.Errorf("still in emulator mode after a screen of plain output")
	}
	want := []string{"start", "updated1", "updated2", "log 0", "log 1", "log 2", "log 3", "log 4", "log 5", ""}
	if got := texts(b); !equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	// Again: re-entering is lossless.
	write(b, "\x1b[1A\x1b[2Klog 5 again\r\nnext")
	want = append(want[:len(want)-2], "log 5 again", "next")
	for range 5 {
		write(b, "\r\n")
	}
	if got := texts(b); !equal(got[:len(want)], want) {
		t.Errorf("history %q, want %q", got, want)
	}
}

func TestClearScreen(t *testing.T) {
	b := newBuffer(t, 100, 20, 4)
	write(b, "a\r\nb\r\n\x1b[H\x1b[2J\x1b[3Jc\r\n")
	checkRender(t, b)
	if got, want := plain(b), []string{"c", "", "", ""}; !equal(got, want) {
		t.Errorf("after clear: %q, want %q", got, want)
	}
	if got, want := texts(b), []string{"a", "b", ""}; !equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	b.ScrollUp(2)
	if got, want := plain(b), []string{"a", "b", "c", ""}; !equal(got, want) {
		t.Errorf("scrolled up after clear: %q, want %q", got, want)
	}
}

func TestEmulatorReplayStyles(t *testing.T) {
	b := newBuffer(t, 100, 10, 3)
	write(b, "\x1b[31mred\r\nstill red\r\n\x1b[1A")
	rows := checkRender(t, b)
	if want := "\x1b[31mred\x1b[m       "; rows[0] != want {
		t.Errorf("replayed row %q, want %q", rows[0], want)
	}
	write(b, "X\r\n\r\n\r\n\r\n")
	if got, want := texts(b), []string{"red", "Xtill red", "", "", "", ""}; !equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	for _, id := range []uint64{b.hist.first, b.hist.first + 1} {
		if l := b.hist.at(id); len(l.runs) == 0 || l.runs[0].st.fg != colorIndexed|1 {
			t.Errorf("style of %q lost through the emulator: %v", l.text, l.runs)
		}
	}
}

func TestEmulatorRepliesNeverBlock(t *testing.T) {
	for _, withReply := range []bool{false, true} {
		b := New(100, 20, 4)
		got := make(chan string, 1)
		unblock := make(chan struct{})
		if withReply {
			b.OnReply = func(p []byte) {
				select {
				case got <- string(p):
				default:
					<-unblock // a pty nobody reads
				}
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			write(b, "\x1b[?1049h\x1b[3;5H")
			for range 1000 {
				write(b, "\x1b[6n\x1b[c")
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Write blocked on emulator replies (OnReply set: %v)", withReply)
		}
		if withReply {
			select {
			case p := <-got:
				if p != "\x1b[3;5R" {
					t.Errorf("reply to DSR 6 = %q, want %q", p, "\x1b[3;5R")
				}
			case <-time.After(5 * time.Second):
				t.Errorf("no reply to DSR 6")
			}
		}
		close(unblock)
		b.Close()
	}
}

func TestEmulatorModes(t *testing.T) {
	b := newBuffer(t, 100, 20, 4)
	write(b, "\x1b[?1049h\x1b[?1h")
	if !b.AppCursorKeys() {
		t.Errorf("AppCursorKeys() = false after CSI ?1h on the alternate screen")
	}
	write(b, "\x1b[?1l\x1b]0;title\x07\x1b[?1000h\x07x")
	if b.AppCursorKeys() {
		t.Errorf("AppCursorKeys() = true after CSI ?1l")
	}
	checkRender(t, b)
	write(b, "\x1bc")
	if b.AltScreen() || b.emu != nil {
		t.Errorf("RIS left the emulator running")
	}
}

func TestEmulatorResize(t *testing.T) {
	b := newBuffer(t, 100, 20, 6)
	write(b, "\x1b[?1049h\x1b[6;1Hbottom")
	b.Resize(10, 3)
	checkRender(t, b)
	b.Resize(30, 8)
	checkRender(t, b)

	// On the main screen the cursor's row survives a shorter pane.
	m := newBuffer(t, 100, 20, 6)
	write(m, "1\r\n2\r\n3\r\n\x1b[1A\x1b[K3b\r\n4\r\n5\r\n\x1b[s\x1b[6;1Hstatus\x1b[u")
	m.Resize(20, 3)
	checkRender(t, m)
	m.Resize(12, 6)
	checkRender(t, m)
	if got := strings.Join(texts(m), "|"); !strings.Contains(got, "1|2|3b|4") {
		t.Errorf("history after resizes: %q", got)
	}
}

func TestEmulatorScrollRegion(t *testing.T) {
	// apt-style: a status line kept at the bottom with DECSTBM.
	b := newBuffer(t, 100, 20, 5)
	write(b, "\x1b[1;4r\x1b[4;1H")
	for i := range 20 {
		write(b, "unpack "+itoa(i)+"\r\n\x1b7\x1b[5;1H\x1b[KProgress "+itoa(i*5)+"%\x1b8")
	}
	checkRender(t, b)
	rows := plain(b)
	if rows[4] != "Progress 95%" {
		t.Errorf("status row = %q, want %q", rows[4], "Progress 95%")
	}
	write(b, "\x1b[r\x1b[5;1H\x1b[K")
	for i := range 10 {
		write(b, "done "+itoa(i)+"\r\n")
	}
	if b.emu != nil {
		t.Errorf("still in emulator mode after the scroll region was reset and a screen scrolled")
	}
	got := strings.Join(texts(b), "|")
	if !strings.Contains(got, "unpack 0|unpack 1|") || !strings.Contains(got, "unpack 19|") || !strings.Contains(got, "done 9") {
		t.Errorf("history %q", got)
	}
}

func TestAltScrollbackDisabled(t *testing.T) {
	b := newBuffer(t, 100, 10, 3)
	write(b, "\x1b[?1049h")
	for i := range 100 {
		write(b, "row "+itoa(i)+"\n\r")
	}
	write(b, "\x1b[2J")
	alt := altScreen(b.emu)
	if alt == nil {
		t.Fatal("x/vt's screens are not where disableAltScrollback looks for them")
	}
	if sb := alt.Scrollback(); sb != nil {
		t.Errorf("the alternate screen keeps %d lines of scrollback", sb.Len())
	}
	if got := texts(b); len(got) != 1 {
		t.Errorf("the alternate screen's lines reached history: %q", got)
	}
}

func TestEmulatorReused(t *testing.T) {
	b := newBuffer(t, 100, 10, 3)
	write(b, "\x1b[?1049hfull\x1b[?1049l")
	first := b.spare
	if first == nil {
		t.Fatal("the emulator was not kept for the next session")
	}
	write(b, "\x1b[?1049h")
	if b.emu != first {
		t.Errorf("a new emulator was made for the second session")
	}
	if got := plain(b); !equal(got, []string{"", "", ""}) {
		t.Errorf("the reused emulator shows the last session: %q", got)
	}
}

func TestReset(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // history after Reset and "next\r\n"
	}{
		{"line mode", "a\r\n\x1b[31mred \x1b]0;unterminated title", []string{"a", "red next", ""}},
		{"alternate screen", "a\r\n\x1b[?1049h\x1b[?1hvim", []string{"a", "next", ""}},
		{"main screen", "a\r\nb\x1b[1A\x1b[3;1Hstatus\x1b[1;2H", []string{"a", "b", "status", "next", ""}},
		{"main then alternate", "a\r\n\x1b[Hb\x1b[?1049hvim", []string{"bnext", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, 10, 4)
			write(b, tt.in)
			b.Reset()
			if b.emu != nil || b.AltScreen() || b.AppCursorKeys() || b.pen != (style{}) {
				t.Errorf("after Reset: emulator %v, alt %v, DECCKM %v, pen %v", b.emu != nil, b.AltScreen(), b.AppCursorKeys(), b.pen)
			}
			write(b, "next\r\n")
			if got := texts(b); !equal(got, tt.want) {
				t.Errorf("after Write(%q), Reset: history %q, want %q", tt.in, got, tt.want)
			}
			checkRender(t, b)
		})
	}
}

func TestBracketedPaste(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"default", "$ ", false},
		{"set", "\x1b[?2004h$ ", true},
		{"set among others", "\x1b[?1;2004;25h$ ", true},
		{"reset", "\x1b[?2004h$ ls\r\n\x1b[?2004l", false},
		{"set in emulator mode", "\x1b[2J\x1b[H\x1b[?2004h$ ", true},
		{"reset in emulator mode", "\x1b[?2004h\x1b[2J\x1b[H\x1b[?2004l$ ", false},
		{"set on the alternate screen", "\x1b[?1049h\x1b[?2004h", true},
		{"kept after the alternate screen", "\x1b[?1049h\x1b[?2004h\x1b[?1049l$ ", true},
		{"hard reset", "\x1b[?2004h\x1bc", false},
		{"hard reset in emulator mode", "\x1b[?1049h\x1b[?2004h\x1bc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, 20, 4)
			write(b, tt.in)
			if got := b.BracketedPaste(); got != tt.want {
				t.Errorf("after %q, BracketedPaste() = %v, want %v", tt.in, got, tt.want)
			}
			b.Reset()
			if b.BracketedPaste() {
				t.Errorf("after %q and Reset, BracketedPaste() = true", tt.in)
			}
		})
	}
}

// TestLongSequence hands the emulator a sequence longer than the tokenizer
// keeps: it must get the whole sequence, not a start that swallows the
// next byte as its final one.
func TestLongSequence(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"cursor position", "\x1b[" + strings.Repeat("0;", 200) + "2Hhello world", []string{"hello world", "", "", ""}},
		{"private mode", "\x1b[?" + strings.Repeat("1;", 200) + "1049hhello world", []string{"hello world", "", "", ""}},
		// x/vt reads a count with sub-parameters as no move, whole or not.
		{"colon parameters", "a\x1b[" + strings.Repeat("0:", 200) + "2Bhello world", []string{"ahello world", "", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, 20, 4)
			write(b, tt.in)
			checkRender(t, b)
			got := plain(b)
			for i := range got {
				got[i] = strings.TrimLeft(got[i], " ")
			}
			if !equal(got, tt.want) {
				t.Errorf("Write(%q) renders %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
