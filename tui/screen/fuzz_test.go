package screen

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// tokens are the pieces random streams are made of: text of every kind and
// the sequences, whole and broken, that line mode and the emulator meet.
var tokens = []string{
	"a", "hello ", "世", "é", "e\u0301", "👩‍💻", "🇫🇷", "\u200d", "\ufe0f", "\xff", "\xe2\x82", "\xf0", "\u009b",
	"\r\n", "\n", "\r", "\b", "\t", "\a", "\x00", "\x7f", "\x0e", "\x18",
	"\x1b[", "\x1b]", "\x1bP", "\x1b_", "\x1b\\", "\x1b", "\x07", ";", ":", "?", ">", "0", "1", "5", "9", "38;5;", "48;2;1;2;",
	"m", "K", "J", "H", "A", "B", "C", "D", "G", "X", "@", "P", "r", "S", "T", "L", "M", "s", "u", "h", "l", "n", "c",
	"\x1b[31m", "\x1b[0m", "\x1b[K", "\x1b[2K", "\x1b[1K", "\x1b[2J", "\x1b[H", "\x1b[5;3H", "\x1b[2A", "\x1b[3B",
	"\x1b[10C", "\x1b[4D", "\x1b[20G", "\x1b[3X", "\x1b[2@", "\x1b[2P", "\x1b[2;4r", "\x1b[r", "\x1b[S", "\x1b[T",
	"\x1b7", "\x1b8", "\x1bM", "\x1bD", "\x1bE", "\x1bc", "\x1b(0", "\x1b(B", "q", "x",
	"\x1b[?1049h", "\x1b[?1049l", "\x1b[?47h", "\x1b[?47l", "\x1b[?1h", "\x1b[?1l", "\x1b[?25l", "\x1b[?25h",
	"\x1b[?1000h", "\x1b[?2004h", "\x1b[6n", "\x1b[c", "\x1b[>c", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\",
	"\x1b[99999999C", "\x1b[65535;65535H", strings.Repeat("long ", 1000), "\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25;26;27;28;29;30;31;32;33;34m",
}

func randomStream(r *rand.Rand, n int) []byte {
	var p []byte
	for range n {
		p = append(p, tokens[r.Intn(len(tokens))]...)
	}
	return p
}

// exercise writes p in random pieces, resizing, scrolling and searching
// between them, and checks every render and the search after every step.
func exercise(t *testing.T, p []byte, cols, rows int, r *rand.Rand) {
	b := New(30, cols, rows)
	defer b.Close()
	b.OnReply = func([]byte) {}
	var mark, cur Point // a selection, moved about as the output comes
	for len(p) > 0 {
		n := min(len(p), 1+r.Intn(24))
		b.Write(p[:n])
		p = p[n:]
		switch r.Intn(40) {
		case 0:
			b.Resize(1+r.Intn(30), 1+r.Intn(10))
		case 1:
			b.ScrollUp(r.Intn(10))
		case 2:
			b.ScrollDown(r.Intn(10))
		case 3:
			b.Search(string(tokens[r.Intn(len(tokens))]))
		case 4:
			b.NextMatch(r.Intn(2) == 0)
		case 5:
			b.Clear()
		case 7:
			b.Reset()
		case 6:
			checkRender(t, b)
			b.Cursor()
			b.Position()
		case 8:
			mark = b.PointAt(r.Intn(b.cols+2), r.Intn(b.rows+2))
		case 9:
			cur = b.Move(cur, Motion(r.Intn(int(Last)+1)), 1+r.Intn(3))
			b.Reveal(cur)
			b.Select(mark, cur)
			checkRender(t, b)
			if s := b.Text(mark, cur); !utf8.ValidString(s) {
				t.Fatalf("Text is not UTF-8: %q", s)
			}
		case 10:
			from, to := b.Word(cur)
			b.Text(from, to)
			from, to = b.Line(cur)
			b.Text(from, to)
		}
		checkSearch(t, b)
	}
	checkRender(t, b)
	b.Follow()
	checkRender(t, b)
	b.ScrollTop()
	checkRender(t, b)
}

func TestRandomStreams(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 50
	}
	for seed := range n {
		r := rand.New(rand.NewSource(int64(seed)))
		p := randomStream(r, 200)
		exercise(t, p, 1+r.Intn(30), 1+r.Intn(10), r)
		if t.Failed() {
			t.Fatalf("seed %d: %q", seed, p)
		}
	}
}

func FuzzWrite(f *testing.F) {
	f.Add([]byte(fixture), uint8(17), uint8(12), int64(0))
	f.Add([]byte("line1\nline2\n\x1b[2A\x1b[Kupdated1\n\x1b[Kupdated2\n"), uint8(20), uint8(4), int64(1))
	f.Add([]byte("\x1b[?1049h\x1b[H\x1b[2Jtop\x1b[5;3Hx\x1b[6n\x1b[?1049lbye\r\n"), uint8(10), uint8(5), int64(2))
	f.Add([]byte("\x1b[1;4r\x1b[4;1Hx\r\n\x1b7\x1b[5;1HProgress\x1b8\x1b[r"), uint8(3), uint8(2), int64(3))
	r := rand.New(rand.NewSource(4))
	for i := range 8 {
		f.Add(randomStream(r, 100), uint8(i*7), uint8(i*3), int64(i))
	}
	f.Fuzz(func(t *testing.T, p []byte, cols, rows uint8, seed int64) {
		exercise(t, p, 1+int(cols)%40, 1+int(rows)%12, rand.New(rand.NewSource(seed)))
	})
}
