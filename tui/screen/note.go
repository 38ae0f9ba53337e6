package screen

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
