package screen

// Render returns exactly rows strings for the current scroll position. Each
// is exactly cols cells wide as ansi.StringWidth (and lipgloss.Width)
// measures it, padded with spaces, and self-contained: it starts from the
// default pen, and a reset follows its last styled cell, so the padding is
// never styled. The only escape sequences in it are SGR sequences the Buffer
// generates; nothing the child wrote reaches the real terminal.
func (b *Buffer) Render() (out []string) {
	out = make([]string, b.rows)
	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic(v)
			}
			for y := range out {
				out[y] = b.blank
			}
		}
	}()
	p := b.top()
	tail := b.tailID()
	y := 0
	for y < b.rows && p.id < tail {
		if !b.shows(p.id) {
			p = pos{id: p.id + 1}
			continue
		}
		l := b.hist.at(p.id)
		starts := b.rowStartsOf(p.id, l)
		b.matches = b.search.find(l.text, b.search.isCurrent(p.id), b.matches[:0])
		b.overlaySelection(lineRef{l.text, l.ascii, starts, pos{id: p.id}})
		for r := p.row; r < len(starts) && y < b.rows; r++ {
			out[y] = b.renderRow(l, starts, r)
			y++
		}
		p = pos{id: p.id + 1}
	}
	if y < b.rows && p.id == tail {
		if b.emu != nil {
			for r := p.row; r < b.rows && y < b.rows; r++ {
				l := b.screenLine(r)
				b.starts = rowStarts(b.starts[:0], l.text, l.ascii, b.cols)
				b.matches = b.search.find(l.text, false, b.matches[:0])
				b.overlaySelection(lineRef{l.text, l.ascii, b.starts[:1], pos{id: tail, row: r}})
				out[y] = b.renderRow(&l, b.starts, 0) // a row wider than the pane is cut
				y++
			}
		} else if b.shows(tail) {
			t := b.tailLine()
			b.matches = b.search.find(t.l.text, false, b.matches[:0])
			b.overlaySelection(lineRef{t.l.text, t.l.ascii, t.starts, pos{id: tail}})
			for r := p.row; r < t.rows && y < b.rows; r++ {
				out[y] = b.renderRow(&t.l, t.starts, r)
				y++
			}
		}
	}
	for ; y < b.rows; y++ {
		out[y] = b.blank
	}
	return out
}

// overlaySelection adds the selection's part of l to the spans the row
// is drawn with.
func (b *Buffer) overlaySelection(l lineRef) {
	if sp, ok := b.selected(&l); ok {
		b.selSpans, b.matches = b.matches, overlay(b.selSpans, b.matches, sp)
	}
}

// wrapCache keeps where the rows of a long non-ASCII history line start:
// finding them takes the grapheme segmenter over the whole line, a
// millisecond for 64 KiB, on every frame that shows the line.
type wrapCache struct {
	id     uint64
	cols   int
	starts []int
}

// rowStartsOf returns where the rows of history line id start.
func (b *Buffer) rowStartsOf(id uint64, l *line) []int {
	if l.ascii || len(l.text) < 4<<10 {
		b.starts = rowStarts(b.starts[:0], l.text, l.ascii, b.cols)
		return b.starts
	}
	for i := range b.wraps {
		if w := &b.wraps[i]; w.id == id && w.cols == b.cols && len(w.starts) > 0 {
			return w.starts
		}
	}
	w := &b.wraps[id%uint64(len(b.wraps))]
	*w = wrapCache{id: id, cols: b.cols, starts: rowStarts(w.starts[:0], l.text, false, b.cols)}
	return w.starts
}

func (b *Buffer) renderRow(l *line, starts []int, r int) string {
	b.rowBuf = appendRow(b.rowBuf[:0], l, starts, r, b.cols, b.matches, true)
	return string(b.rowBuf)
}

// appendRow appends row r of l, as cut at starts, with the search matches
// hls highlighted, padded to cols cells when pad is set. Pen changes fall on
// grapheme cluster boundaries only, so that a terminal (and
// ansi.StringWidth) sees the same clusters the row was measured with.
func appendRow(dst []byte, l *line, starts []int, r, cols int, hls []span, pad bool) []byte {
	w := 0
	if r < len(starts) {
		start, end := starts[r], len(l.text)
		if r+1 < len(starts) {
			end = starts[r+1]
		}
		ri := l.styleIndex(start)
		base := style{}
		if ri >= 0 {
			base = l.runs[ri].st
		}
		pen := style{}
		hi := 0
		for i := start; i < end; {
			n, cw := 1, 1
			if !l.ascii {
				n, cw = cluster(l.text[i:])
			}
			for ri+1 < len(l.runs) && int(l.runs[ri+1].off) <= i {
				ri++
				base = l.runs[ri].st
			}
			st := base
			for hi < len(hls) && hls[hi].end <= i {
				hi++
			}
			if hi < len(hls) && hls[hi].start < i+n {
				st = hls[hi].st
			}
			if st != pen {
				dst = appendSGR(dst, pen, st)
				pen = st
			}
			if cw > cols {
				// A wide character in a one-column pane.
				dst = append(dst, ' ')
				cw = 1
			} else {
				dst = append(dst, l.text[i:i+n]...)
			}
			w += cw
			i += n
		}
		if pen != (style{}) {
			dst = append(dst, "\x1b[m"...)
		}
	}
	for ; pad && w < cols; w++ {
		dst = append(dst, ' ')
	}
	return dst
}
