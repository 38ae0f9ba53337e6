package screen

import (
	"strings"
	"testing"
)

func TestCopyText(t *testing.T) {
	tests := []struct {
		name       string
		cols, rows int
		output     string
		from, to   [2]int // view cells: x, y
		want       string
	}{
		{"within a row", 20, 4, "alpha beta\r\ngamma\r\n", [2]int{6, 0}, [2]int{9, 0}, "beta"},
		{"across lines", 20, 4, "alpha beta\r\ngamma\r\n", [2]int{6, 0}, [2]int{2, 1}, "beta\ngam"},
		{"backwards", 20, 4, "alpha beta\r\ngamma\r\n", [2]int{2, 1}, [2]int{6, 0}, "beta\ngam"},
		{"past the end of a line", 20, 4, "ab\r\ncd\r\n", [2]int{0, 0}, [2]int{15, 1}, "ab\ncd"},
		{"a wrapped line is one line", 10, 4, "0123456789abcdefghijKLMNO\r\nnext\r\n", [2]int{0, 0}, [2]int{4, 2}, "0123456789abcdefghijKLMNO"},
		{"wrapped, then the next line", 10, 4, "0123456789abcdefghijKLMNO\r\nnext\r\n", [2]int{5, 1}, [2]int{1, 3}, "fghijKLMNO\nne"},
		{"colours are left behind", 20, 4, "\x1b[31mred\x1b[m and \x1b[1;44mbold\x1b[m\r\n", [2]int{0, 0}, [2]int{19, 0}, "red and bold"},
		{"wide characters", 20, 4, "日本語 text\r\n", [2]int{2, 0}, [2]int{3, 0}, "本"},
		{"from a wide character's right half", 20, 4, "日本語 text\r\n", [2]int{3, 0}, [2]int{4, 0}, "本語"},
		{"wide characters wrapped", 5, 4, "ab日本語\r\n", [2]int{0, 0}, [2]int{3, 1}, "ab日本語"},
		{"blank lines kept, blanks at ends dropped", 20, 5, "one   \r\n\r\ntwo\r\n", [2]int{0, 0}, [2]int{10, 2}, "one\n\ntwo"},
		{"the line being written", 20, 4, "done\r\nprompt> ", [2]int{0, 0}, [2]int{19, 1}, "done\nprompt>"},
		{"a full-screen program's rows", 20, 4, "\x1b[?1049h\x1b[2J\x1b[1;1Hleft\x1b[2;3Hright", [2]int{0, 0}, [2]int{6, 1}, "left\n  right"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 100, tt.cols, tt.rows)
			write(b, tt.output)
			b.ScrollTop()
			a, c := b.PointAt(tt.from[0], tt.from[1]), b.PointAt(tt.to[0], tt.to[1])
			if got := b.Text(a, c); got != tt.want {
				t.Errorf("Text = %q, want %q (rows %q)", got, tt.want, plain(b))
			}
			b.Select(a, c)
			checkRender(t, b)
		})
	}
}

func TestCopyPointStaysOnItsLine(t *testing.T) {
	b := newBuffer(t, 100, 20, 3)
	numbered(b, 0, 5)
	a, c := b.PointAt(0, 0), b.PointAt(19, 1)
	want := b.Text(a, c)
	if want != "line 3\nline 4" {
		t.Fatalf("Text = %q, want the two lines shown", want)
	}
	numbered(b, 5, 50) // the view follows; the points keep their lines
	if got := b.Text(a, c); got != want {
		t.Errorf("after more output Text = %q, want %q", got, want)
	}
	b.Reveal(a)
	if x, y, ok := b.Where(a); !ok || x != 0 || y != 0 {
		t.Errorf("Where after Reveal = %d, %d, %v; want 0, 0, true", x, y, ok)
	}
	numbered(b, 50, 60)
	if got := plain(b)[0]; got != "line 3" {
		t.Errorf("a revealed view moved with output: first row %q", got)
	}
	// Evicted: the oldest line stands in.
	numbered(b, 60, 300)
	if got := b.Text(a, a); got != "l" {
		t.Errorf("an evicted point's text %q, want the oldest line's first cell", got)
	}
}

func TestCopyFiltered(t *testing.T) {
	b := newBuffer(t, 100, 30, 4)
	write(b, "ok 1\r\nerror: disk\r\nok 2\r\nerror: net\r\nok 3\r\n")
	b.Filter("error")
	a, c := b.PointAt(0, 0), b.PointAt(29, 1)
	if got, want := b.Text(a, c), "error: disk\nerror: net"; got != want {
		t.Errorf("Text of a filtered view = %q, want %q", got, want)
	}
}

