package runner

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// shell runs every command, as foreman does.
const shell = "/bin/sh"

// startPTY starts cmd with attrs and a new pty as its standard input,
// output and error, and returns the pty's controlling side.
//
// The returned file is non-blocking and served by Go's poller, so reads
// take deadlines, Close interrupts a read, and a hundred idle processes do
// not hold a hundred threads.
func startPTY(cmd *exec.Cmd, cols, rows int, attrs *syscall.SysProcAttr) (*os.File, error) {
	f, err := pty.StartWithAttrs(cmd, winsize(cols, rows), attrs)
	if err != nil {
		return nil, err
	}
	// pty's file was put in blocking mode by its Fd calls; a duplicate
	// set non-blocking before os.NewFile is registered with the poller.
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	f.Close()
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		return nil, err
	}
	return os.NewFile(uintptr(fd), "pty"), nil
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
