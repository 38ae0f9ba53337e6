package headless

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRecent(t *testing.T) {
	r := NewRecent(4, 16)
	at := time.Unix(100, 0)
	line := func(proc int, s string) Line { return Line{Proc: proc, About: proc, Time: at, Text: []byte(s)} }
	texts := func() string {
		var out []string
		for _, l := range r.Lines() {
			out = append(out, fmt.Sprintf("%d:%s", l.Proc, l.Text))
		}
		return strings.Join(out, " ")
	}
	for i, s := range []string{"aaaa", "bbbb", "cccc"} {
		r.Line(line(i, s))
	}
	if got := texts(); got != "0:aaaa 1:bbbb 2:cccc" {
		t.Errorf("three lines: %s", got)
	}
	r.Line(line(0, "dddddd")) // past 16 bytes: the oldest goes, the text wraps
	if got := texts(); got != "1:bbbb 2:cccc 0:dddddd" {
		t.Errorf("after a wrap: %s", got)
	}
	for _, s := range []string{"e", "f", "g"} { // past 4 lines
		r.Line(line(1, s))
	}
	if got := texts(); got != "0:dddddd 1:e 1:f 1:g" {
		t.Errorf("past the line count: %s", got)
	}
	r.Line(line(2, strings.Repeat("x", 20)+"END")) // longer than the buffer: its end
	if got := texts(); got != "2:"+strings.Repeat("x", 13)+"END" {
		t.Errorf("a huge line: %s", got)
	}
	if l := r.Lines()[0]; !l.Time.Equal(at) || l.About != 2 {
		t.Errorf("line kept as %+v", l)
	}
}
