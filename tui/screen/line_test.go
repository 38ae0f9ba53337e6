package screen

import (
	"bytes"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestWriteRender(t *testing.T) {
	tests := []struct {
		name string
		cols int
		in   string
		want []string // rendered rows, plain; the pane is 4 rows high
	}{
		{"plain lines", 20, "one\r\ntwo\r\n", []string{"one", "two", "", ""}},
		{"bare newline", 20, "one\ntwo", []string{"one", "two", "", ""}},
		{"partial line", 20, "prompt> ", []string{"prompt>", "", "", ""}},
		{"progress bar", 20, "10%\r20%\r30%\r\ndone", []string{"30%", "done", "", ""}},
		{"shorter redraw", 20, "hello\rab", []string{"abllo", "", "", ""}},
		{"redraw after erase", 20, "hello\r\x1b[Kab\r\n", []string{"ab", "", "", ""}},
		{"redraw erasing all", 20, "hello\r\x1b[2Kab", []string{"ab", "", "", ""}},
		{"column one redraw", 20, "- 1/3\x1b[G\x1b[2K\\ 2/3\x1b[1G\x1b[0K| 3/3", []string{"| 3/3", "", "", ""}},
		{"backspace", 20, "abc\b\bX", []string{"aXc", "", "", ""}},
		{"backspace at end", 20, "ab\b", []string{"ab", "", "", ""}},
		{"backspace at start", 20, "\b\bab", []string{"ab", "", "", ""}},
		{"spinner", 20, "|\b/\b-\b\\\bdone", []string{"done", "", "", ""}},
		{"erase to end", 20, "hello\x1b[3D\x1b[K!", []string{"he!", "", "", ""}},
		{"erase to start", 20, "hello\x1b[3D\x1b[1K", []string{"   lo", "", "", ""}},
		{"erase line keeps column", 20, "hello\x1b[2Kx", []string{"     x", "", "", ""}},
		{"erase below", 20, "hello\x1b[2D\x1b[J", []string{"hel", "", "", ""}},
		{"erase scrollback ignored", 20, "a\r\n\x1b[3Jb", []string{"a", "b", "", ""}},
		{"tabs", 20, "a\tb\r\nabcdefgh\tx\r\n\tz", []string{"a       b", "abcdefgh        x", "        z", ""}},
		{"tab after wide", 20, "世\tx", []string{"世      x", "", "", ""}},
		{"cursor forward", 20, "a\x1b[3Cb", []string{"a   b", "", "", ""}},
		{"cursor back", 20, "abcdef\x1b[4Dx", []string{"abxdef", "", "", ""}},
		{"column absolute", 20, "abcdef\x1b[2Gx\x1b[10`y", []string{"axcdef   y", "", "", ""}},
		{"erase characters", 20, "abcdef\x1b[4D\x1b[2X", []string{"ab  ef", "", "", ""}},
		{"insert characters", 20, "abcdef\x1b[4D\x1b[2@", []string{"ab  cdef", "", "", ""}},
		{"delete characters", 20, "abcdef\x1b[4D\x1b[2P", []string{"abef", "", "", ""}},
		{"insert stays in its row", 4, "abcdefgh\x1b[8D\x1b[2@", []string{"  ab", "efgh", "", ""}},
		{"delete stays in its row", 4, "abcdefgh\x1b[8D\x1b[P", []string{"bcd", "efgh", "", ""}},
		{"erase characters stay in their row", 4, "abcdefgh\x1b[7D\x1b[9X", []string{"a", "efgh", "", ""}},
		{"cursor forward stops at the margin", 20, "ab\x1b[999Cx\x1b[99999999Gy", []string{"ab                 y", "", "", ""}},
		{"combining marks capped", 20, "e" + strings.Repeat("\u0301", 30) + "x", []string{"e" + strings.Repeat("\u0301", 19) + "x", "", "", ""}},
		{"combining marks capped in cells", 20, "ab\re" + strings.Repeat("\u0301", 30) + "x", []string{"e" + strings.Repeat("\u0301", 19) + "x", "", "", ""}},
		{"wrap", 4, "abcdefghij", []string{"abcd", "efgh", "ij", ""}},
		{"wrap exact", 4, "abcd\r\nefgh", []string{"abcd", "efgh", "", ""}},
		{"wide characters", 5, "a世界b", []string{"a世界", "b", "", ""}},
		{"wide at the edge", 4, "abc世", []string{"abc", "世", "", ""}},
		{"overwrite wide left half", 20, "世界\x1b[3Gx", []string{"世x", "", "", ""}},
		{"overwrite wide right half", 20, "世界\x1b[4Gx", []string{"世 x", "", "", ""}},
		{"emoji zwj", 20, "👩‍💻x\r\n🇫🇷|", []string{"👩‍💻x", "🇫🇷|", "", ""}},
		{"combining marks", 20, "e\u0301x\r\nab\rc\u0301", []string{"e\u0301x", "c\u0301b", "", ""}},
		{"invalid utf-8", 20, "a\xffb\xe2\x28c\xf0\x9f", []string{"a\ufffdb\ufffd(c", "", "", ""}},
		{"c1 and bidi dropped", 20, "a\u009b31mb\u202ec", []string{"a31mbc", "", "", ""}},
		{"prepend marks dropped", 20, "a\u0600b\u0600", []string{"ab", "", "", ""}},
		{"control characters dropped", 20, "a\x00\x07\x0e\x0f\x7fb", []string{"ab", "", "", ""}},
		{"osc title", 20, "a\x1b]0;title\x07b\x1b]2;t\x1b\\c", []string{"abc", "", "", ""}},
		{"dcs and apc", 20, "a\x1bPq#0;2;0;0;0\x1b\\b\x1b_apc\x1b\\c", []string{"abc", "", "", ""}},
		{"modes", 20, "a\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?25l\x1b=\x1b(0b", []string{"ab", "", "", ""}},
		{"many lines", 20, "1\r\n2\r\n3\r\n4\r\n5\r\n6", []string{"3", "4", "5", "6"}},
		{"hard wrap at index", 20, "a\x1bDb\x1bEc", []string{"a", "b", "c", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, tt.cols, 4)
			write(b, tt.in)
			checkRender(t, b)
			if got := plain(b); !equal(got, tt.want) {
				t.Errorf("Write(%q) renders %q, want %q", tt.in, got, tt.want)
			}
			if b.emu != nil {
				t.Errorf("Write(%q) left line mode", tt.in)
			}
		})
	}
}

