package main

import (
	"os"

	"github.com/charmbracelet/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// terminalSize is f's size, or ok false when f is not a terminal.
func terminalSize(f *os.File) (cols, rows int, ok bool) {
	cols, rows, err := term.GetSize(f.Fd())
	return cols, rows, err == nil && cols > 0 && rows > 0
}

// useColor: stdout is a terminal, NO_COLOR is unset or empty, and
// --no-color was not given.
func useColor(noColor bool) bool {
	return !noColor && os.Getenv("NO_COLOR") == "" && isTerminal(os.Stdout)
}
