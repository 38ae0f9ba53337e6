package headless

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// MaxLine bounds a line held in memory: a longer line without a newline is
// written in pieces of at most this many bytes.
const MaxLine = 64 * 1024

// Lines splits one process's output into the lines Copy shows: at each
// newline, with only what a terminal shows of a line redrawn with \r, and
// in pieces of at most MaxLine bytes. It lets another consumer of the
// runner's events keep lines exactly as the log stream prints them. The
// zero value is ready to use; a Lines is not safe for concurrent use.
type Lines struct{ b lineBuf }

// Write adds output and calls emit with each line it completes. The slice
// given to emit is valid only during the call.
func (l *Lines) Write(data []byte, emit func(line []byte)) { l.b.write(data, time.Time{}, emit) }

// Flush calls emit with the partial line held, if any, as Copy shows it
// when its process goes idle or exits.
func (l *Lines) Flush(emit func(line []byte)) { l.b.flush(time.Time{}, emit) }

// Pending is the partial line held, as written (a line being redrawn
// keeps only its latest state). It is valid until the next call.
func (l *Lines) Pending() []byte { return l.b.pending }

// lineBuf assembles one process's output into lines. Complete lines are
// passed on at once, without copying; a partial line waits in pending
// until its newline arrives, until its process goes idle, or until it is
// due (see due).
type lineBuf struct {
	pending []byte
	since   time.Time // when pending started, or was last shown
	shown   bool      // since is when part of this line was last shown
	redraw  bool      // pending has been redrawn with \r
}

// write adds output, calling emit for each complete line. The slice given
// to emit is valid only during the call.
func (lb *lineBuf) write(data []byte, now time.Time, emit func([]byte)) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		if len(lb.pending) > 0 {
			lb.pending = append(lb.pending, line...)
			line = lb.pending
		}
		emit(visible(line))
		lb.reset()
		lb.shown = false
		data = data[i+1:]
	}
	if len(data) == 0 {
		return
	}
	if len(lb.pending) == 0 && !lb.shown {
		lb.since = now
	}
	endsCR := len(lb.pending) > 0 && lb.pending[len(lb.pending)-1] == '\r'
	lb.pending = append(lb.pending, data...)
	if endsCR || bytes.IndexByte(data, '\r') >= 0 {
		// Keep only what a terminal would show, so a progress bar that
		// never ends its line cannot grow pending.
		if k := bytes.LastIndexByte(bytes.TrimRight(lb.pending, "\r"), '\r'); k >= 0 {
			lb.pending = lb.pending[:copy(lb.pending, lb.pending[k+1:])]
			lb.redraw = true
		}
	}
	for len(lb.pending) > MaxLine {
		cut := runeStart(lb.pending, MaxLine)
		emit(lb.pending[:cut])
		lb.pending = lb.pending[:copy(lb.pending, lb.pending[cut:])]
	}
}

// due is when a line being redrawn with \r (a progress bar that keeps
// going) should be shown, every progress interval; zero for other lines.
func (lb *lineBuf) due(progress time.Duration) time.Time {
	if len(lb.pending) == 0 || !lb.redraw {
		return time.Time{}
	}
	return lb.since.Add(progress)
}

// flush shows the partial line, if any.
func (lb *lineBuf) flush(now time.Time, emit func([]byte)) {
	if len(lb.pending) == 0 {
		return
	}
	emit(visible(lb.pending))
	lb.reset()
	lb.since, lb.shown = now, true
}

func (lb *lineBuf) reset() {
	lb.pending = lb.pending[:0]
	lb.redraw = false
	if cap(lb.pending) > MaxLine*2 {
		lb.pending = nil
	}
}

// visible is what a terminal shows of a line: the text after its last
// carriage return, ignoring the \r of a \r\n ending.
func visible(line []byte) []byte {
	line = bytes.TrimRight(line, "\r")
	// Most lines hold no other \r: IndexByte finds that out faster than
	// LastIndexByte, which reads a byte at a time.
	if bytes.IndexByte(line, '\r') < 0 {
		return line
	}
	return line[bytes.LastIndexByte(line, '\r')+1:]
}

// runeStart backs n up to the start of a UTF-8 sequence, so that a split
// does not cut a character in two.
func runeStart(b []byte, n int) int {
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}
