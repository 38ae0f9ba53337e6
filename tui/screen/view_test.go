package screen

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// numbered writes lines "from" to "to"-1, one per line.
func numbered(b *Buffer, from, to int) {
	for i := from; i < to; i++ {
		write(b, "line "+itoa(i)+"\r\n")
	}
}

func TestScroll(t *testing.T) {
	b := newBuffer(t, 1000, 20, 5)
	numbered(b, 0, 100)
	// 100 lines and the empty line being written: 101 rows.
	check := func(what string, first string, above, below int, following bool) {
		t.Helper()
		checkRender(t, b)
		if got := plain(b)[0]; got != first {
			t.Errorf("%s: first row %q, want %q", what, got, first)
		}
		if a, bl := b.Position(); a != above || bl != below {
			t.Errorf("%s: Position() = %d, %d, want %d, %d", what, a, bl, above, below)
		}
		if b.Following() != following {
			t.Errorf("%s: Following() = %v, want %v", what, b.Following(), following)
		}
	}
	check("following", "line 96", 96, 0, true)
	b.ScrollUp(10)
	check("up 10", "line 86", 86, 10, false)
	numbered(b, 100, 120)
	check("new output while scrolled", "line 86", 86, 30, false)
	b.ScrollDown(5)
	check("down 5", "line 91", 91, 25, false)
	b.ScrollTop()
	check("top", "line 0", 0, 116, false)
	b.ScrollUp(3)
	check("up at the top", "line 0", 0, 116, false)
	b.ScrollDown(1000)
	check("down to the bottom", "line 116", 116, 0, true)
	b.ScrollUp(1)
	b.Follow()
	check("follow", "line 116", 116, 0, true)
}

func TestScrollWrapped(t *testing.T) {
	b := newBuffer(t, 1000, 10, 3)
	write(b, "aaaaaaaaaabbbbbbbbbbcccccccccc\r\nshort\r\n")
	b.ScrollUp(1)
	if got, want := plain(b), []string{"bbbbbbbbbb", "cccccccccc", "short"}; !equal(got, want) {
		t.Errorf("scrolled into a wrapped line: %q, want %q", got, want)
	}
	// The anchor is a line and a row in it: the view stays on that row of
	// the rewrapped line.
	b.Resize(15, 2)
	checkRender(t, b)
	if got, want := plain(b), []string{"bbbbbcccccccccc", "short"}; !equal(got, want) {
		t.Errorf("after rewrap: %q, want %q", got, want)
	}
}

func TestScrollDroppedLines(t *testing.T) {
	b := newBuffer(t, 10, 20, 3)
	numbered(b, 0, 10)
	b.ScrollTop()
	numbered(b, 10, 15) // drops the lines in view
	checkRender(t, b)
	if got := plain(b)[0]; got != "line 5" {
		t.Errorf("first row %q, want the oldest line kept", got)
	}
	if b.Following() {
		t.Errorf("following after old lines were dropped")
	}
}

func TestScrollShortContent(t *testing.T) {
	b := newBuffer(t, 100, 20, 5)
	write(b, "one\r\ntwo")
	b.ScrollUp(3)
	if !b.Following() {
		t.Errorf("ScrollUp left follow mode with nothing above")
	}
	write(b, "\r\nthree\r\nfour\r\nfive\r\nsix")
	if got := plain(b)[4]; got != "six" {
		t.Errorf("not following new output: last row %q", got)
	}
}

