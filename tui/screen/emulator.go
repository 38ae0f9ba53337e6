package screen

import (
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"
	"unsafe"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/parser"
	"github.com/charmbracelet/x/vt"
)

// emuChunk is how much the emulator is fed at a time: between chunks, lines
// it scrolled off go to history and the Buffer checks whether it can go back
// to line mode.
const emuChunk = 4 << 10

// event is what a sequence fed to the emulator asks of the Buffer.
type event uint8

const (
	evNone     event = iota
	evVertical       // the cursor was addressed vertically on the main screen
	evAltOn
	evAltOff
	evAlt47On // the same through ?47, which x/vt does not know
	evAlt47Off
	evReset // RIS
)

// lineFeedNewLine (LNM) makes the emulator read a bare \n on the main screen
// as a new line, as line mode does: the pty's ONLCR turns a process's \n
// into \r\n, so a bare one comes from output written as if it had. The
// alternate screen goes without it, because full-screen programs turn
// ONLCR off and use \n to move straight down.
const lineFeedNewLine = ansi.SetModeLineFeedNewLine

// enterEmulator starts emulator mode for the sequence the tokenizer just
// dispatched, which is handed to the emulator after the state it needs.
func (b *Buffer) enterEmulator(k emuKind) {
	trigger := b.tok.sequence()
	em := b.spare
	b.spare = nil
	if em != nil && !reuse(em, b.cols, b.rows) {
		closeReplies(em)
		em = nil
	}
	if em == nil {
		em = b.newEmulator()
	}
	b.emu, b.emuMain, b.scrolled = em, k == emuMain, 0

	if b.emuMain {
		b.replay()
	} else {
		b.alt, b.altPen = true, b.pen
	}
	var setup []byte
	if b.emuMain {
		setup = append(setup, lineFeedNewLine...)
	}
	if b.appCursor {
		setup = append(setup, ansi.SetModeCursorKeys...)
	}
	if b.cursorHidden {
		setup = append(setup, ansi.HideCursor...)
	}
	setup = appendSGR(setup, style{}, b.pen)
	b.feed(setup)
	b.feed(trigger)
	if k == emuAlt47 {
		b.feed([]byte(ansi.SetModeAltScreen))
	}
	if b.emu != nil {
		b.drain()
		b.scrolled = 0
	}
}

// newEmulator returns an emulator of the pane's size set up for the Buffer.
func (b *Buffer) newEmulator() *vt.Emulator {
	em := vt.NewEmulator(b.cols, b.rows)
	// The emulator's own scrollback only carries lines from one chunk to
	// history; it need not outgrow history itself.
	em.SetScrollbackSize(b.hist.max)
	disableAltScrollback(em)
	// ED 3 would clear that scrollback before the lines reach history, and
	// history is not the child's to erase.
	em.RegisterCsiHandler('J', func(params ansi.Params) bool {
		n, _, _ := params.Param(0, 0)
		return n == 3
	})
	clampCounts(em)
	b.startReplies(em)
	return em
}

// reuse makes an emulator from an earlier session as good as new: x/vt
// allocates megabytes for each new one, and a process can go in and out of
// emulator mode often.
func reuse(em *vt.Emulator, cols, rows int) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	em.Write([]byte(ansi.ResetInitialState)) //nolint:errcheck // never fails
	em.Resize(cols, rows)
	em.ClearScrollback()
	return true
}

