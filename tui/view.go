package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/composer-dev/composer/tui/screen"
)

// View draws the whole screen. It holds the lock while it reads the panes,
// so it only renders the rows that are visible.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if m.lay.small == "" && !m.helpShown() {
		var x, y int
		ok := false
		switch m.mode {
		case modeInteract:
			x, y, ok = m.cursor()
		case modeCopy:
			m.withPane(m.copy.pane, func(p *proc) { x, y, ok = p.buf.Where(m.copy.cur) })
		case modeNormal, modeSearch, modeGoto, modeFilter:
		}
		if ok {
			r := m.lay.panes[m.selected]
			v.Cursor = tea.NewCursor(r.x+x, r.y+1+y)
		}
	}
	return v
}

func (m *Model) render() string {
	if m.width == 0 {
		return ""
	}
	if m.lay.small != "" {
		detail := fmt.Sprintf("%d×%d, need %d×%d", m.width, m.height, minWidth, minHeight)
		if m.gridShown() {
			detail = "tab for the list"
		}
		msg := fit(m.lay.small, m.width) + "\n" + fit(detail, m.width)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.st.Notice.Render(msg))
	}
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	now := m.opts.Now()
	rows := make([]string, 0, m.height)
	rows = append(rows, m.header())
	switch {
	case m.helpShown():
		rows = append(rows, m.helpRows()...)
	case m.gridShown():
		rows = append(rows, m.gridRows(now)...)
	case m.zoomed():
		rows = append(rows, m.paneRows(m.shownPane(), m.lay.panes[m.selected], now, false)...)
	default:
		pane := m.paneRows(m.shownPane(), m.lay.panes[m.selected], now, false)
		sep := m.st.Separator.Render("│")
		for i := range m.lay.bodyH {
			rows = append(rows, m.listRow(i, now)+sep+pane[i])
		}
	}
	rows = append(rows, m.footer())
	return strings.Join(rows, "\n")
}

// header is the top line: composer, the project, and how many processes
// are in each state. When it is narrow, the project's place is shortened,
// then left out, before any count.
func (m *Model) header() string {
	info := fmt.Sprintf(" · %d processes", len(m.shared.procs))
	if len(m.shared.procs) == 1 {
		info = " · 1 process"
	}
	for _, c := range tally(m.shared.procs) {
		info += fmt.Sprintf(" · %d %s", c.n, c.what)
	}
	left := m.st.Header.Render(" composer")
	if title := m.opts.Title; title != "" {
		room := m.width - ansi.StringWidth(" composer"+info) - len(" · ")
		if w := ansi.StringWidth(title); w > room && room >= 8 {
			title = ansi.TruncateLeft(title, w-room+1, "…")
		}
		if ansi.StringWidth(title) <= room {
			left += m.st.HeaderDim.Render(" · " + title)
		}
	}
	if own := usageText(m.own); own != "" {
		own = " · composer" + strings.TrimPrefix(own, " ·")
		if ansi.StringWidth(left)+ansi.StringWidth(info+own) <= m.width {
			info += own
		}
	}
	return fit(left+m.st.HeaderDim.Render(info), m.width)
}

func (m *Model) sidebarRow(i int, now time.Time) string {
	w := m.lay.sideW
	if i >= len(m.shared.procs) {
		return strings.Repeat(" ", w)
	}
	p := m.shared.procs[i]
	l := m.look(p, now)
	nameW, full := w-sidebarWidth(0), sidebarWidth(m.nameW)
	if m.lay.usage {
		nameW -= usageCols
		full += usageCols
	}
	// A narrow sidebar gives the names the pid's column: the pane's
	// title shows the pid too.
	showPID := w >= full
	if !showPID {
		nameW += pidCols
	}
	marker, name := " ", p.Name
	if i == m.selected {
		marker = m.st.Marker.Render("▌")
		name = m.st.Selected.Render(p.Name)
	}
	if p.hidden && m.allShown() {
		name = m.st.Stopped.Render(p.Name) // the title bar names it
	}
	pid := ""
	if p.PID != 0 && p.State.Live() {
		pid = fmt.Sprint(p.PID)
	}
	row := marker + l.style.Render(l.symbol) + " " + fit(name, nameW)
	if showPID {
		row += fmt.Sprintf(" %*s", pidCols-1, pid)
	}
	if m.lay.usage {
		cpu, mem := "", ""
		if u := p.usage; !u.At.IsZero() {
			cpu, mem = Percent(u.CPU), Bytes(u.RSS)
		}
		row += fmt.Sprintf(" %5s %6s", cpu, mem)
	}
	row += fmt.Sprintf(" ↻%-3d ", p.Restarts) + l.style.Render(l.short)
	return fit(row, w)
}

// paneRows is a pane: its title bar, then its content.
func (m *Model) paneRows(i int, r rect, now time.Time, highlight bool) []string {
	if i == allPane {
		return m.allRows(r)
	}
	p := m.shared.procs[i]
	l := m.look(p, now)
	var pid, port string
	if p.PID != 0 && p.State.Live() {
		pid = fmt.Sprintf(" · pid %d", p.PID)
	}
	if p.spec.Port != 0 {
		port = fmt.Sprintf(" · :%d", p.spec.Port)
	}
	right := paneState(p.buf)
	style := m.st.Title
	if highlight {
		style = m.st.TitleSel
	}
	sym := l.style.Render(l.symbol)
	rightText := strings.Join(right, " · ") + " "
	// A narrow pane keeps the restart count: the port goes first, then
	// the pid (the sidebar shows it).
	title, use := "", usageText(p.usage)
	for _, t := range []string{pid + port + use, pid + use, use, pid, ""} {
		title = " " + p.Name + " · " + l.long + t + fmt.Sprintf(" · ↻%d ", p.Restarts)
		if ansi.StringWidth(title)+ansi.StringWidth(rightText) <= r.w-1 {
			break
		}
	}
	bar := style.Render(spread(title, rightText, r.w-1))
	rows := make([]string, 0, r.h)
	rows = append(rows, sym+bar)
	return append(rows, p.buf.Render()...)
}

