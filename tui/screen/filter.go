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
	if query != "" {
		for id := b.hist.first; id < b.hist.next(); id++ {
			if i, _ := b.filter.index(b.hist.at(id).text, 0); i >= 0 {
				b.filter.matches = append(b.filter.matches, id)
			}
		}
	}
	b.tailOK = false
	if q := b.search.query; q != "" {
		b.Search(q)
	}
	return len(b.filter.matches)
}

// Filtered returns the filter's query ("" when none) and how many history
// lines match it now.
func (b *Buffer) Filtered() (query string, lines int) {
	return b.filter.query, len(b.filter.matches)
}

// filtering reports whether a filter hides lines now.
func (b *Buffer) filtering() bool { return b.filter.query != "" && b.emu == nil }

// shows reports whether history line id, or the line being written, is
// shown.
func (b *Buffer) shows(id uint64) bool {
	if !b.filtering() {
		return true
	}
	if id >= b.tailID() {
		i, _ := b.filter.index(b.cur.line().text, 0)
		return i >= 0
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
