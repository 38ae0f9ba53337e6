package bundle

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the links followed in resolving one path, as Linux's
// MAXSYMLINKS does.
const maxLinks = 40

// errLoop is a chain of links too long to follow.
var errLoop = errors.New("too many levels of links")

// leadsOut reports whether following name, a path in the directory dir,
// would ever leave dir. It resolves name a component at a time against the
// tree as it stands, following each link as the kernel would (a ".." after
// a link goes up from where the link led), and goes on by name past a
// component that does not exist: such a component may be created later,
// so a link that dangles now must still lead nowhere outside. Stepping
// above dir at any point counts as leaving it, even to come back by name.
func leadsOut(dir, name string) (bool, error) {
	var at []string // where the walk is, as real directories in dir
	todo := split(name)
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case ".":
			continue
		case "..":
			if len(at) == 0 {
				return true, nil
			}
			at = at[:len(at)-1]
			continue
		}
		p := filepath.Join(dir, filepath.Join(at...), c)
		st, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
			at = append(at, c) // nothing there yet: the name is all there is
			continue
		case err != nil:
			return false, err
		case st.Mode()&fs.ModeSymlink == 0:
			at = append(at, c)
			continue
		}
		if links++; links > maxLinks {
			return false, errLoop
		}
		target, err := os.Readlink(p)
		if err != nil {
			return false, err
		}
		if filepath.IsAbs(target) {
			return true, nil
		}
		todo = append(split(target), todo...)
	}
	return false, nil
}

// split cuts a path into its components, dropping empty ones.
func split(p string) []string {
	var s []string
	for _, c := range strings.Split(filepath.ToSlash(p), "/") {
		if c != "" {
			s = append(s, c)
		}
	}
	return s
}