// paneState is what a pane's title bar says of what it shows: a filter,
// a search, a scrolled view, a full screen.
func paneState(b *screen.Buffer) []string {
	var right []string
	if q, n := b.Filtered(); q != "" {
		right = append(right, fmt.Sprintf("& %s: %d lines", q, n))
	}
	if cur, total := b.Match(); total > 0 {
		right = append(right, fmt.Sprintf("match %d/%d", cur, total))
	}
	if above, below := b.Position(); !b.Following() && (above > 0 || below > 0) {
		right = append(right, fmt.Sprintf("▲%d ▼%d", above, below))
	} else if b.AltScreen() {
		right = append(right, "full screen")
	}
	return right
}

// allRows is the merged pane: its title bar, then every process's lines.
func (m *Model) allRows(r rect) []string {
	p := m.shared.all
	title := fmt.Sprintf(" all · %d processes", len(m.shared.procs))
	var hidden []string
	for _, q := range m.shared.procs {
		if q.hidden {
			hidden = append(hidden, q.Name)
		}
	}
	if len(hidden) > 0 {
		title += " · hidden: " + strings.Join(hidden, ", ")
	}
	right := strings.Join(paneState(p.buf), " · ") + " "
	bar := m.st.Title.Render(spread(title+" ", right, r.w-1))
	rows := make([]string, 0, r.h)
	rows = append(rows, m.st.Title.Render("≡")+bar)
	return append(rows, p.buf.Render()...)
}

// gridRows tiles every pane.
func (m *Model) gridRows(now time.Time) []string {
	n := len(m.shared.procs)
	cols := m.lay.gridCols
	sep := m.st.Separator.Render("│")
	var rows []string
	for start := 0; start < n; start += cols {
		h := m.lay.panes[start].h
		tiles := make([][]string, 0, cols)
		width := 0
		for i := start; i < min(start+cols, n); i++ {
			tiles = append(tiles, m.paneRows(i, m.lay.panes[i], now, i == m.selected))
			width += m.lay.panes[i].w + 1
		}
		for y := range h {
			var b strings.Builder
			for t, tile := range tiles {
				if t > 0 {
					b.WriteString(sep)
				}
				b.WriteString(tile[y])
			}
			b.WriteString(strings.Repeat(" ", max(0, m.width-width+1)))
			rows = append(rows, b.String())
		}
	}
	return rows
}

func (m *Model) footer() string {
	switch {
	case m.quitting > 0 || m.shared.shutdown != "":
		var names []string
		for _, p := range m.shared.procs {
			if p.State.Live() {
				names = append(names, p.Name)
			}
		}
		msg := " stopping"
		if len(names) > 0 {
			msg += ": " + strings.Join(names, ", ")
		}
		if m.quitting < 2 && m.shared.shutdown != "killed" {
			msg += " · q or ctrl+c again to kill"
		}
		return fit(m.st.Stopping.Render(msg), m.width)
	case m.mode == modeSearch:
		return m.hintBar(m.search.View(), nil, m.searchKeys())
	case m.mode == modeFilter:
		return m.hintBar(m.search.View(), nil, []key.Binding{hint("enter", "keep"), hint("esc", "cancel")})
	case m.mode == modeGoto:
		lead := m.search.View()
		if m.err != "" {
			lead = m.st.Crashed.Render(" "+m.err) + " " + lead
		}
		return m.hintBar(lead, nil, []key.Binding{hint("enter", "select"), hint("esc", "cancel")})
	case m.mode == modeInteract:
		// Every other key is the process's, ? and q too.
		msg := " keys go to " + m.shared.procs[m.selected].Name
		if m.err != "" {
			msg = " " + m.st.Crashed.Render(m.err)
		}
		return m.hintBar(m.st.Interact.Render(" INTERACT ")+msg, nil, []key.Binding{hint(leaveKey, "leave")})
	case m.mode == modeCopy:
		ck := m.ckeys
		keys := []key.Binding{ck.Mark, ck.Yank, hint("hjkl w b", "move"), ck.RowEnd, ck.Top, ck.Bottom}
		if m.copy.selecting {
			keys[0] = hint("v", "unselect")
		}
		return m.hintBar(m.st.Interact.Render(" COPY "), keys, []key.Binding{hint("esc", pick(m.copy.selecting, "unselect", "back"))})
	}
	lead := ""
	switch {
	case m.err != "":
		lead = m.st.Crashed.Render(" " + m.err)
	case m.notice != "":
		lead = m.st.Notice.Render(" " + m.notice)
	}
	return m.hintBar(lead, m.hints(), m.keys.Tail())
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// spread puts left and right at either end of w cells, right winning.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return fit(right, w)
	}
	return fit(left, w-rw) + right
}

// cursor is where the selected process's terminal cursor is in its pane.
func (m *Model) cursor() (x, y int, ok bool) {
	m.withPane(m.selected, func(p *proc) { x, y, ok = p.buf.Cursor() })
	return x, y, ok
}
