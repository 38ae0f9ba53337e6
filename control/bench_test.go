package control

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// BenchmarkRecord measures what the server adds to the run's log, on a
// flood of 100-byte lines in 16 KiB reads, against the Log alone.
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
	procs := []runner.Spec{{Name: "load"}}
	srv := Serve(l, &fakeControl{}, Options{Procs: procs})
	defer srv.Close()
	for _, bc := range []struct {
		name  string
		sinks []headless.Sink
	}{{"log alone", nil}, {"server", []headless.Sink{srv}}} {
		b.Run(bc.name, func(b *testing.B) {
			log := headless.NewLog(headless.Options{Procs: procs}, bc.sinks...)
			b.ReportAllocs()
			b.SetBytes(int64(len(chunk)))
			for i := range b.N {
				log.Event(runner.Event{Seq: uint64(i + 1), Kind: runner.Output, Proc: 0, Data: chunk})
			}
		})
	}
}
