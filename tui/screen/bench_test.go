package screen

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// Run the benchmarks with
//
//	go test -run x -bench . -cpu 1 ./tui/screen/
//
// The Write benchmarks report throughput: a pty delivers about 25 MB/s, and
// line mode must keep well ahead of that on one core.

// benchWrite writes chunks of 32 KiB, about what the runner reads from a
// pty under a flood.
func benchWrite(b *testing.B, data []byte) {
	buf := New(10000, 120, 40)
	defer buf.Close()
	const chunk = 32 << 10
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for p := data; len(p) > 0; {
			n := min(chunk, len(p))
			buf.Write(p[:n])
			p = p[n:]
		}
	}
}

func repeatLines(n int, f func(i int) string) []byte {
	var out bytes.Buffer
	for i := range n {
		out.WriteString(f(i))
	}
	return out.Bytes()
}

func BenchmarkWriteColoredLines(b *testing.B) {
	benchWrite(b, repeatLines(10000, func(i int) string {
		return fmt.Sprintf("\x1b[32mINFO\x1b[0m 2026-11-25T12:00:00Z request id=%04d path=/api/v1/items status=200 dur=1.2ms\r\n", i%10000)
	}))
}

func BenchmarkWritePlainLines(b *testing.B) {
	benchWrite(b, repeatLines(10000, func(i int) string {
		return fmt.Sprintf("2026-11-25T12:00:00Z INFO request id=%04d path=/api/v1/items status=200 dur=1.2ms\r\n", i%10000)
	}))
}

func BenchmarkWriteProgressBar(b *testing.B) {
	benchWrite(b, repeatLines(10000, func(i int) string {
		pct := i % 101
		bar := bytes.Repeat([]byte{'='}, pct/2)
		s := fmt.Sprintf("\rdownloading [%-50s] %3d%%", bar, pct)
		if pct == 100 {
			s += "\r\n"
		}
		return s
	}))
}

func BenchmarkWriteEmulator(b *testing.B) {
	data := append([]byte("\x1b[?1049h"), repeatLines(2000, func(i int) string {
		return fmt.Sprintf("\x1b[%d;1H\x1b[32mINFO\x1b[0m row %d of a full-screen program redrawn in place\x1b[K", i%40+1, i)
	})...)
	benchWrite(b, data)
}

// BenchmarkRender renders a 120×40 pane following colored log lines, some
// of which wrap and some of which are not ASCII.
func BenchmarkRender(b *testing.B) {
	buf := New(10000, 120, 40)
	defer buf.Close()
	buf.Write(repeatLines(1000, func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("\x1b[33mWARN\x1b[0m 2026-11-25T12:00:00Z 請求 id=%04d «slow» path=/api/v1/items/%d \x1b[1mtook 1.2s\x1b[22m, over the 500ms budget set for this route\r\n", i, i)
		}
		return fmt.Sprintf("\x1b[32mINFO\x1b[0m 2026-11-25T12:00:00Z request id=%04d path=/api/v1/items status=200 dur=1.2ms\r\n", i)
	}))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf.Render()
	}
}

// BenchmarkRenderLongLine renders the end of a 64 KiB line of CJK text, the
// worst case for wrapping.
func BenchmarkRenderLongLine(b *testing.B) {
	buf := New(10000, 120, 40)
	defer buf.Close()
	buf.Write(bytes.Repeat([]byte("日本語のテキスト"), 3000))
	buf.Write([]byte("\r\n"))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf.Render()
	}
}

// BenchmarkResize resizes a pane holding 10,000 lines of history back and
// forth between two widths, as toggling the grid view does.
func BenchmarkResize(b *testing.B) {
	for _, bc := range []struct {
		name string
		line func(i int) string
	}{
		{"ascii", func(i int) string {
			return fmt.Sprintf("INFO request id=%04d path=/api/v1/items status=200 %s\r\n", i, strings.Repeat("x", 180))
		}},
		{"one accent", func(i int) string {
			return fmt.Sprintf("INFO request id=%04d «%s» status=200\r\n", i, strings.Repeat("x", 220))
		}},
		{"cjk", func(i int) string {
			return fmt.Sprintf("%04d %s\r\n", i, strings.Repeat("日本語のテキスト", 96))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := New(10000, 120, 40)
			defer buf.Close()
			buf.Write(repeatLines(10000, bc.line))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				buf.Resize(80+40*(i%2), 40)
				buf.Position()
			}
		})
	}
}
