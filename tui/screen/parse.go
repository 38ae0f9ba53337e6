package screen

import (
	"strconv"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/parser"
)

// tokenizer follows escape sequences byte by byte with the DEC parser's state
// table, the one x/vt's parser uses, so that line mode and the emulator agree
// on where a sequence ends however malformed it is, and a sequence split
// across writes simply resumes. It collects what the Buffer needs: the
// prefix, intermediate and parameters of CSI and ESC sequences, and their raw
// bytes, to hand a sequence that starts emulator mode over to the emulator.
type tokenizer struct {
	state  parser.State
	prefix byte
	inter  byte
	params [parser.MaxParamsSize]ansi.Param
	n      int // index of the parameter being collected
	count  int // parameters of the sequence just dispatched
	raw    []byte
	cut    bool   // raw lost bytes past maxRaw
	final  byte   // the final byte of the sequence just dispatched
	pend   []byte // line mode: the start of a UTF-8 character cut by the end of a write
	skip   int    // emulator mode: bytes of a UTF-8 character the emulator is still collecting
}

// token is what one byte completed.
type token uint8

const (
	tokNone token = iota
	tokExec       // a control character to execute
	tokCSI        // a CSI sequence, ended by this byte
	tokESC        // an ESC sequence, ended by this byte
	tokUTF8       // a UTF-8 lead byte, which abandons the sequence
)

// maxRaw bounds the bytes kept of one sequence; real ones are far shorter.
const maxRaw = 256

func (t *tokenizer) step(c byte) token {
	prev := t.state
	next, action := parser.Table.Transition(prev, c)
	t.state = next
	switch action {
	case parser.ClearAction:
		if prev != parser.EscapeState {
			t.raw, t.cut = t.raw[:0], false
		}
		t.prefix, t.inter, t.n, t.count = 0, 0, 0, 0
		t.params[0] = parser.MissingParam
		t.keep(c)
	case parser.CollectAction:
		if next == parser.Utf8State {
			t.state = parser.GroundState
			return tokUTF8
		}
		t.inter = c
		t.keep(c)
	case parser.PrefixAction:
		t.prefix = c
		t.keep(c)
	case parser.ParamAction:
		t.param(c)
		t.keep(c)
	case parser.ExecuteAction:
		return tokExec
	case parser.DispatchAction:
		switch prev {
		case parser.CsiEntryState, parser.CsiParamState, parser.CsiIntermediateState:
			t.keep(c)
			t.final = c
			t.count = t.n
			if t.n > 0 && t.n < len(t.params)-1 || t.n == 0 && t.params[0] != parser.MissingParam {
				t.count++
			}
			return tokCSI
		case parser.EscapeState, parser.EscapeIntermediateState:
			t.keep(c)
			return tokESC
		}
	default:
		if next >= parser.CsiEntryState && next <= parser.CsiParamState {
			t.keep(c) // ignored inside a CSI, by the emulator too
		}
	}
	return tokNone
}

// param collects a parameter byte the way ansi.Parser does.
func (t *tokenizer) param(c byte) {
	if t.n >= len(t.params) {
		return
	}
	p := &t.params[t.n]
	switch {
	case c >= '0' && c <= '9':
		if *p == parser.MissingParam {
			*p = 0
		}
		if v := p.Param(0)*10 + int(c-'0'); v <= parser.MaxParam {
			*p = ansi.Param(v) | *p&parser.HasMoreFlag
		}
	case c == ':':
		*p |= parser.HasMoreFlag
		fallthrough
	case c == ';':
		t.n++
		if t.n < len(t.params) {
			t.params[t.n] = parser.MissingParam
		}
	}
}

func (t *tokenizer) keep(c byte) {
	if len(t.raw) < maxRaw {
		t.raw = append(t.raw, c)
	} else {
		t.cut = true
	}
}

// sequence returns the sequence just dispatched, to hand to the emulator:
// the bytes it came in, or, when there were too many to keep, the sequence
// rebuilt from what was parsed of it. A truncated sequence would leave the
// emulator waiting for its final byte, which it would take from the text
// that follows.
func (t *tokenizer) sequence() []byte {
	if !t.cut {
		return append([]byte(nil), t.raw...)
	}
	seq := []byte("\x1b[")
	if t.prefix != 0 {
		seq = append(seq, t.prefix)
	}
	params := t.Params()
	for i, p := range params {
		if n := p.Param(-1); n >= 0 {
			seq = strconv.AppendInt(seq, int64(n), 10)
		}
		switch {
		case i == len(params)-1:
		case p.HasMore():
			seq = append(seq, ':')
		default:
			seq = append(seq, ';')
		}
	}
	if t.inter != 0 {
		seq = append(seq, t.inter)
	}
	return append(seq, t.final)
}

