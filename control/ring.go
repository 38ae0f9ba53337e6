package control

import "sort"

// What logs can show of a process's past, at most: its last RingLines
// lines (composer's own lines about it included) and RingBytes of their
// text, whichever is less. The memory grows with use up to that.
const (
	RingLines = 1000
	RingBytes = 128 << 10 // a power of two
)

// entry is one line of a process's log: its output, or one of composer's
// own lines about it (self).
type entry struct {
	seq  uint64 // order of recording, across processes
	t    int64  // when it was written, Unix nanoseconds
	off  int64  // where its text is in the ring
	n    int32  // its length
	self bool
}

// ring is a process's recent log: entries in a circular queue, and the
// text of output lines in a circular buffer addressed by absolute offset
// (the bytes [start, end) are held, byte o at o % len(text), a power of
// two). Both grow on demand to their caps, then the oldest entries go;
// dropped counts them, so that the entry held at i is the run's
// (dropped+i)-th.
type ring struct {
	ents       []entry
	head, n    int
	dropped    int64
	text       []byte
	start, end int64
}

// line keeps a line; the ring copies it.
func (r *ring) line(seq uint64, t int64, b []byte, self bool) {
	if len(b) > RingBytes {
		b = b[len(b)-RingBytes:]
	}
	need := r.end + int64(len(b)) - r.start
	for need > RingBytes {
		r.drop()
		need = r.end + int64(len(b)) - r.start
	}
	if need > int64(len(r.text)) {
		r.growText(need)
	}
	r.push(entry{seq: seq, t: t, off: r.end, n: int32(len(b)), self: self})
	put(r.text, r.end, b)
	r.end += int64(len(b))
}

func (r *ring) push(e entry) {
	if r.n == len(r.ents) {
		if r.n == RingLines {
			r.drop()
		} else {
			ents := make([]entry, min(max(16, 2*len(r.ents)), RingLines))
			for i := range r.n {
				ents[i] = *r.at(i)
			}
			r.ents, r.head = ents, 0
		}
	}
	r.ents[r.index(r.n)] = e
	r.n++
}

// index is where the i-th entry held is in ents.
func (r *ring) index(i int) int {
	if i += r.head; i >= len(r.ents) {
		i -= len(r.ents)
	}
	return i
}

// drop forgets the oldest entry.
func (r *ring) drop() {
	if r.n == 0 {
		r.start = r.end
		return
	}
	e := &r.ents[r.head]
	r.start = e.off + int64(e.n)
	*e = entry{}
	r.head = r.index(1)
	r.n--
	r.dropped++
}

// search is the position of the first entry held recorded at or after
// seq (n when none is).
func (r *ring) search(seq uint64) int {
	return sort.Search(r.n, func(i int) bool { return r.at(i).seq >= seq })
}

func (r *ring) growText(need int64) {
	size := max(256, 2*int64(len(r.text))) // most processes say little
	for size < need {
		size *= 2
	}
	text := make([]byte, min(size, RingBytes))
	if r.end > r.start {
		put(text, r.start, r.bytes(r.start, int(r.end-r.start)))
	}
	r.text = text
}

// at is the i-th entry held, oldest first.
func (r *ring) at(i int) *entry { return &r.ents[r.index(i)] }

// bytes copies n bytes of text from offset off.
func (r *ring) bytes(off int64, n int) []byte { return r.appendBytes(make([]byte, 0, n), off, n) }

// appendBytes appends n bytes of text from offset off to out.
func (r *ring) appendBytes(out []byte, off int64, n int) []byte {
	at := len(out)
	out = append(out, make([]byte, n)...)
	mask := int64(len(r.text) - 1)
	for done := 0; done < n; {
		done += copy(out[at+done:], r.text[(off+int64(done))&mask:])
	}
	return out
}

// put writes b into the circular buffer text, whose length is a power of
// two, at absolute offset off.
func put(text []byte, off int64, b []byte) {
	mask := int64(len(text) - 1)
	for len(b) > 0 {
		c := copy(text[off&mask:], b)
		b, off = b[c:], off+int64(c)
	}
}
