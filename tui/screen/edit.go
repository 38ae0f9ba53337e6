package screen

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Bounds on the line being written, so that a process printing forever
// without a newline still uses bounded memory: past them the line is cut and
// goes to history, and writing carries on in a new line (a hard wrap).
const (
	maxLineBytes = 64 << 10 // text of a line in the compact form
	// maxLineCells bounds a line in the cell form. No character is wider
	// than its UTF-8 encoding is long, so any compact line fits.
	maxLineCells = maxLineBytes
	// maxClusterBytes bounds one grapheme cluster. Terminals keep a few
	// combining marks per cell and drop the rest; without a bound, every
	// mark joining a cluster would measure the whole cluster again, and a
	// stream of them would take quadratic time. 40 bytes hold the longest
	// emoji sequences (35 bytes) and a dozen combining marks.
	maxClusterBytes = 40
)

// editor is the line the cursor is on. Output that only appends, which is
// nearly all output, is kept in the compact form a finished line has: text
// plus pen changes, the cursor at its end. The first cursor movement that
// would overwrite or leave a gap turns the line into cells, one per column,
// until the line is finished.
type editor struct {
	// Compact form.
	text  []byte
	runs  []run
	ascii bool
	cr    bool // the cursor is in column 0 rather than at the end of text
	// measuredOff and measuredW cache the width of text[:measuredOff] so
	// that tabs in a long non-ASCII line do not measure it again each time.
	measuredOff, measuredW int
	// lastOff is a cluster boundary in text at or before the start of the
	// last cluster, from where clusterFull looks for it; it is the start
	// of the last cluster when lastEnd is len(text).
	lastOff, lastEnd int

	// Cell form.
	cells   []cell
	isCells bool
	col     int
	last    int // index of the cell printed last, which a combining mark joins; -1 if none
}

// cell is one column of a line in the cell form.
type cell struct {
	s  string // a grapheme cluster; "" on the right half of a wide one
	st style
	w  uint8 // 1 or 2; 0 on the right half of a wide cluster
}

var blankCell = cell{s: " ", w: 1}

// add appends a zero-width cluster to the cell's, unless that would make
// it longer than maxClusterBytes.
func (c *cell) add(s string) {
	if len(c.s)+len(s) <= maxClusterBytes {
		c.s += s
	}
}

// clusterFull reports whether appending the character p to the compact
// form's text would grow its last grapheme cluster past maxClusterBytes.
// It segments each byte of text about once, however long the clusters.
func (e *editor) clusterFull(p []byte) bool {
	if len(e.text)-e.lastOff+len(p) <= maxClusterBytes {
		return false
	}
	if e.lastEnd != len(e.text) {
		for i := e.lastOff; i < len(e.text); {
			n, _ := cluster(e.text[i:])
			if i+n >= len(e.text) {
				e.lastOff = i
				break
			}
			i += n
		}
		e.lastEnd = len(e.text)
	}
	last := e.text[e.lastOff:]
	if len(last)+len(p) <= maxClusterBytes {
		return false
	}
	// Whether what piles up on a long cluster (combining marks, ZWJ,
	// spacing marks) joins it depends on the character before only, and
	// a cluster this long is nearly always such a pile: looking at one
	// character keeps a flood of marks cheap. Where it errs, the cluster
	// grows by a character or breaks early; either way it stays bounded.
	_, size := utf8.DecodeLastRune(last)
	var buf [2 * utf8.UTFMax]byte
	joined := append(append(buf[:0], last[len(last)-size:]...), p...)
	c, _ := ansi.FirstGraphemeCluster(joined, ansi.GraphemeWidth)
	return len(c) == len(joined)
}

func (e *editor) reset() {
	e.text, e.runs = e.text[:0], e.runs[:0]
	e.ascii, e.cr = true, false
	e.measuredOff, e.measuredW, e.lastOff, e.lastEnd = 0, 0, 0, 0
	if cap(e.cells) > 4<<10 {
		e.cells = nil // a progress bar needs far fewer; do not hold megabytes
	}
	clear(e.cells)
	e.cells, e.isCells, e.col, e.last = e.cells[:0], false, 0, -1
}

// width returns the width of the compact form's text.
func (e *editor) width() int {
	if e.ascii {
		return len(e.text)
	}
	if e.measuredOff < len(e.text) {
		e.measuredW += textWidth(e.text[e.measuredOff:])
		e.measuredOff = len(e.text)
	}
	return e.measuredW
}

// cursor returns the column of the cursor.
func (e *editor) cursor() int {
	switch {
	case e.isCells:
		return e.col
	case e.cr:
		return 0
	}
	return e.width()
}

