package tui

import (
	"errors"
	"strings"
	"syscall"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/composer-dev/composer/runner"
)

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		first := m.width == 0
		m.width, m.height = msg.Width, msg.Height
		if first && m.gridShown() && compute(m.width, m.height, len(m.shared.procs), m.nameW, true, false).small != "" {
			m.leave(layer{kind: layerGrid}) // asked to open on a grid with no room: the list
		}
		return m, m.relayout()
	case frameMsg:
		if m.mode == modeInteract && m.state(m.selected) != runner.StateRunning {
			m.mode = modeNormal // the process ended: keys are the view's again
		}
		if m.opts.Interact && !m.interacted && m.mode == modeNormal && len(m.shared.procs) > 0 &&
			m.state(m.selected) == runner.StateRunning && !m.shared.procs[m.selected].spec.NoTTY {
			m.interacted, m.mode = true, modeInteract
		}
		return m, m.nextFrame
	case tickMsg:
		m.readUsage()
		return m, m.tick
	case endedMsg:
		return m, tea.Quit
	case errMsg:
		m.err = msg.err.Error()
	case feedPanicMsg:
		panic(msg.report)
	case inputErrMsg:
		m.err = msg.err.Error()
		return m, m.writeInput // the writer stopped to report; keep it going
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.mode == modeInteract {
			return m, m.send(m.paste(msg.Content))
		}
		if m.mode == modeSearch || m.mode == modeGoto || m.mode == modeFilter {
			var cmd tea.Cmd
			m.search, cmd = m.search.Update(msg)
			switch m.mode {
			case modeGoto:
				m.selectName(m.search.Value())
			case modeFilter:
				m.setFilter(m.search.Value())
			case modeNormal, modeSearch, modeInteract, modeCopy:
			}
			return m, cmd
		}
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			break
		}
		m.err, m.notice = "", ""
		if m.mode != modeInteract {
			m.click(msg.X, msg.Y)
		}
		return m, m.press(msg.X, msg.Y)
	case tea.MouseMotionMsg:
		if msg.Button == tea.MouseLeft {
			m.motion(msg.X, msg.Y)
		}
	case tea.MouseReleaseMsg:
		return m, m.drop(msg.X, msg.Y)
	case clipboardMsg:
		// No Terminal took it: Bubble Tea's output is the terminal's.
		return m, tea.SetClipboard(string(msg))
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.wheel(msg.X, msg.Y, -3)
		case tea.MouseWheelDown:
			m.wheel(msg.X, msg.Y, 3)
		}
	}
	return m, nil
}

