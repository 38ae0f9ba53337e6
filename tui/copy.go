package tui

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/composer-dev/composer/tui/screen"
)

// Copy mode moves a cursor over the selected pane's scrollback with the
// keys of vi's and tmux's copy mode; v starts a selection there, and y or
// enter copies it. A drag of the mouse in a pane selects that pane's text
// only, a double click its word, and either is copied on release.

// copying is the state of copy mode, or of a drag.
type copying struct {
	pane      int
	cur, mark screen.Point // the cursor, and where the selection began
	selecting bool
	following bool // the pane followed output before, and will again
	searching bool // a search typed from copy mode returns to it
}

// drag is a press of the left button in a pane, until its release.
type drag struct {
	on, moved bool
	copying
	last     time.Time // the press before, for a double click
	lx, ly   int       // where it was
	lastPane int
}

// doubleClick is the longest time between the presses of a double click.
const doubleClick = 400 * time.Millisecond

// maxCopy bounds what a copy takes: a terminal gets it base64-encoded in
// one escape sequence.
const maxCopy = 4 << 20

// copyKeys are the keys of copy mode.
type copyKeys struct {
	Left, Right, Up, Down key.Binding
	WordNext, WordPrev    key.Binding
	RowStart, RowEnd      key.Binding
	Top, Bottom           key.Binding
	Mark, Yank, Leave     key.Binding
}

func newCopyKeys() copyKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return copyKeys{
		Left:     b("h/←", "left", "h", "left"),
		Right:    b("l/→", "right", "l", "right"),
		Up:       b("k/↑", "up", "k", "up"),
		Down:     b("j/↓", "down", "j", "down"),
		WordNext: b("w", "next word", "w"),
		WordPrev: b("b", "word back", "b"),
		RowStart: b("0", "row start", "0", "home"),
		RowEnd:   b("$", "row end", "$", "end"),
		Top:      b("g", "oldest line", "g"),
		Bottom:   b("G", "newest line", "G"),
		Mark:     b("v/space", "select", "v", "space"),
		Yank:     b("y/enter", "copy", "y", "enter"),
		Leave:    b("esc/q", "back", "esc", "q"),
	}
}

// startCopy enters copy mode on the pane shown, its cursor on the
// current search match if one is in view, else at the start of the last
// row shown, or of the row above when that one is the empty line after
// the last.
func (m *Model) startCopy() {
	m.mode = modeCopy
	c := copying{pane: m.shownPane()}
	m.withPane(c.pane, func(p *proc) {
		c.following = p.buf.Following()
		p.buf.Hold()
		c.cur = p.buf.PointAt(0, p.rows-1)
		if from, to := p.buf.Line(c.cur); p.buf.Text(from, to) == "" {
			c.cur = p.buf.Move(c.cur, screen.Up, 1)
		}
		if at, ok := p.buf.MatchPoint(); ok {
			if _, _, shown := p.buf.Where(at); shown {
				c.cur = at // after a search, on the match in view
			}
		}
	})
	m.copy = c
}

// endCopy leaves copy mode, the pane following output again if it did.
func (m *Model) endCopy() {
	m.mode = modeNormal
	m.release(m.copy)
}

// release takes a selection's highlight off its pane.
func (m *Model) release(c copying) {
	m.withPane(c.pane, func(p *proc) {
		p.buf.Unselect()
		if c.following {
			p.buf.Follow()
		}
	})
}

