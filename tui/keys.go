package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
)

// keyMap is every key the interface answers to, declared once: Update
// matches against it and the help bar renders it.
type keyMap struct {
	Move                              key.Binding // ↑↓ in the help bar only; Up and Down act
	Up, Down, Select                  key.Binding
	SelectTwo                         key.Binding // the help's line on numbers above 9
	Goto                              key.Binding // select by typing a name
	Restart, RestartAll, Toggle, Kill key.Binding
	Interact, Leave                   key.Binding
	Grid, Zoom                        key.Binding
	PageUp, PageDown                  key.Binding
	HalfUp, HalfDown                  key.Binding
	Top, Bottom                       key.Binding
	Search, Next, Prev                key.Binding
	Filter                            key.Binding
	Copy                              key.Binding // copy mode
	All, Hide                         key.Binding // the merged pane; a process hidden from it
	Clear, Escape                     key.Binding
	Submit                            key.Binding // ends a search query
	Help, Quit                        key.Binding
	StopAll                           key.Binding // an attached view's: stop every process
	Suspend                           key.Binding // back to the shell, as a stopped job
}

// leaveKey ends interactive mode; it is never sent to the process.
const leaveKey = "ctrl+]"

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:         b("↑/k", "previous", "up", "k"),
		Down:       b("↓/j", "next", "down", "j"),
		Move:       b("↑↓", "select", "up", "down", "k", "j"),
		Select:     b("1-9", "select by number", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		SelectTwo:  hint("1 2", "select the 12th (quickly)"),
		Goto:       b("'", "select by name", "'"),
		Restart:    b("r", "restart", "r"),
		RestartAll: b("R", "restart all", "R"),
		Toggle:     b("s", "stop/start", "s"),
		Kill:       b("x", "kill", "x"),
		Interact:   b("i/enter", "interact", "i", "enter"),
		Leave:      b(leaveKey, "leave interact", leaveKey),
		Grid:       b("tab", "grid", "tab"),
		Zoom:       b("z", "zoom", "z"),
		PageUp:     b("pgup", "page up", "pgup"),
		PageDown:   b("pgdn", "page down", "pgdown"),
		HalfUp:     b("ctrl+u", "half page up", "ctrl+u"),
		HalfDown:   b("ctrl+d", "half page down", "ctrl+d"),
		Top:        b("g", "top", "g", "home"),
		Bottom:     b("G", "bottom, follow", "G", "end"),
		Search:     b("/", "search", "/"),
		Filter:     b("&", "show only matching lines", "&"),
		Copy:       b("v", "copy mode", "v"),
		All:        b("a", "all processes' lines", "a"),
		Hide:       b("h", "hide/show in all", "h"),
		Next:       b("n", "older match", "n"),
		Prev:       b("N", "newer match", "N"),
		Clear:      b("c", "clear pane", "c"),
		Escape:     b("esc", "back", "esc"),
		Submit:     b("enter", "search", "enter"),
		Help:       b("?", "help", "?"),
		Quit:       b("q", "quit", "q", "ctrl+c"),
		StopAll:    b("Q", "stop every process", "Q"),
		Suspend:    b("ctrl+z", "suspend", "ctrl+z"),
	}
}

// ShortHelp is the help bar of the list: the footer drops these from the
// end when they do not fit, and always keeps Tail.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Move, k.Search, k.Restart, k.Toggle, k.Kill, k.Interact, k.Grid, k.Zoom, k.All, k.Copy, k.Filter}
}

// Tail ends every footer but interact's, whose keys go to the process.
func (k keyMap) Tail() []key.Binding {
	if k.StopAll.Enabled() {
		return []key.Binding{k.Help, k.Quit, k.StopAll}
	}
	return []key.Binding{k.Help, k.Quit}
}

// attached makes q detach, and Q stop every process.
func (k *keyMap) attached(on bool) {
	k.StopAll.SetEnabled(on)
	if on {
		k.Quit.SetHelp("q", "detach")
	}
}

// FullHelp is the ? screen: groups, as many side by side as fit.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Select, k.SelectTwo, k.Goto},
		{k.Restart, k.RestartAll, k.Toggle, k.Kill, k.Interact, k.Leave},
		slices.DeleteFunc([]key.Binding{k.Grid, k.Zoom, k.All, k.Hide, k.Escape, k.Help, k.Suspend, k.Quit, k.StopAll},
			func(b key.Binding) bool { return !b.Enabled() }),
		{k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom},
		{k.Search, k.Next, k.Prev, k.Filter, k.Clear},
		{k.Copy, hint("hjkl w b 0 $", "then move"), hint("v y", "then select, copy"), hint("drag, 2×click", "copy by mouse")},
	}
}

// hint is a key for the footer alone, such as what esc does now.
func hint(keys, desc string) key.Binding {
	// Keys of its own, which nothing matches: a binding without keys is
	// not shown.
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}
