package screen

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The Buffer survives its own bugs in production; tests want to see them.
	onPanic = func(v any) { panic(v) }
	goleak.VerifyTestMain(m)
}

// newBuffer returns a Buffer that is closed when the test ends.
func newBuffer(t testing.TB, scrollback, cols, rows int) *Buffer {
	t.Helper()
	b := New(scrollback, cols, rows)
	t.Cleanup(b.Close)
	return b
}

func write(b *Buffer, s string) {
	if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
		panic("Write did not return len(p), nil")
	}
}

// plain returns the rendered rows without styles or trailing spaces.
func plain(b *Buffer) []string {
	rows := b.Render()
	for i, r := range rows {
		rows[i] = strings.TrimRight(ansi.Strip(r), " ")
	}
	return rows
}

// sgr matches the only escape sequences a rendered row may hold.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkRender fails unless every rendered row is exactly cols cells wide,
// holds no escape sequence but SGR, no control character, and ends in the
// default pen.
func checkRender(t testing.TB, b *Buffer) []string {
	t.Helper()
	rows := b.Render()
	if len(rows) != b.rows {
		t.Fatalf("Render returned %d rows, want %d", len(rows), b.rows)
	}
	for i, r := range rows {
		if w := ansi.StringWidth(r); w != b.cols {
			t.Errorf("row %d is %d cells wide, want %d: %q", i, w, b.cols, r)
		}
		if !utf8.ValidString(r) {
			t.Errorf("row %d is not UTF-8: %q", i, r)
		}
		text := sgr.ReplaceAllString(r, "")
		for _, c := range text {
			if c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 {
				t.Errorf("row %d holds %U: %q", i, c, r)
				break
			}
		}
		if seqs := sgr.FindAllString(r, -1); len(seqs) > 0 && seqs[len(seqs)-1] != "\x1b[m" {
			t.Errorf("row %d does not end in the default pen: %q", i, r)
		}
	}
	return rows
}

// texts returns the plain text of every history line, oldest first, then
// that of the line being written.
func texts(b *Buffer) []string {
	var out []string
	for id := b.hist.first; id < b.hist.next(); id++ {
		out = append(out, b.hist.at(id).text)
	}
	return append(out, b.cur.line().text)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
