//go:build darwin || freebsd || netbsd || openbsd

package tui

import "golang.org/x/sys/unix"

// dropInput discards what the terminal sent that nobody read: mouse reports
// or keys that came after the view stopped reading would otherwise reach
// the shell.
func dropInput(fd uintptr) {
	const fread = 1 // FREAD: the input queue only
	_ = unix.IoctlSetPointerInt(int(fd), unix.TIOCFLUSH, fread)
}
