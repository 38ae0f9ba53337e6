//go:build !linux

package control

// shortPath has no shorter way to a socket here: a path too long for a
// socket address is refused.
func shortPath(path string) (string, func(), error) {
	return "", nil, &PathTooLongError{Path: path, Max: maxPath}
}
