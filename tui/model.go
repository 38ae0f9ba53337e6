package tui

import (
	"fmt"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui/screen"
)

// Control is what the interface asks of the processes' supervisor;
// *runner.Runner satisfies it. Every method but Shutdown and Kill may
// block until done.
type Control interface {
	Restart(name string) error
	Stop(name string) error
	Start(name string) error
	Signal(name string, sig syscall.Signal) error
	Resize(name string, cols, rows int) error
	Write(name string, p []byte) (int, error)
	Shutdown(reason string)
	Kill()
	// What each process uses, and composer itself, as last sampled
	// (runner.Proc.Usage, Runner.Own): read once a second.
	Snapshot() ([]runner.Proc, uint64)
	Own() runner.Usage
}

// Options configure a Model. The zero value of each field is usable.
type Options struct {
	Procs      []runner.Spec // the processes, as the runner was given them
	Title      string        // shown in the header, such as the project directory
	Scrollback int           // lines kept per process; default DefaultScrollback
	Styles     *Styles
	FPS        int    // frames per second at most while output flows; default 30
	Cols, Rows int    // the panes' size until the terminal's is known; default 80×24
	Notice     string // shown in the footer until the first key, such as a Procfile warning
	Grid       bool   // open on the grid, if the terminal has room for it
	Tmux       bool   // composer runs inside tmux: copies go to a paste buffer too
	// Backlog, if set, hands start the recent lines of the run's log
	// (Log's), oldest first, when the merged pane is first shown; it calls
	// start while no line is added to the log, so that every line is in
	// recent or comes after it. Nil: the pane starts empty.
	Backlog func(start func(recent []headless.Line))
	// Detach, if set, makes this a view attached from elsewhere: q and
	// ctrl+c call it and leave every process running (the events then
	// end), and Q stops them all.
	Detach func()
	// Select opens the view zoomed on the process of that name, and
	// Interact goes straight to typing into it once it runs.
	Select   string
	Interact bool
	Now      func() time.Time
}

// DefaultScrollback is the number of lines each pane keeps by default.
const DefaultScrollback = 10000

// Model is the interface's state. Create it with New; it is a tea.Model.
type Model struct {
	events <-chan runner.Event
	ctl    Control
	opts   Options
	st     Styles
	keys   keyMap
	ckeys  copyKeys
	help   help.Model
	bar    bar // the footer, built when it changes
	search textinput.Model

	shared   *shared  // written by the feeding goroutine
	all      *allFeed // the run's log's lines, on their way to the merged pane
	input    chan input
	done     chan struct{} // closed when the events end
	feeding  sync.Once     // consume runs once
	ending   sync.Once     // end runs once
	resizeMu sync.Mutex

	width, height int
	nameW         int // the longest process name, which sizes the sidebar
	lay           layout
	selected      int
	listTop       int // the first process the sidebar shows
	typed         typed
	gotoFrom      int    // the selection before modeGoto, which esc restores
	filterFrom    string // the pane's filter before modeFilter, which esc restores
	mode          mode
	layers        []layer // the views entered over the list, oldest first
	helpTop       int     // the first row of the help shown
	quitting      int     // quit keys pressed: 1 stops everything, 2 kills
	interrupted   bool    // the run was ended by ctrl+c
	err           string  // the last command error, shown in the footer
	notice        string  // what the last action did, shown in the footer until a key
	copy          copying // copy mode's cursor and selection
	drag          drag    // a drag of the mouse selecting text
	own           runner.Usage
	interacted    bool // Options.Interact has been done
}

type mode int

const (
	modeNormal   mode = iota
	modeSearch        // typing a search query
	modeGoto          // typing the name of the process to select
	modeFilter        // typing the filter of the selected pane
	modeInteract      // keys go to the selected process
	modeCopy          // a cursor moves over the selected pane's scrollback to copy
)

// shared is what the feeding goroutine writes and Update and View read.
type shared struct {
	mu       sync.Mutex
	procs    []*proc
	all      *proc         // the merged pane, of every process's lines
	shutdown string        // why the run is ending; "" while it is not
	frame    chan struct{} // a frame is wanted; capacity 1
}

// proc is one process as the interface knows it: as it was described,
// and its state as its events tell it.
type proc struct {
	spec runner.Spec
	runner.Proc
	usage  runner.Usage // from the runner's snapshot, once a second
	hidden bool         // its lines are hidden from the merged pane
	buf    *screen.Buffer
	cols   int // its pane's size, which is also its pty's
	rows   int
}

