package tui

import "golang.org/x/sys/unix"

// dropInput discards what the terminal sent that nobody read: mouse reports
// or keys that came after the view stopped reading would otherwise reach
// the shell.
func dropInput(fd uintptr) { _ = unix.IoctlSetInt(int(fd), unix.TCFLSH, unix.TCIFLUSH) }