func TestStyles(t *testing.T) {
	pad := func(s string, w int) string { return s + strings.Repeat(" ", 10-w) }
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"carried over lines", "\x1b[31mred\r\nstill\x1b[0m\r\nplain",
			[]string{pad("\x1b[31mred\x1b[m", 3), pad("\x1b[31mstill\x1b[m", 5), pad("plain", 5)}},
		{"256 and truecolor", "\x1b[38;5;196mx\x1b[48;2;1;2;3my\x1b[m\r\n\r\n",
			[]string{pad("\x1b[38;5;196mx\x1b[0;38;5;196;48;2;1;2;3my\x1b[m", 2), pad("", 0), pad("", 0)}},
		{"colon truecolor", "\x1b[38:2::10:20:30mz\x1b[m\r\n\r\n",
			[]string{pad("\x1b[38;2;10;20;30mz\x1b[m", 1), pad("", 0), pad("", 0)}},
		{"attributes", "\x1b[1;2;3;4;5;7;8;9ma\x1b[22;23;24;25;27;28;29mb\x1b[m\r\n\r\n",
			[]string{pad("\x1b[1;2;3;4;5;7;8;9ma\x1b[mb", 2), pad("", 0), pad("", 0)}},
		{"bright and default", "\x1b[91;102ma\x1b[39mb\x1b[49mc\r\n\r\n",
			[]string{pad("\x1b[91;102ma\x1b[0;102mb\x1b[mc", 3), pad("", 0), pad("", 0)}},
		{"pen survives a redraw", "\x1b[32m50%\r60%\x1b[m\r\n\r\n",
			[]string{pad("\x1b[32m60%\x1b[m", 3), pad("", 0), pad("", 0)}},
		{"blank cells are unstyled", "\x1b[41ma\x1b[3Cb\x1b[m\r\n\r\n",
			[]string{pad("\x1b[41ma\x1b[m   \x1b[41mb\x1b[m", 5), pad("", 0), pad("", 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, 10, 3)
			write(b, tt.in)
			got := checkRender(t, b)
			if !equal(got, tt.want) {
				t.Errorf("Write(%q) renders\n%q, want\n%q", tt.in, got, tt.want)
			}
		})
	}
}

