// Package headless prints a runner's events as one log stream: every line
// prefixed with the name of the process that wrote it, padded so the text
// lines up, and composer's own lines under the name "composer".
//
// Lines are written whole, so two processes never share a line. A line
// without a newline (a prompt) is shown when its process goes idle (the
// runner's Idle event); its newline alone then adds nothing. A line
// redrawn with \r (a progress bar) is shown as a terminal would show it
// when it ends; while it keeps redrawing, its current state is shown every
// Options.Progress. A line longer than MaxLine is written in pieces.
//
// Copy prints the stream; Lines assembles the same lines for other writers
// (the log files of package logdir).
package headless

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Options configure Copy, and NewLines (which uses Procs, Running,
// Timeout and Progress). The zero value writes plain lines.
type Options struct {
	Procs []runner.Spec // the processes, indexed by runner.Event.Proc

	// Running, if set, says which processes were already running when the
	// events begin (a reader joining a run late): it decides how a later
	// exit is worded, as if their Started events had been seen.
	Running []bool

	Color      bool // colour the prefixes; the processes' own colours pass through either way
	Timestamps bool // start each line with the time

	Timeout  time.Duration // the runner's stop timeout, for messages
	Progress time.Duration // show a line being redrawn with \r this often; default 1s

	// WriteFailed, if set, is called once when writing to w fails. Copy
	// keeps receiving events (so the runner is never blocked) but writes
	// nothing more.
	WriteFailed func(error)

	// Received, if set, holds the Seq of the last event Copy has taken
	// from the channel: the events after it are not written yet.
	Received *atomic.Uint64
}

// Self is the name composer's own lines carry.
const Self = "composer"

// palette holds the colours given to processes in turn (SGR parameters).
var palette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

type writer struct {
	opts   Options
	out    *bufio.Writer
	err    error
	width  int
	prefix []string // per process, then composer's own at the end
}

// Copy writes events to w until the channel is closed, and returns the
// first write error.
func Copy(w io.Writer, events <-chan runner.Event, opts Options) error {
	hw := &writer{opts: opts, out: bufio.NewWriterSize(w, 64*1024)}
	hw.width = len(Self)
	for _, p := range opts.Procs {
		hw.width = max(hw.width, len(p.Name))
	}
	for i, p := range opts.Procs {
		hw.prefix = append(hw.prefix, hw.makePrefix(p.Name, palette[i%len(palette)]))
	}
	hw.prefix = append(hw.prefix, hw.makePrefix(Self, "1"))
	lines := NewLines(opts, hw.line)

	// due is the earliest time a progress line may need showing; it may be
	// early (a wake then shows nothing) but never late.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var due time.Time
	for {
		if len(events) == 0 {
			hw.flush()
		}
		select {
		case e, ok := <-events:
			if !ok {
				lines.Flush(time.Now())
				hw.flush()
				return hw.err
			}
			if opts.Received != nil {
				opts.Received.Store(e.Seq)
			}
			lines.Event(e)
			if d := lines.Due(); !d.IsZero() && (due.IsZero() || d.Before(due)) {
				due = d
				timer.Reset(time.Until(due))
			}
		case now := <-timer.C:
			lines.ShowDue(now)
			if due = lines.Due(); !due.IsZero() {
				timer.Reset(time.Until(due))
			}
		}
	}
}

func (hw *writer) makePrefix(name, color string) string {
	p := fmt.Sprintf("%-*s | ", hw.width, name)
	if hw.opts.Color {
		p = "\x1b[" + color + "m" + p + "\x1b[0m"
	}
	return p
}

// line writes one prefixed line of process i, or of composer when i < 0.
func (hw *writer) line(i int, t time.Time, text []byte) {
	if hw.err != nil {
		return
	}
	if i < 0 {
		i = len(hw.prefix) - 1
	}
	if hw.opts.Timestamps {
		if t.IsZero() {
			t = time.Now()
		}
		hw.out.WriteString(t.Format("15:04:05.000 "))
	}
	hw.out.WriteString(hw.prefix[i])
	hw.out.Write(text)
	if hw.opts.Color && bytes.IndexByte(text, '\x1b') >= 0 {
		hw.out.WriteString("\x1b[0m") // keep a process's colour from bleeding into the next line
	}
	// bufio.Writer keeps its first error and then accepts nothing.
	hw.check(hw.out.WriteByte('\n'))
}

func (hw *writer) flush() { hw.check(hw.out.Flush()) }

func (hw *writer) check(err error) {
	if err == nil || hw.err != nil {
		return
	}
	hw.err = err
	if hw.opts.WriteFailed != nil {
		hw.opts.WriteFailed(err)
	}
}
