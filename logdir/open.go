package logdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// DefaultMode is the mode of the files a Writer creates: process output
// often holds secrets.
const DefaultMode fs.FileMode = 0o600

// RefusedError is a log file a Writer will not write to because another
// user may have put it there, in a directory others can write to: written
// to, it could lead to a file of yours.
type RefusedError struct {
	Path string
	Why  string
}

func (e *RefusedError) Error() string { return "refusing " + e.Path + ": " + e.Why }

// openLog opens name in the directory dir for appending, and returns it
// with its size. A missing file is created with mode (exactly, whatever
// the umask). It never follows a link, and refuses what is not a regular
// file, a file another user owns, and one with other hard links (another
// name for a file of yours). path names the file in errors.
//
// os.Root would do for the directory, but it follows a link that stays in
// it even with O_NOFOLLOW: the file is opened with openat on dir's
// descriptor instead.
func openLog(dir *os.File, name, path string, mode fs.FileMode) (*os.File, int64, error) {
	raw, err := dir.SyscallConn()
	if err != nil {
		return nil, 0, err
	}
	var (
		fd   = -1
		st   unix.Stat_t
		oerr error
	)
	err = raw.Control(func(d uintptr) { fd, oerr = openAt(int(d), name, mode) })
	if err == nil {
		err = oerr
	}
	if err == nil {
		err = unix.Fstat(fd, &st)
	}
	if err == nil {
		err = check(&st, path)
	}
	if err == nil {
		// O_NONBLOCK was only for a FIFO planted there: a regular file
		// never blocks, and os.File is better off without it.
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		var re *RefusedError
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) {
			err = &RefusedError{path, "it is a symbolic link"}
		} else if errors.Is(err, unix.ENXIO) || errors.Is(err, unix.EISDIR) {
			err = &RefusedError{path, "not a regular file"} // a FIFO nobody reads, a directory
		} else if !errors.As(err, &re) {
			err = &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return nil, 0, err
	}
	return os.NewFile(uintptr(fd), path), st.Size, nil
}

// openAt opens name in the directory d: it creates the file, or, if it
// exists, opens it as it is; both without following a link.
func openAt(d int, name string, mode fs.FileMode) (int, error) {
	const flags = unix.O_WRONLY | unix.O_APPEND | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	for range 10 { // a file removed between the two opens is created again
		fd, err := unix.Openat(d, name, flags|unix.O_CREAT|unix.O_EXCL, uint32(mode.Perm()))
		if err == nil {
			if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
				unix.Close(fd)
				return -1, err
			}
			return fd, nil
		}
		if !errors.Is(err, unix.EEXIST) {
			return -1, err
		}
		fd, err = unix.Openat(d, name, flags, 0)
		if !errors.Is(err, unix.ENOENT) {
			return fd, err
		}
	}
	return -1, unix.ENOENT
}

// check refuses a file another user may have put in the directory.
func check(st *unix.Stat_t, path string) error {
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return &RefusedError{path, "not a regular file"}
	case int(st.Uid) != os.Geteuid():
		return &RefusedError{path, fmt.Sprintf("it belongs to another user (uid %d)", st.Uid)}
	case st.Nlink != 1:
		return &RefusedError{path, fmt.Sprintf("it has %d hard links, so it may be another name for a file of yours", st.Nlink)}
	}
	return nil
}
