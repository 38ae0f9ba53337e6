package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// maxInput bounds the Procfile and each env file: far above any real one,
// and a file such as /dev/zero fails instead of filling memory.
const maxInput = 64 << 20

// waitNotice is how long reading a FIFO or device may block before
// composer says what it waits for.
var waitNotice = time.Second

// notFileError is a Procfile or env file that is not a regular file, where
// only one is read.
type notFileError struct {
	path, kind string
}

func (e *notFileError) Error() string { return fmt.Sprintf("%s is %s, not a file", e.path, e.kind) }

// readInput reads the file at path whole. A FIFO or a device is read only
// when the user named it (explicit), as a <(...) process substitution is
// (/dev/fd/N, a pipe): reading one can block until something writes to
// it, and after waitNotice composer says on stderr what it waits for. A
// file composer found by its default name must be a regular file:
// opening it never blocks.
func readInput(path string, explicit bool) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	kind := fileKind(st.Mode())
	if l, err := os.Readlink(path); err == nil && strings.HasPrefix(l, "pipe:") {
		kind = "a pipe" // /dev/fd/N, as <(...) names it
	}
	readable := kind == "" || explicit && st.Mode()&(fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice) != 0
	if !readable {
		return nil, &notFileError{path, kind}
	}
	flag := os.O_RDONLY
	if kind == "" {
		// Opening a FIFO put in the file's place meanwhile would block:
		// this open does not, and the check below refuses it.
		flag |= syscall.O_NONBLOCK
	} else {
		t := time.AfterFunc(waitNotice, func() {
			fmt.Fprintf(os.Stderr, "composer: waiting for %s (%s) to be written\n", path, kind)
		})
		defer t.Stop()
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if kind == "" {
		if st, err = f.Stat(); err != nil {
			return nil, err
		}
		if k := fileKind(st.Mode()); k != "" {
			return nil, &notFileError{path, k}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxInput>>20)
	}
	return data, nil
}

// fileKind names what a file that is not regular is; "" for a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