// Params returns the parameters of the sequence just dispatched.
func (t *tokenizer) Params() ansi.Params { return t.params[:t.count] }

// countParam returns parameter i of the sequence as a repeat count: missing or
// zero means one, as terminals read CUF 0 as CUF 1.
func (t *tokenizer) countParam(i int) int {
	n, _, _ := t.Params().Param(i, 1)
	return max(n, 1)
}

// emuKind says which emulator session a sequence calls for.
type emuKind uint8

const (
	emuNone  emuKind = iota
	emuMain          // the cursor moved vertically on the main screen
	emuAlt           // the alternate screen (?1049h, ?1047h)
	emuAlt47         // the alternate screen through ?47h, which x/vt ignores
)

// writeLine interprets p in line mode. It returns how much of p it consumed,
// which is less than len(p) only when a sequence switched the Buffer to
// emulator mode.
func (b *Buffer) writeLine(p []byte) int {
	i := 0
	if len(b.tok.pend) > 0 {
		i = b.finishRune(p)
	}
	for i < len(p) {
		if b.tok.state != parser.GroundState {
			i = b.lineSeq(p, i)
			if b.emu != nil {
				return i
			}
			continue
		}
		j := i
		for j < len(p) && printable[p[j]] {
			j++
		}
		if j > i {
			b.printASCII(p[i:j])
			i = j
			continue
		}
		switch c := p[i]; {
		case c == ansi.ESC:
			b.tok.step(c)
			i++
		case c >= utf8.RuneSelf:
			if !utf8.FullRune(p[i:]) {
				b.tok.pend = append(b.tok.pend[:0], p[i:]...)
				return len(p)
			}
			_, size := utf8.DecodeRune(p[i:])
			b.printRune(p[i : i+size])
			i += size
		default:
			b.control(c)
			i++
		}
	}
	return len(p)
}

// finishRune completes a UTF-8 character whose start ended the previous
// write, and returns how many bytes of p it took.
func (b *Buffer) finishRune(p []byte) int {
	t := &b.tok
	i := 0
	for i < len(p) && !utf8.FullRune(t.pend) {
		t.pend = append(t.pend, p[i])
		i++
	}
	if !utf8.FullRune(t.pend) {
		return i
	}
	_, size := utf8.DecodeRune(t.pend)
	b.printRune(t.pend[:size])
	// Bytes after an invalid start are input of their own (at most one is
	// not a continuation byte, so they cannot hold a whole sequence).
	var rest [utf8.UTFMax]byte
	n := copy(rest[:], t.pend[size:])
	t.pend = t.pend[:0]
	b.writeLine(rest[:n])
	return i
}

// lineSeq feeds the bytes of an escape sequence to the tokenizer until the
// sequence ends, and acts on it.
func (b *Buffer) lineSeq(p []byte, i int) int {
	t := &b.tok
	for i < len(p) {
		c := p[i]
		switch t.step(c) {
		case tokNone: // within a sequence
		case tokUTF8:
			return i // printed by the ground loop
		case tokExec:
			b.control(c)
		case tokCSI:
			b.cur.last = -1
			if k := b.lineCSI(c); k != emuNone {
				b.enterEmulator(k)
				return i + 1
			}
		case tokESC:
			b.cur.last = -1
			if k := b.lineESC(c); k != emuNone {
				b.enterEmulator(k)
				return i + 1
			}
		}
		i++
		if t.state == parser.GroundState {
			break
		}
	}
	return i
}

// printASCII writes printable ASCII at the cursor.
func (b *Buffer) printASCII(p []byte) {
	e := &b.cur
	if !e.isCells && e.cr {
		if len(e.text) > 0 {
			e.toCells() // \r then text: overwrite from column 0
		} else {
			e.cr = false
		}
	}
	if e.isCells {
		n := e.putASCII(p, b.pen)
		if n == len(p) {
			return
		}
		b.finishLine() // the line is full
		p = p[n:]
	}
	for len(p) > 0 {
		room := maxLineBytes - len(e.text)
		if room <= 0 {
			b.finishLine()
			continue
		}
		n := min(room, len(p))
		e.appendText(p[:n], b.pen)
		p = p[n:]
	}
}

// replacement stands for bytes that are not UTF-8.
var replacement = []byte(string(utf8.RuneError))

