package screen

// history is a ring of finished lines. Every line ever pushed gets the next
// id, so an id keeps naming the same line while older ones are dropped; that
// is what anchors a scrolled view and the search matches.
type history struct {
	lines    []line // grows up to max, then wraps
	head     int    // index in lines of the oldest line
	n        int
	first    uint64 // id of the oldest line
	max      int    // lines kept at most
	bytes    int    // memory held by the lines, roughly
	maxBytes int
}

// historyBytesPerLine is the average a line may take before old lines are
// dropped early: generous for log lines, but it bounds the memory of a
// process that prints megabytes without a newline.
const historyBytesPerLine = 2 << 10

func newHistory(lines int) history {
	return history{max: lines, maxBytes: max(lines*historyBytesPerLine, 1<<20)}
}

// next returns the id the next pushed line gets.
func (h *history) next() uint64 { return h.first + uint64(h.n) }

// at returns the line with the given id, which must be held.
func (h *history) at(id uint64) *line {
	return &h.lines[(h.head+int(id-h.first))%len(h.lines)]
}

// full reports whether pushing l needs the oldest line dropped first.
func (h *history) full(l *line) bool {
	return h.n > 0 && (h.n >= h.max || h.bytes+l.size() > h.maxBytes)
}

func (h *history) push(l line) {
	if h.n == len(h.lines) {
		// Grow by copying in order, so that a process that prints little
		// does not pay for the whole ring up front.
		lines := make([]line, min(h.max, 2*len(h.lines)+64))
		for i := range h.n {
			lines[i] = h.lines[(h.head+i)%len(h.lines)]
		}
		h.lines, h.head = lines, 0
	}
	h.lines[(h.head+h.n)%len(h.lines)] = l
	h.n++
	h.bytes += l.size()
}

// dropOldest removes the oldest line.
func (h *history) dropOldest() {
	l := &h.lines[h.head]
	h.bytes -= l.size()
	*l = line{}
	h.head = (h.head + 1) % len(h.lines)
	h.n--
	h.first++
}

// popNewest removes the newest line and returns it.
func (h *history) popNewest() line {
	l := h.at(h.next() - 1)
	out := *l
	*l = line{}
	h.n--
	h.bytes -= out.size()
	return out
}

// clear drops every line; ids carry on from where they were.
func (h *history) clear() {
	h.first = h.next()
	h.lines, h.head, h.n, h.bytes = nil, 0, 0, 0
}
