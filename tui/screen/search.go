package screen

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// search finds a query in the plain text of history lines, a whole line at a
// time however it wraps. It is case-insensitive unless the query has an
// upper-case letter (smart case, as in vim and less).
type search struct {
	query   string
	needle  string // the query, lower-cased when folding
	fold    bool
	matches []uint64 // ids of the matching history lines, oldest first
	cur     int      // index in matches of the current match; -1 if none
}

// span is a stretch of a line's text drawn with st: a search match.
type span struct {
	start, end int
	st         style
}

func (s *search) set(query string) {
	s.query, s.needle, s.fold = query, query, true
	for _, r := range query {
		if unicode.IsUpper(r) {
			s.fold = false
		}
	}
	if s.fold {
		s.needle = strings.Map(unicode.ToLower, query)
	}
	s.matches, s.cur = s.matches[:0], -1
}

// index returns the byte range of the first match in text at or after from,
// or -1, -1.
func (s *search) index(text string, from int) (start, end int) {
	if s.needle == "" || from >= len(text) {
		return -1, -1
	}
	text = text[from:]
	var i int
	n := len(s.needle)
	switch {
	case !s.fold:
		i = strings.Index(text, s.needle)
	case isASCII(s.needle):
		i = indexFoldASCII(text, s.needle)
	default:
		i, n = indexFold(text, s.needle)
	}
	if i < 0 {
		return -1, -1
	}
	return from + i, from + i + n
}

// indexFoldASCII finds an ASCII needle, already lower-case, in s ignoring
// the case of ASCII letters. Bytes of other characters never equal ASCII
// ones, so UTF-8 text needs nothing more.
func indexFoldASCII(s, needle string) int {
	c0, c1 := needle[0], needle[0]
	if 'a' <= c0 && c0 <= 'z' {
		c1 = c0 - 'a' + 'A'
	}
outer:
	for i := 0; i+len(needle) <= len(s); i++ {
		if s[i] != c0 && s[i] != c1 {
			continue
		}
		for k := 1; k < len(needle); k++ {
			c := s[i+k]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[k] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// indexFold finds a lower-case needle in s rune by rune, returning where and
// how many bytes of s matched (folding can change the length).
func indexFold(s, needle string) (int, int) {
	for i := 0; i < len(s); {
		n, ok := 0, true
		for _, q := range needle {
			if n >= len(s)-i {
				ok = false
				break
			}
			r, size := utf8.DecodeRuneInString(s[i+n:])
			if r != q && unicode.ToLower(r) != q {
				ok = false
				break
			}
			n += size
		}
		if ok {
			return i, n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, 0
}

// find appends every match in text, drawn as the current match or not.
func (s *search) find(text string, current bool, dst []span) []span {
	if s.query == "" {
		return dst
	}
	st := matchStyle
	if current {
		st = currentStyle
	}
	for from := 0; ; {
		i, j := s.index(text, from)
		if i < 0 {
			return dst
		}
		dst = append(dst, span{start: i, end: j, st: st})
		from = j
	}
}

func (s *search) isCurrent(id uint64) bool {
	return s.cur >= 0 && s.cur < len(s.matches) && s.matches[s.cur] == id
}

// The current match is always one of the matches (cur is within
// matches), or there is none (cur is -1, and so are the matches).

// pushed notes a new history line.
func (s *search) pushed(id uint64, text string) {
	if s.query != "" {
		if i, _ := s.index(text, 0); i >= 0 {
			s.matches = append(s.matches, id)
			s.cur = max(s.cur, 0)
		}
	}
}

// dropped notes that the oldest history line, id, went, and reports
// whether it was the current match. The current match keeps its place
// among the others; if it was the line that went, the oldest one left
// takes over.
func (s *search) dropped(id uint64) (current bool) {
	if len(s.matches) == 0 || s.matches[0] != id {
		return false
	}
	current = s.cur == 0
	s.matches = s.matches[1:]
	s.cur = max(s.cur-1, 0)
	if len(s.matches) == 0 {
		s.cur = -1
	}
	return current
}

// popped notes that the history lines from id on went.
func (s *search) popped(id uint64) {
	for len(s.matches) > 0 && s.matches[len(s.matches)-1] >= id {
		s.matches = s.matches[:len(s.matches)-1]
	}
	s.cur = min(s.cur, len(s.matches)-1)
}

// Search looks for query in the plain text of every history line,
// case-insensitively unless query has an upper-case letter, and returns how
// many lines match. It makes the most recent match at or above the bottom of
// the view the current one and scrolls to show it. "" clears the search.
func (b *Buffer) Search(query string) int {
	b.search.set(query)
	if query == "" {
		return 0
	}
	for id := b.hist.first; id < b.hist.next(); id++ {
		if !b.shows(id) {
			continue
		}
		if i, _ := b.search.index(b.hist.at(id).text, 0); i >= 0 {
			b.search.matches = append(b.search.matches, id)
		}
	}
	if len(b.search.matches) == 0 {
		return 0
	}
	b.search.cur = b.nearestMatch()
	b.reveal()
	return len(b.search.matches)
}

// NextMatch makes the next older (n) or newer (N) match the current one and
// scrolls to show it. It returns false when there is none; the current
// match is then shown.
func (b *Buffer) NextMatch(older bool) bool {
	s := &b.search
	if len(s.matches) == 0 {
		return false
	}
	moved := true
	switch {
	case older && s.cur > 0:
		s.cur--
	case !older && s.cur < len(s.matches)-1:
		s.cur++
	default:
		moved = false
	}
	b.reveal()
	return moved
}

// Match returns the number of the current match, counting from the oldest
// (0 if there is none), and how many lines match, for "match 3/17".
func (b *Buffer) Match() (current, total int) {
	return b.search.cur + 1, len(b.search.matches)
}

// nearestMatch returns the most recent match at or above the view's last
// row, or the oldest one if all are below it.
func (b *Buffer) nearestMatch() int {
	m := b.search.matches
	bottom := b.advance(b.top(), b.rows-1).id
	return max(0, sort.Search(len(m), func(i int) bool { return m[i] > bottom })-1)
}

// reveal scrolls, if needed, so that the current match is in view, in the
// middle of it, and stops following new output, as less does: the match
// must not scroll away while it is read.
func (b *Buffer) reveal() {
	id := b.search.matches[b.search.cur]
	l := b.hist.at(id)
	i, _ := b.search.index(l.text, 0)
	starts := rowStarts(nil, l.text, l.ascii, b.cols)
	target := pos{id: id, row: sort.Search(len(starts), func(k int) bool { return starts[k] > i }) - 1}
	top := b.top()
	if d := b.rowsBefore(target) - b.rowsBefore(top); d < 0 || d >= b.rows {
		top = b.retreat(target, b.rows/2)
		if bottom := b.followTop(); bottom.less(top) {
			top = bottom
		}
	}
	b.anchor, b.follow = top, false
}

// evicted notes that the current match's line was dropped from history:
// a view held at the top of history, which the dropped lines were pushing
// on, moves to the match that took over, so that one stays in sight.
func (b *Buffer) evicted() {
	if !b.follow && b.anchor.id < b.hist.first && len(b.search.matches) > 0 {
		b.reveal()
	}
}