// key handles a key press in the current mode.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	m.err, m.notice = "", ""
	if m.drag.on {
		// A key in the middle of a drag may change the pane it is in:
		// the drag is over, and its release copies nothing.
		m.drag.on = false
		m.release(m.drag.copying)
	}
	switch m.mode {
	case modeCopy:
		return m.copyKey(k)
	case modeInteract:
		if key.Matches(k, m.keys.Leave) {
			m.mode = modeNormal
			return nil
		}
		if st := m.state(m.selected); st != runner.StateRunning {
			m.mode = modeNormal
			m.err = m.shared.procs[m.selected].Name + " is not running: keys are yours again"
			return nil
		}
		return m.send(encodeKey(k, m.appCursor()))
	case modeSearch:
		switch {
		case key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c":
			m.interrupted = true
			return m.quit("quit")
		case key.Matches(k, m.keys.Escape):
			m.mode = modeNormal
			if m.copy.searching {
				m.mode, m.copy.searching = modeCopy, false // back to the cursor
			}
			return nil
		case key.Matches(k, m.keys.Submit):
			m.mode = modeNormal
			q, searched := m.search.Value(), layer{layerSearch, m.shownPane()}
			m.withPane(m.shownPane(), func(p *proc) {
				if p.buf.Search(q) == 0 && q != "" {
					m.err = "no match for " + q
				}
			})
			if m.copy.searching {
				m.mode, m.copy.searching = modeCopy, false
				m.toMatch()
			}
			if q == "" {
				m.leave(searched)
			} else {
				m.enter(searched)
			}
			return nil
		}
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(k)
		return cmd
	case modeGoto:
		switch {
		case key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c":
			m.interrupted = true
			return m.quit("quit")
		case key.Matches(k, m.keys.Escape):
			m.mode = modeNormal
			m.selectProc(m.gotoFrom)
			return nil
		case key.Matches(k, m.keys.Submit):
			m.mode = modeNormal
			return nil
		}
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(k)
		m.selectName(m.search.Value())
		return cmd
	case modeFilter:
		f := layer{layerFilter, m.shownPane()}
		switch {
		case key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c":
			m.interrupted = true
			return m.quit("quit")
		case key.Matches(k, m.keys.Escape):
			m.mode = modeNormal
			m.setFilter(m.filterFrom)
			if m.filterFrom == "" {
				m.leave(f)
			}
			return nil
		case key.Matches(k, m.keys.Submit):
			m.mode = modeNormal
			if m.search.Value() == "" {
				m.leave(f)
			} else {
				m.enter(f)
			}
			return nil
		}
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(k)
		m.setFilter(m.search.Value())
		return cmd
	case modeNormal: // below
	}

	ks := m.keys
	n := len(m.shared.procs)
	if !key.Matches(k, ks.Select) {
		m.typed = typed{} // a number is typed with nothing between its digits
	}
	if m.helpShown() && !key.Matches(k, ks.Quit, ks.Suspend) {
		// The help covers the panes: keys act on nothing unseen.
		switch {
		case key.Matches(k, ks.Help, ks.Escape):
			return m.back()
		case key.Matches(k, ks.Up):
			m.scrollHelp(-1)
		case key.Matches(k, ks.Down):
			m.scrollHelp(1)
		case key.Matches(k, ks.PageUp, ks.HalfUp):
			m.scrollHelp(-m.lay.bodyH / 2)
		case key.Matches(k, ks.PageDown, ks.HalfDown):
			m.scrollHelp(m.lay.bodyH / 2)
		}
		return nil
	}
	switch {
	case key.Matches(k, ks.Quit):
		if k.String() == "ctrl+c" {
			m.interrupted = true
		}
		return m.quit("quit")
	case key.Matches(k, ks.StopAll) && m.opts.Detach != nil:
		return m.stop("quit")
	case key.Matches(k, ks.Suspend):
		return func() tea.Msg { return suspendMsg{} } // the Terminal's to do
	case n == 0:
		return nil
	case key.Matches(k, ks.Up):
		m.selectProc((m.selected + n - 1) % n)
	case key.Matches(k, ks.Down):
		m.selectProc((m.selected + 1) % n)
	case key.Matches(k, ks.Select):
		m.selectNumber(int(k.Code - '0'))
	case key.Matches(k, ks.Restart):
		return m.control(m.selected, m.ctl.Restart)
	case key.Matches(k, ks.RestartAll):
		cmds := make([]tea.Cmd, n)
		for i := range cmds {
			cmds[i] = m.control(i, m.ctl.Restart)
		}
		return tea.Batch(cmds...)
	case key.Matches(k, ks.Toggle):
		switch m.state(m.selected) {
		case runner.StateRunning, runner.StateStopping, runner.StateRestarting, runner.StateWaiting:
			return m.control(m.selected, m.ctl.Stop)
		case runner.StatePending, runner.StateSuspended, runner.StateExited, runner.StateStopped, runner.StateGivenUp:
			// Start continues a suspended process.
		}
		return m.control(m.selected, m.ctl.Start)
	case key.Matches(k, ks.Kill):
		return m.control(m.selected, func(name string) error { return m.ctl.Signal(name, syscall.SIGKILL) })
	case key.Matches(k, ks.Interact):
		if st := m.state(m.selected); st != runner.StateRunning {
			m.err = m.shared.procs[m.selected].Name + " is not running"
			return nil
		}
		if m.shared.procs[m.selected].spec.NoTTY {
			m.err = m.shared.procs[m.selected].Name + " has no terminal to type at (is_tty: false)"
			return nil
		}
		m.mode = modeInteract
		m.withPane(m.selected, func(p *proc) { p.buf.Follow() })
		if m.allShown() {
			m.leave(layer{kind: layerAll}) // to the process's own pane, to type in it
			return m.relayout()
		}
	case key.Matches(k, ks.Grid):
		switch {
		case m.zoomed() || m.allShown(): // to the grid, whatever the pane was zoomed from
			m.leave(layer{kind: layerZoom})
			m.leave(layer{kind: layerAll})
			m.enter(layer{kind: layerGrid})
		case m.in(layerGrid):
			m.leave(layer{kind: layerGrid})
		default:
			m.enter(layer{kind: layerGrid})
		}
		return m.relayout()
	case key.Matches(k, ks.Zoom):
		if m.zoomed() {
			m.leave(layer{kind: layerZoom})
		} else {
			m.enter(layer{kind: layerZoom})
		}
		return m.relayout()
	case key.Matches(k, ks.PageUp):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.ScrollUp(max(1, p.rows-1)) })
	case key.Matches(k, ks.PageDown):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.ScrollDown(max(1, p.rows-1)) })
	case key.Matches(k, ks.HalfUp):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.ScrollUp(max(1, p.rows/2)) })
	case key.Matches(k, ks.HalfDown):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.ScrollDown(max(1, p.rows/2)) })
	case key.Matches(k, ks.Top):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.ScrollTop() })
	case key.Matches(k, ks.Bottom):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.Follow() })
	case key.Matches(k, ks.Search):
		m.mode = modeSearch
		m.search.Reset()
		m.search.Prompt, m.search.Placeholder = "/", "search"
		return m.search.Focus()
	case key.Matches(k, ks.Filter):
		m.withPane(m.shownPane(), func(p *proc) { m.filterFrom, _ = p.buf.Filtered() })
		m.mode = modeFilter
		m.search.Reset()
		m.search.SetValue(m.filterFrom)
		m.search.CursorEnd()
		m.search.Prompt, m.search.Placeholder = "&", "show only lines holding"
		return m.search.Focus()
	case key.Matches(k, ks.Copy):
		m.startCopy()
	case key.Matches(k, ks.All):
		if m.allShown() {
			m.leave(layer{kind: layerAll})
		} else {
			m.enter(layer{kind: layerAll})
			m.openAll()
		}
		return m.relayout()
	case key.Matches(k, ks.Hide):
		if m.allShown() {
			m.hideInAll(m.selected)
		} else {
			m.notice = "h hides a process's lines in the a pane: a shows it"
		}
	case key.Matches(k, ks.Goto):
		m.mode, m.gotoFrom = modeGoto, m.selected
		m.search.Reset()
		m.search.Prompt, m.search.Placeholder = "'", "process"
		return m.search.Focus()
	case key.Matches(k, ks.Next):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.NextMatch(true) })
	case key.Matches(k, ks.Prev):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.NextMatch(false) })
	case key.Matches(k, ks.Clear):
		m.withPane(m.shownPane(), func(p *proc) { p.buf.Clear() })
	case key.Matches(k, ks.Escape):
		return m.back()
	case key.Matches(k, ks.Help):
		m.enter(layer{kind: layerHelp})
		m.helpTop = 0
	}
	return nil
}

