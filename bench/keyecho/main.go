// Command keyecho is the baseline for key latency in a terminal: it puts
// the terminal in raw mode and redraws one line per key, as cheaply as a
// program can. j and k select "calm" and "flood" as composer's sidebar
// does; q quits.
package main

import (
	"fmt"
	"os"

	"github.com/charmbracelet/x/term"
)

func main() {
	saved, err := term.MakeRaw(os.Stdin.Fd())
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyecho: stdin is not a terminal:", err)
		os.Exit(1)
	}
	defer term.Restore(os.Stdin.Fd(), saved)

	selected, keys := "flood", 0
	buf := make([]byte, 64)
	for {
		fmt.Printf("\r\x1b[Kselected: %s · %d keys", selected, keys)
		n, err := os.Stdin.Read(buf)
		if err != nil {
			return
		}
		for _, c := range buf[:n] {
			keys++
			switch c {
			case 'j':
				selected = "calm"
			case 'k':
				selected = "flood"
			case 'q':
				fmt.Print("\r\n")
				return
			}
		}
	}
}
