package screen

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// errorLines writes lines from to to-1: "ERROR i" for every fifth, else "ok i".
func errorLines(b *Buffer, from, to int) {
	for i := from; i < to; i++ {
		if i%5 == 0 {
			write(b, "ERROR "+itoa(i)+"\r\n")
		} else {
			write(b, "ok "+itoa(i)+"\r\n")
		}
	}
}

// currentRow returns the visible row that holds the current match
// highlighted, or "" if none does.
func currentRow(t *testing.T, b *Buffer) string {
	t.Helper()
	rows := checkRender(t, b)
	text := plain(b)
	for i, r := range rows {
		if strings.Contains(r, currentSGR) {
			return text[i]
		}
	}
	return ""
}

// checkSearch fails unless the matches are exactly the history lines that
// match, and the current match is one of them (or there is none).
func checkSearch(t testing.TB, b *Buffer) {
	t.Helper()
	var want []uint64
	if b.search.query != "" {
		for id := b.hist.first; id < b.hist.next(); id++ {
			if i, _ := b.search.index(b.hist.at(id).text, 0); i >= 0 {
				want = append(want, id)
			}
		}
	}
	if !slices.Equal(b.search.matches, want) {
		t.Fatalf("search %q holds matches %v, want the matching lines %v", b.search.query, b.search.matches, want)
	}
	cur, total := b.Match()
	if total > 0 && (cur < 1 || cur > total) || total == 0 && cur != 0 {
		t.Fatalf("Match() = %d/%d, want 1..%d", cur, total, total)
	}
}

// Lines dropped from a full history take their matches with them; the
// current match keeps its number among those left.
func TestSearchEviction(t *testing.T) {
	b := newBuffer(t, 30, 20, 5)
	errorLines(b, 0, 30) // matches 0, 5, ..., 25
	if n := b.Search("ERROR"); n != 6 {
		t.Fatalf("Search = %d, want 6", n)
	}
	if cur, total := b.Match(); cur != 6 || total != 6 {
		t.Fatalf("Match() = %d/%d, want 6/6", cur, total)
	}
	if b.Following() {
		t.Errorf("a search left the view following new output")
	}
	first := plain(b)[0]

	errorLines(b, 30, 42) // drops 0..11 and their matches 0, 5, 10; adds 30, 35, 40
	checkSearch(t, b)
	if cur, total := b.Match(); cur != 3 || total != 6 {
		t.Errorf("after 3 old matches went and 3 new came: Match() = %d/%d, want 3/6", cur, total)
	}
	if got := currentRow(t, b); got != "ERROR 25" {
		t.Errorf("current match shown %q, want ERROR 25", got)
	}
	if got := plain(b)[0]; got != first {
		t.Errorf("new output moved the view from %q to %q", first, got)
	}

	b.NextMatch(true)
	b.NextMatch(true)
	if cur, _ := b.Match(); cur != 1 || currentRow(t, b) != "ERROR 15" {
		t.Fatalf("n n: match %d on %q, want 1 on ERROR 15", cur, currentRow(t, b))
	}
	// The current match's own line goes: the next one takes over, on screen.
	errorLines(b, 42, 47) // drops 12..16
	checkSearch(t, b)
	if cur, total := b.Match(); cur != 1 || total != 6 {
		t.Errorf("after the current match went: Match() = %d/%d, want 1/6", cur, total)
	}
	if got := currentRow(t, b); got != "ERROR 20" {
		t.Errorf("after the current match went, the one shown is %q, want ERROR 20 (screen %q)", got, plain(b))
	}
	// n at the oldest match stays there, and shows it.
	b.ScrollDown(100)
	if b.NextMatch(true) {
		t.Errorf("n past the oldest match reported a move")
	}
	if got := currentRow(t, b); got != "ERROR 20" {
		t.Errorf("n at the oldest match shows %q, want ERROR 20", got)
	}

	// Every match goes.
	for i := 47; i < 100; i++ {
		write(b, "ok "+itoa(i)+"\r\n")
	}
	checkSearch(t, b)
	if cur, total := b.Match(); cur != 0 || total != 0 || b.NextMatch(true) {
		t.Errorf("no match left: Match() = %d/%d", cur, total)
	}
	// A new one is the current one.
	write(b, "ERROR 100\r\n")
	checkSearch(t, b)
	if cur, total := b.Match(); cur != 1 || total != 1 {
		t.Errorf("a new match after none: Match() = %d/%d, want 1/1", cur, total)
	}
	b.Follow()
	if !b.Following() {
		t.Errorf("Follow did not follow")
	}
}

// A search stops the view following output, wherever the match is.
func TestSearchStopsFollowing(t *testing.T) {
	b := newBuffer(t, 1000, 20, 5)
	errorLines(b, 1, 5) // the match, ERROR 5, is coming
	write(b, "ERROR 5\r\n")
	if n := b.Search("ERROR"); n != 1 || b.Following() {
		t.Fatalf("Search = %d, following %v; want 1, not following", n, b.Following())
	}
	errorLines(b, 6, 30)
	b.Search("ERROR") // from a view that has not moved
	if got := currentRow(t, b); got != "ERROR 5" {
		t.Errorf("the match scrolled away: shown %q, screen %q", got, plain(b))
	}
	b.Follow()
	write(b, "ERROR 30\r\n")
	if n := b.Search("ERROR"); n != 6 || b.Following() || currentRow(t, b) != "ERROR 30" {
		t.Errorf("a match at the bottom: Search = %d, following %v, shown %q", n, b.Following(), currentRow(t, b))
	}
	errorLines(b, 31, 40)
	if got := currentRow(t, b); got != "ERROR 30" {
		t.Errorf("a match at the bottom scrolled away: shown %q", got)
	}
}

// A flood through a small history: the count always matches what history
// holds, and n and N always land on a match that is shown.
func TestSearchFlood(t *testing.T) {
	b := newBuffer(t, 300, 40, 20)
	r := rand.New(rand.NewSource(1))
	i := 0
	flood := func(n int) {
		for range n {
			if r.Intn(37) == 0 {
				write(b, "GET /x ERROR "+itoa(i)+"\r\n")
			} else {
				write(b, "GET /x 200 "+itoa(i)+"\r\n")
			}
			i++
		}
	}
	flood(2000)
	if b.Search("ERROR") == 0 {
		t.Fatal("no match")
	}
	for step := range 500 {
		flood(r.Intn(100))
		checkSearch(t, b)
		if step%3 == 0 {
			b.NextMatch(r.Intn(2) == 0)
			if _, total := b.Match(); total > 0 && !strings.Contains(currentRow(t, b), "ERROR") {
				t.Fatalf("step %d: after n/N the current match is not on screen: %q", step, plain(b))
			}
		}
	}
}