// fixture exercises everything line mode handles.
const fixture = "\x1b]0;title\x07\x1b[32mINFO\x1b[0m starting\r\n" +
	"progress 10%\rprogress 50%\r\x1b[Kprogress 100%\r\n" +
	"\x1b[1;38;5;208mwarn\x1b[22m still orange\x1b[m\r\n" +
	"tab\tstop\tand 世界 and 👩‍💻 and e\u0301\r\n" +
	"bad \xff\xfe utf-8 \xe2\x82 cut\r\n" +
	"\x1bP1$r0m\x1b\\dcs\x1b_apc\x1b\\\x07bell\x1b[?25l\x1b[?1000h\r\n" +
	"abcdef\x1b[3D\x1b[1@\x1b[1P\x1b[2X\x1b[K!\r\n" +
	"spin |\b/\b-\b\\\b done\r\n" +
	"\x1b[38:2::1:2:3mcolon\x1b[m \x1b[4:3mcurly\x1b[4:0m\r\n" +
	"a long line that wraps over several rows of the pane, twice or more\r\n" +
	"prompt> "

func TestSplitWrites(t *testing.T) {
	whole := newBuffer(t, 100, 17, 12)
	write(whole, fixture)
	want := checkRender(t, whole)
	wantHist := texts(whole)

	check := func(name string, b *Buffer) {
		t.Helper()
		if got := checkRender(t, b); !equal(got, want) {
			t.Errorf("%s: renders\n%q, want\n%q", name, got, want)
		}
		if got := texts(b); !equal(got, wantHist) {
			t.Errorf("%s: history %q, want %q", name, got, wantHist)
		}
	}

	bytewise := newBuffer(t, 100, 17, 12)
	for i := range len(fixture) {
		write(bytewise, fixture[i:i+1])
	}
	check("one byte at a time", bytewise)

	for cut := range len(fixture) {
		b := New(100, 17, 12)
		write(b, fixture[:cut])
		write(b, fixture[cut:])
		check("cut at "+string(rune('0'+cut%10)), b)
		b.Close()
	}

	r := rand.New(rand.NewSource(1))
	for range 100 {
		b := New(100, 17, 12)
		for p := fixture; len(p) > 0; {
			n := min(len(p), 1+r.Intn(8))
			write(b, p[:n])
			p = p[n:]
		}
		check("random cuts", b)
		b.Close()
	}
}

