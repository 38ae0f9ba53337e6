package headless

import (
	"fmt"
	"testing"

	"github.com/composer-dev/composer/runner"
)

// recorder is a Sink that writes down what it is given.
type recorder struct{ got []string }

func (r *recorder) Line(l Line) {
	r.got = append(r.got, fmt.Sprintf("%d/%d %s", l.Proc, l.About, l.Text))
}

func (r *recorder) Done(e runner.Event) {
	r.got = append(r.got, fmt.Sprintf("done %d", e.Seq))
}

// An Async hands on every line and event, in order, with their own texts.
func TestAsync(t *testing.T) {
	var rec recorder
	a := NewAsync(&rec)
	var want []string
	text := []byte("line")
	for i := range 1000 {
		text = fmt.Appendf(text[:0], "line %d", i)
		a.Line(Line{Proc: i % 3, About: i % 3, Text: text})
		want = append(want, fmt.Sprintf("%d/%d line %d", i%3, i%3, i))
		if i%7 == 0 {
			a.Done(runner.Event{Seq: uint64(i), Data: []byte("the view's")})
			want = append(want, fmt.Sprintf("done %d", i))
		}
	}
	a.Done(runner.Event{Seq: 1000})
	want = append(want, "done 1000")
	a.Close()
	a.Done(runner.Event{Seq: 1001}) // after Close: dropped
	if fmt.Sprint(rec.got) != fmt.Sprint(want) {
		t.Errorf("got %d items, want %d:\n%q\n%q", len(rec.got), len(want), rec.got[:min(10, len(rec.got))], want[:10])
	}
}