// copyKey handles a key in copy mode.
func (m *Model) copyKey(k tea.KeyPressMsg) tea.Cmd {
	ck := m.ckeys
	c := &m.copy
	var cmd tea.Cmd
	leave := false
	defer func() {
		if leave {
			m.endCopy()
		}
	}()
	m.withPane(c.pane, func(p *proc) {
		b := p.buf
		move := func(mo screen.Motion, n int) { c.cur = b.Move(c.cur, mo, n) }
		switch {
		case key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c":
			m.interrupted = true
			cmd = m.quit("quit")
			return
		case key.Matches(k, ck.Leave):
			if c.selecting && k.String() == "esc" {
				c.selecting = false // esc takes back the selection first
				b.Unselect()
				return
			}
			leave = true
			return
		case key.Matches(k, ck.Yank):
			from, to := c.mark, c.cur
			if !c.selecting {
				from, to = b.Line(c.cur) // the line, as many rows as it takes
			}
			cmd, leave = m.copyOut(b.TextLimit(from, to, maxCopy)), true
			return
		case key.Matches(k, m.keys.Search):
			c.searching, m.mode = true, modeSearch
			m.search.Reset()
			m.search.Prompt, m.search.Placeholder = "/", "search"
			cmd = m.search.Focus()
			return
		case key.Matches(k, m.keys.Next, m.keys.Prev):
			if !b.NextMatch(key.Matches(k, m.keys.Next)) {
				if _, total := b.Match(); total == 0 {
					return
				}
			}
			if at, ok := b.MatchPoint(); ok {
				c.cur = at
			}
		case key.Matches(k, ck.Mark):
			c.selecting, c.mark = !c.selecting, c.cur
			if !c.selecting {
				b.Unselect()
			}
		case key.Matches(k, ck.Left):
			move(screen.Left, 1)
		case key.Matches(k, ck.Right):
			move(screen.Right, 1)
		case key.Matches(k, ck.Up):
			move(screen.Up, 1)
		case key.Matches(k, ck.Down):
			move(screen.Down, 1)
		case key.Matches(k, ck.WordNext):
			move(screen.WordNext, 1)
		case key.Matches(k, ck.WordPrev):
			move(screen.WordPrev, 1)
		case key.Matches(k, ck.RowStart):
			move(screen.RowStart, 1)
		case key.Matches(k, ck.RowEnd):
			move(screen.RowEnd, 1)
		case key.Matches(k, ck.Top):
			move(screen.First, 1)
		case key.Matches(k, ck.Bottom):
			move(screen.Last, 1)
		case key.Matches(k, m.keys.PageUp):
			move(screen.Up, max(1, p.rows-1))
		case key.Matches(k, m.keys.PageDown):
			move(screen.Down, max(1, p.rows-1))
		case key.Matches(k, m.keys.HalfUp):
			move(screen.Up, max(1, p.rows/2))
		case key.Matches(k, m.keys.HalfDown):
			move(screen.Down, max(1, p.rows/2))
		default:
			return
		}
		b.Reveal(c.cur)
		if c.selecting {
			b.Select(c.mark, c.cur)
		}
	})
	return cmd
}

// toMatch puts copy mode's cursor on the current search match.
func (m *Model) toMatch() {
	c := &m.copy
	m.withPane(c.pane, func(p *proc) {
		if at, ok := p.buf.MatchPoint(); ok {
			c.cur = at
			p.buf.Reveal(c.cur)
			if c.selecting {
				p.buf.Select(c.mark, c.cur)
			}
		}
	})
}

// press starts a drag at the cell (x, y), or on the second press of a
// double click copies the word there.
func (m *Model) press(x, y int) tea.Cmd {
	if m.mode == modeCopy {
		m.endCopy()
	}
	i, px, py, ok := m.paneCell(x, y, -1)
	if !ok {
		return nil
	}
	now := m.opts.Now()
	double := i == m.drag.lastPane && x == m.drag.lx && y == m.drag.ly && now.Sub(m.drag.last) < doubleClick
	m.drag.last, m.drag.lx, m.drag.ly, m.drag.lastPane = now, x, y, i
	if m.drag.on {
		m.release(m.drag.copying)
	}
	m.drag.on, m.drag.moved = true, false
	var cmd tea.Cmd
	m.withPane(i, func(p *proc) {
		c := copying{pane: i, following: p.buf.Following()}
		p.buf.Hold()
		c.mark = p.buf.PointAt(px, py)
		c.cur = c.mark
		if double {
			m.drag.last = time.Time{} // a third press starts again
			from, to := p.buf.Word(c.mark)
			cmd = m.copyOut(p.buf.TextLimit(from, to, maxCopy))
			m.drag.on = false
			if c.following {
				p.buf.Follow()
			}
			return
		}
		m.drag.copying = c
	})
	return cmd
}

