package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// hintBar is the footer: lead (a message, a prompt), then as many hints
// as fit, then tail, which is always shown; the last hints go first, and
// a lead too long for the tail is cut.
func (m *Model) hintBar(lead string, hints, tail []key.Binding) string {
	// Drawn every frame, and rendering styles costs: built when it changes.
	var sig strings.Builder
	fmt.Fprintf(&sig, "%d\x00%s", m.width, lead)
	for _, b := range append(slices.Clip(hints), tail...) {
		sig.WriteString("\x00" + b.Help().Key + "\x00" + b.Help().Desc)
	}
	if sig.String() == m.bar.sig {
		return m.bar.text
	}
	m.bar.sig, m.bar.text = sig.String(), m.buildBar(lead, hints, tail)
	return m.bar.text
}

// bar is the footer last built, and what it was built from.
type bar struct{ sig, text string }

func (m *Model) buildBar(lead string, hints, tail []key.Binding) string {
	h := m.help
	h.SetWidth(0) // the hints are chosen to fit
	sep := " "
	if lead != "" {
		sep = "  "
	}
	room := m.width - ansi.StringWidth(sep+h.ShortHelpView(tail))
	if ansi.StringWidth(lead) > room {
		lead = ansi.Truncate(lead, max(0, room), "…")
	}
	for {
		bar := lead + sep + h.ShortHelpView(append(slices.Clip(hints), tail...))
		if len(hints) == 0 || ansi.StringWidth(bar) <= m.width {
			return fit(bar, m.width)
		}
		hints = hints[:len(hints)-1]
	}
}

// hints are the footer's keys for what is on screen: first what esc and
// the keys of the modes entered do, the most recent first, then G when the
// pane shown is scrolled back, then the list's keys. m.shared.mu is held.
func (m *Model) hints() []key.Binding {
	if m.helpShown() {
		if m.helpScrolls() {
			return []key.Binding{hint("↑↓", "scroll"), hint("esc", "back")}
		}
		return []key.Binding{hint("esc", "back")}
	}
	var out []key.Binding
	first := true
	for _, l := range slices.Backward(m.layers) {
		if !m.onScreen(l) {
			continue
		}
		switch l.kind {
		case layerHelp: // the help has a footer of its own
		case layerZoom:
			out = append(out, hint(pick(first, "z/esc", "z"), "back"))
		case layerAll:
			out = append(out, hint(pick(first, "a/esc", "a"), "back"), m.keys.Hide)
		case layerGrid:
			if !m.zoomed() && !m.allShown() {
				out = append(out, hint(pick(first, "tab/esc", "tab"), "list"))
			}
		case layerSearch:
			if l.pane == m.shownPane() {
				out = append(out, hint("n/N", "match"))
			}
			if first {
				out = append(out, hint("esc", "clear search"))
			}
		case layerFilter:
			if first {
				out = append(out, hint("esc", "all lines"))
			}
		}
		first = false
	}
	if !m.gridShown() && !m.shared.pane(m.shownPane()).buf.Following() {
		out = append(out, hint("G", "follow"))
	}
	for _, b := range m.keys.ShortHelp() {
		switch {
		case b.Help() == m.keys.Grid.Help() && m.gridShown(),
			b.Help() == m.keys.Zoom.Help() && m.zoomed():
			continue // said above
		}
		out = append(out, b)
	}
	return out
}

func pick(first bool, a, b string) string {
	if first {
		return a
	}
	return b
}

// searchKeys are the footer's keys while a query is typed, which takes
// every other key.
func (m *Model) searchKeys() []key.Binding {
	return []key.Binding{m.keys.Submit, hint("esc", "cancel")}
}

// searchHints is how wide the keys after the query are.
func (m *Model) searchHints() string {
	h := m.help
	h.SetWidth(0)
	return "  " + h.ShortHelpView(m.searchKeys())
}
