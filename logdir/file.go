package logdir

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// bufSize is each file's buffer: a flood is written in pieces this big.
const bufSize = 32 * 1024

// file is one log file, NAME.log, with its rotated predecessors
// NAME.log.1 (the newest) to NAME.log.KEEP.
type file struct {
	path    string
	f       *os.File
	buf     *bufio.Writer
	size    int64     // of the file, buffered bytes included
	flushed time.Time // when the buffer was last written out
}

func openFile(path string) (*file, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &file{path: path, f: f, buf: bufio.NewWriterSize(f, bufSize), size: st.Size()}, nil
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

// rotate renames NAME.log to NAME.log.1, NAME.log.1 to NAME.log.2 and so
// on, replacing NAME.log.KEEP, and starts a new NAME.log. With keep 0 the
// old file is removed.
func (lf *file) rotate(keep int) error {
	if err := lf.flush(time.Time{}); err != nil {
		return err
	}
	if err := lf.f.Close(); err != nil {
		return err
	}
	var err error
	if keep == 0 {
		err = os.Remove(lf.path)
	} else {
		for i := keep - 1; i >= 1 && err == nil; i-- {
			err = os.Rename(lf.path+"."+strconv.Itoa(i), lf.path+"."+strconv.Itoa(i+1))
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		if err == nil {
			err = os.Rename(lf.path, lf.path+".1")
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	lf.f, lf.size = f, 0
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