// replay moves what the main screen of a terminal would show - the line
// being written and as many history lines as fit above it - into the
// emulator, so that a cursor moving up redraws what is really there. The
// lines leave history; they come back when they scroll off or when emulator
// mode ends.
func (b *Buffer) replay() {
	cols, rows := b.cols, b.rows
	col := b.cur.cursor()
	cur := b.cur.line()
	b.cur.reset()
	starts := rowStarts(nil, cur.text, cur.ascii, cols)
	crow, cx := locate(cur.text, cur.ascii, cols, col)
	first := max(0, crow-(rows-1))
	if first > 0 {
		// Too long for the screen: its start goes to history as a line.
		cut := len(cur.text)
		if first < len(starts) {
			cut = starts[first]
		}
		if cut > 0 {
			b.pushLine(sliceLine(&cur, 0, cut))
		}
	}
	last := min(max(len(starts), crow+1), first+rows)

	var lines []line
	for budget := rows - (last - first); b.hist.n > 0; {
		r := b.hist.at(b.hist.next() - 1).rowCount(cols)
		if r > budget {
			break
		}
		budget -= r
		lines = append(lines, b.popLine())
	}

	var buf []byte
	y := 0
	for i := len(lines) - 1; i >= 0; i-- {
		l := &lines[i]
		s := rowStarts(nil, l.text, l.ascii, cols)
		for r := range s {
			buf = appendRow(buf, l, s, r, cols, nil, false)
			buf = append(buf, "\r\n"...)
			y++
		}
	}
	for r := first; r < last; r++ {
		if r > first {
			buf = append(buf, "\r\n"...)
		}
		if r < len(starts) {
			buf = appendRow(buf, &cur, starts, r, cols, nil, false)
		}
	}
	buf = append(buf, ansi.CursorPosition(cx+1, y+crow-first+1)...)
	b.feed(buf)
}

// writeEmu feeds p to the emulator, cut where a sequence needs the Buffer's
// attention, and returns how much it consumed: less than len(p) when it went
// back to line mode.
func (b *Buffer) writeEmu(p []byte) int {
	start := 0
	for i := 0; i < len(p); i++ {
		ev := b.scanEmu(p[i])
		if ev == evNone && i+1-start < emuChunk {
			continue
		}
		b.feed(p[start : i+1])
		start = i + 1
		if b.emu == nil || !b.afterFeed(ev) {
			return i + 1
		}
	}
	if start < len(p) {
		b.feed(p[start:])
		if b.emu == nil || !b.afterFeed(evNone) {
			return len(p)
		}
	}
	return len(p)
}

// scanEmu follows the bytes fed to the emulator as its parser would.
func (b *Buffer) scanEmu(c byte) event {
	t := &b.tok
	if t.skip > 0 {
		t.skip-- // collected into a character by the emulator, whatever it is
		return evNone
	}
	switch t.step(c) {
	case tokNone, tokExec: // the emulator's alone
	case tokUTF8:
		switch {
		case c >= 0xf0:
			t.skip = 3
		case c >= 0xe0:
			t.skip = 2
		default:
			t.skip = 1
		}
	case tokCSI:
		if ev := b.emuCSI(c); ev != evVertical || !b.alt {
			return ev
		}
	case tokESC:
		if b.tok.inter == 0 {
			switch {
			case c == 'c':
				return evReset
			case (c == '7' || c == '8' || c == 'M') && !b.alt:
				return evVertical
			}
		}
	}
	// Rows addressed on the alternate screen need nothing of the Buffer:
	// feeding the emulator in one piece is faster.
	return evNone
}

// emuCSI tracks what the Buffer keeps of a CSI sequence the emulator
// interprets.
func (b *Buffer) emuCSI(final byte) event {
	t := &b.tok
	if t.inter != 0 {
		return evNone
	}
	switch t.prefix {
	case 0:
		switch final {
		case 'm':
			b.pen.applySGR(t.Params())
		case 'r':
			if !b.alt { // the main screen's region is its own
				b.setRegion()
			}
			return evVertical
		case 'A', 'B', 'E', 'F', 'H', 'f', 'd', 'e', 'J', 'L', 'M', 'S', 'T', 's', 'u':
			return evVertical
		}
	case '?':
		if final != 'h' && final != 'l' {
			return evNone
		}
		set := final == 'h'
		switch alt, alt47 := b.decMode(set); {
		case alt && set:
			return evAltOn
		case alt:
			return evAltOff
		case alt47 && set:
			return evAlt47On
		case alt47:
			return evAlt47Off
		}
	}
	return evNone
}

