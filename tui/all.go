package tui

import (
	"fmt"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui/screen"
)

// The merged view (a) shows every process's lines in one pane, prefixed
// with the process's name as in the log stream, so that one search or
// filter finds a line whichever process printed it; h hides the selected
// process's lines from it and shows them again. Its lines are the run's
// log's (headless.Log), assembled once for every reader of the log, as
// plain text: the panes are where a process's colours and screens are.

// allPane stands for the merged pane where a pane's index is asked for.
const allPane = -1

// allPending bounds the lines queued for the merged pane while the view
// is behind; past it they are skipped, and the pane says how many.
const allPending = 4 << 20

// allFeed is the merged pane's side of the run's log. The log calls it on
// the runner's side, which must never wait for the view: it queues the
// lines, and Model.feedAll writes them into the pane.
type allFeed struct {
	prefixes [][]byte // by process, then composer's own

	mu      sync.Mutex
	lines   []allLine
	data    []byte
	dropped int
	wake    chan struct{} // lines are queued; capacity 1
}

// allLine is a queued line: its tag (the process it is of or about) and
// where it ends in data.
type allLine struct {
	tag int
	end int
}

func newAllFeed(procs []runner.Spec, nameW int) *allFeed {
	f := &allFeed{wake: make(chan struct{}, 1)}
	nameW = max(nameW, len(headless.Self))
	for i, p := range procs {
		f.prefixes = append(f.prefixes, prefix(p.Name, nameW, palette[i%len(palette)]))
	}
	f.prefixes = append(f.prefixes, prefix(headless.Self, nameW, "1"))
	return f
}

// palette is the log stream's: the colours given to processes in turn.
var palette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

func prefix(name string, w int, color string) []byte {
	return fmt.Appendf(nil, "\x1b[%sm%-*s\x1b[m │ ", color, w, name)
}

// Line queues one line of the log.
func (f *allFeed) Line(l headless.Line) {
	n := len(f.prefixes) - 1
	tag, who := l.Proc, l.Proc
	if tag < 0 {
		tag, who = l.About, n
	}
	if tag < 0 || tag >= n {
		tag = n // the run's own: never hidden
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.data)+len(l.Text)+64 > allPending {
		f.dropped++
		return
	}
	f.data = append(f.data, f.prefixes[who]...)
	f.data = headless.Plain(f.data, l.Text)
	f.lines = append(f.lines, allLine{tag: tag, end: len(f.data)})
}

// Done wakes the writer of the merged pane.
func (f *allFeed) Done(runner.Event) {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Log is the merged view's reader of the run's log: add it to the
// headless.Log the runner's events go through.
func (m *Model) Log() headless.Sink { return m.all }

// feedAll writes the lines the log queues into the merged pane until the
// run ends. It runs as a tea.Cmd.
func (m *Model) feedAll() tea.Msg {
	var lines []allLine
	var data []byte
	for {
		select {
		case <-m.all.wake:
		case <-m.done:
			return nil
		}
		f := m.all
		f.mu.Lock()
		lines, f.lines = f.lines, lines[:0]
		data, f.data = f.data, data[:0]
		dropped := f.dropped
		f.dropped = 0
		f.mu.Unlock()
		m.writeAll(lines, data, dropped)
	}
}

// writeAll writes lines into the merged pane, a piece at a time under the
// lock, as output is written into the others.
func (m *Model) writeAll(lines []allLine, data []byte, dropped int) {
	s := m.shared
	start := 0
	for len(lines) > 0 || dropped > 0 {
		s.mu.Lock()
		b := s.all.buf
		if dropped > 0 {
			b.SetTag(len(s.procs))
			b.Note(fmt.Sprintf("%d lines skipped: the view fell behind the log", dropped))
			dropped = 0
		}
		for n := 0; len(lines) > 0 && n < writePiece; lines = lines[1:] {
			b.SetTag(lines[0].tag)
			_, _ = b.Write(data[start:lines[0].end])
			_, _ = b.Write(crlf)
			n += lines[0].end - start
			start = lines[0].end
		}
		s.wake()
		s.mu.Unlock()
	}
}

var crlf = []byte("\r\n")

// allShown reports whether the merged pane is on screen.
func (m *Model) allShown() bool { return m.in(layerAll) && len(m.shared.procs) > 0 }

// shownPane is the pane the pane keys act on: the merged one, or the
// selected process's.
func (m *Model) shownPane() int {
	if m.allShown() {
		return allPane
	}
	return m.selected
}

// pane is process i's pane, or the merged one.
func (s *shared) pane(i int) *proc {
	if i == allPane {
		return s.all
	}
	return s.procs[i]
}

// hideInAll hides process i's lines from the merged pane, or shows them
// again.
func (m *Model) hideInAll(i int) {
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	p := m.shared.procs[i]
	p.hidden = !p.hidden
	m.shared.all.buf.Hide(i, p.hidden)
}

// newAllPane is the merged pane's state.
func newAllPane(opts Options) *proc {
	buf := screen.New(opts.Scrollback, opts.Cols, opts.Rows)
	return &proc{Proc: runner.Proc{Name: "all"}, buf: buf, cols: opts.Cols, rows: opts.Rows}
}
