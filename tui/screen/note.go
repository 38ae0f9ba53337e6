package screen

import "unicode/utf8"

// Note adds a line of the caller's own to history, dimmed to set it apart
// from the process's output: how the process ended, that it restarted.
// The line being written, if any, is ended first. A full-screen session
// is left (as Reset does), since a note belongs below what the process
// printed.
func (b *Buffer) Note(text string) {
	if b.emu != nil {
		b.Reset()
	}
	if len(b.cur.text) > 0 || len(b.cur.cells) > 0 {
		b.finishLine()
	}
	safe := appendSafe(nil, text)
	b.pushLine(newLine(string(safe), []run{{off: 0, st: style{attrs: attrFaint}}}, isASCII(safe)))
	b.tailOK = false
}

// AddLine adds a whole line of plain text to history, as Note does, marked
// with tag (SetTag): lead, drawn in palette colour color (bold when
// negative), then text, of
// which what is not safe to show (control characters; invalid UTF-8 shows
// as U+FFFD) is dropped, cut at the length of a line being written. It is
// for lines already assembled, such as a log's, at a fraction of Write's
// cost; escape sequences in text are shown as the characters they are
// made of, so strip them first.
func (b *Buffer) AddLine(tag int, lead string, color int, text []byte) {
	if b.emu != nil {
		b.Reset()
	}
	if len(b.cur.text) > 0 || len(b.cur.cells) > 0 {
		b.finishLine()
	}
	safe := make([]byte, 0, len(lead)+len(text))
	safe = append(safe, lead...)
	if printableASCII(text) {
		safe = append(safe, text...)
	} else {
		safe = appendSafe(safe, string(text))
	}
	if len(safe) > maxLineBytes {
		cut := maxLineBytes
		for cut > 0 && !utf8.RuneStart(safe[cut]) {
			cut--
		}
		safe = safe[:cut]
	}
	pen := style{attrs: attrBold}
	if color >= 0 {
		pen = style{fg: indexed(color)}
	}
	runs := []run{{off: 0, st: pen}, {off: int32(min(len(lead), len(safe))), st: style{}}}
	b.SetTag(tag)
	b.pushLine(newLine(string(safe), runs, isASCII(safe)))
	b.tailOK = false
}

func printableASCII(p []byte) bool {
	for _, c := range p {
		if !printable[c] {
			return false
		}
	}
	return true
}