func TestSearch(t *testing.T) {
	b := newBuffer(t, 1000, 20, 4)
	for i := range 40 {
		switch {
		case i%10 == 3:
			write(b, "\x1b[31mERROR\x1b[m disk "+itoa(i)+" failed\r\n")
		case i == 25:
			write(b, "an error that wraps over rows "+itoa(i)+"\r\n")
		default:
			write(b, "ok "+itoa(i)+"\r\n")
		}
	}
	if n := b.Search("error"); n != 5 {
		t.Fatalf("Search(%q) = %d, want 5", "error", n)
	}
	if cur, total := b.Match(); cur != 5 || total != 5 {
		t.Errorf("Match() = %d, %d, want 5, 5", cur, total)
	}
	rows := checkRender(t, b)
	if got := plain(b); got[2] != "ERROR disk 33 failed" {
		t.Errorf("most recent match not in the middle of the view: %q", got)
	}
	if !strings.HasPrefix(rows[2], currentSGR+"ERROR\x1b[m") {
		t.Errorf("current match not highlighted: %q", rows[2])
	}

	if !b.NextMatch(true) {
		t.Fatalf("NextMatch(true) = false")
	}
	if cur, _ := b.Match(); cur != 4 {
		t.Errorf("after n, match %d, want 4", cur)
	}
	got := plain(b)
	if !strings.Contains(strings.Join(got, "|"), "an error that wrap") {
		t.Errorf("older match not in view: %q", got)
	}
	if b.Following() {
		t.Errorf("still following after jumping to an older match")
	}
	if !b.NextMatch(false) || !b.NextMatch(true) || !b.NextMatch(true) || !b.NextMatch(true) || !b.NextMatch(true) {
		t.Fatalf("NextMatch failed within the matches")
	}
	if cur, _ := b.Match(); cur != 1 {
		t.Errorf("after moving to the oldest, match %d, want 1", cur)
	}
	if b.NextMatch(true) {
		t.Errorf("NextMatch(true) past the oldest match = true")
	}
	rows = checkRender(t, b)
	joined := strings.Join(rows, "\n")
	if !strings.Contains(joined, currentSGR+"ERROR") {
		t.Errorf("current match not highlighted:\n%q", rows)
	}

	// Matches on other visible rows are highlighted too.
	b.Search("ok")
	rows = checkRender(t, b)
	if n := strings.Count(strings.Join(rows, ""), "\x1b[7mok"); n != 2 {
		t.Errorf("other matches not highlighted: %q", rows)
	}
	if n := strings.Count(strings.Join(rows, ""), currentSGR+"ok"); n != 1 {
		t.Errorf("current match not highlighted: %q", rows)
	}

	// Smart case.
	if n := b.Search("ERROR"); n != 4 {
		t.Errorf("Search(%q) = %d, want 4 (case-sensitive)", "ERROR", n)
	}
	// New lines are searched as they arrive.
	write(b, "another error\r\n")
	if _, total := b.Match(); total != 4 {
		t.Errorf("case-sensitive search matched a new lower-case line")
	}
	b.Search("error")
	write(b, "yet another ERROR\r\n")
	if _, total := b.Match(); total != 7 {
		t.Errorf("Match() total = %d after a new matching line, want 7", total)
	}
	if n := b.Search(""); n != 0 {
		t.Errorf("Search(\"\") = %d", n)
	}
	if cur, total := b.Match(); cur != 0 || total != 0 || b.NextMatch(true) {
		t.Errorf("search not cleared: Match() = %d, %d", cur, total)
	}
	if strings.Contains(strings.Join(b.Render(), ""), "\x1b[7m") {
		t.Errorf("highlights left after clearing the search")
	}
}

func TestSearchFold(t *testing.T) {
	tests := []struct {
		text, query string
		start, end  int
	}{
		{"Hello World", "world", 6, 11},
		{"Hello World", "World", 6, 11},
		{"Hello World", "WORLD", -1, -1},
		{"ÉCOLE école", "école", 0, 6},
		{"straße STRASSE", "straße", 0, 7},
		{"日本語テキスト", "テキ", 9, 15},
		{"abc", "abcd", -1, -1},
	}
	for _, tt := range tests {
		var s search
		s.set(tt.query)
		if start, end := s.index(tt.text, 0); start != tt.start || end != tt.end {
			t.Errorf("index(%q) of %q = %d, %d, want %d, %d", tt.text, tt.query, start, end, tt.start, tt.end)
		}
	}
}

func TestSearchHighlightWidths(t *testing.T) {
	b := newBuffer(t, 100, 9, 3)
	write(b, "e\u0301e\u0301 世界 👩‍💻 e\u0301\r\n")
	for _, q := range []string{"e", "\u0301", "界", "👩", "\u200d"} {
		b.Search(q)
		checkRender(t, b)
	}
}

// currentSGR is how the current match starts.
var currentSGR = string(appendSGR(nil, style{}, currentStyle))

func TestNote(t *testing.T) {
	tests := []struct {
		name, output string
		want         []string
	}{
		{"after a whole line", "done\r\n", []string{"done", "exited 0"}},
		{"after a partial line", "prompt> ", []string{"prompt>", "exited 0"}},
		{"after nothing", "", []string{"exited 0"}},
		{"in a full-screen program", "before\r\n\x1b[?1049h\x1b[Hvim", []string{"before", "exited 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(100, 20, 4)
			defer b.Close()
			b.Write([]byte(tt.output))
			b.Note("exited 0\a\x1b")
			rows := b.Render()
			var got []string
			for _, r := range rows {
				if s := strings.TrimRight(ansi.Strip(r), " "); s != "" {
					got = append(got, s)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rows %q, want %q", got, tt.want)
			}
			last := rows[len(tt.want)-1]
			if !strings.Contains(last, "\x1b[2m") || strings.Contains(last, "\a") || strings.Count(last, "\x1b") != strings.Count(last, "\x1b[") {
				t.Errorf("the note's row %q is not dim, or carries the control codes given", last)
			}
		})
	}
}
