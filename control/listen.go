package control

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Listener is the socket of one running composer, with the lock that
// makes it the only one at its path.
//
// Two composers starting at the same instant in one directory must not
// both serve, nor one remove the other's fresh socket believing it stale.
// So the socket is claimed through a lock file beside it (PATH.lock,
// holding the owner's pid), flock'd for the life of the composer: the
// kernel releases it when the composer ends, however it ends. Whoever
// holds the lock may remove a socket left at the path, which can only be
// stale (a connection to it is refused); a socket that answers is left
// alone and taken for a composer running there.
type Listener struct {
	path   string
	lock   *os.File
	ln     *net.UnixListener
	socket os.FileInfo // the socket file as bound, so Close removes only it
}

// RunningError is returned by Listen when another composer holds the
// socket, or something answers on it. PID is 0 when it is not known.
type RunningError struct {
	Path string
	PID  int
}

func (e *RunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("already running (pid %d)", e.PID)
	}
	return "already running"
}

// Listen claims path and creates the socket there, with mode 0600. It
// fails with a *RunningError when another composer has it, and with a
// *PathTooLongError when path is longer than a socket address holds and
// the system offers no shorter way to it (Linux does).
func Listen(path string) (*Listener, error) {
	lock, err := claim(path + ".lock")
	if err != nil {
		var re *RunningError
		if errors.As(err, &re) {
			re.Path = path
		}
		return nil, err
	}
	l := &Listener{path: path, lock: lock}
	if err := removeStale(path); err != nil {
		l.release()
		return nil, err
	}
	// The umask makes the socket 0600 from the start: no window in which
	// another user could connect. Nothing else creates files meanwhile:
	// composer listens before it starts any process.
	var ln *net.UnixListener
	err = viaShortPath(path, func(addr string) error {
		old := unix.Umask(0o177)
		defer unix.Umask(old)
		var err error
		ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: addr, Net: "unix"})
		return err
	})
	if err != nil {
		l.release()
		return nil, fmt.Errorf("control: %w", err)
	}
	ln.SetUnlinkOnClose(false) // Close removes it, before the lock
	l.ln = ln
	l.socket, _ = os.Lstat(path)
	return l, nil
}

// claim locks the lock file at path, or fails with a *RunningError.
func claim(path string) (*os.File, error) {
	for {
		// Never through a link, and only a file of this user's own: the
		// pid is written into it.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return nil, fmt.Errorf("control: %w", err)
		}
		if err := ownFile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("control: refusing %s: %w", path, err)
		}
		err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid := readPID(f)
			f.Close()
			return nil, &RunningError{PID: pid}
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("control: locking %s: %w", path, err)
		}
		// The composer that held the lock may have removed the file
		// between our open and our lock: then the lock is on a file no
		// one else will open, and we must start over.
		if same(f, path) {
			if err := writePID(f); err != nil {
				f.Close()
				return nil, fmt.Errorf("control: %s: %w", path, err)
			}
			return f, nil
		}
		f.Close()
	}
}

func flock(f *os.File, how int) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) {
		for {
			if ferr = unix.Flock(int(fd), how); ferr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

func same(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// ownFile refuses a lock file that is not a plain file of this user's
// with one name.
func ownFile(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	switch {
	case !st.Mode().IsRegular():
		return errors.New("not a regular file")
	case ok && int(sys.Uid) != os.Geteuid():
		return fmt.Errorf("it belongs to another user (uid %d)", sys.Uid)
	case ok && sys.Nlink != 1:
		return errors.New("it has other names (hard links)")
	}
	return nil
}

// writePID writes composer's pid into the lock file. It truncates only a
// longer file (a stale pid): ext4 flushes a file truncated to zero and
// rewritten when it is closed, which would slow every composer's exit.
func writePID(f *os.File) error {
	b := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if st, err := f.Stat(); err == nil && st.Size() > int64(len(b)) {
		if err := f.Truncate(int64(len(b))); err != nil {
			return err
		}
	}
	_, err := f.WriteAt(b, 0)
	return err
}

// readPID reads the pid of the lock's holder. The holder writes it just
// after locking, so an empty file is read again for a moment.
func readPID(f *os.File) int {
	deadline := time.Now().Add(200 * time.Millisecond)
	buf := make([]byte, 32)
	for {
		n, _ := f.ReadAt(buf, 0)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n]))); err == nil && pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			return 0
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// removeStale removes a socket left at path by a composer that is gone.
func removeStale(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	if st.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("control: %s exists and is not a socket", path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("control: %s belongs to another user (uid %d)", path, sys.Uid)
	}
	var c net.Conn
	err = viaShortPath(path, func(addr string) error {
		c, err = net.DialTimeout("unix", addr, time.Second)
		return err
	})
	if err == nil {
		// Something serves there without the lock (its lock file was
		// removed, say): take it for a composer rather than run beside it.
		c.Close()
		return &RunningError{Path: path}
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("control: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: removing a stale socket: %w", err)
	}
	return nil
}

// Close stops listening and removes the socket, then the lock, so that
// another composer may start at once. It may be called more than once.
func (l *Listener) Close() error {
	var err error
	if l.ln != nil {
		err = l.ln.Close()
		l.ln = nil
		// Only the socket this composer made: another composer may have
		// started here since someone removed this one's.
		if now, serr := os.Lstat(l.path); serr == nil && l.socket != nil && os.SameFile(now, l.socket) {
			if rerr := os.Remove(l.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
				err = rerr
			}
		}
	}
	l.release()
	return err
}

// release removes the lock file while it is still locked, if it is still
// the file at its name, then unlocks it.
func (l *Listener) release() {
	if l.lock == nil {
		return
	}
	if same(l.lock, l.lock.Name()) {
		_ = os.Remove(l.lock.Name())
	}
	l.lock.Close()
	l.lock = nil
}