// printRune writes one UTF-8 encoded character (or an invalid byte) at the
// cursor.
func (b *Buffer) printRune(p []byte) {
	r, _ := utf8.DecodeRune(p)
	if r == utf8.RuneError {
		p = replacement
	} else if !safeRune(r) {
		return
	}
	e := &b.cur
	if !e.isCells {
		if !e.cr || len(e.text) == 0 {
			if len(e.text)+len(p) > maxLineBytes {
				b.finishLine()
			}
			if e.clusterFull(p) {
				return // see maxClusterBytes
			}
			e.cr = false
			e.appendText(p, b.pen)
			e.ascii = false
			return
		}
		e.toCells()
	}
	if e.join(p) {
		return
	}
	s := string(p)
	if _, w := cluster(s); !e.put(s, w, b.pen) {
		b.finishLine()
		e.appendText(p, b.pen)
		e.ascii = false
	}
}

// control executes a C0 control character; those not listed are dropped.
func (b *Buffer) control(c byte) {
	e := &b.cur
	e.last = -1
	switch c {
	case '\n', '\v', '\f':
		// With the pty's ONLCR the common line ending is \r\n; a bare \n
		// ends the line too, as a log reader expects, rather than leaving
		// the cursor in its column.
		b.finishLine()
	case '\r':
		if e.isCells {
			e.col = 0
		} else if len(e.text) > 0 {
			e.cr = true
		}
	case '\b':
		b.moveTo(e.cursor() - 1)
	case '\t':
		b.moveTo((e.cursor()/8 + 1) * 8)
	}
}

// moveTo moves the cursor to a column of the current line. Moving right from
// the end of the compact form just appends blanks; anything else needs the
// cells.
func (b *Buffer) moveTo(col int) {
	e := &b.cur
	// Moving right stops at the end of the row the line ends on (the
	// one before, when the line fills its last row and the cursor waits
	// to wrap), as a terminal's cursor stops at the right margin:
	// CSI 65535 C must not cost 65535 blank cells (see rowEnd).
	end := e.cursor()
	if e.isCells {
		end = max(end, len(e.cells))
	} else {
		end = max(end, e.width())
	}
	col = max(0, min(col, rowEnd(max(end-1, 0), b.cols)-1, maxLineCells-1))
	if !e.isCells {
		cur := e.cursor()
		switch {
		case col == cur:
			return
		case col == 0:
			e.cr = true // CSI G, as spinners redraw: the same as \r
			return
		case col > cur && (!e.cr || len(e.text) == 0):
			e.cr = false
			e.appendBlank(col - cur)
			return
		}
		e.toCells()
	}
	e.col = col
}

// editAtCursor prepares an edit that changes cells at or after the cursor,
// and reports false when there is nothing there to change: the cursor is at
// the end of the compact form.
func (b *Buffer) editAtCursor() bool {
	e := &b.cur
	if !e.isCells {
		if !e.cr || len(e.text) == 0 {
			return false
		}
		e.toCells()
	}
	return true
}

// eraseLine erases part of the current line (EL).
func (b *Buffer) eraseLine(mode int) {
	e := &b.cur
	if !e.isCells && (mode == 0 || mode == 2) && (e.cr || len(e.text) == 0) {
		// \r\x1b[K, the usual progress redraw: start the line afresh.
		e.reset()
		return
	}
	switch mode {
	case 0:
		if b.editAtCursor() {
			e.erase(e.col, len(e.cells))
		}
	case 1, 2:
		e.toCells()
		if mode == 2 {
			e.erase(0, len(e.cells)) // the whole line, as \r\x1b[2K means
		} else {
			e.erase(e.col/b.cols*b.cols, e.col+1) // see rowEnd
		}
	}
}