// motion extends a drag to the cell (x, y), within its pane: beyond the
// pane's top or bottom, it scrolls a row.
func (m *Model) motion(x, y int) {
	if !m.drag.on {
		return
	}
	d := &m.drag
	_, px, py, ok := m.paneCell(x, y, d.pane)
	if !ok {
		return
	}
	d.moved = true
	m.withPane(d.pane, func(p *proc) {
		switch {
		case py < 0:
			p.buf.ScrollUp(1)
			p.buf.Hold()
		case py >= p.rows:
			p.buf.ScrollDown(1)
			p.buf.Hold()
		}
		d.cur = p.buf.PointAt(px, max(0, min(py, p.rows-1)))
		p.buf.Select(d.mark, d.cur)
	})
}

// drop ends a drag: what it selected is copied.
func (m *Model) drop(x, y int) tea.Cmd {
	if !m.drag.on {
		return nil
	}
	m.motion(x, y)
	d := m.drag
	m.drag.on = false
	if !d.moved || d.mark == d.cur {
		m.release(d.copying)
		return nil
	}
	var text string
	var fits bool
	m.withPane(d.pane, func(p *proc) { text, fits = p.buf.TextLimit(d.mark, d.cur, maxCopy) })
	m.release(d.copying)
	return m.copyOut(text, fits)
}

// paneCell returns the pane under the cell (x, y) and the cell's place in
// its content, or, when pane is not -1, the place relative to that pane
// wherever the cell is: columns are kept within it, rows are not, so that a
// drag past the top or bottom can scroll.
func (m *Model) paneCell(x, y, pane int) (i, px, py int, ok bool) {
	if m.lay.small != "" || m.helpShown() || len(m.lay.panes) == 0 {
		return 0, 0, 0, false
	}
	i = pane
	if i < 0 {
		if i = m.lay.at(x, y, m.gridShown(), m.selected); i < 0 {
			return 0, 0, 0, false
		}
		if y == m.lay.panes[i].y {
			return 0, 0, 0, false // its title bar
		}
		if m.allShown() {
			i = allPane
		}
	}
	r := m.lay.panes[max(i, 0)]
	if i == allPane {
		r = m.lay.panes[m.selected]
	}
	return i, max(0, min(x-r.x, r.w-1)), y - r.y - 1, true
}

// copyOut puts text on the clipboard and says so in the footer; a
// selection that did not fit in maxCopy bytes is refused.
func (m *Model) copyOut(text string, fits bool) tea.Cmd {
	if !fits {
		m.err = fmt.Sprintf("not copied: the selection is more than a terminal takes at once (%s)", Bytes(maxCopy))
		return nil
	}
	if text == "" {
		return nil
	}
	lines := strings.Count(text, "\n") + 1
	m.notice = fmt.Sprintf("copied %d %s", lines, pick(lines == 1, "line", "lines"))
	tmux := m.opts.Tmux
	return func() tea.Msg {
		if tmux && loadTmuxBuffer(text) {
			return nil
		}
		return clipboardMsg(text)
	}
}

// clipboardMsg asks the terminal to put text on the system clipboard
// (OSC 52). Terminal writes it between frames; without one, Bubble Tea
// does.
type clipboardMsg string

// loadTmuxBuffer puts text in a tmux paste buffer and has tmux hand it on
// to the terminal's clipboard (load-buffer -w, tmux 3.2 on), as tmux's own
// copy mode does. With an older tmux, or none attached, it loads the
// buffer alone and reports false: the terminal's clipboard is then OSC
// 52's to set.
func loadTmuxBuffer(text string) bool {
	run := func(args ...string) error {
		// A tmux server that does not answer must not keep the copy.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "tmux", args...)
		cmd.Stdin = strings.NewReader(text)
		return cmd.Run()
	}
	if run("load-buffer", "-w", "-") == nil {
		return true
	}
	_ = run("load-buffer", "-")
	return false
}