// quit ends the view: an attached one detaches, leaving the processes
// running; else it stops them (stop).
func (m *Model) quit(reason string) tea.Cmd {
	if m.opts.Detach != nil && m.quitting == 0 {
		m.mode = modeNormal
		m.notice = "detaching"
		m.opts.Detach() // the events end, and the program with them
		return nil
	}
	return m.stop(reason)
}

// stop ends the run: gracefully, or with SIGKILL when it is already
// ending (also when a signal to composer began it). The program quits once
// every process has ended (endedMsg).
func (m *Model) stop(reason string) tea.Cmd {
	m.mode = modeNormal
	if m.quitting == 0 && m.shutdown() == "" {
		m.ctl.Shutdown(reason)
	} else {
		m.ctl.Kill()
	}
	m.quitting++
	return nil
}

// shutdown is why the run is ending, or "".
func (m *Model) shutdown() string {
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	return m.shared.shutdown
}

// control runs a blocking command on process i off the Update goroutine.
func (m *Model) control(i int, f func(name string) error) tea.Cmd {
	name := m.shared.procs[i].Name
	return func() tea.Msg {
		if err := f(name); err != nil && !errors.Is(err, runner.ErrEnded) {
			return errMsg{err: err}
		}
		return nil
	}
}

// send types p into the selected process.
func (m *Model) send(p []byte) tea.Cmd {
	if len(p) == 0 {
		return nil
	}
	name := m.shared.procs[m.selected].Name
	if !m.queueInput(input{name: name, data: p}) {
		m.err = "input dropped: " + name + " is not reading it"
	}
	return nil
}

// queueInput queues in, or reports that the queue is full.
func (m *Model) queueInput(in input) bool {
	select {
	case m.input <- in:
		return true
	default:
		return false
	}
}

// input is typed text, or a pane's answer to a query, on its way to a
// process.
type input struct {
	name  string
	data  []byte
	reply bool // the pane's answer, not the user's keys
}

