package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/logdir"
	"github.com/composer-dev/composer/runner"
	"github.com/spf13/pflag"
)

// sizeFlag is a size in bytes, such as 10MiB.
type sizeFlag int64

func (s *sizeFlag) String() string { return logdir.FormatSize(int64(*s)) }
func (s *sizeFlag) Type() string   { return "size" }
func (s *sizeFlag) Set(v string) error {
	n, err := logdir.ParseSize(v)
	*s = sizeFlag(n)
	return err
}

// modeFlag is a file mode in octal, such as 0640.
type modeFlag fs.FileMode

func (m *modeFlag) String() string { return fmt.Sprintf("%04o", uint32(*m)) }
func (m *modeFlag) Type() string   { return "mode" }
func (m *modeFlag) Set(v string) error {
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "0o"), 8, 32)
	switch {
	case err != nil || n > 0o777:
		return fmt.Errorf("mode %q: want permissions in octal, like 0600 or 0640", v)
	case n&0o200 == 0:
		return fmt.Errorf("mode %q: composer could not write to its own files again", v)
	}
	*m = modeFlag(n)
	return nil
}

// logFlags are up's --log-dir flags.
type logFlags struct {
	dir     string
	maxSize sizeFlag
	keep    int
	mode    modeFlag
}

func (f *logFlags) register(fs *pflag.FlagSet) {
	f.maxSize = logdir.DefaultMaxSize
	f.mode = modeFlag(logdir.DefaultMode)
	fs.StringVar(&f.dir, "log-dir", "", "also write each process's output to `DIR`/NAME.log, and composer's own lines to composer.log there")
	fs.Var(&f.maxSize, "log-max-size", "rotate a log file before it grows past this size (KB, KiB, MB, MiB, GB, GiB; 0: never)")
	fs.IntVar(&f.keep, "log-keep", logdir.DefaultKeep, "keep `N` rotated log files per process, NAME.log.1 to NAME.log.N (0: none)")
	fs.Var(&f.mode, "log-mode", "create log files with this mode, in octal (0640: your group may read them)")
}

// logFiles writes the run's log to --log-dir: a sink of its headless.Log,
// ahead of the log stream.
type logFiles struct {
	w     *logdir.Writer
	async *headless.Async // the files are written beside the Log
	later bool            // hold a write error until the view has closed

	mu     sync.Mutex // the observer and close
	closed bool
	broken bool  // a panic writing them: they are left alone
	err    error // the first write error
}

// openLogs opens the files of --log-dir before anything starts; nil
// without --log-dir.
func openLogs(f *logFlags, procs []runner.Spec, o origins) (*logFiles, error) {
	if f.dir == "" {
		return nil, nil
	}
	if f.keep < 0 {
		return nil, usageErrorf("%s: expected 0 or more files", o.value("log-keep", strconv.Itoa(f.keep)))
	}
	l := &logFiles{}
	w, err := logdir.Open(f.dir, procs, logdir.Options{
		MaxSize: int64(f.maxSize), Keep: f.keep, Mode: fs.FileMode(f.mode), Failed: l.failed,
	})
	var refused *logdir.RefusedError
	if errors.As(err, &refused) {
		return nil, usageErrorf("%s: %v (another user may have put it there: remove it, or use a directory only you can write to)", o.value("log-dir", f.dir), err)
	}
	if err != nil {
		return nil, usageErrorf("%s: %v", o.value("log-dir", f.dir), err)
	}
	l.w = w
	return l, nil
}

func (l *logFiles) failed(err error) {
	l.err = err
	if !l.later {
		l.report()
	}
}

func (l *logFiles) report() {
	fmt.Fprintf(os.Stderr, "composer: warning: --log-dir: %v; nothing more is written to the log files\n", l.err)
}

// sinks is the files as a sink of the run's log, or none without
// --log-dir. With later, a write error is printed by reportLater rather
// than at once (on a screen the view owns).
func (l *logFiles) sinks(later bool) []headless.Sink {
	if l == nil {
		return nil
	}
	l.later = later
	l.async = headless.NewAsync(l)
	return []headless.Sink{l.async}
}

// Line writes a line of the log. A panic is reported, and the run goes on
// without the files: the runner must never wait.
func (l *logFiles) Line(line headless.Line) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed && !l.broken {
		l.broken = !safely(func() { l.w.Line(line) })
	}
}

// Done writes out what is due after event e.
func (l *logFiles) Done(e runner.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed && !l.broken {
		l.broken = !safely(func() { l.w.Done(e) })
	}
}

// close writes out what the files hold and closes them, once: when the
// view has had every event, or when composer gives up on a stdout nobody
// reads (the observer is then stopped, perhaps mid-run).
func (l *logFiles) close() {
	if l == nil {
		return
	}
	if l.async != nil {
		l.async.Close()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		safely(func() { l.w.Close() })
	}
}

// reportLater prints the write error held back while the view was open;
// the files are closed.
func (l *logFiles) reportLater() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.later && l.err != nil {
		l.report()
	}
}

func safely(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "composer: internal error: %v\n", r)
			ok = false
		}
	}()
	f()
	return true
}