// afterFeed moves what scrolled off the emulator to history and acts on ev,
// the sequence that ended the bytes just fed. It reports false when the
// Buffer went back to line mode.
func (b *Buffer) afterFeed(ev event) bool {
	b.drain()
	switch ev {
	case evNone:
	case evVertical:
		if !b.alt {
			b.scrolled = 0
		}
	case evAltOn, evAlt47On:
		if ev == evAlt47On {
			b.feed([]byte(ansi.SetModeAltScreen))
		}
		if !b.alt {
			b.alt, b.altPen = true, b.pen
			b.feed([]byte(ansi.ResetModeLineFeedNewLine))
		}
	case evAltOff, evAlt47Off, evReset:
		// Of the events that end here, two need more.
		//exhaustive:ignore
		switch ev {
		case evReset:
			b.softReset()
		case evAlt47Off:
			b.feed([]byte(ansi.ResetModeAltScreen))
		}
		if b.alt {
			// Back on the main screen, which has its own pen.
			b.alt = false
			if ev != evReset {
				b.pen = b.altPen
			}
			b.feed([]byte(lineFeedNewLine))
		}
		if !b.emuMain {
			// The main screen never left line mode.
			b.stopEmulator()
			return false
		}
	}
	if b.emu == nil {
		return false
	}
	// Plain output has scrolled the whole screen since anything addressed a
	// row: nothing on it can be redrawn in place any more, so line mode can
	// take over again.
	if b.emuMain && !b.alt && !b.regionSet && b.scrolled >= b.rows &&
		b.tok.state == parser.GroundState && b.tok.skip == 0 &&
		b.emu.CursorPosition().Y == b.rows-1 {
		b.flushEmulator()
		return false
	}
	return true
}

// feed writes to the emulator. x/vt is not meant for hostile input; should
// it panic, the Buffer keeps what it can of the screen and carries on in line
// mode rather than take the UI down.
func (b *Buffer) feed(p []byte) {
	if b.emu == nil || len(p) == 0 {
		return
	}
	defer func() {
		if recover() != nil {
			b.emuFailed()
		}
	}()
	b.emu.Write(p) //nolint:errcheck // never fails
}

func (b *Buffer) emuFailed() {
	b.emuBroken = true
	defer func() {
		if recover() != nil {
			b.stopEmulator()
		}
	}()
	if b.emuMain && !b.alt {
		b.flushEmulator()
	} else {
		b.stopEmulator()
	}
	b.tok.skip = 0
}

// drain moves the lines the emulator scrolled off its main screen to history.
func (b *Buffer) drain() {
	sb := b.emu.Scrollback()
	if sb.Len() == 0 {
		return
	}
	for _, l := range sb.Lines() {
		b.pushLine(uvLine(func(x int) *uv.Cell {
			if x < len(l) {
				return &l[x]
			}
			return nil
		}, len(l)))
	}
	b.scrolled += sb.Len()
	sb.Clear()
}

// flushEmulator ends a main-screen session: the rows above the cursor go to
// history and the cursor's row becomes the line being written. Rows below
// the cursor, if anything is drawn there, go to history too, and writing
// carries on after them.
func (b *Buffer) flushEmulator() {
	b.drain()
	pos := b.emu.CursorPosition()
	last := pos.Y
	for y := pos.Y + 1; y < b.emu.Height(); y++ {
		if b.screenLine(y).text != "" {
			last = y
		}
	}
	rows := make([]line, last+1)
	for y := range rows {
		rows[y] = b.screenLine(y)
	}
	b.stopEmulator()
	for _, l := range rows[:pos.Y] {
		b.pushLine(l)
	}
	b.cur.reset()
	if last > pos.Y {
		for _, l := range rows[pos.Y:] {
			b.pushLine(l)
		}
		return
	}
	l := rows[pos.Y]
	b.cur.text = append(b.cur.text, l.text...)
	b.cur.runs = append(b.cur.runs, l.runs...)
	b.cur.ascii = l.ascii
	b.moveTo(pos.X)
}

