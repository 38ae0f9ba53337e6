package screen

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// hostileSize is how much of each pathological stream TestHostileThroughput
// writes: enough that anything quadratic shows, little enough to stay fast.
const hostileSize = 200 << 10

// fill repeats unit after prefix up to about hostileSize bytes.
func fill(prefix, unit string) string { return fillN(hostileSize, prefix, unit) }

func fillN(size int, prefix, unit string) string {
	return prefix + strings.Repeat(unit, max(1, (size-len(prefix))/len(unit)))
}

// hostileStreams are inputs that once took seconds to minutes to write.
var hostileStreams = []struct {
	name string
	in   string
	emu  bool // compare with plain text written in emulator mode
}{
	{"insert characters", fill(strings.Repeat("x", 60000)+"\r", "\x1b[@"), false},
	{"insert many", fill(strings.Repeat("x", 60000)+"\r", "\x1b[999@y"), false},
	{"delete characters", fill(strings.Repeat("x", 60000)+"\r", "\x1b[Py"), false},
	{"erase characters", fill(strings.Repeat("x", 60000)+"\r", "\x1b[65535X"), false},
	{"erase to start", fill(strings.Repeat("x", 60000), "\x1b[1K"), false},
	{"cursor far right", fill("", "\x1b[65535Cx\r"), false},
	{"column far right", fill("", "\x1b[65535Gx\x1b[K\r"), false},
	{"tab far right", fill("", "\x1b[9999Ix\r\x1b[2K"), false},
	{"combining marks", fill("e", "\u0301"), false},
	{"combining marks after cr", fill("x\re", "\u0301"), false},
	{"combining marks after move", fill("ab\x1b[D", "\u0301"), false},
	{"zero-width spaces in cells", fill("ab\x1b[D", "\u200b"), false},
	{"zwj chain", fill("", "👩\u200d"), false},
	{"zwj chain after cr", fill("x\r", "👩\u200d"), false},
	{"prepend chain after cr", fill("x\r", "\u0600"), false},
	{"long sequence", fill("\x1b[", "1;"), false},
	{"emulator combining marks", fill("\x1b[?1049he", "\u0301"), true},
	{"emulator zwj chain", fill("\x1b[?1049h", "👩\u200d"), true},
	{"emulator insert", fill("\x1b[?1049h"+strings.Repeat("x", 80), "\x1b[H\x1b[999@"), true},
	// Each of these goes through the emulator's reset, slow but linear.
	{"alternate screen in and out", fillN(hostileSize/8, strings.Repeat("history\r\n", 100), "x\x1b[?1049hy\x1b[?1049l"), true},
	{"main screen in and out", fillN(hostileSize/8, strings.Repeat("history\r\n", 100), "x\x1b[Ay\x1b[?1049h\x1b[?1049l\x1bc"), true},
}

// TestHostileThroughput is a throughput floor: no input may cost much more
// to write than as much plain text. A pane's Write runs under the lock the
// UI draws with, so a quadratic path on some input freezes the UI.
func TestHostileThroughput(t *testing.T) {
	plainLine := strings.Repeat("plain text ", 7) + "\r\n"
	baseline := map[bool]time.Duration{
		false: bestOf(func() { writeTimed(newBuffer(t, 1000, 80, 24), fill("", plainLine), time.Hour) }),
		true:  bestOf(func() { writeTimed(newBuffer(t, 1000, 80, 24), fill("\x1b[?1049h", plainLine), time.Hour) }),
	}
	// The floor keeps a loaded machine (-race, other tests) from failing a
	// linear path; the quadratic ones this guards against took seconds to
	// minutes.
	budget := func(emu bool) time.Duration { return max(20*baseline[emu], time.Second) }
	for _, tt := range hostileStreams {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, 1000, 80, 24)
			if d, n := writeTimed(b, tt.in, budget(tt.emu)); n < len(tt.in) {
				t.Errorf("writing %d bytes took %v, over the budget of %v (20× plain text, %v, or 1s) after %d bytes",
					len(tt.in), d, budget(tt.emu), baseline[tt.emu], n)
			}
			checkRender(t, b)
		})
	}

	// Random mixes of the pieces of those streams.
	pieces := []string{
		"x", "\r", "\n", "\u0301", "\u200d", "👩", "\u200b", "\u0600", "世", "\t", "\b",
		"\x1b[@", "\x1b[999@", "\x1b[P", "\x1b[999P", "\x1b[65535X", "\x1b[1K", "\x1b[K", "\x1b[2K",
		"\x1b[65535C", "\x1b[65535G", "\x1b[9999I", "\x1b[D", "\x1b[9999D",
		strings.Repeat("y", 1000),
	}
	r := rand.New(rand.NewSource(1))
	for i := range 4 {
		var sb strings.Builder
		for sb.Len() < hostileSize {
			sb.WriteString(pieces[r.Intn(len(pieces))])
		}
		b := newBuffer(t, 1000, 80, 24)
		if d, n := writeTimed(b, sb.String(), budget(false)); n < sb.Len() {
			t.Errorf("random mix %d: writing %d bytes took %v, over the budget of %v after %d bytes", i, sb.Len(), d, budget(false), n)
		}
		checkRender(t, b)
	}
}

// writeTimed writes s in 4 KiB pieces, as a pty delivers it, giving up once
// it takes longer than limit. It returns the time taken and the bytes
// written.
func writeTimed(b *Buffer, s string, limit time.Duration) (time.Duration, int) {
	start := time.Now()
	n := 0
	for n < len(s) {
		k := min(len(s)-n, 4<<10)
		write(b, s[n:n+k])
		n += k
		if time.Since(start) > limit {
			break
		}
	}
	return time.Since(start), n
}

func bestOf(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}
