package headless

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner"
)

type piece struct {
	at   time.Duration // since t0
	data string
}

func feed(chunks []piece) (lines []string, lb *lineBuf) {
	lb = &lineBuf{}
	t0 := time.Unix(1000, 0)
	emit := func(b []byte) { lines = append(lines, string(b)) }
	for _, c := range chunks {
		lb.write([]byte(c.data), t0.Add(c.at), emit)
	}
	return lines, lb
}

func TestLineBuf(t *testing.T) {
	tests := []struct {
		name    string
		chunks  []piece
		lines   []string
		pending string
	}{
		{"crlf", []piece{{0, "a\r\nb\r\n"}}, []string{"a", "b"}, ""},
		{"split across writes", []piece{{0, "ab"}, {1, "c\r"}, {2, "\nd"}}, []string{"abc"}, "d"},
		{"empty lines", []piece{{0, "\r\n\r\n"}}, []string{"", ""}, ""},
		{"redraws", []piece{{0, "10%\r20%\r30%\r\n"}}, []string{"30%"}, ""},
		{"redraw split at the \\r", []piece{{0, "50%\r"}, {1, "51%"}, {2, "\r\n"}}, []string{"51%"}, ""},
		{"pending keeps only what shows", []piece{{0, "1%\r2%\r3%"}}, nil, "3%"},
		{"colours and tabs pass", []piece{{0, "\x1b[31mred\x1b[0m\tx\n"}}, []string{"\x1b[31mred\x1b[0m\tx"}, ""},
		{"invalid utf-8 passes", []piece{{0, "\xff\xfe\x00ok\n"}}, []string{"\xff\xfe\x00ok"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, lb := feed(tt.chunks)
			if fmt.Sprintf("%q", lines) != fmt.Sprintf("%q", tt.lines) || string(lb.pending) != tt.pending {
				t.Errorf("lines %q, pending %q; want %q, %q", lines, lb.pending, tt.lines, tt.pending)
			}
		})
	}
}

func TestLineBufLongLine(t *testing.T) {
	// 3.5 pieces' worth, with a two-byte character straddling the first cut.
	data := strings.Repeat("x", MaxLine-1) + "é" + strings.Repeat("y", MaxLine*5/2)
	var lines []string
	lb := &lineBuf{}
	for i := 0; i < len(data); i += 4096 {
		lb.write([]byte(data[i:min(i+4096, len(data))]), time.Now(), func(b []byte) { lines = append(lines, string(b)) })
	}
	lb.flush(time.Now(), func(b []byte) { lines = append(lines, string(b)) })
	if got := strings.Join(lines, ""); got != data {
		t.Fatalf("pieces joined differ from the input (%d bytes, want %d)", len(got), len(data))
	}
	if len(lines) != 4 || len(lines[0]) != MaxLine-1 {
		t.Errorf("got %d pieces, first %d bytes; want 4, the first cut before the é", len(lines), len(lines[0]))
	}
	for _, l := range lines {
		if len(l) > MaxLine {
			t.Errorf("piece of %d bytes > MaxLine", len(l))
		}
	}
	if cap(lb.pending) > 2*MaxLine {
		t.Errorf("pending kept %d bytes of capacity", cap(lb.pending))
	}
}

func TestLineBufDue(t *testing.T) {
	const progress = time.Second
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

	for _, in := range []string{"done\n", "name? "} {
		if _, lb := feed([]piece{{0, in}}); !lb.due(progress).IsZero() {
			t.Errorf("after %q: due %v, want zero", in, lb.due(progress))
		}
	}
	var chunks []piece
	for i := range 10 {
		chunks = append(chunks, piece{time.Duration(i) * 200 * time.Millisecond, fmt.Sprintf("\r%d%%", i)})
	}
	_, lb := feed(chunks)
	if d := lb.due(progress); !d.Equal(ms(1000)) {
		t.Errorf("progress due at %v, want 1s after it began", d.Sub(t0))
	}
	var shown []string
	lb.flush(ms(1000), func(b []byte) { shown = append(shown, string(b)) })
	if len(shown) != 1 || shown[0] != "9%" || len(lb.pending) != 0 {
		t.Errorf("flush showed %q, left %q; want [9%%] and nothing", shown, lb.pending)
	}
	lb.write([]byte("\r10%"), ms(1900), func([]byte) {})
	if d := lb.due(progress); !d.Equal(ms(2000)) {
		t.Errorf("next progress due at %v, want 1s after the last showing", d.Sub(t0))
	}
}

func BenchmarkLineBuf(b *testing.B) {
	var piece bytes.Buffer
	for piece.Len() < 4000 {
		piece.WriteString("LINE 0000001 \x1b[32mxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x1b[0m\r\n")
	}
	data := piece.Bytes()
	lb := &lineBuf{}
	now := time.Now()
	n := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		lb.write(data, now, func(l []byte) { n += len(l) })
	}
}