// appendText appends to the compact form, recording a pen change if any.
func (e *editor) appendText(p []byte, pen style) {
	if n := len(e.runs); n > 0 || pen != (style{}) {
		switch {
		case n > 0 && e.runs[n-1].st == pen:
		case n > 0 && int(e.runs[n-1].off) == len(e.text):
			e.runs[n-1].st = pen
		default:
			e.runs = append(e.runs, run{off: int32(len(e.text)), st: pen})
		}
	}
	e.text = append(e.text, p...)
}

// appendBlank appends n blank columns to the compact form: what a terminal
// shows where the cursor skipped over cells without writing.
func (e *editor) appendBlank(n int) {
	n = min(n, maxLineBytes-len(e.text))
	if n <= 0 {
		return
	}
	e.appendText(nil, style{})
	for range n {
		e.text = append(e.text, ' ')
	}
}

// toCells turns the compact form into cells, keeping the cursor where it
// is.
func (e *editor) toCells() {
	if e.isCells {
		return
	}
	col := e.cursor()
	e.cells = e.cells[:0]
	ri, st := 0, style{}
	for i := 0; i < len(e.text); {
		for ri < len(e.runs) && int(e.runs[ri].off) <= i {
			st = e.runs[ri].st
			ri++
		}
		n, w := cluster(e.text[i:])
		var s string
		if n == 1 && e.text[i] < utf8.RuneSelf {
			s = asciiString[e.text[i]]
		} else {
			s = string(e.text[i : i+n])
		}
		switch {
		case w == 0 && len(e.cells) > 0:
			e.cells[e.lead(len(e.cells)-1)].add(s)
		case w > 0:
			e.cells = append(e.cells, cell{s: s, st: st, w: uint8(w)})
			if w == 2 {
				e.cells = append(e.cells, cell{st: st})
			}
		}
		i += n
	}
	e.text, e.runs = e.text[:0], e.runs[:0]
	e.ascii, e.cr, e.measuredOff, e.measuredW, e.lastOff, e.lastEnd = true, false, 0, 0, 0, 0
	e.isCells, e.col, e.last = true, min(col, maxLineCells-1), -1
}

// lead returns the index of the cell that holds the cluster drawn at x.
func (e *editor) lead(x int) int {
	if x > 0 && x < len(e.cells) && e.cells[x].w == 0 {
		return x - 1
	}
	return x
}

// grow makes sure cells exist up to column n.
func (e *editor) grow(n int) {
	for len(e.cells) < n {
		e.cells = append(e.cells, blankCell)
	}
}

// unwide blanks the wide cluster that covers column x, if any, because
// part of it is about to be overwritten.
func (e *editor) unwide(x int) {
	if x >= len(e.cells) {
		return
	}
	switch c := e.cells[x]; {
	case c.w == 0 && x > 0:
		e.cells[x-1], e.cells[x] = blankCell, blankCell
	case c.w == 2 && x+1 < len(e.cells):
		e.cells[x], e.cells[x+1] = blankCell, blankCell
	}
}

// put writes a cluster of width w at the cursor in the cell form. It
// reports false when the line is full.
func (e *editor) put(s string, w int, pen style) bool {
	if w == 0 {
		// A zero-width cluster of its own stays with the cell before it,
		// where it takes no column.
		if e.col > 0 && e.col-1 < len(e.cells) {
			e.cells[e.lead(e.col-1)].add(s)
		}
		return true
	}
	if e.col+w > maxLineCells {
		return false
	}
	e.grow(e.col + w)
	e.unwide(e.col)
	if w == 2 {
		e.unwide(e.col + 1)
	}
	e.cells[e.col] = cell{s: s, st: pen, w: uint8(w)}
	if w == 2 {
		e.cells[e.col+1] = cell{st: pen}
	}
	e.last = e.col
	e.col += w
	return true
}

// putASCII writes printable ASCII at the cursor in the cell form and returns
// how much of it fitted on the line.
func (e *editor) putASCII(p []byte, pen style) int {
	n := min(len(p), maxLineCells-e.col)
	if n <= 0 {
		return 0
	}
	end := e.col + n
	e.grow(end)
	e.unwide(e.col)
	e.unwide(end - 1)
	for i, c := range p[:n] {
		e.cells[e.col+i] = cell{s: asciiString[c], st: pen, w: 1}
	}
	e.last, e.col = end-1, end
	return n
}

