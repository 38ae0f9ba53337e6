package screen

import (
	"sort"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// line is one line of history, stored compactly: its printable text (valid
// UTF-8, no control characters, no escape sequences) and the places where
// the pen changed. A line is never wrapped in storage; rows are cut from it
// at render time so that a resize rewraps history.
type line struct {
	text  string
	runs  []run  // pen changes in text order; text before runs[0] has the default pen
	width int32  // display width in cells
	ascii bool   // every byte is printable ASCII, so byte offsets are columns
	tag   uint16 // whose line it is, in a Buffer of many processes' (SetTag)
	// wide has bit x set where a wide character starts at column x; nil
	// when the line has none. It is what rowCount needs to count rows at
	// any width without segmenting the text again: the UI resizes every
	// pane on every window resize, and history holds thousands of lines.
	wide []uint64
}

// run says that text from byte offset off on is drawn with st.
type run struct {
	off int32
	st  style
}

// newLine finishes a line from its text and pen changes; ascii says whether
// the text is all ASCII, when the caller knows.
func newLine(text string, runs []run, ascii bool) line {
	l := line{text: text, runs: runs, ascii: ascii}
	if l.ascii {
		l.width = int32(len(text))
		return l
	}
	w := 0
	for i := 0; i < len(text); {
		n, cw := cluster(text[i:])
		if cw == 2 {
			for len(l.wide) <= w/64 {
				l.wide = append(l.wide, 0)
			}
			l.wide[w/64] |= 1 << (w % 64)
		}
		w += cw
		i += n
	}
	l.width = int32(w)
	return l
}

// size approximates the memory a line holds, for the history's byte budget.
func (l *line) size() int { return len(l.text) + 16*len(l.runs) + 8*len(l.wide) + 64 }

// styleIndex returns the index of the run in effect at byte offset off, or
// -1 when the default pen is.
func (l *line) styleIndex(off int) int {
	return sort.Search(len(l.runs), func(i int) bool { return int(l.runs[i].off) > off }) - 1
}

// rowCount returns how many rows the line takes when wrapped at cols
// columns; an empty line still takes one.
//
// It takes no segmenting: rowStarts breaks a row where the next cluster no
// longer fits, which without wide characters is every cols columns, and
// otherwise a column early where a wide character would straddle the edge.
func (l *line) rowCount(cols int) int {
	width := int(l.width)
	switch {
	case width <= cols:
		return 1
	case l.wide == nil:
		return (width + cols - 1) / cols
	case cols < 2:
		// A wide character overflows a one-column row; rare enough to
		// count the slow way.
		return len(rowStarts(nil, l.text, false, cols))
	}
	rows := 1
	for start := 0; start+cols < width; rows++ {
		next := start + cols
		if l.wideAt(next - 1) {
			next--
		}
		start = next
	}
	return rows
}

// wideAt reports whether a wide character starts at column x.
func (l *line) wideAt(x int) bool {
	return x/64 < len(l.wide) && l.wide[x/64]&(1<<(x%64)) != 0
}

// rowStarts appends the byte offset at which each row of text starts when it
// is soft-wrapped at cols columns. A wide character that does not fit at the
// end of a row moves to the next one, as in a terminal.
func rowStarts(dst []int, text string, ascii bool, cols int) []int {
	dst = append(dst, 0)
	if ascii {
		for off := cols; off < len(text); off += cols {
			dst = append(dst, off)
		}
		return dst
	}
	w := 0
	for i := 0; i < len(text); {
		n, cw := cluster(text[i:])
		if w+cw > cols && w > 0 {
			dst = append(dst, i)
			w = 0
		}
		w += cw
		i += n
	}
	return dst
}

// locate returns the row and column at which cell col of a line sits when
// the line is wrapped at cols columns. Columns past the end of the text are
// blank cells; a cursor just past a full last row stays on that row, in the
// last column, like a terminal's pending wrap.
func locate(text string, ascii bool, cols, col int) (row, x int) {
	c, i := 0, 0
	if ascii {
		c = min(col, len(text))
		i = c
		row, x = c/cols, c%cols
		if x == 0 && c > 0 {
			row, x = row-1, cols // the end of a full row
		}
	} else {
		for i < len(text) && c < col {
			n, cw := cluster(text[i:])
			if x+cw > cols && x > 0 {
				row, x = row+1, 0
			}
			x += cw
			c += cw
			i += n
		}
		if c > col {
			return row, x - (c - col) // on the right half of a wide character
		}
	}
	if i < len(text) {
		// On a character: where that character is drawn.
		if _, cw := cluster(text[i:]); x+cw > cols && x > 0 {
			return row + 1, 0
		}
		return row, min(x, cols-1)
	}
	x += col - c
	switch {
	case x < cols:
		return row, x
	case col == c:
		return row, cols - 1
	}
	return row + x/cols, x % cols
}

// cluster returns the length in bytes and the display width of the grapheme
// cluster that s starts with, as ansi.StringWidth (and so lipgloss.Width)
// measures it. Printable ASCII followed by ASCII is a cluster of its own,
// which keeps log lines off the segmenter.
func cluster[T string | []byte](s T) (n, w int) {
	if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf) {
		return 1, 1
	}
	c, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	if len(c) == 0 {
		return 1, 0
	}
	return len(c), min(w, 2)
}

// textWidth returns the display width of text.
func textWidth[T string | []byte](s T) int {
	w := 0
	for i := 0; i < len(s); {
		n, cw := cluster(s[i:])
		w += cw
		i += n
	}
	return w
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// printable reports the bytes that are printed as they are: printable ASCII.
var printable = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	return t
}()

// asciiString holds one-byte strings so that cells never allocate for ASCII.
var asciiString = func() (t [128]string) {
	for c := range t {
		t[c] = string(rune(c))
	}
	return t
}()

// safeRune reports whether r may be shown. Control characters, C1 controls
// (which some terminals still obey when UTF-8 encoded) and bidirectional
// overrides (which would reorder the rest of the row in a terminal that
// implements them) are dropped: a pane must never steer the real terminal.
func safeRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return false
	case r >= 0x80 && r < 0xa0:
		return false
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return false
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return false
	case prepend(r):
		// A prepended concatenation mark joins whatever follows it into
		// its cluster, the padding of a row included, which would make
		// the row narrower than measured.
		return false
	}
	return true
}

// prepend reports whether r has the Grapheme_Cluster_Break property
// Prepend (Unicode 15).
func prepend(r rune) bool {
	switch {
	case r < 0x0600:
		return false
	case r <= 0x0605, r == 0x06dd, r == 0x070f, r == 0x0890, r == 0x0891, r == 0x08e2, r == 0x0d4e,
		r == 0x110bd, r == 0x110cd, r == 0x111c2, r == 0x111c3, r == 0x1193f, r == 0x11941,
		r == 0x11a3a, r >= 0x11a84 && r <= 0x11a89, r == 0x11d46, r == 0x11f02:
		return true
	}
	return false
}