func TestLines(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	type line struct {
		proc int
		t    time.Time
		text string
	}
	var got []line
	l := NewLines(Options{Procs: []runner.Spec{{Name: "a", Port: 5000}, {Name: "b"}}}, func(l Line) {
		got = append(got, line{l.Proc, l.Time, string(l.Text)})
	})
	l.Event(runner.Event{Kind: runner.Started, Proc: 1, PID: 7, Time: t0})
	l.Event(runner.Event{Kind: runner.Output, Proc: 1, Data: []byte("one\r\ntw"), Time: t0})
	l.Event(runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("half"), Time: t0})
	l.Event(runner.Event{Kind: runner.Output, Proc: 1, Data: []byte("o\n"), Time: t0.Add(time.Second)})
	l.Flush(t0.Add(2 * time.Second))
	want := []line{
		{-1, t0, "b started (pid 7)"},
		{1, t0, "one"},
		{1, t0.Add(time.Second), "two"},
		{0, t0.Add(2 * time.Second), "half"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Lines emitted %v, want %v", got, want)
	}
}

// A line shown when its process went idle is not shown again, empty, when
// its newline arrives; what follows it on the same line still shows.
func TestLinesShownWhenIdle(t *testing.T) {
	out := func(s string) runner.Event { return runner.Event{Kind: runner.Output, Proc: 0, Data: []byte(s)} }
	idle := runner.Event{Kind: runner.Idle, Proc: 0}
	tests := []struct {
		name   string
		events []runner.Event
		want   []string
	}{
		{"progress bar", []runner.Event{out("start\r\n"), out("\r10%"), idle, out("\r60%"), idle, out("\r100%"), idle, out("\r\nafter\r\n")},
			[]string{"start", "10%", "60%", "100%", "after"}},
		{"bare newline", []runner.Event{out("\r10%"), idle, out("\n")}, []string{"10%"}},
		{"carriage return then newline", []runner.Event{out("\r10%"), idle, out("\r"), idle, out("\n")}, []string{"10%"}},
		{"prompt answered", []runner.Event{out("name? "), idle, out("bob\r\n")}, []string{"name? ", "bob"}},
		{"prompt redrawn", []runner.Event{out("name? "), idle, out("\rname? bob\r\n")}, []string{"name? ", "name? bob"}},
		{"empty lines after", []runner.Event{out("10%"), idle, out("\r\n\r\n")}, []string{"10%", ""}},
		{"a new run starts a new line", []runner.Event{out("prompt"), {Kind: runner.Exited, Proc: 0}, out("\r\nx\r\n")},
			[]string{"prompt", "", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			l := NewLines(Options{Procs: []runner.Spec{{Name: "a"}}}, func(l Line) {
				if l.Proc == 0 {
					got = append(got, string(l.Text))
				}
			})
			for _, e := range tt.events {
				l.Event(e)
			}
			l.Flush(time.Now())
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

// A line shown because it was due carries the time its state was read:
// a log that runs late keeps its times in order.
func TestDueLineTime(t *testing.T) {
	var got []Line
	l := NewLines(Options{Procs: []runner.Spec{{Name: "a"}}}, func(line Line) { got = append(got, line) })
	read := time.Now().Add(-time.Hour) // read long ago, handled now
	l.Event(runner.Event{Kind: runner.Output, Proc: 0, Data: []byte("\r1%\r2%"), Time: read})
	l.ShowDue(time.Now().Add(2 * time.Second))
	if len(got) != 1 || string(got[0].Text) != "2%" || !got[0].Time.Equal(read) {
		t.Errorf("got %+v, want 2%% stamped %v", got, read)
	}
}

// What a process waits for, its readiness and its liveness are said in
// composer's own lines: why a probe has not passed yet (once for each
// reason), and that one which passed fails.
func TestReadinessLines(t *testing.T) {
	var got []string
	l := NewLines(Options{Procs: []runner.Spec{{Name: "db"}, {Name: "web"}, {Name: "api"}}}, func(l Line) {
		got = append(got, string(l.Text))
	})
	for _, e := range []runner.Event{
		{Kind: runner.Waiting, Proc: 1, Waiting: []string{"db (healthy)", "migrate (completed)"}},
		{Kind: runner.Started, Proc: 0, PID: 3},
		{Kind: runner.Ready, Proc: 0, Probe: "tcp :5432", ProbeErr: "connection refused"},
		{Kind: runner.Ready, Proc: 0, Ready: true, Probe: "tcp :5432", Took: 1270 * time.Millisecond},
		{Kind: runner.Ready, Proc: 0, Probe: "tcp :5432", ProbeErr: "connection refused"},
		{Kind: runner.Ready, Proc: 2, Ready: true, Probe: "ready_log_line", Took: 12300 * time.Microsecond},
		{Kind: runner.Unhealthy, Proc: 2, Probe: "http :5100/health", ProbeErr: "503 Service Unavailable", Failures: 3, Reason: "restarting"},
		{Kind: runner.Waiting, Proc: 1, Waiting: []string{"db (healthy)"}, Reason: "db exited with code 1 before it was healthy"},
	} {
		l.Event(e)
	}
	want := []string{
		"web waits for db (healthy), migrate (completed)",
		"db started (pid 3)",
		"db is not ready yet (tcp :5432: connection refused)",
		"db is ready (tcp :5432 after 1.3s)",
		"db is no longer ready (tcp :5432: connection refused)",
		"api is ready (its ready line, after 12ms)",
		"api liveness failed 3 times (http :5100/health: 503 Service Unavailable); restarting",
		"web will not start: db exited with code 1 before it was healthy",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