// join adds a rune to the cluster printed last if the two form one
// grapheme cluster (a combining mark, a ZWJ sequence, a variation
// selector), as a terminal would. It reports whether it did.
func (e *editor) join(r []byte) bool {
	if e.last < 0 || e.last >= len(e.cells) || e.last+int(e.cells[e.last].w) != e.col {
		return false
	}
	c := &e.cells[e.last]
	if len(c.s)+len(r) > maxClusterBytes {
		// Dropped if it joins; as in clusterFull, the character before
		// decides.
		_, size := utf8.DecodeLastRuneInString(c.s)
		var buf [2 * utf8.UTFMax]byte
		pair := append(append(buf[:0], c.s[len(c.s)-size:]...), r...)
		cl, _ := ansi.FirstGraphemeCluster(pair, ansi.GraphemeWidth)
		return len(cl) == len(pair)
	}
	joined := c.s + string(r)
	cl, w := ansi.FirstGraphemeCluster(joined, ansi.GraphemeWidth)
	if len(cl) != len(joined) {
		return false
	}
	w = max(1, min(w, 2))
	switch {
	case w == 2 && c.w == 1 && e.col < maxLineCells:
		// An emoji presentation selector widened it.
		e.grow(e.col + 1)
		e.unwide(e.col)
		e.cells[e.col] = cell{st: c.st}
		c.w = 2
		e.col++
	case w == 1 && c.w == 2:
		e.cells[e.last+1] = blankCell
		c.w = 1
		e.col--
	}
	c.s = joined
	return true
}

// erase blanks columns [from, to) of the cell form.
func (e *editor) erase(from, to int) {
	to = min(to, len(e.cells))
	if from >= to {
		return
	}
	e.unwide(from)
	e.unwide(to - 1)
	for x := from; x < to; x++ {
		e.cells[x] = blankCell
	}
	if to == len(e.cells) {
		e.cells = e.cells[:from]
	}
}

// rowEnd returns the column after the last of the row that column x is on
// when the line wraps at cols columns.
//
// Edits that a terminal confines to the cursor's row (ICH, DCH, ECH, EL 1,
// cursor movement past the end) are confined to it here too, with rows cut
// every cols columns of the line. That is what makes each of them cost at
// most a row rather than a line of up to maxLineCells: a stream of them
// would otherwise take quadratic time. A wide character that the view wraps
// early makes these rows differ from the rendered ones by a column; the
// approximation only shows on lines that mix wide characters with such
// edits.
func rowEnd(x, cols int) int { return (x/max(cols, 1) + 1) * max(cols, 1) }

// insert inserts n blank columns at the cursor (ICH), shifting the rest of
// the cursor's row right; what passes the end of the row is lost, as in a
// terminal.
func (e *editor) insert(n, cols int) {
	if e.col >= len(e.cells) {
		return
	}
	end := min(rowEnd(e.col, cols), maxLineCells)
	n = min(n, end-e.col)
	lim := min(len(e.cells), end)
	e.unwide(e.col)
	e.unwide(lim - 1) // a wide character across the end of the row
	if grown := min(lim+n, end); grown > lim {
		e.grow(grown)
		lim = grown
	}
	copy(e.cells[e.col+n:lim], e.cells[e.col:lim-n])
	for x := e.col; x < e.col+n; x++ {
		e.cells[x] = blankCell
	}
	if e.cells[lim-1].w == 2 {
		e.cells[lim-1] = blankCell // its right half went past the end
	}
}

// delete deletes n columns at the cursor, pulling the rest of the cursor's
// row left (DCH).
func (e *editor) delete(n, cols int) {
	if e.col >= len(e.cells) {
		return
	}
	end := min(rowEnd(e.col, cols), len(e.cells))
	n = min(n, end-e.col)
	e.unwide(e.col)
	e.unwide(e.col + n - 1)
	e.unwide(end - 1)
	copy(e.cells[e.col:end-n], e.cells[e.col+n:end])
	if end == len(e.cells) {
		clear(e.cells[end-n:])
		e.cells = e.cells[:end-n]
		return
	}
	for x := end - n; x < end; x++ {
		e.cells[x] = blankCell
	}
}

// line returns the line as history keeps it. Blank columns at the end of the
// cell form are dropped: a terminal shows them the same as nothing.
func (e *editor) line() line {
	if !e.isCells {
		var runs []run
		if len(e.runs) > 0 {
			runs = append(runs, e.runs...)
		}
		return newLine(string(e.text), runs, e.ascii)
	}
	end := len(e.cells)
	for end > 0 && e.cells[end-1] == blankCell {
		end--
	}
	var text []byte
	var runs []run
	pen := style{}
	for _, c := range e.cells[:end] {
		if c.w == 0 {
			continue
		}
		if c.st != pen {
			if len(runs) > 0 && int(runs[len(runs)-1].off) == len(text) {
				runs[len(runs)-1].st = c.st
			} else {
				runs = append(runs, run{off: int32(len(text)), st: c.st})
			}
			pen = c.st
		}
		text = append(text, c.s...)
	}
	return newLine(string(text), runs, isASCII(text))
}
