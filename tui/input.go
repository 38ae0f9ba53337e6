package tui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"
)

// encodeKey is what a terminal would send a program for k: text as typed,
// control keys as control characters, special keys as the xterm escape
// sequences (SS3 for the cursor keys when the program asked for
// application cursor keys). It returns nil for keys a terminal cannot
// send.
func encodeKey(k tea.KeyPressMsg, appCursor bool) []byte {
	mod := k.Mod &^ (tea.ModCapsLock | tea.ModNumLock | tea.ModScrollLock)
	alt := mod&tea.ModAlt != 0
	mod &^= tea.ModAlt
	ctrl := mod&^tea.ModShift == tea.ModCtrl // a terminal sends ctrl+shift+a as ctrl+a
	code := k.Code
	if mod&tea.ModShift != 0 && k.ShiftedCode != 0 {
		code = k.ShiftedCode
	}
	var out []byte
	switch {
	case k.Text != "" && mod&^tea.ModShift == 0:
		out = []byte(k.Text)
	case ctrl && k.Code >= 'a' && k.Code <= 'z':
		out = []byte{byte(k.Code - 'a' + 1)}
	case ctrl && k.Code >= '@' && k.Code <= '_':
		out = []byte{byte(k.Code - '@')} // ctrl+@ ctrl+[ ctrl+\ ctrl+] ctrl+^ ctrl+_
	case ctrl && (k.Code == tea.KeySpace || k.Code == '2'):
		out = []byte{0}
	case ctrl && k.Code == '/':
		out = []byte{0x1f}
	case ctrl && k.Code == '?':
		out = []byte{0x7f}
	default:
		out = special(k.Code, mod, appCursor)
		if out == nil && mod&^tea.ModShift == 0 && code < tea.KeyExtended && code >= ' ' {
			if mod&tea.ModShift != 0 && code >= 'a' && code <= 'z' {
				code -= 'a' - 'A' // no shifted code reported: assume a US layout
			}
			out = []byte(string(code))
		}
	}
	if out == nil {
		return nil
	}
	if alt {
		out = append([]byte{0x1b}, out...)
	}
	return out
}

// xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4).
func modParam(mod tea.KeyMod) int {
	p := 1
	if mod&tea.ModShift != 0 {
		p++
	}
	if mod&tea.ModCtrl != 0 {
		p += 4
	}
	return p
}

func special(code rune, mod tea.KeyMod, appCursor bool) []byte {
	switch code {
	case tea.KeyEnter:
		return []byte{'\r'}
	case tea.KeyTab:
		if mod&tea.ModShift != 0 {
			return []byte("\x1b[Z")
		}
		return []byte{'\t'}
	case tea.KeyBackspace:
		if mod&tea.ModCtrl != 0 {
			return []byte{0x08}
		}
		return []byte{0x7f}
	case tea.KeyEscape:
		return []byte{0x1b}
	case tea.KeySpace:
		return []byte{' '}
	}
	if c, ok := cursorKeys[code]; ok {
		switch {
		case mod != 0:
			return []byte("\x1b[1;" + strconv.Itoa(modParam(mod)) + string(c))
		case appCursor:
			return []byte{0x1b, 'O', c}
		}
		return []byte{0x1b, '[', c}
	}
	if n, ok := tildeKeys[code]; ok {
		if mod != 0 {
			return []byte("\x1b[" + strconv.Itoa(n) + ";" + strconv.Itoa(modParam(mod)) + "~")
		}
		return []byte("\x1b[" + strconv.Itoa(n) + "~")
	}
	if c, ok := keypadKeys[code]; ok {
		return []byte{c}
	}
	if c, ok := ss3Keys[code]; ok {
		if mod != 0 {
			return []byte("\x1b[1;" + strconv.Itoa(modParam(mod)) + string(c))
		}
		return []byte{0x1b, 'O', c}
	}
	return nil
}

var (
	cursorKeys = map[rune]byte{tea.KeyUp: 'A', tea.KeyDown: 'B', tea.KeyRight: 'C', tea.KeyLeft: 'D', tea.KeyHome: 'H', tea.KeyEnd: 'F'}
	ss3Keys    = map[rune]byte{tea.KeyF1: 'P', tea.KeyF2: 'Q', tea.KeyF3: 'R', tea.KeyF4: 'S'}
	// The keypad in its normal (numeric) mode sends what its keys show.
	keypadKeys = map[rune]byte{tea.KeyKpEnter: '\r', tea.KeyKpEqual: '=', tea.KeyKpMultiply: '*',
		tea.KeyKpPlus: '+', tea.KeyKpComma: ',', tea.KeyKpMinus: '-', tea.KeyKpDecimal: '.', tea.KeyKpDivide: '/',
		tea.KeyKp0: '0', tea.KeyKp1: '1', tea.KeyKp2: '2', tea.KeyKp3: '3', tea.KeyKp4: '4',
		tea.KeyKp5: '5', tea.KeyKp6: '6', tea.KeyKp7: '7', tea.KeyKp8: '8', tea.KeyKp9: '9'}
	tildeKeys = map[rune]int{tea.KeyInsert: 2, tea.KeyDelete: 3, tea.KeyPgUp: 5, tea.KeyPgDown: 6,
		tea.KeyF5: 15, tea.KeyF6: 17, tea.KeyF7: 18, tea.KeyF8: 19, tea.KeyF9: 20, tea.KeyF10: 21, tea.KeyF11: 23, tea.KeyF12: 24}
)
