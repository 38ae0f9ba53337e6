package tui

// rect is a pane on the screen: its title bar on row y, its content on
// the h-1 rows below.
type rect struct{ x, y, w, h int }

// layout is where everything goes at the current size and view.
type layout struct {
	small    string // why the terminal is too small; "" if it is not
	sideW    int    // sidebar width, 0 when there is none
	usage    bool   // the sidebar has CPU and memory columns
	bodyH    int    // rows between the header and the footer
	panes    []rect // one per process; in the list view all share one
	gridCols int
}

const (
	headerRows = 1
	footerRows = 1
	minWidth   = 40
	minHeight  = 8
	// A grid tile smaller than this is no use: the grid is refused.
	minTileCols, minTileRows = 16, 3
)

// sidebarWidth is the width of a sidebar row: marker, symbol, a name of
// nameW, pid, restarts and status.
func sidebarWidth(nameW int) int { return 1 + 2 + nameW + pidCols + 5 + 10 }

// pidCols is the sidebar's pid column, with the space before it.
const pidCols = 8

// usageCols are the sidebar's CPU and memory columns, with their spaces;
// a terminal usageWidth wide has room for them.
const (
	usageCols  = 14
	usageWidth = 140
)

// compute lays out n processes whose longest name is nameW wide.
func compute(width, height, n, nameW int, grid, zoom bool) layout {
	l := layout{bodyH: height - headerRows - footerRows}
	if width < minWidth || height < minHeight {
		l.small = "terminal too small"
		return l
	}
	l.panes = make([]rect, n)
	switch {
	case grid && n > 0:
		// The column count that gives the tiles the most useful shape:
		// a terminal cell is about twice as tall as wide, and text wants
		// width, so a tile is scored by the smaller of its width and
		// three times its height.
		cols, best := 1, -1
		for c := 1; c <= n; c++ {
			r := (n + c - 1) / c
			if score := min((width-(c-1))/c, 3*(l.bodyH/r)); score > best {
				cols, best = c, score
			}
		}
		rows := (n + cols - 1) / cols
		tileW := (width - (cols - 1)) / cols
		tileH := l.bodyH / rows
		if tileW < minTileCols || tileH-1 < minTileRows {
			l.small = "too small for a grid of every process"
			return l
		}
		l.gridCols = cols
		for i := range l.panes {
			r, c := i/cols, i%cols
			w := tileW
			if c == cols-1 {
				w = width - c*(tileW+1) // the last column takes the remainder
			}
			h := tileH
			if r == rows-1 {
				h = l.bodyH - r*tileH
			}
			l.panes[i] = rect{x: c * (tileW + 1), y: headerRows + r*tileH, w: w, h: h}
		}
	case zoom:
		for i := range l.panes {
			l.panes[i] = rect{x: 0, y: headerRows, w: width, h: l.bodyH}
		}
	default:
		l.sideW = min(sidebarWidth(nameW), width/2)
		if width >= usageWidth {
			l.sideW, l.usage = min(sidebarWidth(nameW)+usageCols, width/2), true
		}
		for i := range l.panes {
			l.panes[i] = rect{x: l.sideW + 1, y: headerRows, w: width - l.sideW - 1, h: l.bodyH}
		}
	}
	return l
}

// at is the process whose pane holds the cell (x, y), or -1. The
// sidebar's rows are sidebarAt's: the list scrolls.
func (l layout) at(x, y int, grid bool, selected int) int {
	if l.small != "" {
		return -1
	}
	if !grid {
		if x >= l.sideW && len(l.panes) > 0 && y >= headerRows && y < headerRows+l.bodyH {
			return selected
		}
		return -1
	}
	for i, r := range l.panes {
		if x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h {
			return i
		}
	}
	return -1
}

// sidebarAt is the sidebar's row at the cell (x, y), or -1.
func (l layout) sidebarAt(x, y int) int {
	if l.small != "" || x >= l.sideW || y < headerRows || y >= headerRows+l.bodyH {
		return -1
	}
	return y - headerRows
}

// PaneSize is the size of a pane in the view a width×height terminal
// opens on (the list, or the grid if grid and it fits), for processes
// named names: their terminals can start with it.
func PaneSize(width, height int, names []string, grid bool) (cols, rows int) {
	nameW := 0
	for _, n := range names {
		nameW = max(nameW, len(n))
	}
	l := compute(width, height, len(names), nameW, grid, false)
	if l.small != "" && grid {
		l = compute(width, height, len(names), nameW, false, false) // as the view falls back
	}
	if l.small != "" || len(l.panes) == 0 {
		return 80, 24
	}
	return l.panes[0].w, l.panes[0].h - 1
}