// stopEmulator goes back to line mode. The emulator is kept for the next
// session, unless it failed.
func (b *Buffer) stopEmulator() {
	switch {
	case b.emu == nil:
	case b.emuBroken || b.spare != nil:
		closeReplies(b.emu)
	default:
		b.spare = b.emu
	}
	b.emu, b.alt, b.regionSet, b.emuBroken = nil, false, false, false
}

// belowCursorEmpty reports whether nothing is drawn below the emulator's
// cursor, so the screen can become history plus a current line.
func (b *Buffer) belowCursorEmpty() bool {
	for y := b.emu.CursorPosition().Y + 1; y < b.emu.Height(); y++ {
		if b.screenLine(y).text != "" {
			return false
		}
	}
	return true
}

// Reset puts the Buffer back in line mode as a new process would find its
// terminal: it leaves the alternate screen and emulator mode (the main
// screen goes to history), forgets a half-written escape sequence, and resets
// the pen and the modes. History and the view stay. Call it when a process
// exits or restarts, so that one killed inside a full-screen program or in
// the middle of a sequence does not leave its pane that way.
func (b *Buffer) Reset() {
	defer func() {
		if recover() != nil {
			b.emuBroken = true
			b.stopEmulator()
		}
	}()
	if b.emu != nil {
		if b.emuMain {
			if b.alt {
				b.feed([]byte(ansi.ResetModeAltScreenSaveCursor))
			}
			if b.emu != nil {
				b.flushEmulator()
			}
		}
		b.stopEmulator()
	}
	raw, pend := b.tok.raw[:0], b.tok.pend[:0]
	b.tok = tokenizer{raw: raw, pend: pend}
	b.softReset()
	b.tailOK = false
}

// resizeEmulator follows a pane resize in emulator mode.
func (b *Buffer) resizeEmulator(cols, rows int) {
	defer func() {
		if recover() != nil {
			b.emuFailed()
		}
	}()
	if b.emuMain && !b.alt {
		if b.tok.state == parser.GroundState && b.tok.skip == 0 && b.belowCursorEmpty() {
			// Line mode rewraps; the emulator comes back with the next
			// cursor movement, at the new size.
			b.flushEmulator()
			return
		}
		// x/vt drops the bottom rows of a shorter screen. Scroll what
		// would be lost into history instead, as terminals do, keeping
		// the cursor's row on the screen.
		y := b.emu.CursorPosition().Y
		last := y
		for r := y + 1; r < b.emu.Height(); r++ {
			if b.screenLine(r).text != "" {
				last = r
			}
		}
		if n := min(last-rows+1, y); n > 0 && !b.regionSet {
			s := strconv.Itoa(n)
			b.emu.Write([]byte("\x1b[" + s + "S\x1b[" + s + "A")) //nolint:errcheck // never fails
			b.drain()
		}
	}
	b.emu.Resize(cols, rows)
}

// screenLine returns row y of the emulator's screen as a line.
func (b *Buffer) screenLine(y int) line {
	return uvLine(func(x int) *uv.Cell { return b.emu.CellAt(x, y) }, b.emu.Width())
}

