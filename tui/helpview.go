package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// helpLines is the ? screen at the terminal's width: its groups of keys
// side by side, as many as fit, and the rest below them. It may be
// taller than the screen, which then scrolls it.
func (m *Model) helpLines() []string {
	h := m.help
	h.SetWidth(0) // the groups are chosen to fit: never cut one
	groups := m.keys.FullHelp()
	var lines []string
	for start := 0; start < len(groups); {
		end := start + 1
		for end < len(groups) && lipgloss.Width(h.FullHelpView(groups[start:end+1])) < m.width {
			end++
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		for _, l := range strings.Split(h.FullHelpView(groups[start:end]), "\n") {
			lines = append(lines, " "+l)
		}
		start = end
	}
	return lines
}

// helpRows is the part of the help the screen has room for.
func (m *Model) helpRows() []string {
	lines := m.helpLines()
	w := newWindow(len(lines), m.lay.bodyH, m.helpTop)
	rows := make([]string, m.lay.bodyH)
	for r := range rows {
		if s, ok := m.moreRow(w, r, m.width); ok {
			rows[r] = s
		} else {
			rows[r] = fit(lines[w.at(r)], m.width)
		}
	}
	return rows
}

// helpScrolls reports whether the help is taller than the screen.
func (m *Model) helpScrolls() bool { return len(m.helpLines()) > m.lay.bodyH }

// scrollHelp scrolls the help by n rows, up when n < 0.
func (m *Model) scrollHelp(n int) {
	m.helpTop = scrolled(len(m.helpLines()), m.lay.bodyH, m.helpTop, n)
}