func TestHugeLine(t *testing.T) {
	b := newBuffer(t, 1000, 80, 24)
	chunk := bytes.Repeat([]byte("0123456789"), 10<<10) // 100 KiB
	start := time.Now()
	for range 50 { // 5 MB, no newline
		b.Write(chunk)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("writing a 5 MB line took %v", d)
	}
	checkRender(t, b)
	if n := b.hist.next(); n < 5000000/maxLineBytes {
		t.Errorf("%d lines went to history, want the 5 MB line cut in %d KiB pieces", n, maxLineBytes>>10)
	}
	if b.hist.bytes > b.hist.maxBytes || len(b.cur.text) > maxLineBytes {
		t.Errorf("history holds %d bytes (at most %d), current line %d", b.hist.bytes, b.hist.maxBytes, len(b.cur.text))
	}
	// A long line edited in cells. Edits stay in the cursor's row, as in a
	// terminal: the insert pushes two x off the end of the last row, and
	// the cursor stops at its last column, where the delete takes the !.
	b.Write([]byte("\r\n" + strings.Repeat("x", 60000) + "\x1b[5D\x1b[2@\x1b[99999C!\t\x1b[3P\r\n"))
	checkRender(t, b)
	if l := b.hist.at(b.hist.next() - 1); len(l.text) != 59999 {
		t.Errorf("long edited line has %d bytes", len(l.text))
	}
	// Non-ASCII, and in cells.
	b.Write([]byte("\r\nx\r"))
	for range 2000 {
		b.Write([]byte("世界é"))
	}
	checkRender(t, b)
	if len(b.cur.cells) > maxLineCells {
		t.Errorf("line being edited has %d cells, at most %d", len(b.cur.cells), maxLineCells)
	}
}

func TestScrollbackBound(t *testing.T) {
	b := newBuffer(t, 100, 40, 5)
	for i := range 1000 {
		write(b, "line "+itoa(i)+"\r\n")
	}
	if b.hist.n != 100 {
		t.Fatalf("history holds %d lines, want 100", b.hist.n)
	}
	if got := b.hist.at(b.hist.first).text; got != "line 900" {
		t.Errorf("oldest line is %q, want %q", got, "line 900")
	}
	above, below := b.Position()
	if above != 101-5 || below != 0 {
		t.Errorf("Position() = %d, %d, want %d, 0", above, below, 101-5)
	}

	// Memory: a process printing long lines forever stays bounded.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	big := newBuffer(t, 1000, 80, 24)
	line := []byte(strings.Repeat("x", 4000) + "\r\n")
	for range 20000 { // 80 MB
		big.Write(line)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("heap grew by %d MiB for a 1000-line history", grew>>20)
	}
	if big.hist.n > 1000 || big.hist.bytes > big.hist.maxBytes {
		t.Errorf("history holds %d lines, %d bytes", big.hist.n, big.hist.bytes)
	}
}

func TestResizeRewraps(t *testing.T) {
	b := newBuffer(t, 100, 10, 4)
	write(b, "abcdefghijklmnopqrst\r\nxy")
	if got, want := plain(b), []string{"abcdefghij", "klmnopqrst", "xy", ""}; !equal(got, want) {
		t.Errorf("at 10 columns: %q, want %q", got, want)
	}
	b.Resize(7, 4)
	checkRender(t, b)
	if got, want := plain(b), []string{"abcdefg", "hijklmn", "opqrst", "xy"}; !equal(got, want) {
		t.Errorf("at 7 columns: %q, want %q", got, want)
	}
	b.Resize(25, 2)
	checkRender(t, b)
	if got, want := plain(b), []string{"abcdefghijklmnopqrst", "xy"}; !equal(got, want) {
		t.Errorf("at 25 columns: %q, want %q", got, want)
	}
	if above, below := b.Position(); above != 0 || below != 0 {
		t.Errorf("Position() = %d, %d, want 0, 0", above, below)
	}
}