// setFilter shows only the shown pane's lines holding q ("" all).
func (m *Model) setFilter(q string) {
	m.withPane(m.shownPane(), func(p *proc) { p.buf.Filter(q) })
}

// readUsage takes what each process uses from the runner's snapshot.
func (m *Model) readUsage() {
	procs, _ := m.ctl.Snapshot()
	m.own = m.ctl.Own()
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	for i, p := range m.shared.procs {
		p.usage = runner.Usage{}
		if i < len(procs) && procs[i].PID == p.PID && p.State.Live() {
			p.usage = procs[i].Usage
		}
	}
}

// usageText is what u says in a title: " · 12% · 41.2M", "" before the
// first sample.
func usageText(u runner.Usage) string {
	if u.At.IsZero() {
		return ""
	}
	return " · " + Percent(u.CPU) + " · " + Bytes(u.RSS)
}

// writeInput delivers typed input in order, one write at a time, until
// the run ends. It runs as a tea.Cmd, and returns only to report an error,
// after which Update starts it again.
func (m *Model) writeInput() tea.Msg {
	for {
		select {
		case in := <-m.input:
			// An answer that cannot be delivered is no error of the
			// user's, who typed nothing: its process has ended, or
			// does not read.
			if _, err := m.ctl.Write(in.name, in.data); err != nil && !in.reply && !errors.Is(err, runner.ErrEnded) {
				return inputErrMsg{err: err}
			}
		case <-m.done:
			return nil
		}
	}
}

type inputErrMsg struct{ err error }

// withPane runs f on process i under the lock the feeding goroutine
// writes it under: every read or change of a process from Update or View
// goes through here.
func (m *Model) withPane(i int, f func(p *proc)) {
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	f(m.shared.pane(i))
}

func (m *Model) state(i int) (st runner.State) {
	m.withPane(i, func(p *proc) { st = p.State })
	return st
}

// paste is text pasted into the selected process: bracketed when the
// process asked for it, so that a shell or REPL takes it as one paste
// rather than as typed lines.
func (m *Model) paste(text string) []byte {
	var bracketed bool
	m.withPane(m.selected, func(p *proc) { bracketed = p.buf.BracketedPaste() })
	if !bracketed {
		return []byte(text)
	}
	// The paste must not end the bracket early.
	text = strings.ReplaceAll(text, "\x1b[201~", "")
	return []byte("\x1b[200~" + text + "\x1b[201~")
}

func (m *Model) appCursor() (app bool) {
	m.withPane(m.selected, func(p *proc) { app = p.buf.AppCursorKeys() })
	return app
}

// relayout computes the layout for the current size and view, and sizes
// every pane and its process's terminal to match.
func (m *Model) relayout() tea.Cmd {
	// PaneSize computes the same list layout for the first terminals.
	m.lay = compute(m.width, m.height, len(m.shared.procs), m.nameW, m.gridShown(), m.zoomed())
	m.search.SetWidth(max(10, m.width-2-ansi.StringWidth(m.searchHints())))
	m.listTop = reveal(len(m.shared.procs), m.lay.bodyH, m.listTop, m.selected)
	if m.lay.small != "" {
		return nil
	}
	var cmds []tea.Cmd
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	for i, p := range m.shared.procs {
		r := m.lay.panes[i]
		cols, rows := max(1, r.w), max(1, r.h-1)
		if cols == p.cols && rows == p.rows {
			continue
		}
		p.cols, p.rows = cols, rows
		p.buf.Resize(cols, rows)
		cmds = append(cmds, m.resize(i))
	}
	if all := m.shared.all; len(m.lay.panes) > 0 {
		// The merged pane has no process to tell: its size is the pane's.
		r := m.lay.panes[m.selected]
		all.cols, all.rows = max(1, r.w), max(1, r.h-1)
		all.buf.Resize(all.cols, all.rows)
	}
	return tea.Batch(cmds...)
}

// resize gives process i's terminal its pane's size. The size is read when
// the command runs, under resizeMu, so when resizes race the last one
// applied is the newest size.
func (m *Model) resize(i int) tea.Cmd {
	return m.control(i, func(name string) error {
		m.resizeMu.Lock()
		defer m.resizeMu.Unlock()
		var cols, rows int
		m.withPane(i, func(p *proc) { cols, rows = p.cols, p.rows })
		return m.ctl.Resize(name, cols, rows)
	})
}
