// Package headless prints a runner's events as one log stream: every line
// prefixed with the name of the process that wrote it, padded so the text
// lines up, and composer's own lines under the name "composer".
//
// Lines are written whole, so two processes never share a line. A line
// without a newline (a prompt) is shown when its process goes idle (the
// runner's Idle event). A line redrawn with \r (a progress bar) is shown as a
// terminal would show it when it ends; while it keeps redrawing, its
// current state is shown every Options.Progress. A line longer than
// MaxLine is written in pieces.
package headless

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Proc is what the log shows of a process besides its output.
type Proc struct {
	Name string
	Port int

	// Running says the process was already running when Copy began: its
	// Started event came before (a reader joining a run late). It decides
	// how a later exit is worded, as if Copy had seen it start.
	Running bool
}

// Options configure Copy. The zero value writes plain lines.
type Options struct {
	Procs      []Proc // indexed by runner.Event.Proc
	Color      bool   // colour the prefixes; the processes' own colours pass through either way
	Timestamps bool   // start each line with the time

	Timeout  time.Duration // the runner's stop timeout, for messages
	Progress time.Duration // show a line being redrawn with \r this often; default 1s

	// WriteFailed, if set, is called once when writing to w fails. Copy
	// keeps receiving events (so the runner is never blocked) but writes
	// nothing more.
	WriteFailed func(error)
}

// Self is the name composer's own lines carry.
const Self = "composer"

// palette holds the colours given to processes in turn (SGR parameters).
var palette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

type writer struct {
	opts    Options
	out     *bufio.Writer
	err     error
	width   int
	prefix  []string // per process, then composer's own at the end
	lines   []lineBuf
	emit    []func([]byte) // per process, writing with time t
	t       time.Time
	running []bool
}

// Copy writes events to w until the channel is closed, and returns the
// first write error.
func Copy(w io.Writer, events <-chan runner.Event, opts Options) error {
	if opts.Progress <= 0 {
		opts.Progress = time.Second
	}
	hw := &writer{opts: opts, out: bufio.NewWriterSize(w, 64*1024), lines: make([]lineBuf, len(opts.Procs)), running: make([]bool, len(opts.Procs))}
	hw.width = len(Self)
	for _, p := range opts.Procs {
		hw.width = max(hw.width, len(p.Name))
	}
	for i, p := range opts.Procs {
		hw.prefix = append(hw.prefix, hw.makePrefix(p.Name, palette[i%len(palette)]))
		hw.running[i] = p.Running
	}
	hw.prefix = append(hw.prefix, hw.makePrefix(Self, "1"))
	for i := range opts.Procs {
		hw.emit = append(hw.emit, func(b []byte) { hw.line(i, hw.t, b) })
	}

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
				hw.flushLines(time.Now(), time.Time{})
				hw.flush()
				return hw.err
			}
			hw.event(e)
			if e.Proc >= 0 && e.Proc < len(hw.lines) {
				if d := hw.lines[e.Proc].due(opts.Progress); !d.IsZero() && (due.IsZero() || d.Before(due)) {
					due = d
					timer.Reset(time.Until(due))
				}
			}
		case now := <-timer.C:
			hw.flushLines(now, now)
			if due = hw.nextDue(); !due.IsZero() {
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

// flushLines shows the partial lines due by deadline (all when it is zero).
func (hw *writer) flushLines(now, deadline time.Time) {
	for i := range hw.lines {
		d := hw.lines[i].due(hw.opts.Progress)
		if !d.IsZero() && (deadline.IsZero() || !d.After(deadline)) {
			hw.lines[i].flush(now, hw.emitter(i, now))
		}
	}
}

func (hw *writer) nextDue() time.Time {
	var next time.Time
	for i := range hw.lines {
		if d := hw.lines[i].due(hw.opts.Progress); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	return next
}

func (hw *writer) event(e runner.Event) {
	if e.Proc < 0 || e.Proc >= len(hw.lines) {
		if e.Kind == runner.ShuttingDown {
			hw.shuttingDown(e)
		}
		return
	}
	name := hw.opts.Procs[e.Proc].Name
	switch e.Kind {
	case runner.Output:
		hw.lines[e.Proc].write(e.Data, time.Now(), hw.emitter(e.Proc, e.Time))
	case runner.Idle:
		hw.lines[e.Proc].flush(time.Now(), hw.emitter(e.Proc, e.Time))
	case runner.Started:
		hw.running[e.Proc] = true
		msg := fmt.Sprintf("%s started (pid %d", name, e.PID)
		if port := hw.opts.Procs[e.Proc].Port; port > 0 {
			msg += fmt.Sprintf(", port %d", port)
		}
		if e.Restarts > 0 {
			msg += fmt.Sprintf(", restart %d", e.Restarts)
		}
		hw.self(e.Time, msg+")")
	case runner.Exited:
		hw.lines[e.Proc].flush(e.Time, hw.emitter(e.Proc, e.Time))
		msg := name + " " + e.Status.String()
		if !hw.running[e.Proc] && e.State == runner.StateStopped && e.Status.Err == nil {
			msg = name + " stopped" // a pending restart was cancelled
		}
		hw.running[e.Proc] = false
		if e.State == runner.StateRestarting {
			msg += fmt.Sprintf("; restarting in %v (restart %d)", e.Delay, e.Restarts+1)
		}
		hw.self(e.Time, msg)
	case runner.Signaled:
		msg := fmt.Sprintf("sending %s to %s (pid %d)", runner.SignalName(e.Signal), name, e.PID)
		if e.Reason == "timeout" {
			msg = fmt.Sprintf("%s did not stop within %v; sending SIGKILL (pid %d)", name, hw.opts.Timeout, e.PID)
		}
		hw.self(e.Time, msg)
	}
}

func (hw *writer) shuttingDown(e runner.Event) {
	if !slices.Contains(hw.running, true) {
		return // nothing left to stop
	}
	switch e.Reason {
	case "killed":
		hw.self(e.Time, "killing all processes")
	default:
		hw.self(e.Time, "stopping all processes: "+e.Reason)
	}
}

func (hw *writer) self(t time.Time, msg string) {
	hw.line(len(hw.prefix)-1, t, []byte(msg))
}

// emitter writes process i's lines stamped with t, without allocating.
func (hw *writer) emitter(i int, t time.Time) func([]byte) {
	hw.t = t
	return hw.emit[i]
}

// line writes one prefixed line.
func (hw *writer) line(i int, t time.Time, text []byte) {
	if hw.err != nil {
		return
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
