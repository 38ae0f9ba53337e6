package screen

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Copying works on the cells of the rows the view shows: history lines as
// wrapped at the pane's width, then the line being written or the
// emulator's screen. A selection runs from one cell to another, both
// included, in reading order. Its text is the lines' plain text: colours
// are left behind, a line wrapped over several rows comes out as the one
// line it is, and the blanks at the end of a line are dropped, as tmux
// does. An emulator's rows are lines of their own (see the package doc).

// Point is a cell of a Buffer's rows. It stays on its line as output
// arrives and the view scrolls; a Point whose line has left history is
// taken as the first cell of the oldest line. The zero value is that cell.
type Point struct {
	at pos
	x  int // the column in the row; a wide character's right half is its own
}

// Before reports whether p comes before q in reading order.
func (p Point) Before(q Point) bool { return p.at.less(q.at) || p.at == q.at && p.x < q.x }

// selection is what Render highlights: from and to in reading order.
type selection struct {
	on       bool
	from, to Point
}

// selectStyle paints a selection: reversed, so that it shows in a
// terminal without colours, and cyan where there are.
var selectStyle = style{fg: indexed(6), attrs: attrReverse}

// lineRef is the line a row is part of: its text, where its rows start,
// and its first row. An emulator row is a line of its own.
type lineRef struct {
	text   string
	ascii  bool
	starts []int
	first  pos
}

// lineAt returns the line row p is part of.
func (b *Buffer) lineAt(p pos) lineRef {
	switch {
	case p.id < b.tailID():
		l := b.hist.at(p.id)
		return lineRef{l.text, l.ascii, slices.Clone(b.rowStartsOf(p.id, l)), pos{id: p.id}}
	case b.emu != nil:
		l := b.screenLine(p.row)
		return lineRef{l.text, l.ascii, []int{0}, p}
	}
	t := b.tailLine()
	return lineRef{t.l.text, t.l.ascii, slices.Clone(t.starts), pos{id: p.id}}
}

// bounds returns the byte range of row k of l; a row past the text (the
// cursor's, below a line being written) is empty.
func (l *lineRef) bounds(k int) (start, end int) {
	if k >= len(l.starts) {
		return len(l.text), len(l.text)
	}
	start, end = l.starts[k], len(l.text)
	if k+1 < len(l.starts) {
		end = l.starts[k+1]
	}
	return start, end
}

// offset returns the byte offset of the character drawn at column x of row
// k, and its length; past the row's text, the row's end and 0.
func (l *lineRef) offset(k, x int) (off, n int) {
	start, end := l.bounds(k)
	if l.ascii {
		if start+x < end {
			return start + x, 1
		}
		return end, 0
	}
	w := 0
	for i := start; i < end; {
		n, cw := cluster(l.text[i:])
		if x < w+cw {
			return i, n
		}
		w += cw
		i += n
	}
	return end, 0
}

// point returns the cell at which byte offset off of l is drawn.
func (l *lineRef) point(off int) Point {
	k := max(0, rowOf(l.starts, off))
	start, _ := l.bounds(k)
	x := off - start
	if !l.ascii {
		x = textWidth(l.text[start:off])
	}
	return Point{at: pos{id: l.first.id, row: l.first.row + k}, x: x}
}

// rowOf returns the index of the last start at or before off.
func rowOf(starts []int, off int) int {
	i, _ := slices.BinarySearch(starts, off+1)
	return i - 1
}

// cells returns the column of each character of row k of l.
func (l *lineRef) cells(k int) []int {
	start, end := l.bounds(k)
	var xs []int
	for i, x := start, 0; i < end; {
		n, cw := 1, 1
		if !l.ascii {
			n, cw = cluster(l.text[i:])
		}
		xs = append(xs, x)
		x += cw
		i += n
	}
	return xs
}

// clamp returns p on a row that exists.
func (b *Buffer) clamp(p Point) Point {
	switch {
	case p.at.id < b.hist.first:
		return Point{at: pos{id: b.hist.first}}
	case p.at.id > b.tailID():
		p.at = pos{id: b.tailID()}
	}
	for p.at.id < b.tailID() && !b.shows(p.at.id) {
		p.at = pos{id: p.at.id + 1} // a line the filter hides: the next one shown
	}
	p.at.row = max(0, min(p.at.row, b.rowsOf(p.at.id)-1))
	p.x = max(0, min(p.x, b.cols-1))
	return p
}

// PointAt returns the cell at column x of the view's row y, both counted
// from 0; a row below the last is the last.
func (b *Buffer) PointAt(x, y int) Point {
	return b.clamp(Point{at: b.advance(b.top(), max(0, y)), x: x})
}

// Where returns where p is in the view; visible is false when it is
// scrolled out of it.
func (b *Buffer) Where(p Point) (x, y int, visible bool) {
	p = b.clamp(p)
	y = b.rowsBefore(p.at) - b.rowsBefore(b.top())
	return p.x, y, y >= 0 && y < b.rows
}