// New returns the interface for processes whose events arrive on events
// and which ctl controls. The caller runs the runner; the Model never
// stops consuming events until they end, so the runner is never held up
// by the interface.
func New(events <-chan runner.Event, ctl Control, opts Options) *Model {
	if opts.Scrollback <= 0 {
		opts.Scrollback = DefaultScrollback
	}
	if opts.FPS <= 0 {
		opts.FPS = 30
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Cols <= 0 || opts.Rows <= 0 {
		opts.Cols, opts.Rows = 80, 24
	}
	st := DefaultStyles()
	if opts.Styles != nil {
		st = *opts.Styles
	}
	m := &Model{
		events: events, ctl: ctl, opts: opts, st: st,
		keys:   newKeyMap(),
		ckeys:  newCopyKeys(),
		help:   help.New(),
		search: textinput.New(),
		shared: &shared{frame: make(chan struct{}, 1)},
		input:  make(chan input, 256),
		done:   make(chan struct{}),
	}
	m.help.Styles = st.Help
	m.keys.attached(opts.Detach != nil)
	m.err = opts.Notice
	if opts.Grid {
		m.layers = []layer{{kind: layerGrid}}
	}
	for i, p := range opts.Procs {
		if opts.Select != "" && p.Name == opts.Select {
			m.selected = i
			m.layers = []layer{{kind: layerZoom}}
		}
	}
	m.search.Prompt = "/"
	m.search.Placeholder = "search"
	// Nothing routes the cursor's blink messages back: not blinking, it
	// starts no timers.
	ss := m.search.Styles()
	ss.Cursor.Blink = false
	m.search.SetStyles(ss)
	for _, p := range opts.Procs {
		buf := screen.New(opts.Scrollback, opts.Cols, opts.Rows)
		// A program that asks its terminal where the cursor is waits for
		// the answer: the pane's emulator gives it.
		buf.OnReply = func(b []byte) { m.queueInput(input{name: p.Name, data: b, reply: true}) }
		m.shared.procs = append(m.shared.procs, &proc{spec: p, Proc: runner.Proc{Name: p.Name}, cols: opts.Cols, rows: opts.Rows, buf: buf})
		m.nameW = max(m.nameW, len(p.Name))
	}
	m.shared.all = newAllPane(opts)
	m.all = newAllFeed(opts.Procs, m.nameW)
	return m
}

// Interrupted reports whether the run was ended with ctrl+c rather than q.
func (m *Model) Interrupted() bool { return m.interrupted }

// Init starts consuming events.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.feed, m.nextFrame, m.writeInput, m.tick, m.feedAll)
}

// Messages of the Model's own.
type (
	endedMsg struct{}            // the event stream is closed
	frameMsg struct{}            // output arrived: draw
	tickMsg  struct{}            // a second passed: uptimes and countdowns
	errMsg   struct{ err error } // a command failed

	feedPanicMsg struct{ report string } // handling an event panicked
)

// feed writes every event into the shared state until the stream ends. It
// runs as a tea.Cmd, so its goroutine belongs to the program.
func (m *Model) feed() (msg tea.Msg) {
	m.feeding.Do(func() { msg = m.consume() })
	return msg
}

// Finish returns once every event has been applied, consuming them itself
// if the program never started to. Call it after the program has ended:
// Summary is then final.
func (m *Model) Finish() {
	m.feeding.Do(func() { m.consume() })
	<-m.done
}

func (m *Model) consume() (msg tea.Msg) {
	defer func() {
		if r := recover(); r != nil {
			// The runner must never wait on the interface: drain the rest
			// unseen, and let Update report the panic, which ends the
			// program and restores the terminal.
			go func() {
				for range m.events {
				}
			}()
			m.end()
			msg = feedPanicMsg{fmt.Sprintf("%v\n%s", r, debug.Stack())}
		}
	}()
	for ev := range m.events {
		m.shared.apply(ev)
	}
	m.end()
	return endedMsg{}
}

// end marks the events as consumed and releases the panes' goroutines.
func (m *Model) end() {
	m.ending.Do(func() {
		close(m.done)
		m.shared.mu.Lock()
		defer m.shared.mu.Unlock()
		for _, p := range m.shared.procs {
			p.buf.Close()
		}
		m.shared.all.buf.Close()
	})
}

// nextFrame waits until a frame is wanted and then, so that a flood of
// output is drawn at a capped rate, a frame interval.
func (m *Model) nextFrame() tea.Msg {
	select {
	case <-m.shared.frame:
	case <-m.done:
		return nil
	}
	time.Sleep(time.Second / time.Duration(m.opts.FPS))
	return frameMsg{}
}

// tick redraws once a second while the run lasts, for uptimes and
// restart countdowns; nothing else redraws without a change.
func (m *Model) tick() tea.Msg {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-t.C:
		return tickMsg{}
	case <-m.done:
		return nil
	}
}

// writePiece bounds how much output is written into a pane under the lock
// at once, so that a key or a frame waits for one piece at most.
const writePiece = 8 << 10

// apply records one event.
func (s *shared) apply(ev runner.Event) {
	if ev.Kind == runner.Output && ev.Proc >= 0 && ev.Proc < len(s.procs) {
		for data := ev.Data; len(data) > 0; {
			n := min(len(data), writePiece)
			s.write(ev.Proc, data[:n])
			data = data[n:]
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Kind == runner.ShuttingDown {
		s.shutdown = ev.Reason
		s.wake()
		return
	}
	if ev.Proc < 0 || ev.Proc >= len(s.procs) {
		return
	}
	p := s.procs[ev.Proc]
	before := p.Proc
	p.Apply(ev)
	switch ev.Kind {
	case runner.Started:
		switch {
		case !before.Started.IsZero() && ev.Restarts != before.Restarts:
			p.buf.Note(fmt.Sprintf("restarted · pid %d · restart %d", ev.PID, ev.Restarts))
		case !before.Started.IsZero():
			p.buf.Note(fmt.Sprintf("started · pid %d", ev.PID))
		}
	case runner.Signaled, runner.Suspended, runner.Resumed, runner.Waiting, runner.Ready, runner.Unhealthy:
		// The title bar says so; a note would scroll a full-screen
		// program's screen, which comes back as it was.
	case runner.Exited:
		msg := ev.Status.String()
		if ev.State == runner.StateRestarting {
			msg += fmt.Sprintf(" · restarting in %s", ev.Delay.Round(time.Millisecond))
		}
		// A process that died in a full-screen program leaves its pane to
		// the history, not to the last screen it drew.
		p.buf.Reset()
		p.buf.Note(msg)
	case runner.Output, runner.Idle, runner.ShuttingDown:
		return // Idle: the view has shown partial lines all along
	}
	s.wake()
}

func (s *shared) write(i int, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.procs[i].buf.Write(data) // a Buffer takes everything
	s.wake()
}

// wake asks for a frame without ever blocking.
func (s *shared) wake() {
	select {
	case s.frame <- struct{}{}:
	default:
	}
}
