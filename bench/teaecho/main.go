// Command teaecho is the Bubble Tea baseline: the least a Bubble Tea
// program does that composer's view also does. It draws on the alternate
// screen, redraws on each key (j and k select "calm" and "flood", as
// keyecho and composer's sidebar do; q quits) and once a second, as
// composer does for its uptimes. Composer's key latency and idle cost
// read against it show what is composer's and what is the framework's.
package main

import (
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
)

type model struct {
	selected string
	keys     int
	up       time.Duration
}

type tickMsg struct{}

func tick() tea.Msg {
	time.Sleep(time.Second)
	return tickMsg{}
}

func (m model) Init() tea.Cmd { return tick }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		m.keys++
		switch msg.String() {
		case "j":
			m.selected = "calm"
		case "k":
			m.selected = "flood"
		case "q", "ctrl+c":
			return m, tea.Quit
		}
	case tickMsg:
		m.up += time.Second
		return m, tick
	}
	return m, nil
}

func (m model) View() tea.View {
	v := tea.NewView(fmt.Sprintf("selected: %s · %d keys · up %v", m.selected, m.keys, m.up))
	v.AltScreen = true
	return v
}

func main() {
	if _, err := tea.NewProgram(model{selected: "flood"}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "teaecho:", err)
		os.Exit(1)
	}
}
