package runner

import (
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// shell runs every command, as foreman does.
const shell = "/bin/sh"

// pollable returns a duplicate of f, non-blocking and registered with the
// poller (f itself was put in blocking mode by its Fd calls), so reads
// take deadlines, Close interrupts a read, and a hundred idle processes
// do not hold a hundred threads.
func pollable(f *os.File) (*os.File, error) {
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err == nil {
		if err = unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// setSize resizes the terminal without f.Fd, which would make f blocking.
func setSize(f *os.File, cols, rows int) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	ws := winsize(cols, rows)
	cerr := sc.Control(func(fd uintptr) {
		err = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: ws.Rows, Col: ws.Cols})
	})
	if cerr != nil {
		return cerr
	}
	return err
}

func winsize(cols, rows int) *pty.Winsize {
	clamp := func(n int) uint16 { return uint16(max(1, min(n, 0xffff))) }
	return &pty.Winsize{Cols: clamp(cols), Rows: clamp(rows)}
}
