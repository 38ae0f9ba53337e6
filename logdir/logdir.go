// Package logdir writes a run's output to files, one per process, as
// circus and supervisord do: DIR/NAME.log for each process (web.log,
// web.2.log for instances), and composer's own lines (started, exited,
// restarting, stopping) in DIR/composer.log.
//
// The lines are those of the headless log stream, the Writer a Sink of
// the same headless.Log (whole lines, prompts shown when their process
// goes idle, \r progress bars as a terminal ends them, huge lines in
// pieces), with escape sequences and control characters other than tabs
// removed, and each line starts with its time in RFC 3339 (local time,
// milliseconds):
//
//	2026-01-02T15:04:05.123+01:00 listening on :5000
//
// Files are appended to, or created with Options.Mode (0600 by default),
// and never opened through a link: a directory others can write to may
// hold names planted there (see Open). Before a line would take a file past
// Options.MaxSize it is rotated: NAME.log becomes NAME.log.1, NAME.log.1
// becomes NAME.log.2 and so on up to Options.Keep files, the oldest
// dropped. A line is never split between files.
//
// A Writer writes synchronously, from the Log that hands it lines, so a
// process that floods is slowed down (through the runner's backpressure)
// rather than losing lines. Each file is buffered and written out when its
// process goes idle, is suspended or exits, at least every second while it
// writes, when it is rotated and at Close; composer.log after each event
// that adds to it.
package logdir

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// Defaults for the flags of composer up.
const (
	DefaultMaxSize = 10 << 20
	DefaultKeep    = 5
)

// Stamp is the layout of the time that starts each line.
const Stamp = "2006-01-02T15:04:05.000Z07:00"

// flushEvery bounds how long a busy process's lines wait in the buffer.
const flushEvery = time.Second

// Options configure a Writer. The zero value never rotates.
type Options struct {
	// MaxSize is the size a file may reach before it is rotated; 0 means
	// no limit. A single line longer than MaxSize is written whole to a
	// new file.
	MaxSize int64
	// Keep is how many rotated files are kept, NAME.log.1 (the newest) to
	// NAME.log.Keep; with 0 a full file is removed.
	Keep int
	// Mode is the mode of the files the Writer creates (exactly, whatever
	// the umask); 0 means DefaultMode. Files that exist keep theirs.
	Mode fs.FileMode
	// Failed, if set, is called once, from Line, Done or Close, with the
	// first error writing a file. The Writer then writes nothing more,
	// but takes lines all the same, so the run goes on.
	Failed func(error)
}

// Writer writes a run's log to the files of a directory: a headless.Sink.
// It is not safe for concurrent use: a Log calls it, then its owner
// Closes it.
type Writer struct {
	opts    Options
	root    *os.Root // the directory
	dir     *os.File // the same, for openat
	files   []*file  // per process, then composer.log
	strip   []headless.Stripper
	scratch []byte
	stamp   []byte
	stamped time.Time // the time in stamp
	dirty   bool      // composer.log has buffered lines
	err     error
}

// Open creates dir if needed (mode 0755 before the umask) and opens, for
// appending, NAME.log for each of procs and composer.log. It fails if dir
// cannot be written to, if a process is named "composer" (its file would
// be composer's), or if a file is one another user may have put there
// (see RefusedError): in a directory others can write to, a link or a
// hard link planted as web.log would have composer write to a file of
// yours. The files are opened in dir as Open found it, never through a
// link, and so are the renames of rotation.
func Open(dir string, procs []runner.Spec, opts Options) (*Writer, error) {
	for _, p := range procs {
		if p.Name == headless.Self {
			return nil, fmt.Errorf("process %q would share %s.log with composer's own lines", p.Name, headless.Self)
		}
	}
	if opts.Mode == 0 {
		opts.Mode = DefaultMode
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{opts: opts, root: root, strip: make([]headless.Stripper, len(procs))}
	if err := w.open(dir, procs); err != nil {
		_ = w.closeFiles() // err says what went wrong
		return nil, err
	}
	return w, nil
}

func (w *Writer) open(dir string, procs []runner.Spec) error {
	d, err := w.root.Open(".")
	if err != nil {
		return err
	}
	w.dir = d
	// Rotating renames files in dir: check it is writable even when every
	// file exists already.
	probe := ".composer-probe-" + strconv.FormatUint(rand.Uint64(), 36)
	f, err := w.root.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("creating a file in %s: %w", dir, err)
	}
	f.Close()
	_ = w.root.Remove(probe) // left behind, it is harmless

	for _, name := range append(names(procs), headless.Self) {
		f, err := openFile(w.root, w.dir, name+".log", filepath.Join(dir, name+".log"), w.opts.Mode)
		if err != nil {
			return err
		}
		w.files = append(w.files, f)
	}
	return nil
}

