package tui

// click selects the process under the pointer. On a row of the list that
// says more are above or below, it scrolls the list by a page.
func (m *Model) click(x, y int) {
	if m.helpShown() {
		return // the help covers the panes
	}
	if r := m.lay.sidebarAt(x, y); r >= 0 {
		w := m.list()
		switch i := w.at(r); i {
		case -1:
			m.scrollList(-max(1, w.shown))
		case -2:
			m.scrollList(max(1, w.shown))
		case -3:
		default:
			m.selectProc(i)
		}
		return
	}
	if i := m.lay.at(x, y, m.gridShown(), m.selected); i >= 0 {
		m.selectProc(i)
	}
}

// wheel scrolls what is under the pointer by n rows, up when n < 0: the
// help, the list, or a pane.
func (m *Model) wheel(x, y, n int) {
	switch {
	case m.helpShown():
		m.scrollHelp(n)
	case m.lay.sidebarAt(x, y) >= 0:
		m.scrollList(n)
	default:
		i := m.lay.at(x, y, m.gridShown(), m.selected)
		if i < 0 {
			return
		}
		if m.allShown() {
			i = allPane
		}
		m.withPane(i, func(p *proc) {
			if n < 0 {
				p.buf.ScrollUp(-n)
			} else {
				p.buf.ScrollDown(n)
			}
		})
	}
}