// lineCSI acts on a CSI sequence in line mode and says whether it needs the
// emulator.
func (b *Buffer) lineCSI(final byte) emuKind {
	t := &b.tok
	e := &b.cur
	if t.inter != 0 {
		if t.inter == '!' && final == 'p' && t.prefix == 0 {
			b.softReset() // DECSTR
		}
		return emuNone
	}
	switch t.prefix {
	case 0:
		switch final {
		case 'm':
			b.pen.applySGR(t.Params())
		case 'K':
			n, _, _ := t.Params().Param(0, 0)
			b.eraseLine(n)
		case 'C', 'a': // CUF, HPR
			b.moveTo(e.cursor() + t.countParam(0))
		case 'D': // CUB
			b.moveTo(e.cursor() - t.countParam(0))
		case 'G', '`': // CHA, HPA
			b.moveTo(t.countParam(0) - 1)
		case 'I': // CHT
			b.moveTo((e.cursor()/8 + t.countParam(0)) * 8)
		case 'Z': // CBT
			b.moveTo(((e.cursor()+7)/8 - t.countParam(0)) * 8)
		case 'X': // ECH
			if b.editAtCursor() {
				e.erase(e.col, min(e.col+t.countParam(0), rowEnd(e.col, b.cols)))
			}
		case '@': // ICH
			if b.editAtCursor() {
				e.insert(t.countParam(0), b.cols)
			}
		case 'P': // DCH
			if b.editAtCursor() {
				e.delete(t.countParam(0), b.cols)
			}
		case 'J': // ED
			switch n, _, _ := t.Params().Param(0, 0); n {
			case 0:
				b.eraseLine(0) // nothing is below the line being written
			case 3:
				// Erase scrollback: the history is the Buffer's, not the
				// child's to wipe.
			default:
				return emuMain
			}
		case 'r':
			b.setRegion()
			return emuMain
		case 'A', 'B', 'E', 'F', 'H', 'f', 'd', 'e', 'L', 'M', 'S', 'T', 's', 'u':
			return emuMain
		case 'n':
			switch n, _, _ := t.Params().Param(0, 0); n {
			case 5:
				b.reply("\x1b[0n") // ready
			case 6:
				x, y := b.replyCursor()
				b.reply(ansi.CursorPositionReport(y+1, x+1))
			}
		case 'c':
			if n, _, _ := t.Params().Param(0, 0); n == 0 {
				b.reply(ansi.PrimaryDeviceAttributes(62, 1, 6, 22)) // what x/vt answers
			}
		case 't':
			if n, _, _ := t.Params().Param(0, 0); n == 18 {
				b.reply("\x1b[8;" + strconv.Itoa(b.rows) + ";" + strconv.Itoa(b.cols) + "t") // text area size
			}
		}
	case '?':
		switch final {
		case 'h':
			switch alt, alt47 := b.decMode(true); {
			case alt:
				return emuAlt
			case alt47:
				return emuAlt47
			}
		case 'l':
			b.decMode(false)
		case 'n':
			if n, _, _ := t.Params().Param(0, 0); n == 6 {
				x, y := b.replyCursor()
				b.reply(ansi.ExtendedCursorPositionReport(y+1, x+1, 0))
			}
		}
	case '>':
		if n, _, _ := t.Params().Param(0, 0); final == 'c' && n == 0 {
			b.reply(ansi.SecondaryDeviceAttributes(1, 10, 0))
		}
	}
	return emuNone
}

// decMode tracks the DEC private modes the Buffer keeps (DECSET when set,
// DECRST otherwise) in line and emulator mode alike, and reports whether
// the sequence switches the alternate screen through ?1047 or ?1049, or
// else through ?47.
func (b *Buffer) decMode(set bool) (alt, alt47 bool) {
	for _, p := range b.tok.Params() {
		switch p.Param(-1) {
		case 1:
			b.appCursor = set
		case 25:
			b.cursorHidden = !set
		case 2004:
			b.bracketedPaste = set
		case 1047, 1049:
			alt = true
		case 47:
			alt47 = true
		}
	}
	return alt, alt47 && !alt
}

// lineESC acts on an ESC sequence in line mode and says whether it needs the
// emulator.
func (b *Buffer) lineESC(final byte) emuKind {
	if b.tok.inter != 0 {
		return emuNone // character sets, DECALN and the like
	}
	switch final {
	case '7', '8', 'M': // DECSC, DECRC, RI
		return emuMain
	case 'D', 'E': // IND, NEL
		b.finishLine()
	case 'c': // RIS
		b.softReset()
	}
	return emuNone
}

// setRegion tracks DECSTBM: while a scroll region is set, the main screen
// stays with the emulator.
func (b *Buffer) setRegion() {
	top, _, _ := b.tok.Params().Param(0, 1)
	bottom, _, _ := b.tok.Params().Param(1, b.rows)
	if bottom < 1 {
		bottom = b.rows
	}
	if max(top, 1) < bottom { // the emulator ignores the others
		b.regionSet = top > 1 || bottom < b.rows
	}
}

// softReset puts back the pen and the modes a reset restores.
func (b *Buffer) softReset() {
	b.pen = style{}
	b.appCursor = false
	b.cursorHidden = false
	b.bracketedPaste = false
}

// replyCursor returns where the cursor is on the pane, for a process that
// asks (many wait for the answer before they draw).
func (b *Buffer) replyCursor() (x, y int) {
	x, y, visible := b.Cursor()
	if !visible {
		y = b.rows - 1
	}
	return x, y
}
