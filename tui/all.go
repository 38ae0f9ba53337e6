package tui

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

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
// It costs nothing until it is first shown: it then starts with the
// recent lines the log's record keeps (Options.Backlog), and takes every
// line from then on.

// allPane stands for the merged pane where a pane's index is asked for.
const allPane = -1

// allPending bounds the lines queued for the merged pane while the view
// is behind; past it they are skipped, and the pane says how many.
const allPending = 1 << 20

// allFeed is the merged pane's side of the run's log. The log calls it on
// the runner's side, which must never wait for the view: it queues the
// lines, and Model.feedAll writes them into the pane.
type allFeed struct {
	leads  []string // by process, then composer's own: "web      │ "
	colors []int
	on     atomic.Bool // the pane was shown: lines are taken

	mu      sync.Mutex
	lines   []allLine
	data    []byte
	dropped int
	wake    chan struct{} // lines are queued; capacity 1

	plain []byte // feedAll's: a piece of lines without their escape codes
}

// allLineCost is what a queued line costs beside its text.
const allLineCost = int(unsafe.Sizeof(allLine{}))

// allLine is a queued line: its tag (the process it is of or about),
// whose lead it takes, and where its text ends in data.
type allLine struct {
	tag, who int
	end      int
}

func newAllFeed(procs []runner.Spec, nameW int) *allFeed {
	f := &allFeed{wake: make(chan struct{}, 1)}
	nameW = max(nameW, len(headless.Self))
	for i, p := range procs {
		f.leads = append(f.leads, fmt.Sprintf("%-*s │ ", nameW, p.Name))
		f.colors = append(f.colors, palette[i%len(palette)])
	}
	f.leads = append(f.leads, fmt.Sprintf("%-*s │ ", nameW, headless.Self))
	f.colors = append(f.colors, -1)
	return f
}

// palette is the log stream's: the colours given to processes in turn.
var palette = []int{6, 3, 2, 5, 4, 14, 11, 10, 13, 12}

// Line queues one line of the log: a copy, and nothing more, on the
// runner's side.
func (f *allFeed) Line(l headless.Line) {
	if !f.on.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue(l, allPending)
}

// queue queues l, unless limit bytes are queued already. f.mu is held.
func (f *allFeed) queue(l headless.Line, limit int) {
	n := len(f.leads) - 1
	tag, who := l.Proc, l.Proc
	if tag < 0 {
		tag, who = l.About, n
	}
	if tag < 0 || tag >= n {
		tag = n // the run's own: never hidden
	}
	if len(f.data)+len(l.Text)+allLineCost*len(f.lines) > limit {
		f.dropped++
		return
	}
	f.data = append(f.data, l.Text...)
	f.lines = append(f.lines, allLine{tag: tag, who: who, end: len(f.data)})
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

// openAll has the merged pane take the log's lines, the first time it is
// shown: first those the log's record keeps, then every one from now.
func (m *Model) openAll() {
	f := m.all
	if f.on.Load() {
		return
	}
	start := func(recent []headless.Line) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, l := range recent {
			f.queue(l, math.MaxInt)
		}
		f.on.Store(true)
	}
	if m.opts.Backlog != nil {
		m.opts.Backlog(start)
	} else {
		start(nil)
		m.withPane(allPane, func(p *proc) { p.buf.Note("the log's lines from now on") })
	}
	f.Done(runner.Event{})
}

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
	s, f := m.shared, m.all
	start := 0
	for len(lines) > 0 || dropped > 0 {
		// The escape codes are taken out off the lock.
		n, end := 0, 0
		for n < len(lines) && end-start < writePiece {
			end = lines[n].end
			n++
		}
		piece := lines[:n]
		f.plain = f.plain[:0]
		for i, l := range piece {
			f.plain = headless.Plain(f.plain, data[start:l.end])
			piece[i].end, start = len(f.plain), l.end
		}
		lines = lines[n:]
		s.mu.Lock()
		b := s.all.buf
		if dropped > 0 {
			b.SetTag(len(s.procs))
			b.Note(fmt.Sprintf("%d lines skipped: the view fell behind the log", dropped))
			dropped = 0
		}
		from := 0
		for _, l := range piece {
			b.AddLine(l.tag, f.leads[l.who], f.colors[l.who], f.plain[from:l.end])
			from = l.end
		}
		s.wake()
		s.mu.Unlock()
	}
}

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
