package logdir

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// bufSize is each file's buffer: a flood is written in pieces this big.
const bufSize = 32 * 1024

// file is one log file, NAME.log, with its rotated predecessors
// NAME.log.1 (the newest) to NAME.log.KEEP, all in one directory.
type file struct {
	root    *os.Root // the directory, for rotation's renames
	dir     *os.File // the same directory, to open the file in
	name    string   // in the directory
	path    string   // for errors
	mode    fs.FileMode
	f       *os.File
	buf     *bufio.Writer
	size    int64     // of the file, buffered bytes included
	flushed time.Time // when the buffer was last written out
}

// openFile opens name in the directory (root and dir), path naming it in
// errors, as openLog does.
func openFile(root *os.Root, dir *os.File, name, path string, mode fs.FileMode) (*file, error) {
	f, size, err := openLog(dir, name, path, mode)
	if err != nil {
		return nil, err
	}
	return &file{root: root, dir: dir, name: name, path: path, mode: mode, f: f, buf: bufio.NewWriterSize(f, bufSize), size: size}, nil
}

// line appends stamp, text and a newline, first rotating the file if the
// line would take it past maxSize (0: no limit). A line is never split: one
// longer than maxSize gets a file to itself.
func (lf *file) line(stamp, text []byte, maxSize int64, keep int) error {
	n := int64(len(stamp) + len(text) + 1)
	if maxSize > 0 && lf.size > 0 && lf.size+n > maxSize {
		if err := lf.rotate(keep); err != nil {
			return err
		}
	}
	lf.size += n
	lf.buf.Write(stamp)
	lf.buf.Write(text)
	return lf.buf.WriteByte('\n') // bufio.Writer keeps its first error
}

// rotating, if set, is called by rotate between the renames and the open
// of the new file: tests plant a name there, as another user could.
var rotating func()

// rotate renames NAME.log to NAME.log.1, NAME.log.1 to NAME.log.2 and so
// on, replacing NAME.log.KEEP, and starts a new NAME.log. With keep 0 the
// old file is removed. The renames are of names in the directory: one
// that is a link moves as a link, and what it leads to is left alone.
func (lf *file) rotate(keep int) error {
	if err := lf.flush(time.Time{}); err != nil {
		return err
	}
	if err := lf.f.Close(); err != nil {
		return err
	}
	var err error
	if keep == 0 {
		err = lf.root.Remove(lf.name)
	} else {
		for i := keep - 1; i >= 1 && err == nil; i-- {
			err = lf.root.Rename(lf.name+"."+strconv.Itoa(i), lf.name+"."+strconv.Itoa(i+1))
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		if err == nil {
			err = lf.root.Rename(lf.name, lf.name+".1")
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotating %s: %w", lf.path, err)
	}
	if rotating != nil {
		rotating()
	}
	// Another user may have planted a name there since the rename.
	f, size, err := openLog(lf.dir, lf.name, lf.path, lf.mode)
	if err != nil {
		return err
	}
	lf.f, lf.size = f, size
	lf.buf.Reset(f)
	return nil
}

// flush writes the buffer out; now is when, for the next flushDue.
func (lf *file) flush(now time.Time) error {
	lf.flushed = now
	if lf.buf.Buffered() == 0 {
		return nil
	}
	return lf.buf.Flush()
}

func (lf *file) close() error {
	err := lf.buf.Flush()
	if cerr := lf.f.Close(); err == nil {
		err = cerr
	}
	return err
}
