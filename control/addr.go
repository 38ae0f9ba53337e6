package control

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// maxPath is the longest path a unix socket address holds: 107 bytes on
// Linux, 103 on macOS and the BSDs.
var maxPath = len(unix.RawSockaddrUnix{}.Path) - 1

// PathTooLongError is a socket path longer than a socket address holds,
// that cannot be reached through a shorter one either.
type PathTooLongError struct {
	Path string
	Max  int
}

func (e *PathTooLongError) Error() string {
	return fmt.Sprintf("socket path too long (%d > %d bytes)", len(e.Path), e.Max)
}

// viaShortPath calls fn with a path to the socket at path that fits in a
// socket address: path itself when it fits, else, where the system has
// one, a shorter way to the same file (see shortPath), valid while fn
// runs. An error of fn's naming that way names path instead.
func viaShortPath(path string, fn func(addr string) error) error {
	if len(path) <= maxPath {
		return fn(path)
	}
	addr, done, err := shortPath(path)
	if err != nil {
		return err
	}
	defer done()
	err = fn(addr)
	var oe *net.OpError
	if errors.As(err, &oe) {
		if a, ok := oe.Addr.(*net.UnixAddr); ok && a.Name == addr {
			oe.Addr = &net.UnixAddr{Name: path, Net: a.Net}
		}
	}
	return err
}
