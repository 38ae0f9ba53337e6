package screen

import (
	"strings"
	"sync"

	"github.com/charmbracelet/x/vt"
)

// Buffer is one process's output as a terminal pane of cols×rows cells would
// show it, with history to scroll back through and search. Write, Render
// and the other methods are not safe for concurrent use: the caller holds a
// lock. The zero value is not usable; call New.
type Buffer struct {
	// OnReply, if set before the first Write, receives the answers to the
	// queries the process sends its terminal (cursor position, device
	// attributes), to be written back to the process's pty. It is called on
	// a goroutine of the Buffer, one reply at a time, never from Write; it
	// must not call the Buffer. Replies that pile up while it is slow are
	// dropped rather than ever stall Write; Close waits for a call in
	// progress to return.
	OnReply func([]byte)

	cols, rows int

	hist      history
	totalRows int // rows of all history lines at cols

	cur            editor
	pen            style
	tok            tokenizer
	appCursor      bool // DECCKM
	cursorHidden   bool
	bracketedPaste bool // DEC mode 2004

	// Emulator mode; emu is nil in line mode.
	emu       *vt.Emulator
	spare     *vt.Emulator // kept from an earlier session
	emuBroken bool         // the emulator panicked: never reuse it
	emuMain   bool         // the session began on the main screen (else line mode waits under the alternate one)
	alt       bool         // the alternate screen is showing
	altPen    style        // the main screen's pen while the alternate one is showing
	regionSet bool         // a DECSTBM scroll region is set
	scrolled  int          // rows scrolled off since the cursor was last addressed vertically

	follow bool
	anchor pos // the first visible row, when not following

	search search
	filter search // the lines shown, when its query is set or tags are hidden (Filter, Hide)
	tag    uint16 // the tag of the lines being written (SetTag)
	hidden []bool // by tag: lines not shown (Hide)
	hiding int    // tags hidden

	sel      selection
	selSpans []span

	tail    tailLine // the line being written, as rendered; valid while tailOK
	tailOK  bool
	rowBuf  []byte
	blank   string
	starts  []int
	wraps   [4]wrapCache
	matches []span

	replies    chan []byte
	done       chan struct{}
	wg         sync.WaitGroup
	forwarding bool
	closed     bool
}

// New returns a Buffer for a pane of cols×rows cells that keeps at most
// scrollback lines of history (lines, not rows; at least 1). History also
// stops at about 2 KiB of text per line on average, so that memory stays
// bounded whatever the process prints.
func New(scrollback, cols, rows int) *Buffer {
	b := &Buffer{
		hist:    newHistory(max(scrollback, 1)),
		follow:  true,
		search:  search{cur: -1},
		filter:  search{cur: -1},
		replies: make(chan []byte, 64),
		done:    make(chan struct{}),
	}
	b.cur.reset()
	b.setSize(cols, rows)
	return b
}

// Write consumes process output. It never fails, never panics, never blocks
// and always returns len(p), nil.
func (b *Buffer) Write(p []byte) (int, error) {
	n := len(p)
	defer b.endWrite()
	for len(p) > 0 {
		var k int
		if b.emu != nil {
			k = b.writeEmu(p)
		} else {
			k = b.writeLine(p)
		}
		p = p[max(k, 1):]
	}
	return n, nil
}

// endWrite drops what Write made stale, and turns a panic - a bug on some
// input nobody thought of - into a lost line rather than a crashed UI.
func (b *Buffer) endWrite() {
	b.tailOK = false
	if v := recover(); v != nil {
		if onPanic != nil {
			onPanic(v)
		}
		b.emuBroken = true
		b.stopEmulator()
		b.tok = tokenizer{}
		b.cur.reset()
		b.tailOK = false
	}
}

// onPanic lets tests see the panics endWrite hides.
var onPanic func(any)

// Resize sets the pane size (the process's pty gets the same size). History
// rewraps at render time; an emulator is resized.
func (b *Buffer) Resize(cols, rows int) {
	cols, rows = max(cols, 1), max(rows, 1)
	if cols == b.cols && rows == b.rows {
		return
	}
	if b.emu != nil {
		b.resizeEmulator(cols, rows)
	}
	b.setSize(cols, rows)
}

func (b *Buffer) setSize(cols, rows int) {
	cols, rows = max(cols, 1), max(rows, 1)
	if cols != b.cols {
		b.cols = cols
		b.totalRows = 0
		for id := b.hist.first; id < b.hist.next(); id++ {
			b.totalRows += b.hist.at(id).rowCount(cols)
		}
		b.blank = strings.Repeat(" ", cols)
	}
	b.rows = rows
	b.tailOK = false
}

// Clear drops history, and the screen of an emulator. The line being written
// stays, as a prompt waiting for input would.
func (b *Buffer) Clear() {
	b.hist.clear()
	b.totalRows = 0
	b.search.matches, b.search.cur = b.search.matches[:0], -1
	b.follow = true
	if b.emu != nil {
		for y := range b.emu.Height() {
			for x := range b.emu.Width() {
				b.emu.SetCell(x, y, nil)
			}
		}
		b.emu.ClearScrollback()
	}
	b.tailOK = false
}

// Close releases the Buffer's goroutines. The Buffer stays usable, but
// replies are no longer delivered.
func (b *Buffer) Close() {
	if b.closed {
		return
	}
	b.closed = true
	for _, em := range []*vt.Emulator{b.emu, b.spare} {
		if em != nil {
			closeReplies(em)
		}
	}
	close(b.done)
	b.wg.Wait()
}

// AppCursorKeys reports whether DECCKM (CSI ?1h) is set: arrow keys must be
// sent as SS3 (ESC O A).
func (b *Buffer) AppCursorKeys() bool { return b.appCursor }

// BracketedPaste reports whether the process asked for bracketed paste
// (CSI ?2004h): a paste must be sent wrapped in ESC[200~ and ESC[201~ so
// that it can tell pasted text from typed keys.
func (b *Buffer) BracketedPaste() bool { return b.bracketedPaste }

// AltScreen reports whether a full-screen program is using the alternate
// screen.
func (b *Buffer) AltScreen() bool { return b.emu != nil && b.alt }

// pushLine adds a finished line to history.
func (b *Buffer) pushLine(l line) {
	evicted := false
	for b.hist.full(&l) {
		b.totalRows -= b.hist.at(b.hist.first).rowCount(b.cols)
		evicted = b.search.dropped(b.hist.first) || evicted
		b.filter.dropped(b.hist.first)
		b.hist.dropOldest()
	}
	l.tag = b.tag
	b.hist.push(l)
	b.totalRows += l.rowCount(b.cols)
	if b.filtering() && b.visible(&l) {
		b.filter.matches = append(b.filter.matches, b.hist.next()-1)
	}
	if b.shows(b.hist.next() - 1) {
		b.search.pushed(b.hist.next()-1, l.text)
	}
	if evicted {
		b.evicted()
	}
}

// popLine takes the newest line out of history.
func (b *Buffer) popLine() line {
	l := b.hist.popNewest()
	b.totalRows -= l.rowCount(b.cols)
	b.wraps = [len(b.wraps)]wrapCache{} // its id goes to the next line pushed
	b.search.popped(b.hist.next())
	b.filter.popped(b.hist.next())
	return l
}

// finishLine ends the line being written.
func (b *Buffer) finishLine() {
	l := b.cur.line()
	b.cur.reset()
	b.pushLine(l)
}
