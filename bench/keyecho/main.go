// Command keyecho is the baseline for key latency in a terminal: it puts
// the terminal in raw mode and redraws one line per key, as cheaply as a
// program can. j and k select "calm" and "flood" as composer's sidebar
// does; q quits.
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func main() {
	var saved syscall.Termios
	if err := ioctl(syscall.TCGETS, &saved); err != nil {
		fmt.Fprintln(os.Stderr, "keyecho: stdin is not a terminal:", err)
		os.Exit(1)
	}
	raw := saved
	raw.Lflag &^= syscall.ECHO | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	raw.Iflag &^= syscall.IXON | syscall.ICRNL
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	if err := ioctl(syscall.TCSETS, &raw); err != nil {
		fmt.Fprintln(os.Stderr, "keyecho:", err)
		os.Exit(1)
	}
	defer ioctl(syscall.TCSETS, &saved)

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
				fmt.Println()
				return
			}
		}
	}
}

func ioctl(req uintptr, t *syscall.Termios) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, 0, req, uintptr(unsafe.Pointer(t)))
	if errno != 0 {
		return errno
	}
	return nil
}
