package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the interface draws with.
type Styles struct {
	Header    lipgloss.Style
	HeaderDim lipgloss.Style
	Selected  lipgloss.Style // the selected process's row
	Marker    lipgloss.Style // ▌ before the selected row
	Separator lipgloss.Style
	More      lipgloss.Style // "▲ 3 more" where a list scrolls
	Title     lipgloss.Style // a pane's title bar
	TitleSel  lipgloss.Style // the selected pane's title bar in the grid
	Notice    lipgloss.Style // the too-small notice and errors
	Interact  lipgloss.Style // footer badge in interactive mode
	Stopping  lipgloss.Style // footer during shutdown

	// Status colours, by kind.
	Running, Starting, Done, Crashed, Killed, Restarting, Stopped lipgloss.Style

	Help help.Styles
}

// DefaultStyles uses the terminal's 16 colours, so it follows the user's theme.
func DefaultStyles() Styles {
	s := lipgloss.NewStyle
	dim := s().Foreground(lipgloss.BrightBlack)
	h := help.New().Styles
	return Styles{
		Header:     s().Bold(true),
		HeaderDim:  dim,
		Selected:   s().Bold(true),
		Marker:     s().Foreground(lipgloss.Blue),
		Separator:  dim,
		More:       dim,
		Title:      s().Reverse(true),
		TitleSel:   s().Background(lipgloss.Blue).Foreground(lipgloss.BrightWhite).Bold(true),
		Notice:     s().Foreground(lipgloss.Yellow).Bold(true),
		Interact:   s().Background(lipgloss.Magenta).Foreground(lipgloss.BrightWhite).Bold(true),
		Stopping:   s().Foreground(lipgloss.Yellow),
		Running:    s().Foreground(lipgloss.Green),
		Starting:   s().Foreground(lipgloss.Cyan),
		Done:       dim,
		Crashed:    s().Foreground(lipgloss.Red).Bold(true),
		Killed:     s().Foreground(lipgloss.Magenta).Bold(true),
		Restarting: s().Foreground(lipgloss.Yellow),
		Stopped:    dim,
		Help:       h,
	}
}
