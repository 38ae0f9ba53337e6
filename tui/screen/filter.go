package screen

import "sort"

// A filter shows only the history lines whose plain text holds its query
// (as Search finds it: case-insensitive unless the query has a capital),
// and the line being written if it does. The other lines keep their place
// in history; they take no rows. A full-screen program's screen is shown
// whole: the filter waits under it.

// Filter shows only the lines that match query, as they come too, and
// returns how many history lines do; "" shows every line again. A search
// is made again among the lines shown.
func (b *Buffer) Filter(query string) int {
	b.filter.set(query)
	b.refilter()
	return len(b.filter.matches)
}

// refilter finds the lines shown again, and the search among them.
func (b *Buffer) refilter() {
	b.filter.matches = b.filter.matches[:0]
	if b.filter.query != "" || b.hiding > 0 {
		for id := b.hist.first; id < b.hist.next(); id++ {
			if b.visible(b.hist.at(id)) {
				b.filter.matches = append(b.filter.matches, id)
			}
		}
	}
	b.tailOK = false
	if q := b.search.query; q != "" {
		b.Search(q)
	}
}

// visible reports whether line l passes the filter and its tag is shown.
func (b *Buffer) visible(l *line) bool {
	if int(l.tag) < len(b.hidden) && b.hidden[l.tag] {
		return false
	}
	if b.filter.query == "" {
		return true
	}
	i, _ := b.filter.index(l.text, 0)
	return i >= 0
}

// SetTag marks the lines written from now on with tag, such as the
// process they come from in a Buffer that merges several (at most
// 65535): Hide hides them by it.
func (b *Buffer) SetTag(tag int) {
	if len(b.cur.text) > 0 || len(b.cur.cells) > 0 {
		b.finishLine() // a line is one process's
	}
	b.tag = uint16(min(max(tag, 0), 1<<16-1))
}

// Hide hides the lines marked with tag, or shows them again, as a filter
// does: they keep their place in history and take no rows. A search is
// made again among the lines shown.
func (b *Buffer) Hide(tag int, hide bool) {
	if tag < 0 || tag >= 1<<16 {
		return
	}
	for len(b.hidden) <= tag {
		b.hidden = append(b.hidden, false)
	}
	if b.hidden[tag] == hide {
		return
	}
	b.hidden[tag] = hide
	if hide {
		b.hiding++
	} else {
		b.hiding--
	}
	b.refilter()
}

// Filtered returns the filter's query ("" when none) and how many history
// lines match it now.
func (b *Buffer) Filtered() (query string, lines int) {
	return b.filter.query, len(b.filter.matches)
}

// filtering reports whether a filter, or hidden tags, hide lines now.
func (b *Buffer) filtering() bool { return (b.filter.query != "" || b.hiding > 0) && b.emu == nil }

// shows reports whether history line id, or the line being written, is
// shown.
func (b *Buffer) shows(id uint64) bool {
	if !b.filtering() {
		return true
	}
	if id >= b.tailID() {
		l := b.cur.line()
		l.tag = b.tag
		return b.visible(&l)
	}
	m := b.filter.matches
	i := sort.Search(len(m), func(i int) bool { return m[i] >= id })
	return i < len(m) && m[i] == id
}

// shownRows is the rows of the history lines shown.
func (b *Buffer) shownRows() int {
	if !b.filtering() {
		return b.totalRows
	}
	n := 0
	for _, id := range b.filter.matches {
		n += b.hist.at(id).rowCount(b.cols)
	}
	return n
}
