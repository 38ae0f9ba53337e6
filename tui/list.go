package tui

import (
	"fmt"
	"strings"
	"time"
)

// window is the part of a list of n rows that h rows of screen show,
// from row first on: shown rows, with a row before them saying how many
// are above when first > 0, and one after saying how many are below.
// The sidebar and the help scroll this way.
type window struct{ first, shown, n int }

// newWindow is the window of h rows on n that starts as near first as
// the rows allow.
func newWindow(n, h, first int) window {
	if n <= h {
		return window{0, n, n}
	}
	// The last rows are shown with only the row above: no blank below.
	first = max(0, min(first, n-(h-1)))
	if first == 1 {
		first = 0 // "1 more" would take the row of the one it hides
	}
	shown := h
	if first > 0 {
		shown--
	}
	if first+shown < n {
		shown--
	}
	return window{first, max(shown, 0), n}
}

func (w window) above() int         { return w.first }
func (w window) below() int         { return w.n - w.first - w.shown }
func (w window) showing(i int) bool { return i >= w.first && i < w.first+w.shown }

// at is the list row on screen row r: -1 for the row saying more are
// above, -2 for the one saying more are below, -3 for none.
func (w window) at(r int) int {
	if w.above() > 0 {
		if r == 0 {
			return -1
		}
		r--
	}
	switch {
	case r < 0:
		return -3
	case r < w.shown:
		return w.first + r
	case r == w.shown && w.below() > 0:
		return -2
	}
	return -3
}

// reveal is the first row of a window of h rows on n that shows row i,
// moving from first as little as it can.
func reveal(n, h, first, i int) int {
	w := newWindow(n, h, first)
	if i < w.first {
		return newWindow(n, h, i).first
	}
	for f := w.first; !w.showing(i) && f < n; {
		f++
		w = newWindow(n, h, f)
	}
	return w.first
}

// scrolled is the first row of a window of h rows on n, from first,
// after scrolling by rows.
func scrolled(n, h, first, by int) int {
	if first+by == 1 && by > 0 {
		first++ // a window never starts at 1: step past it
	}
	return newWindow(n, h, first+by).first
}

// moreRow is the row of a window that says how many rows are above or
// below it.
func (m *Model) moreRow(w window, r, width int) (string, bool) {
	switch w.at(r) {
	case -1:
		return fit(m.st.More.Render(fmt.Sprintf(" ▲ %d more", w.above())), width), true
	case -2:
		return fit(m.st.More.Render(fmt.Sprintf(" ▼ %d more", w.below())), width), true
	case -3:
		return strings.Repeat(" ", width), true
	}
	return "", false
}

// list is the sidebar's window on the processes.
func (m *Model) list() window {
	return newWindow(len(m.shared.procs), m.lay.bodyH, m.listTop)
}

// listRow is row r of the sidebar.
func (m *Model) listRow(r int, now time.Time) string {
	w := m.list()
	if s, ok := m.moreRow(w, r, m.lay.sideW); ok {
		return s
	}
	return m.sidebarRow(w.at(r), now)
}

// selectProc selects process i and scrolls the list to show it.
func (m *Model) selectProc(i int) {
	m.selected = i
	m.listTop = reveal(len(m.shared.procs), m.lay.bodyH, m.listTop, i)
}

// scrollList scrolls the sidebar by n rows, leaving the selection.
func (m *Model) scrollList(n int) {
	m.listTop = scrolled(len(m.shared.procs), m.lay.bodyH, m.listTop, n)
}

// selectName selects, as its name is typed, the first process whose
// name starts with q, or failing that holds it, ignoring case; the
// footer says when none does.
func (m *Model) selectName(q string) {
	if q == "" {
		m.selectProc(m.gotoFrom)
		return
	}
	q = strings.ToLower(q)
	for _, match := range []func(string, string) bool{strings.HasPrefix, strings.Contains} {
		for i, p := range m.shared.procs {
			if match(strings.ToLower(p.spec.Name), q) {
				m.err = ""
				m.selectProc(i)
				return
			}
		}
	}
	m.err = "no process named like " + q
}

// numberWindow is how soon a digit must follow the one before to make a
// number with it, as vim's timeoutlen.
const numberWindow = time.Second

// typed is the process number being typed, and when its last digit came.
type typed struct {
	n  int
	at time.Time
}

// selectNumber selects by a typed digit: the process with that number,
// or, soon after a digit, the one whose number the two make (1 then 2 is
// the 12th) when there is one. A short list therefore selects at once.
func (m *Model) selectNumber(d int) {
	now := m.opts.Now()
	num, n := d, len(m.shared.procs)
	if t := m.typed; t.n > 0 && now.Sub(t.at) < numberWindow && t.n*10+d <= n {
		num = t.n*10 + d
	}
	m.typed = typed{num, now}
	if num >= 1 && num <= n {
		m.selectProc(num - 1)
	}
}