func names(procs []runner.Spec) []string {
	var s []string
	for _, p := range procs {
		s = append(s, p.Name)
	}
	return s
}

// Line writes one line: to its process's file, or composer's own to
// composer.log. Escape sequences are removed; a sequence a line leaves
// open goes on in the process's next line, as on its terminal.
func (w *Writer) Line(l headless.Line) {
	if w.err != nil {
		return
	}
	f := len(w.files) - 1
	text := l.Text
	if l.Proc >= 0 && l.Proc < len(w.strip) {
		f = l.Proc
		w.scratch = w.strip[l.Proc].Strip(w.scratch[:0], text)
		w.strip[l.Proc].EndLine()
		text = w.scratch
	} else {
		w.dirty = true
	}
	t := l.Time
	if t.IsZero() {
		t = time.Now()
	}
	if !t.Equal(w.stamped) || len(w.stamp) == 0 {
		w.stamp = append(t.AppendFormat(w.stamp[:0], Stamp), ' ')
		w.stamped = t
	}
	w.check(w.files[f].line(w.stamp, text, w.opts.MaxSize, w.opts.Keep))
}

// Done writes out the files that are to be after event e: its process's
// when it goes idle, is suspended or exits, or has not been for a second;
// composer.log when e added to it.
func (w *Writer) Done(e runner.Event) {
	if w.err != nil {
		return
	}
	now := e.Time
	if now.IsZero() {
		now = time.Now()
	}
	if e.Proc < 0 && e.Kind == 0 {
		// Lines shown because they were due, or the last partial ones:
		// no more may come for a while.
		for _, f := range w.files {
			w.check(f.flush(now))
		}
		return
	}
	if e.Proc >= 0 && e.Proc < len(w.strip) {
		f := w.files[e.Proc]
		switch e.Kind {
		case runner.Started:
			w.strip[e.Proc] = headless.Stripper{} // a new terminal
		case runner.Idle, runner.Exited, runner.Suspended:
			w.check(f.flush(now))
		case runner.Output:
			if now.Sub(f.flushed) >= flushEvery {
				w.check(f.flush(now))
			}
		case runner.Signaled, runner.ShuttingDown, runner.Resumed, runner.Waiting, runner.Ready, runner.Unhealthy:
		}
	}
	if w.dirty {
		w.dirty = false
		w.check(w.files[len(w.files)-1].flush(now))
	}
}

// Close writes out what is buffered and closes the files (the Log's
// Close has given them the last partial lines). It returns the first write error, if any.
func (w *Writer) Close() error {
	if err := w.closeFiles(); w.err == nil {
		w.check(err)
	}
	return w.err
}

// closeFiles closes the files and the directory, returning the first
// error writing out what was buffered.
func (w *Writer) closeFiles() error {
	var errs []error
	for _, f := range w.files {
		errs = append(errs, f.close())
	}
	if w.dir != nil {
		w.dir.Close()
	}
	w.root.Close()
	return errors.Join(errs...)
}

func (w *Writer) check(err error) {
	if err == nil || w.err != nil {
		return
	}
	w.err = err
	if w.opts.Failed != nil {
		w.opts.Failed(err)
	}
}
