package control

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composer-dev/composer/runner"
)

// BenchmarkRecord measures what the server adds to each event on its way
// to the view, on a flood of 100-byte lines in 16 KiB reads.
func BenchmarkRecord(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 16<<10-100; i++ {
		fmt.Fprintf(&sb, "LINE %07d %s\n", i, strings.Repeat("x", 86))
	}
	chunk := []byte(sb.String())
	l, err := Listen(filepath.Join(b.TempDir(), "s"))
	if err != nil {
		b.Fatal(err)
	}
	srv := Serve(l, &fakeControl{}, Options{Procs: []runner.Spec{{Name: "load"}}})
	defer srv.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for i := range b.N {
		srv.Record(runner.Event{Seq: uint64(i + 1), Kind: runner.Output, Proc: 0, Data: chunk})
	}
}