// uvLine converts a row of emulator cells to a line, without the blank cells
// at its end and without anything unsafe to show.
func uvLine(cell func(x int) *uv.Cell, n int) line {
	blank := func(c *uv.Cell) bool {
		if c == nil {
			return true
		}
		if c.Content != " " && c.Content != "" {
			return false
		}
		st := fromUV(&c.Style)
		return st.bg == colorDefault && st.attrs&(attrReverse|attrUnderline|attrStrike) == 0
	}
	for n > 0 && blank(cell(n-1)) {
		n--
	}
	var text []byte
	var runs []run
	pen := style{}
	for x := 0; x < n; x++ {
		c := cell(x)
		if c != nil && c.Width == 0 && c.Content == "" {
			continue // the right half of a wide character
		}
		st, s := style{}, " "
		if c != nil {
			st = fromUV(&c.Style)
			if c.Content != "" {
				s = c.Content
			}
		}
		if st != pen {
			if len(runs) > 0 && int(runs[len(runs)-1].off) == len(text) {
				runs[len(runs)-1].st = st
			} else {
				runs = append(runs, run{off: int32(len(text)), st: st})
			}
			pen = st
		}
		start := len(text)
		text = appendSafe(text, s)
		if len(text) == start {
			text = append(text, ' ')
		}
	}
	return newLine(string(text), runs, isASCII(text))
}

// appendSafe appends s without the characters safeRune rejects.
func appendSafe(dst []byte, s string) []byte {
	if len(s) == 1 && printable[s[0]] {
		return append(dst, s...)
	}
	for _, r := range s {
		if safeRune(r) {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// sliceLine returns the part of l in text[from:to], which must be cluster
// boundaries, with its pen changes.
func sliceLine(l *line, from, to int) line {
	var runs []run
	if i := l.styleIndex(from); i >= 0 && l.runs[i].st != (style{}) {
		runs = append(runs, run{st: l.runs[i].st})
	}
	for _, r := range l.runs {
		if int(r.off) > from && int(r.off) < to {
			runs = append(runs, run{off: r.off - int32(from), st: r.st})
		}
	}
	return newLine(l.text[from:to], runs, l.ascii || isASCII(l.text[from:to]))
}

// clampCounts caps the repeat counts of CSI sequences at what can make a
// difference on the screen. x/vt loops over a count as given, so a six-byte
// CSI 65535 b (repeat the last character) would otherwise cost a
// millisecond, and a hostile stream would freeze the UI. Handlers run before
// the built-in ones and are handed the same parameters, so this one clamps
// them in place and lets the built-in handler act.
func clampCounts(em *vt.Emulator) {
	for _, final := range "@ABCDEFGILMPSTXZ`abde" {
		em.RegisterCsiHandler(int(final), func(params ansi.Params) bool {
			limit := max(em.Width(), em.Height())
			if final == 'b' {
				limit = em.Width() * em.Height()
			}
			for i, p := range params {
				if n := p.Param(0); n > limit {
					params[i] = ansi.Param(limit) | p&parser.HasMoreFlag
				}
			}
			return false
		})
	}
}

// disableAltScrollback stops x/vt from keeping lines that scroll off the
// alternate screen. It keeps up to 10,000 rows of cells there (about 100
// bytes a cell), which a long-running less or vim would fill, and history
// never shows them. x/vt v0.1.0 offers no way to reach that screen, so this
// reaches its field by reflection, checking the shape it relies on; if that
// ever changes the emulator just keeps its default, bounded scrollback.
func disableAltScrollback(em *vt.Emulator) {
	if alt := altScreen(em); alt != nil {
		alt.SetScrollback(nil)
	}
}

// altScreen returns the emulator's alternate screen, or nil if x/vt no
// longer keeps it where v0.1.0 does.
func altScreen(em *vt.Emulator) *vt.Screen {
	scrs := reflect.ValueOf(em).Elem().FieldByName("scrs")
	if scrs.Kind() != reflect.Array || scrs.Len() != 2 || scrs.Type().Elem() != reflect.TypeFor[vt.Screen]() {
		return nil
	}
	return (*vt.Screen)(unsafe.Pointer(scrs.Index(1).UnsafeAddr()))
}

// closeReplies makes the emulator's replies fail instead of blocking, which
// also ends the goroutine reading them. It closes the writing end rather than
// calling Emulator.Close, whose flag that goroutine would race with.
func closeReplies(em *vt.Emulator) {
	if c, ok := em.InputPipe().(io.Closer); ok {
		c.Close()
	}
}