func TestCopyMotion(t *testing.T) {
	b := newBuffer(t, 100, 10, 6)
	write(b, "GET /api  v1\r\n\r\n  next wd\r\nend")
	b.ScrollTop()
	start := b.PointAt(0, 0)
	at := func(p Point) [2]int { x, y, _ := b.Where(p); return [2]int{x, y} }
	steps := []struct {
		m    Motion
		n    int
		want [2]int
	}{
		{WordNext, 1, [2]int{4, 0}}, // /api
		{WordNext, 1, [2]int{0, 1}}, // v1, on the wrapped row
		{WordNext, 1, [2]int{2, 3}}, // past the blank line: next
		{WordPrev, 1, [2]int{0, 1}}, // back to v1
		{WordPrev, 2, [2]int{0, 0}}, // GET
		{RowEnd, 1, [2]int{9, 0}},   // the row's last character
		{Right, 5, [2]int{9, 0}},    // stays there
		{Down, 1, [2]int{9, 1}},     // keeps the column
		{Left, 1, [2]int{0, 1}},     // "v1" is two wide: from its end
		{Down, 10, [2]int{0, 4}},    // the last row
		{Up, 2, [2]int{0, 2}},       // the blank line
		{First, 1, [2]int{0, 0}},    // the top
		{Last, 1, [2]int{0, 4}},     // the line being written
		{RowStart, 1, [2]int{0, 4}}, // already there
		{WordPrev, 1, [2]int{7, 3}}, // the word before, on the line above
		{WordNext, 3, [2]int{3, 4}}, // stops at the end of everything
	}
	p := start
	for i, s := range steps {
		p = b.Move(p, s.m, s.n)
		if got := at(p); got != s.want {
			t.Fatalf("step %d (motion %d ×%d): at %v, want %v", i, s.m, s.n, got, s.want)
		}
	}
}

func TestCopyWord(t *testing.T) {
	b := newBuffer(t, 100, 60, 3)
	write(b, `GET "/api/v1?x=1" (200) 日本語 done`+"\r\n")
	b.ScrollTop()
	for _, tt := range []struct {
		x    int
		want string
	}{
		{0, "GET"}, {8, "/api/v1?x=1"}, {19, "200"}, {4, `"`}, {3, ""}, {25, "日本語"}, {50, ""},
	} {
		a, c := b.Word(b.PointAt(tt.x, 0))
		if got := b.Text(a, c); got != tt.want {
			t.Errorf("Word at %d = %q, want %q", tt.x, got, tt.want)
		}
	}
}

func TestCopySelectionRendered(t *testing.T) {
	b := newBuffer(t, 100, 20, 3)
	write(b, "\x1b[32mgreen\x1b[m text\r\nsecond\r\n")
	b.ScrollTop()
	b.Search("text")
	b.Select(b.PointAt(2, 0), b.PointAt(7, 0))
	row := checkRender(t, b)[0]
	sel := string(appendSGR(nil, style{fg: indexed(2)}, selectStyle))
	if !strings.Contains(row, sel+"een") {
		t.Errorf("row %q does not draw the selection from the third cell", row)
	}
	if !strings.Contains(row, "te") || strings.Count(row, string(appendSGR(nil, selectStyle, currentStyle))) != 1 {
		t.Errorf("row %q: the rest of the match after the selection is not drawn as the match", row)
	}
	b.Unselect()
	if strings.Contains(checkRender(t, b)[0], sel) {
		t.Error("the selection is still drawn after Unselect")
	}
}

func TestCopyMotionByCharacter(t *testing.T) {
	b := newBuffer(t, 100, 10, 4)
	write(b, "日本語 abc\r\n0123456789abcde\r\n")
	b.ScrollTop()
	p := b.PointAt(0, 0)
	for i, want := range []int{2, 4, 6, 7} {
		if p = b.Move(p, Right, 1); p.x != want {
			t.Fatalf("right %d: column %d, want %d", i+1, p.x, want)
		}
	}
	if p = b.Move(b.PointAt(3, 0), Left, 1); p.x != 0 {
		t.Errorf("left from 本's right half: column %d, want 0 (日)", p.x)
	}
	if from, to := b.Line(b.PointAt(2, 2)); b.Text(from, to) != "0123456789abcde" {
		t.Errorf("Line on a wrapped line's second row = %q", b.Text(from, to))
	}
}

// A line being written that a filter or a hidden tag hides is not
// copied: a copy is of what the view shows.
func TestCopyHiddenLineBeingWritten(t *testing.T) {
	b := newBuffer(t, 100, 20, 4)
	write(b, "one\r\ntwo\r\nsecret partial")
	b.Filter("zzz")
	if from, to := b.Line(b.PointAt(0, 3)); b.Text(from, to) != "" {
		t.Errorf("Text of a view showing nothing = %q", b.Text(from, to))
	}

	b = newBuffer(t, 100, 20, 4)
	b.SetTag(1)
	write(b, "shown\r\n")
	b.SetTag(2)
	write(b, "hidden partial")
	b.Hide(2, true)
	if got := b.Text(b.PointAt(0, 0), b.PointAt(19, 3)); got != "shown" {
		t.Errorf("Text = %q, want %q", got, "shown")
	}
}

func TestCopyTextLimit(t *testing.T) {
	b := newBuffer(t, 100, 20, 4)
	write(b, "0123456789\r\nabcdefghij\r\n")
	b.ScrollTop()
	a, c := b.PointAt(0, 0), b.PointAt(19, 1)
	if s, ok := b.TextLimit(a, c, 21); !ok || s != "0123456789\nabcdefghij" {
		t.Errorf("TextLimit within the limit = %q, %v", s, ok)
	}
	if s, ok := b.TextLimit(a, c, 20); ok || s != "" {
		t.Errorf("TextLimit past the limit = %q, %v; want nothing, false", s, ok)
	}
}
