package headless

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

var stripTests = []struct {
	name, in, want string
}{
	{"plain", "hello, world\r\n", "hello, world\r\n"},
	{"sgr", "\x1b[1;31mred\x1b[0m and \x1b[38;2;1;2;3mtrue\x1b[m", "red and true"},
	{"private modes", "\x1b[?1049h\x1b[?25lx\x1b[?25h\x1b[?1049l", "x"},
	{"cursor moves and erase", "\x1b[2J\x1b[H\x1b[10;5Hat\x1b[K\x1b[3A", "at"},
	{"osc with bel", "\x1b]0;a title\x07text", "text"},
	{"osc with st", "\x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\", "link"},
	{"utf-8 in a title", "\x1b]0;✓ done\x07ok", "ok"},
	{"dcs", "\x1bP1$r0m\x1b\\after", "after"},
	{"apc and pm", "\x1b_Ga=T;AAAA\x1b\\\x1b^private\x1b\\x", "x"},
	{"two-byte escapes", "\x1b7\x1b8\x1b=\x1b>\x1bMx\x1bc", "x"},
	{"charset designation", "\x1b(Bx\x1b)0y", "xy"},
	{"controls dropped", "a\x07b\x08c\x00d\x0ee\x0ff\x7fg", "abcdefg"},
	{"tabs kept", "a\tb", "a\tb"},
	{"newline inside csi acts", "\x1b[3\n1mx", "\nx"},
	{"can aborts", "\x1b[31\x18x", "x"},
	{"newline ends a runaway osc", "\x1b]0;oops\nnext line\n", "\nnext line\n"},
	{"esc restarts", "\x1b[31\x1b[32mx", "x"},
	{"invalid utf-8 kept", "\xff\xfe\x9d\x9b\x9cok", "\xff\xfe\x9d\x9b\x9cok"},
	{"utf-8 kept", "héllo ✓ 世界", "héllo ✓ 世界"},
	{"truncated character before a sequence", "\xe2\x1b[31mx", "\xe2x"},
	{"byte over 0x7f ends a sequence", "\x1b[3é", "é"},
	{"lone esc at the end", "text\x1b", "text"},
}

func stripAll(chunks ...string) string {
	var s Stripper
	var out []byte
	for _, c := range chunks {
		out = s.Strip(out, []byte(c))
	}
	return string(out)
}

func TestStrip(t *testing.T) {
	for _, tt := range stripTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripAll(tt.in); got != tt.want {
				t.Errorf("strip(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Split anywhere, into two chunks or one byte at a time, the output is the
// same: nothing of a sequence leaks at a chunk boundary.
func TestStripAcrossChunks(t *testing.T) {
	for _, tt := range stripTests {
		for i := range len(tt.in) + 1 {
			if got := stripAll(tt.in[:i], tt.in[i:]); got != tt.want {
				t.Errorf("%s: strip(%q, %q) = %q, want %q", tt.name, tt.in[:i], tt.in[i:], got, tt.want)
			}
		}
		bytes := strings.Split(tt.in, "")
		if got := stripAll(bytes...); got != tt.want {
			t.Errorf("%s: strip(%q) a byte at a time = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// On what ansi.Strip handles well (whole, 7-bit sequences, no other
// controls) the two agree.
func TestStripAgreesWithAnsiStrip(t *testing.T) {
	for _, in := range []string{
		"\x1b[1;31mred\x1b[0m plain \x1b[38;5;200mpink\x1b[m",
		"\x1b]0;title\x07text \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ end",
		"\x1b[?1049h\x1b[2J\x1b[Hscreen\x1b[?1049l",
		"\x1bP1$r0m\x1b\\dcs \x1b7saved\x1b8",
	} {
		if got, want := stripAll(in), ansi.Strip(in); got != want {
			t.Errorf("strip(%q) = %q, ansi.Strip gives %q", in, got, want)
		}
	}
}

func BenchmarkStrip(b *testing.B) {
	var chunk strings.Builder
	for chunk.Len() < 4000 {
		chunk.WriteString("LINE 0000001 \x1b[32mxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x1b[0m\r\n")
	}
	data := []byte(chunk.String())
	var s Stripper
	var out []byte
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out = s.Strip(out[:0], data)
	}
}
