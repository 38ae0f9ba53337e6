package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// What each running process uses is sampled into the snapshot: a busy
// process's CPU, what its children use too, the memory it holds; and
// composer's own, with its supervisor.
func TestUsage(t *testing.T) {
	tr := start(t, []Spec{
		shSpec("busy", "while :; do :; done"),
		shSpec("tree", "sh -c 'while :; do :; done' & sh -c 'while :; do :; done' & echo ready; wait"),
		spec("memory", "memory", "64"),
		spec("idle", "sleep"),
	}, Options{Stats: 100 * time.Millisecond})
	tr.until("all ready", func() bool {
		return strings.Contains(tr.output("tree"), "ready") && strings.Contains(tr.output("memory"), "ready") &&
			strings.Contains(tr.output("idle"), "ready")
	})
	var last string
	deadline := time.Now().Add(20 * time.Second)
	for {
		procs, _ := tr.r.Snapshot()
		u := map[string]Usage{}
		last = ""
		for _, p := range procs {
			u[p.Name] = p.Usage
			last += fmt.Sprintf("%s %+v\n", p.Name, p.Usage)
		}
		own := tr.r.Own()
		ok := u["busy"].CPU > 20 && u["busy"].Procs == 1 &&
			u["tree"].CPU > 20 && u["tree"].Procs == 3 &&
			u["memory"].RSS >= 64<<20 && u["memory"].PSS >= 64<<20 &&
			u["idle"].CPU < 20 && u["idle"].RSS > 0 &&
			own.RSS > 0 && own.Procs == 2 // composer and its supervisor
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage:\n%sown %+v", last, own)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tr.r.Shutdown("test")
	tr.finish()
	// Once ended, nothing is claimed.
	procs, _ := tr.r.Snapshot()
	for _, p := range procs {
		if p.Usage != (Usage{}) {
			t.Errorf("%s after the end: %+v", p.Name, p.Usage)
		}
	}
}
