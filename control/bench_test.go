package control

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composer-dev/composer/runner"
)

// BenchmarkTee measures the hop the server adds between the runner and the
// view, on a flood of 100-byte lines in 16 KiB reads, against a bare
// channel hop.
func BenchmarkTee(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 16<<10-100; i++ {
		fmt.Fprintf(&sb, "LINE %07d %s\n", i, strings.Repeat("x", 86))
	}
	chunk := []byte(sb.String())
	run := func(b *testing.B, hop func(in <-chan runner.Event) <-chan runner.Event) {
		b.ReportAllocs()
		b.SetBytes(int64(len(chunk)))
		in := make(chan runner.Event, 64)
		out := hop(in)
		done := make(chan struct{})
		go func() {
			for range out {
			}
			close(done)
		}()
		b.ResetTimer()
		for range b.N {
			in <- runner.Event{Kind: runner.Output, Proc: 0, Data: chunk}
		}
		close(in)
		<-done
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func(in <-chan runner.Event) <-chan runner.Event {
			out := make(chan runner.Event, 64)
			go func() {
				for e := range in {
					out <- e
				}
				close(out)
			}()
			return out
		})
	})
	b.Run("tee", func(b *testing.B) {
		l, err := Listen(filepath.Join(b.TempDir(), "s"))
		if err != nil {
			b.Fatal(err)
		}
		srv := Serve(l, &fakeControl{}, Options{Procs: []Process{{Name: "load"}}})
		defer srv.Close()
		run(b, srv.Tee)
	})
}