// Hold stops the view where it is: output arriving below no longer
// scrolls it, as while a selection is made. Follow resumes.
func (b *Buffer) Hold() {
	if b.follow {
		b.anchor, b.follow = b.followTop(), false
	}
}

// Reveal scrolls the view, as little as it takes, to show p, and holds it
// there.
func (b *Buffer) Reveal(p Point) {
	p = b.clamp(p)
	top := b.top()
	switch d := b.rowsBefore(p.at) - b.rowsBefore(top); {
	case d < 0:
		top = p.at
	case d >= b.rows:
		top = b.retreat(p.at, b.rows-1)
	}
	if bottom := b.followTop(); bottom.less(top) {
		top = bottom
	}
	b.anchor, b.follow = top, false
}

// Motion is a way to move a Point, as the keys of vi's and tmux's copy
// mode do.
type Motion int

const (
	Left     Motion = iota // one cell left, stopping at the row's start
	Right                  // one cell right, stopping at the row's last character
	Up                     // one row up, keeping the column
	Down                   // one row down, keeping the column
	RowStart               // the row's first cell
	RowEnd                 // the row's last character
	WordNext               // the start of the next word, on this line or a later one
	WordPrev               // the start of this word, or of the one before
	First                  // the first cell of the oldest line
	Last                   // the first cell of the last row
)

// Move returns p moved n times by m.
func (b *Buffer) Move(p Point, m Motion, n int) Point {
	p = b.clamp(p)
	switch m {
	case Up:
		p.at = b.retreat(p.at, n)
	case Down:
		p.at = b.advance(p.at, n)
	case First:
		return b.clamp(Point{at: pos{id: b.hist.first}})
	case Last:
		return Point{at: b.advance(b.followTop(), b.rows)}
	case Left, Right, RowStart, RowEnd:
		l := b.lineAt(p.at)
		cells := l.cells(p.at.row - l.first.row)
		i := max(0, rowOf(cells, p.x)) // the character p is on
		switch m {
		case Left:
			i -= n
		case Right:
			i += n
		case RowStart:
			i = 0
		case RowEnd:
			i = len(cells) - 1
		case Up, Down, WordNext, WordPrev, First, Last: // not here
		}
		p.x = 0
		if len(cells) > 0 {
			p.x = cells[max(0, min(i, len(cells)-1))]
		}
	case WordNext, WordPrev:
		for range n {
			p = b.word(p, m == WordNext)
		}
	}
	return b.clamp(p)
}

// word moves p to the start of the next word, or back to the start of
// its word or the one before. Words are runs of characters other than
// blanks; the end of a line ends a word.
func (b *Buffer) word(p Point, next bool) Point {
	l := b.lineAt(p.at)
	off, _ := l.offset(p.at.row-l.first.row, p.x)
	for range 1 << 16 { // lines; a bound on a scan across thousands of blank ones
		if next {
			if i := nextWordStart(l.text, off); i >= 0 {
				return l.point(i)
			}
			last := pos{id: l.first.id, row: l.first.row + len(l.starts) - 1}
			if l.first.id >= b.tailID() && b.emu != nil {
				last = l.first
			}
			q := b.clamp(Point{at: b.advance(last, 1)}).at
			if !last.less(q) {
				return l.point(len(l.text))
			}
			l, off = b.lineAt(q), -1
			continue
		}
		if i := prevWordStart(l.text, off); i >= 0 {
			return l.point(i)
		}
		q := b.retreat(l.first, 1)
		if q == l.first || !b.shows(q.id) {
			return l.point(0)
		}
		l = b.lineAt(q)
		off = len(l.text)
	}
	return p
}

// nextWordStart returns the byte offset of the first word that starts
// after off (off -1: at or after the line's start), or -1.
func nextWordStart(text string, off int) int {
	i := 0
	inWord := false
	if off >= 0 {
		i = off
		r, n := utf8.DecodeRuneInString(text[i:])
		inWord = i < len(text) && !unicode.IsSpace(r)
		i += max(n, 1)
	}
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			inWord = false
		} else if !inWord {
			return i
		}
		i += n
	}
	return -1
}

