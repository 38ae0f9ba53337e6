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
