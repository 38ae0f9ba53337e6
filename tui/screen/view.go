package screen

// The view is a window of rows onto a list of rows: every history line
// wrapped at the pane's width, then the tail - the line being written in line
// mode, the emulator's screen in emulator mode. A scrolled view is anchored
// to a line id and a row within that line, so output arriving below and old
// lines dropped above do not move it.

// pos is a row in that list.
type pos struct {
	id  uint64 // a history line, or hist.next() for the tail
	row int
}

func (p pos) less(q pos) bool { return p.id < q.id || p.id == q.id && p.row < q.row }

// tailLine is the line being written, as rendered.
type tailLine struct {
	l        line
	starts   []int
	rows     int
	crow, cx int // the cursor
}

func (b *Buffer) tailID() uint64 { return b.hist.next() }

func (b *Buffer) tailLine() *tailLine {
	if !b.tailOK {
		t := &b.tail
		t.l = b.cur.line()
		t.starts = rowStarts(t.starts[:0], t.l.text, t.l.ascii, b.cols)
		t.crow, t.cx = locate(t.l.text, t.l.ascii, b.cols, b.cur.cursor())
		t.rows = max(len(t.starts), t.crow+1)
		b.tailOK = true
	}
	return &b.tail
}

func (b *Buffer) tailRows() int {
	if b.emu != nil {
		return b.rows
	}
	if !b.shows(b.tailID()) {
		return 0
	}
	return b.tailLine().rows
}

func (b *Buffer) rowsOf(id uint64) int {
	if id >= b.tailID() {
		return b.tailRows()
	}
	if !b.shows(id) {
		return 0
	}
	return b.hist.at(id).rowCount(b.cols)
}

// followTop returns the first visible row of a view that follows output.
func (b *Buffer) followTop() pos {
	need := b.rows
	p := pos{id: b.tailID()}
	r := b.tailRows()
	for r < need && p.id > b.hist.first {
		need -= r
		p.id--
		r = b.rowsOf(p.id)
	}
	p.row = max(0, r-need)
	return p
}

// top returns the first visible row.
func (b *Buffer) top() pos {
	if b.follow {
		return b.followTop()
	}
	p := b.anchor
	switch {
	case p.id < b.hist.first:
		return pos{id: b.hist.first}
	case p.id > b.tailID():
		p = pos{id: b.tailID()}
	}
	p.row = max(0, min(p.row, b.rowsOf(p.id)-1))
	return p
}

// retreat moves p up n rows, stopping at the first.
func (b *Buffer) retreat(p pos, n int) pos {
	for n > 0 {
		if p.row >= n {
			p.row -= n
			return p
		}
		if p.id == b.hist.first {
			p.row = 0
			return p
		}
		n -= p.row + 1
		p.id--
		p.row = b.rowsOf(p.id) - 1
	}
	return p
}

// advance moves p down n rows, stopping at the last.
func (b *Buffer) advance(p pos, n int) pos {
	for n > 0 {
		r := b.rowsOf(p.id)
		if p.row+n < r {
			p.row += n
			return p
		}
		if p.id >= b.tailID() {
			p.row = r - 1
			return p
		}
		n -= r - p.row
		p = pos{id: p.id + 1}
	}
	return p
}

// rowsBefore returns how many rows come before p, summing from whichever end
// of history is nearer.
func (b *Buffer) rowsBefore(p pos) int {
	tail := b.tailID()
	if p.id >= tail {
		return b.shownRows() + p.row
	}
	if b.filtering() {
		n := 0
		for _, id := range b.filter.matches {
			if id >= p.id {
				break
			}
			n += b.hist.at(id).rowCount(b.cols)
		}
		return n + p.row
	}
	n := 0
	if p.id-b.hist.first < tail-p.id {
		for id := b.hist.first; id < p.id; id++ {
			n += b.hist.at(id).rowCount(b.cols)
		}
	} else {
		n = b.totalRows
		for id := p.id; id < tail; id++ {
			n -= b.hist.at(id).rowCount(b.cols)
		}
	}
	return n + p.row
}

// ScrollUp scrolls the view up n rows, stopping at the top, and leaves
// follow mode - unless there is nothing above to scroll to.
func (b *Buffer) ScrollUp(n int) {
	if n <= 0 {
		return
	}
	p := b.retreat(b.top(), n)
	if !p.less(b.followTop()) {
		b.follow = true
		return
	}
	b.anchor, b.follow = p, false
}

// ScrollDown scrolls the view down n rows; reaching the bottom resumes
// follow mode.
func (b *Buffer) ScrollDown(n int) {
	if b.follow || n <= 0 {
		return
	}
	p := b.advance(b.top(), n)
	if !p.less(b.followTop()) {
		b.follow = true
		return
	}
	b.anchor = p
}

// ScrollTop scrolls to the oldest line of history.
func (b *Buffer) ScrollTop() {
	p := pos{id: b.hist.first}
	if !p.less(b.followTop()) {
		b.follow = true
		return
	}
	b.anchor, b.follow = p, false
}

// Follow goes to the bottom and follows new output.
func (b *Buffer) Follow() { b.follow = true }

// Following reports whether the view follows new output.
func (b *Buffer) Following() bool { return b.follow }

// Position returns how many rows are above and below the visible window
// (for "▲ 120" and "▼ 35 new" indicators).
func (b *Buffer) Position() (above, below int) {
	total := b.shownRows() + b.tailRows()
	if b.follow {
		return max(0, total-b.rows), 0
	}
	above = b.rowsBefore(b.top())
	return above, max(0, total-above-b.rows)
}

// Cursor returns the cursor's cell within the rendered rows, for interactive
// mode. visible is false when the view is scrolled away from it or the
// program hid it; x and y are then clamped to the pane.
func (b *Buffer) Cursor() (x, y int, visible bool) {
	crow := 0
	if b.emu != nil {
		c := b.emu.CursorPosition()
		x, crow = c.X, c.Y
	} else {
		t := b.tailLine()
		x, crow = t.cx, t.crow
	}
	y = b.rowsBefore(pos{id: b.tailID(), row: crow}) - b.rowsBefore(b.top())
	visible = !b.cursorHidden && y >= 0 && y < b.rows
	return max(0, min(x, b.cols-1)), max(0, min(y, b.rows-1)), visible
}
