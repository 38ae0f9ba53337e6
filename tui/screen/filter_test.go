package screen

import (
	"slices"
	"strings"
	"testing"
)

// A filter shows the lines that match, as they come, scrolls among them,
// and a search finds among them only; cleared, every line is back.
func TestFilter(t *testing.T) {
	b := newBuffer(t, 100, 20, 3)
	write(b, "GET /a\r\nERROR one\r\nGET /b\r\nerror two\r\nGET /c\r\n")
	if n := b.Filter("error"); n != 2 {
		t.Errorf("Filter matched %d lines, want 2", n)
	}
	if got := plain(b); !slices.Equal(got, []string{"ERROR one", "error two", ""}) {
		t.Errorf("filtered: %q", got)
	}
	write(b, "GET /d\r\nerror three\r\nGET /e") // the last still being written
	if got := plain(b); !slices.Equal(got, []string{"ERROR one", "error two", "error three"}) {
		t.Errorf("filtered, as lines come: %q", got)
	}
	if q, n := b.Filtered(); q != "error" || n != 3 {
		t.Errorf("Filtered() = %q, %d", q, n)
	}
	write(b, " error four") // the line being written matches now
	if got := plain(b); !slices.Equal(got, []string{"error two", "error three", "GET /e error four"}) {
		t.Errorf("with the line being written: %q", got)
	}
	if above, below := b.Position(); above != 1 || below != 0 {
		t.Errorf("Position() = %d, %d: want the one matching row above", above, below)
	}
	b.ScrollTop()
	if got := plain(b); !slices.Equal(got, []string{"ERROR one", "error two", "error three"}) {
		t.Errorf("scrolled to the top: %q", got)
	}
	if n := b.Search("GET"); n != 0 {
		t.Errorf("a search among the lines shown found %d hidden GET lines", n)
	}
	if n := b.Search("two"); n != 1 {
		t.Errorf("Search(two) = %d", n)
	}
	b.Search("")
	b.Follow()
	b.Filter("")
	if got := plain(b); !slices.Equal(got, []string{"GET /d", "error three", "GET /e error four"}) {
		t.Errorf("unfiltered: %q", got)
	}
	if n := b.Search("GET"); n != 4 {
		t.Errorf("Search(GET) after the filter = %d, want 4", n)
	}
}

// Lines that leave history leave the filter's count.
func TestFilterEviction(t *testing.T) {
	b := newBuffer(t, 10, 20, 5)
	errorLines(b, 0, 30) // ERROR at 0, 5, ..., 25; history keeps 20..29
	b.Filter("ERROR")
	if _, n := b.Filtered(); n != 2 {
		t.Errorf("%d lines match, want ERROR 20 and 25", n)
	}
	errorLines(b, 30, 36) // history keeps 26..35: ERROR 30, 35
	if _, n := b.Filtered(); n != 2 {
		t.Errorf("%d lines match, want ERROR 30 and 35", n)
	}
	if got := strings.Join(plain(b), "|"); got != "ERROR 30|ERROR 35|||" {
		t.Errorf("rows %q", got)
	}
}

func TestHideTags(t *testing.T) {
	b := newBuffer(t, 100, 30, 6)
	for i, l := range []string{"web: GET /", "worker: job 1", "web: error 500", "worker: error retry", "web: GET /x"} {
		b.SetTag(i % 2)
		write(b, l+"\r\n")
	}
	b.SetTag(0)
	shown := func() []string {
		var out []string
		for _, r := range plain(b) {
			if r != "" {
				out = append(out, r)
			}
		}
		return out
	}
	b.Hide(1, true)
	if got, want := shown(), []string{"web: GET /", "web: error 500", "web: GET /x"}; !equal(got, want) {
		t.Errorf("tag 1 hidden: %q, want %q", got, want)
	}
	b.Filter("error")
	if got, want := shown(), []string{"web: error 500"}; !equal(got, want) {
		t.Errorf("hidden and filtered: %q, want %q", got, want)
	}
	b.SetTag(1)
	write(b, "worker: error again\r\n")
	b.SetTag(0)
	write(b, "web: error again\r\n")
	if got, want := shown(), []string{"web: error 500", "web: error again"}; !equal(got, want) {
		t.Errorf("new lines: %q, want %q", got, want)
	}
	b.Hide(1, false)
	if got, want := shown(), []string{"web: error 500", "worker: error retry", "worker: error again", "web: error again"}; !equal(got, want) {
		t.Errorf("shown again: %q, want %q", got, want)
	}
	b.Filter("")
	b.Hide(0, true)
	if n := b.Search("error"); n != 2 {
		t.Errorf("a search among worker's lines found %d, want 2", n)
	}
	checkRender(t, b)
}

func TestAddLine(t *testing.T) {
	b := newBuffer(t, 100, 40, 4)
	b.AddLine(1, "web │ ", 6, []byte("GET /\x07 \xff done"))
	b.AddLine(0, "composer │ ", -1, []byte(strings.Repeat("x", 70<<10)))
	b.ScrollTop()
	rows := checkRender(t, b)
	if got := plain(b)[0]; got != "web │ GET / \ufffd done" {
		t.Errorf("first line %q: the bell should be dropped and the bad byte shown as U+FFFD", got)
	}
	if !strings.HasPrefix(rows[0], string(appendSGR(nil, style{}, style{fg: indexed(6)}))+"web │ ") {
		t.Errorf("the lead is not drawn in its colour: %q", rows[0])
	}
	if l := b.hist.at(b.hist.first + 1); len(l.text) > maxLineBytes || l.tag != 0 || b.hist.at(b.hist.first).tag != 1 {
		t.Errorf("second line: %d bytes (at most %d), tags %d and %d", len(l.text), maxLineBytes, b.hist.at(b.hist.first).tag, l.tag)
	}
	b.Hide(1, true)
	if got := plain(b)[0]; !strings.HasPrefix(got, "composer │ xxx") {
		t.Errorf("with tag 1 hidden the first row is %q", got)
	}
}
