package control

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// shortPath is the socket at path reached through a descriptor of its
// directory, /proc/self/fd/N/NAME, however deep the directory is; done
// closes the descriptor. The socket itself is in the directory, as if
// made through path: the same umask, owner and inode.
func shortPath(path string) (addr string, done func(), err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		return "", nil, &PathTooLongError{Path: path, Max: maxPath}
	}
	// O_PATH: only a place to resolve names from, so a directory this
	// user may search but not read will do, as it would for path.
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	addr = "/proc/self/fd/" + strconv.Itoa(fd) + "/" + name
	if len(addr) > maxPath {
		unix.Close(fd)
		return "", nil, &PathTooLongError{Path: path, Max: maxPath}
	}
	return addr, func() { unix.Close(fd) }, nil
}
