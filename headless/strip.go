package headless

// Stripper removes escape sequences and control characters from terminal
// output as it streams: it keeps its state from one chunk to the next, so a
// sequence split between two chunks leaves nothing of itself behind. Text,
// tabs, newlines and carriage returns (which the line assembly interprets)
// pass, and so does every byte from 0x80 up, valid UTF-8 or not.
//
// It follows the state machine of DEC terminals (the one xterm and
// ansi.Parser implement) in the way terminals use it with UTF-8: 8-bit C1
// controls are not recognised, since their bytes are parts of characters
// (ansi.Strip takes a stray 0x9d for the start of an OSC, and the 0x9c in
// "✓" for the end of one), and a character cut short does not hide the
// sequence after it. Unlike a terminal, a newline ends an
// unterminated string sequence (OSC, DCS, ...), so that a stray ESC ] cannot
// swallow the rest of a log.
//
// The zero value is ready to use.
type Stripper struct {
	state uint8
}

const (
	ground   = iota
	escape   // after ESC
	escInter // after ESC and intermediate bytes (0x20-0x2f)
	csi      // after ESC [: parameters and intermediates, until a final byte
	str      // OSC, DCS, SOS, PM or APC: until BEL or ST (ESC \)
)

const (
	bel = 0x07
	can = 0x18
	sub = 0x1a
	esc = 0x1b
	del = 0x7f
)

// plain are the bytes that pass through in the ground state.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= ' ' && c != del || c == '\t' || c == '\n' || c == '\r'
	}
	return t
}()

// EndLine is the end of a line, whose newline the Stripper was not given:
// as a newline does, it ends an unterminated string sequence.
func (s *Stripper) EndLine() {
	if s.state == str {
		s.state = ground
	}
}

// Strip appends to dst what is left of src once sequences and controls are
// removed.
func (s *Stripper) Strip(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		if s.state == ground {
			j := i
			for j < len(src) && plain[src[j]] {
				j++
			}
			dst = append(dst, src[i:j]...)
			if i = j; i == len(src) {
				break
			}
		}
		c := src[i]
		switch s.state {
		case ground: // c is a control character: only ESC means anything
			if c == esc {
				s.state = escape
			}
		case escape, escInter, csi:
			switch {
			case c == esc:
				s.state = escape
			case c == can || c == sub:
				s.state = ground
			case c < ' ':
				// A terminal acts on controls inside a sequence.
				if plain[c] {
					dst = append(dst, c)
				}
			case c == del:
			case c >= 0x80:
				s.state = ground
				continue // a malformed sequence: the byte is text
			case s.state == escape:
				switch c {
				case '[':
					s.state = csi
				case ']', 'P', 'X', '^', '_':
					s.state = str
				default:
					if c < '0' {
						s.state = escInter
					} else {
						s.state = ground
					}
				}
			case s.state == escInter:
				if c >= '0' {
					s.state = ground
				}
			case s.state == csi:
				if c >= '@' {
					s.state = ground
				}
			}
		case str:
			switch c {
			case bel, can, sub:
				s.state = ground
			case esc:
				s.state = escape // ESC \ ends the string; ESC and anything else starts a sequence
			case '\n':
				s.state = ground
				dst = append(dst, c)
			}
		}
		i++
	}
	return dst
}

// Plain appends to dst the text of one line of output without its escape
// sequences and control characters, as the log files hold it.
func Plain(dst, line []byte) []byte {
	var s Stripper
	return s.Strip(dst, line)
}