func TestCursor(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		x, y    int
		visible bool
	}{
		{"start", "", 0, 0, true},
		{"after text", "abc", 3, 0, true},
		{"after newline", "abc\r\n", 0, 1, true},
		{"after cr", "abc\r", 0, 0, true},
		{"moved back", "abcdef\x1b[2D", 4, 0, true},
		{"wrapped", "abcdefghijklm", 3, 1, true},
		{"pending wrap", "abcdefghij", 9, 0, true},
		{"wide", "世界", 4, 0, true},
		{"hidden", "abc\x1b[?25l", 3, 0, false},
		{"shown again", "abc\x1b[?25l\x1b[?25h", 3, 0, true},
		{"bottom", "1\r\n2\r\n3\r\n4\r\n5\r\n6", 1, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, 10, 4)
			write(b, tt.in)
			x, y, visible := b.Cursor()
			if x != tt.x || y != tt.y || visible != tt.visible {
				t.Errorf("after %q, Cursor() = %d, %d, %v, want %d, %d, %v", tt.in, x, y, visible, tt.x, tt.y, tt.visible)
			}
		})
	}
	b := newBuffer(t, 100, 10, 4)
	write(b, "1\r\n2\r\n3\r\n4\r\n5\r\n6")
	b.ScrollUp(1)
	if _, _, visible := b.Cursor(); visible {
		t.Errorf("Cursor() is visible with the view scrolled away from it")
	}
}

func TestModesAndReplies(t *testing.T) {
	replies := make(chan string, 10)
	b := New(100, 20, 5)
	b.OnReply = func(p []byte) { replies <- string(p) }
	defer b.Close()
	write(b, "ab\x1b[?1h")
	if !b.AppCursorKeys() {
		t.Errorf("AppCursorKeys() = false after CSI ?1h")
	}
	write(b, "\x1b[6n")
	select {
	case got := <-replies:
		if want := "\x1b[1;3R"; got != want {
			t.Errorf("reply to DSR 6 = %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reply to DSR 6")
	}
	write(b, "\x1b[c")
	if got := <-replies; !strings.HasPrefix(got, "\x1b[?62;") {
		t.Errorf("reply to DA1 = %q", got)
	}
	write(b, "\x1b[?1l")
	if b.AppCursorKeys() {
		t.Errorf("AppCursorKeys() = true after CSI ?1l")
	}
}

func TestClear(t *testing.T) {
	b := newBuffer(t, 100, 10, 3)
	write(b, "1\r\n2\r\n3\r\n4\r\n> ")
	b.ScrollUp(2)
	b.Clear()
	if got, want := plain(b), []string{">", "", ""}; !equal(got, want) {
		t.Errorf("after Clear: %q, want %q", got, want)
	}
	if above, below := b.Position(); above != 0 || below != 0 || !b.Following() {
		t.Errorf("after Clear: Position() = %d, %d, Following() = %v", above, below, b.Following())
	}
	write(b, "x\r\ny")
	if got, want := plain(b), []string{"> x", "y", ""}; !equal(got, want) {
		t.Errorf("after Clear and more output: %q, want %q", got, want)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var buf [20]byte
	n := len(buf)
	for ; i > 0; i /= 10 {
		n--
		buf[n] = byte('0' + i%10)
	}
	return string(buf[n:])
}

func TestNewClampsSizes(t *testing.T) {
	b := newBuffer(t, 0, 0, -1)
	write(b, "abc\r\nde")
	b.Resize(0, 0)
	if got := checkRender(t, b); len(got) != 1 || b.cols != 1 {
		t.Errorf("a 0×0 pane renders %q", got)
	}
	if got := texts(b); !equal(got, []string{"abc", "de"}) {
		t.Errorf("history %q, want one line and the line being written", got)
	}
}

// TestRowCount checks the row count kept for resizes against the rows
// rendering cuts.
func TestRowCount(t *testing.T) {
	pieces := []string{"a", "bc", "世", "界", "é", "e\u0301", "👩‍💻", "🇫🇷", "\u200b", "\ufe0f", "☺\ufe0f", " "}
	r := rand.New(rand.NewSource(1))
	for range 300 {
		var sb strings.Builder
		for range r.Intn(120) {
			sb.WriteString(pieces[r.Intn(len(pieces))])
		}
		text := sb.String()
		l := newLine(text, nil, isASCII(text))
		for cols := 1; cols <= 30; cols++ {
			if got, want := l.rowCount(cols), len(rowStarts(nil, text, l.ascii, cols)); got != want {
				t.Fatalf("rowCount(%d) of %q = %d, want %d", cols, text, got, want)
			}
		}
	}
}