// prevWordStart returns the byte offset of the start of the word before
// off, the one off is in if off is past its start, or -1.
func prevWordStart(text string, off int) int {
	i := min(off, len(text))
	for i > 0 { // blanks before off
		r, n := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	if i == 0 {
		return -1
	}
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}

// Word returns the first and last cells of the word at p, for a double
// click: a run of characters other than blanks and the quotes and
// brackets that surround words in logs, so that a path, a URL or a
// key=value comes whole. On a blank or such a character, it is the one
// cell.
func (b *Buffer) Word(p Point) (from, to Point) {
	p = b.clamp(p)
	l := b.lineAt(p.at)
	off, n := l.offset(p.at.row-l.first.row, p.x)
	if n == 0 {
		return p, p
	}
	r, _ := utf8.DecodeRuneInString(l.text[off:])
	if separates(r) {
		return l.point(off), l.point(off)
	}
	s, e := off, off+n
	for s > 0 {
		r, n := utf8.DecodeLastRuneInString(l.text[:s])
		if separates(r) {
			break
		}
		s -= n
	}
	for e < len(l.text) {
		r, n := utf8.DecodeRuneInString(l.text[e:])
		if separates(r) {
			break
		}
		e += n
	}
	_, lastN := utf8.DecodeLastRuneInString(l.text[:e])
	return l.point(s), l.point(e - lastN)
}

func separates(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("\"'`()[]{}<>,;|", r)
}

// Line returns the first and last cells of the line p is on, all its rows.
func (b *Buffer) Line(p Point) (from, to Point) {
	p = b.clamp(p)
	l := b.lineAt(p.at)
	last := Point{at: pos{id: l.first.id, row: l.first.row + len(l.starts) - 1}}
	return Point{at: l.first}, b.Move(last, RowEnd, 1)
}

// Select highlights the cells from a to b, both included, in whichever
// order they come.
func (b *Buffer) Select(a, c Point) {
	if c.Before(a) {
		a, c = c, a
	}
	b.sel = selection{on: true, from: a, to: c}
}

// Unselect removes the highlight.
func (b *Buffer) Unselect() { b.sel = selection{} }

// Text returns the plain text of the cells from a to c, both included, in
// whichever order they come: rows of one line joined, lines ended with
// \n but the last, blanks at their ends dropped.
func (b *Buffer) Text(a, c Point) string {
	s, _ := b.TextLimit(a, c, math.MaxInt)
	return s
}

// TextLimit is Text, or false, having built no more of it, when its
// lines hold more than limit bytes.
func (b *Buffer) TextLimit(a, c Point, limit int) (string, bool) {
	if c.Before(a) {
		a, c = c, a
	}
	a, c = b.clamp(a), b.clamp(c)
	var out []string
	var cur strings.Builder
	size := 0
	end := func() {
		out = append(out, strings.TrimRight(cur.String(), " "))
		size += cur.Len() + 1
		cur.Reset()
	}
	p := a.at
	shown := false
	for { // a line at a time: a long one has thousands of rows in a narrow pane
		l := b.lineAt(p)
		shown = b.rowsOf(l.first.id) > 0 // not a line being written that a filter hides
		k := p.row - l.first.row
		s, _ := l.bounds(k)
		if p == a.at {
			s, _ = l.offset(k, a.x)
		}
		last := pos{id: l.first.id, row: l.first.row + max(len(l.starts), 1) - 1}
		if last.less(p) {
			last = p // a row past the text, below a line being written
		}
		e := len(l.text)
		done := !last.less(c.at)
		if done {
			off, n := l.offset(c.at.row-l.first.row, c.x)
			e = off + n
		}
		if e > s && shown {
			if size+cur.Len()+e-s > limit {
				return "", false
			}
			cur.WriteString(l.text[s:e])
		}
		if done {
			break
		}
		q := b.clamp(Point{at: b.advance(last, 1)}).at
		if !last.less(q) || c.at.less(q) {
			break
		}
		if (q.id != p.id || l.first.id >= b.tailID() && b.emu != nil) && shown {
			end()
		}
		p = q
	}
	if shown || len(out) == 0 {
		end()
	}
	return strings.Join(out, "\n"), true
}

// selected returns the selection's span in the line whose first row is
// first, cut at starts, or false when none of it is selected.
func (b *Buffer) selected(l *lineRef) (span, bool) {
	if !b.sel.on {
		return span{}, false
	}
	from, to := b.clamp(b.sel.from), b.clamp(b.sel.to)
	lastRow := pos{id: l.first.id, row: l.first.row + max(len(l.starts), 1) - 1}
	if to.at.less(l.first) || lastRow.less(from.at) {
		return span{}, false
	}
	s, e := 0, len(l.text)
	if !from.at.less(l.first) {
		s, _ = l.offset(from.at.row-l.first.row, from.x)
	}
	if !lastRow.less(to.at) {
		off, n := l.offset(to.at.row-l.first.row, to.x)
		e = off + n
	}
	if e <= s {
		return span{}, false
	}
	return span{start: s, end: e, st: selectStyle}, true
}

// overlay puts sel over the spans hls (in order, apart), cutting those it
// covers, and returns them in order in dst.
func overlay(dst, hls []span, sel span) []span {
	dst = dst[:0]
	for _, h := range hls {
		if h.start < sel.start {
			h.end = min(h.end, sel.start)
			dst = append(dst, h)
		}
	}
	dst = append(dst, sel)
	for _, h := range hls {
		if h.end > sel.end {
			h.start = max(h.start, sel.end)
			dst = append(dst, h)
		}
	}
	return dst
}

// MatchPoint returns where the current search match starts, if there is
// one, so that copy mode can begin there.
func (b *Buffer) MatchPoint() (Point, bool) {
	s := &b.search
	if s.cur < 0 || s.cur >= len(s.matches) || s.matches[s.cur] < b.hist.first {
		return Point{}, false
	}
	l := b.lineAt(pos{id: s.matches[s.cur]})
	i, _ := s.index(l.text, 0)
	if i < 0 {
		return Point{}, false
	}
	return l.point(i), true
}
