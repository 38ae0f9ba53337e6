package tui

import (
	"slices"

	tea "charm.land/bubbletea/v2"
)

// A layer is a view entered over the list: the grid, a zoomed pane, a
// search in a pane, the help. They are kept in the order they were
// entered, and esc takes back the most recent one on screen, so that it
// undoes what was done in the order it was done.
type layer struct {
	kind layerKind
	pane int // the pane searched or filtered, for layerSearch and layerFilter
}

type layerKind int

const (
	layerGrid layerKind = iota
	layerZoom
	layerSearch
	layerFilter
	layerAll // the merged pane, in the place of the selected process's
	layerHelp
)

// enter puts l on top, moving it there if it was entered before.
func (m *Model) enter(l layer) {
	m.leave(l)
	m.layers = append(m.layers, l)
}

// leave takes l off, wherever it is.
func (m *Model) leave(l layer) {
	m.layers = slices.DeleteFunc(m.layers, func(x layer) bool { return x == l })
}

// in reports whether a layer of kind k was entered.
func (m *Model) in(k layerKind) bool {
	return slices.ContainsFunc(m.layers, func(l layer) bool { return l.kind == k })
}

// What the screen shows: the help covers everything, a zoomed pane
// covers the grid it was zoomed from.
func (m *Model) helpShown() bool { return m.in(layerHelp) }
func (m *Model) zoomed() bool    { return m.in(layerZoom) }
func (m *Model) gridShown() bool { return m.in(layerGrid) && !m.zoomed() && !m.allShown() }

// onScreen reports whether l is seen: a search is while its pane is.
func (m *Model) onScreen(l layer) bool {
	return l.kind != layerSearch && l.kind != layerFilter || l.pane == m.shownPane() || m.gridShown()
}

// top is the most recent layer on screen, which esc takes back.
func (m *Model) top() (layer, bool) {
	for _, l := range slices.Backward(m.layers) {
		if m.onScreen(l) {
			return l, true
		}
	}
	return layer{}, false
}

// back takes back the most recent layer on screen.
func (m *Model) back() tea.Cmd {
	l, ok := m.top()
	if !ok {
		return nil
	}
	m.leave(l)
	switch l.kind {
	case layerSearch:
		m.withPane(l.pane, func(p *proc) { p.buf.Search("") })
	case layerFilter:
		m.withPane(l.pane, func(p *proc) { p.buf.Filter("") })
	case layerGrid, layerZoom, layerAll:
		return m.relayout()
	case layerHelp:
	}
	return nil
}
