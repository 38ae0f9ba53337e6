package screen

import (
	imgcolor "image/color"
	"strconv"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// color packs a terminal colour into 32 bits so that a style stays small and
// comparable with ==: 0 is the terminal's default, colorIndexed|n one of the
// 256 palette colours (0-15 being the basic ones), colorRGB|0xRRGGBB a
// truecolor.
type color uint32

const (
	colorDefault color = 0
	colorIndexed color = 1 << 24
	colorRGB     color = 2 << 24
)

// colorKind masks the kind of a color.
const colorKind = 0xff << 24

// indexed is palette colour n.
func indexed(n int) color { return colorIndexed | color(n) }

// attrs are the SGR attributes a line keeps.
type attrs uint8

const (
	attrBold attrs = 1 << iota
	attrFaint
	attrItalic
	attrUnderline
	attrBlink
	attrReverse
	attrConceal
	attrStrike
)

// style is the pen a stretch of text was written with. The zero value is the
// terminal's default pen.
type style struct {
	fg, bg color
	attrs  attrs
}

// Styles the Buffer paints search matches with.
var (
	matchStyle   = style{attrs: attrReverse}
	currentStyle = style{fg: indexed(0), bg: indexed(3)} // black on yellow
)

// applySGR updates the pen the way SGR params would in a terminal. It follows
// [uv.ReadStyle], which the emulator uses, so that a line reads the same in
// both modes.
func (s *style) applySGR(params ansi.Params) {
	if len(params) == 0 {
		*s = style{}
		return
	}
	for i := 0; i < len(params); i++ {
		p, more, _ := params.Param(i, 0)
		switch {
		case p == 0:
			*s = style{}
		case p == 1:
			s.attrs |= attrBold
		case p == 2:
			s.attrs |= attrFaint
		case p == 3:
			s.attrs |= attrItalic
		case p == 4:
			// 4:0 is "no underline"; 4:1 to 4:5 are underline shapes, all
			// drawn as a plain underline here.
			n, _, ok := params.Param(i+1, 0)
			switch {
			case !more || !ok:
				s.attrs |= attrUnderline
			case n == 0:
				i++
				s.attrs &^= attrUnderline
			case n <= 5:
				i++
				s.attrs |= attrUnderline
			}
		case p == 5 || p == 6:
			s.attrs |= attrBlink
		case p == 7:
			s.attrs |= attrReverse
		case p == 8:
			s.attrs |= attrConceal
		case p == 9:
			s.attrs |= attrStrike
		case p == 21:
			s.attrs |= attrUnderline // double underline
		case p == 22:
			s.attrs &^= attrBold | attrFaint
		case p == 23:
			s.attrs &^= attrItalic
		case p == 24:
			s.attrs &^= attrUnderline
		case p == 25:
			s.attrs &^= attrBlink
		case p == 27:
			s.attrs &^= attrReverse
		case p == 28:
			s.attrs &^= attrConceal
		case p == 29:
			s.attrs &^= attrStrike
		case p >= 30 && p <= 37:
			s.fg = indexed(p - 30)
		case p == 39:
			s.fg = colorDefault
		case p >= 40 && p <= 47:
			s.bg = indexed(p - 40)
		case p == 49:
			s.bg = colorDefault
		case p >= 90 && p <= 97:
			s.fg = indexed(p - 90 + 8)
		case p >= 100 && p <= 107:
			s.bg = indexed(p - 100 + 8)
		case p == 38 || p == 48 || p == 58:
			var c imgcolor.Color
			n := ansi.ReadStyleColor(params[i:], &c)
			if n == 0 {
				continue
			}
			i += n - 1
			switch p {
			case 38:
				s.fg = toColor(c)
			case 48:
				s.bg = toColor(c)
			}
		}
	}
}

// toColor packs a colour as the emulator or ansi.ReadStyleColor report it.
func toColor(c imgcolor.Color) color {
	switch c := c.(type) {
	case nil:
		return colorDefault
	case ansi.BasicColor:
		return indexed(int(c))
	case ansi.IndexedColor:
		return indexed(int(c))
	case imgcolor.RGBA:
		if c.A == 0 {
			return colorDefault
		}
		return colorRGB | color(c.R)<<16 | color(c.G)<<8 | color(c.B)
	}
	r, g, b, a := c.RGBA()
	if a == 0 {
		return colorDefault // SGR 38:1, "transparent"
	}
	return colorRGB | color(r>>8)<<16 | color(g>>8)<<8 | color(b>>8)
}

// fromUV converts a cell style of the emulator.
func fromUV(u *uv.Style) style {
	s := style{fg: toColor(u.Fg), bg: toColor(u.Bg)}
	for _, m := range [...]struct {
		uv   uint8
		attr attrs
	}{
		{uv.AttrBold, attrBold},
		{uv.AttrFaint, attrFaint},
		{uv.AttrItalic, attrItalic},
		{uv.AttrBlink, attrBlink},
		{uv.AttrRapidBlink, attrBlink},
		{uv.AttrReverse, attrReverse},
		{uv.AttrConceal, attrConceal},
		{uv.AttrStrikethrough, attrStrike},
	} {
		if u.Attrs&m.uv != 0 {
			s.attrs |= m.attr
		}
	}
	if u.Underline != uv.UnderlineNone {
		s.attrs |= attrUnderline
	}
	return s
}

// appendSGR appends the SGR sequence that switches the pen from "from" to
// "to". It always goes through a reset rather than computing a minimal
// difference: rows are short and this keeps every transition obviously right.
func appendSGR(dst []byte, from, to style) []byte {
	if to == (style{}) {
		return append(dst, "\x1b[m"...)
	}
	dst = append(dst, "\x1b["...)
	sep := false
	if from != (style{}) {
		dst = append(dst, '0')
		sep = true
	}
	param := func(n int) {
		if sep {
			dst = append(dst, ';')
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		sep = true
	}
	for _, a := range [...]struct {
		attr attrs
		sgr  int
	}{
		{attrBold, 1}, {attrFaint, 2}, {attrItalic, 3}, {attrUnderline, 4},
		{attrBlink, 5}, {attrReverse, 7}, {attrConceal, 8}, {attrStrike, 9},
	} {
		if to.attrs&a.attr != 0 {
			param(a.sgr)
		}
	}
	colour := func(c color, base, bright, ext int) {
		switch c & colorKind {
		case colorIndexed:
			n := int(c &^ colorKind)
			switch {
			case n < 8:
				param(base + n)
			case n < 16:
				param(bright + n - 8)
			default:
				param(ext)
				param(5)
				param(n)
			}
		case colorRGB:
			param(ext)
			param(2)
			param(int(c>>16) & 0xff)
			param(int(c>>8) & 0xff)
			param(int(c) & 0xff)
		case colorDefault: // the reset has it
		}
	}
	colour(to.fg, 30, 90, 38)
	colour(to.bg, 40, 100, 48)
	return append(dst, 'm')
}
