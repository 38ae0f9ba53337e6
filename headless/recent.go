package headless

import (
	"time"

	"github.com/composer-dev/composer/runner"
)

// Recent is a Sink that keeps the last lines of a log, of every process
// together, in order: at most lines of them and about bytes of their
// text, the oldest dropped first. Its text is kept in one circular
// buffer, so that keeping a line costs a copy and no allocation. Like
// every Sink it is called under its Log's lock, and so is Lines: call it
// within the Log's Hold.
type Recent struct {
	ents  []recentLine
	head  int // the oldest entry
	n     int
	text  []byte // circular, len a power of two
	start int64  // the absolute offset of the oldest byte kept
	end   int64
}

type recentLine struct {
	proc, about int
	t           int64 // unix nanoseconds
	off         int64
	n           int
}

// NewRecent keeps at most lines lines and about bytes of their text
// (rounded up to a power of two).
func NewRecent(lines, bytes int) *Recent {
	size := 1
	for size < bytes {
		size *= 2
	}
	return &Recent{ents: make([]recentLine, max(lines, 1)), text: make([]byte, size)}
}

// Line keeps l, dropping the oldest lines it has no room for; a line
// longer than the buffer keeps its end.
func (r *Recent) Line(l Line) {
	b := l.Text
	if len(b) > len(r.text) {
		b = b[len(b)-len(r.text):]
	}
	for r.n > 0 && (r.n == len(r.ents) || r.end+int64(len(b))-r.start > int64(len(r.text))) {
		r.drop()
	}
	i := int(r.end % int64(len(r.text)))
	k := copy(r.text[i:], b)
	copy(r.text, b[k:])
	r.ents[(r.head+r.n)%len(r.ents)] = recentLine{proc: l.Proc, about: l.About, t: l.Time.UnixNano(), off: r.end, n: len(b)}
	r.n++
	r.end += int64(len(b))
}

func (r *Recent) drop() {
	e := &r.ents[r.head]
	r.start = e.off + int64(e.n)
	r.head = (r.head + 1) % len(r.ents)
	r.n--
}

// Done is nothing to a Recent.
func (r *Recent) Done(runner.Event) {}

// Lines is a copy of the lines kept, oldest first.
func (r *Recent) Lines() []Line {
	out := make([]Line, 0, r.n)
	for i := range r.n {
		e := r.ents[(r.head+i)%len(r.ents)]
		text := make([]byte, e.n)
		at := int(e.off % int64(len(r.text)))
		k := copy(text, r.text[at:])
		copy(text[k:], r.text)
		out = append(out, Line{Proc: e.proc, About: e.about, Time: time.Unix(0, e.t), Text: text})
	}
	return out
}
