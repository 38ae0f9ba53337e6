package headless

import (
	"bytes"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/composer-dev/composer/runner"
)

// Line is one line of a run's log.
type Line struct {
	// Proc is the process whose output the line is, or -1 for one of
	// composer's own lines.
	Proc int
	// About is the process whose log the line belongs in: Proc, or for
	// composer's own lines the process they are about; -1 for the run's.
	About int
	Time  time.Time // when it was written
	Text  []byte    // without its newline; valid only during the call
}

// Lines turns a runner's events into the lines of the log stream: each
// process's output assembled into whole lines as the package documentation
// describes, and composer's own lines (started, exited, restarting,
// signals sent, stopping). Log gives them to every writer of the log;
// Copy prints them with prefixes.
//
// A Lines is not safe for concurrent use. It calls emit only from Event,
// ShowDue and Flush.
type Lines struct {
	opts    Options
	emit    func(Line)
	bufs    []lineBuf
	emitAt  []func([]byte) // per process, emitting with time t
	t       time.Time
	running []bool
	ready   []bool // its readiness was last reported passing
}

// NewLines returns a Lines that calls emit with each line. Of opts,
// NewLines uses Procs, Timeout and Progress.
func NewLines(opts Options, emit func(Line)) *Lines {
	if opts.Progress <= 0 {
		opts.Progress = time.Second
	}
	l := &Lines{opts: opts, emit: emit, bufs: make([]lineBuf, len(opts.Procs)), running: make([]bool, len(opts.Procs)), ready: make([]bool, len(opts.Procs))}
	for i := range opts.Procs {
		l.emitAt = append(l.emitAt, func(b []byte) { l.emit(Line{Proc: i, About: i, Time: l.t, Text: b}) })
	}
	return l
}

// Event adds one event, emitting the lines it completes.
func (l *Lines) Event(e runner.Event) {
	if e.Proc < 0 || e.Proc >= len(l.bufs) {
		if e.Kind == runner.ShuttingDown {
			l.shuttingDown(e)
		}
		return
	}
	name := l.opts.Procs[e.Proc].Name
	switch e.Kind {
	case runner.Output:
		l.bufs[e.Proc].at = e.Time
		l.bufs[e.Proc].write(e.Data, time.Now(), l.emitter(e.Proc, e.Time))
	case runner.Idle:
		l.bufs[e.Proc].flush(time.Now(), l.emitter(e.Proc, e.Time))
	case runner.Started:
		l.running[e.Proc], l.ready[e.Proc] = true, false
		msg := fmt.Sprintf("%s started (pid %d", name, e.PID)
		if port := l.opts.Procs[e.Proc].Port; port > 0 {
			msg += fmt.Sprintf(", port %d", port)
		}
		if e.Restarts > 0 {
			msg += fmt.Sprintf(", restart %d", e.Restarts)
		}
		l.self(e.Time, e.Proc, msg+")")
	case runner.Exited:
		l.bufs[e.Proc].end(e.Time, l.emitter(e.Proc, e.Time))
		msg := name + " " + e.Status.String()
		if !l.running[e.Proc] && e.State == runner.StateStopped && e.Status.Err == nil {
			msg = name + " stopped" // a pending restart was cancelled
		}
		l.running[e.Proc] = false
		if e.State == runner.StateRestarting {
			msg += fmt.Sprintf("; restarting in %v (restart %d)", e.Delay, e.Restarts+1)
		}
		if e.State == runner.StateGivenUp {
			msg += fmt.Sprintf("; given up after %d restarts", e.Restarts)
		}
		l.self(e.Time, e.Proc, msg)
	case runner.Signaled:
		msg := fmt.Sprintf("sending %s to %s (pid %d)", runner.SignalName(e.Signal), name, e.PID)
		if e.Reason == "timeout" {
			timeout := l.opts.Timeout
			if t := l.opts.Procs[e.Proc].StopTimeout; t > 0 {
				timeout = t
			}
			msg = fmt.Sprintf("%s did not stop within %v; sending SIGKILL (pid %d)", name, timeout, e.PID)
		}
		l.self(e.Time, e.Proc, msg)
	case runner.Suspended:
		// Stopped, it writes nothing more for now: its last line is shown.
		l.bufs[e.Proc].flush(e.Time, l.emitter(e.Proc, e.Time))
		l.self(e.Time, e.Proc, fmt.Sprintf("%s suspended by %s (pid %d); it waits for SIGCONT (composer start %s)",
			name, runner.SignalName(e.Signal), e.PID, name))
	case runner.Resumed:
		l.self(e.Time, e.Proc, fmt.Sprintf("%s resumed (pid %d)", name, e.PID))
	case runner.Waiting:
		if e.Reason != "" {
			l.self(e.Time, e.Proc, fmt.Sprintf("%s will not start: %s", name, e.Reason))
		} else {
			l.self(e.Time, e.Proc, fmt.Sprintf("%s waits for %s", name, runner.WaitingFor(e.Waiting)))
		}
	case runner.Ready:
		was := l.ready[e.Proc]
		l.ready[e.Proc] = e.Ready
		switch {
		case e.Ready && e.Probe == "ready_log_line":
			l.self(e.Time, e.Proc, fmt.Sprintf("%s is ready (its ready line, after %v)", name, Took(e.Took)))
		case e.Ready:
			l.self(e.Time, e.Proc, fmt.Sprintf("%s is ready (%s after %v)", name, e.Probe, Took(e.Took)))
		case was:
			l.self(e.Time, e.Proc, fmt.Sprintf("%s is no longer ready (%s: %s)", name, e.Probe, e.ProbeErr))
		default:
			l.self(e.Time, e.Proc, fmt.Sprintf("%s is not ready yet (%s: %s)", name, e.Probe, e.ProbeErr))
		}
	case runner.Unhealthy:
		l.self(e.Time, e.Proc, fmt.Sprintf("%s liveness failed %d times (%s: %s); %s", name, e.Failures, e.Probe, e.ProbeErr, e.Reason))
	case runner.ShuttingDown: // the run's, above
	}
}

// Took rounds a time taken for display: 12ms, 1.3s.
func Took(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func (l *Lines) shuttingDown(e runner.Event) {
	if !slices.Contains(l.running, true) {
		return // nothing left to stop
	}
	switch e.Reason {
	case "killed":
		l.self(e.Time, e.Proc, "killing all processes")
	default:
		l.self(e.Time, e.Proc, "stopping all processes: "+e.Reason)
	}
}

// self emits one of composer's own lines, about process about (-1: the
// run).
func (l *Lines) self(t time.Time, about int, msg string) {
	l.emit(Line{Proc: -1, About: about, Time: t, Text: []byte(msg)})
}

// emitter emits process i's lines stamped with t, without allocating.
func (l *Lines) emitter(i int, t time.Time) func([]byte) {
	l.t = t
	return l.emitAt[i]
}

// Due is when ShowDue next has a line to show: the earliest time a line
// being redrawn with \r is due; zero when there is none.
func (l *Lines) Due() time.Time {
	var next time.Time
	for i := range l.bufs {
		if d := l.bufs[i].due(l.opts.Progress); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	return next
}

// ShowDue shows the current state of the lines being redrawn that are
// due by now, stamped with the time that state was written: lines come
// in the order of their times, however late the log is.
func (l *Lines) ShowDue(now time.Time) {
	for i := range l.bufs {
		if d := l.bufs[i].due(l.opts.Progress); !d.IsZero() && !d.After(now) {
			at := l.bufs[i].at
			if at.IsZero() {
				at = now
			}
			l.bufs[i].flush(now, l.emitter(i, at))
		}
	}
}

// Flush shows every partial line, stamped now: at the end of the events.
func (l *Lines) Flush(now time.Time) {
	for i := range l.bufs {
		l.bufs[i].flush(now, l.emitter(i, now))
	}
}

// Open is what a terminal shows of the line process i is writing, not
// ended yet (a prompt, a progress bar); nil when there is none. It is
// valid until the next call.
func (l *Lines) Open(i int) []byte {
	if i < 0 || i >= len(l.bufs) {
		return nil
	}
	return visible(l.bufs[i].pending)
}

// MaxLine bounds a line held in memory: a longer line without a newline is
// written in pieces of at most this many bytes.
const MaxLine = 64 * 1024

// lineBuf assembles one process's output into lines. Complete lines are
// passed on at once, without copying; a partial line waits in pending
// until its newline arrives, until its process goes idle, or until it is
// due (see due).
type lineBuf struct {
	pending []byte
	since   time.Time // when pending started, or was last shown
	shown   bool      // since is when part of this line was last shown
	redraw  bool      // pending has been redrawn with \r
	at      time.Time // when the output last written was read
}

// write adds output, calling emit for each complete line. The slice given
// to emit is valid only during the call.
func (lb *lineBuf) write(data []byte, now time.Time, emit func([]byte)) {
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		if len(lb.pending) > 0 {
			lb.pending = append(lb.pending, line...)
			line = lb.pending
		}
		// A line shown when its process went idle stays on the screen a
		// terminal would show: its newline adds nothing, unless text
		// came since.
		if v := visible(line); len(v) > 0 || !lb.shown {
			emit(v)
		}
		lb.reset()
		lb.shown = false
		data = data[i+1:]
	}
	if len(data) == 0 {
		return
	}
	if len(lb.pending) == 0 && !lb.shown {
		lb.since = now
	}
	endsCR := len(lb.pending) > 0 && lb.pending[len(lb.pending)-1] == '\r'
	lb.pending = append(lb.pending, data...)
	if endsCR || bytes.IndexByte(data, '\r') >= 0 {
		// Keep only what a terminal would show, so a progress bar that
		// never ends its line cannot grow pending.
		if k := bytes.LastIndexByte(bytes.TrimRight(lb.pending, "\r"), '\r'); k >= 0 {
			lb.pending = lb.pending[:copy(lb.pending, lb.pending[k+1:])]
			lb.redraw = true
		}
	}
	for len(lb.pending) > MaxLine {
		cut := runeStart(lb.pending, MaxLine)
		emit(lb.pending[:cut])
		lb.pending = lb.pending[:copy(lb.pending, lb.pending[cut:])]
	}
}

// due is when a line being redrawn with \r (a progress bar that keeps
// going) should be shown, every progress interval; zero for other lines.
func (lb *lineBuf) due(progress time.Duration) time.Time {
	if len(lb.pending) == 0 || !lb.redraw {
		return time.Time{}
	}
	return lb.since.Add(progress)
}

// flush shows the partial line, if a terminal would show any of it (a
// line of only \r shows nothing: its newline will).
func (lb *lineBuf) flush(now time.Time, emit func([]byte)) {
	if len(lb.pending) == 0 {
		return
	}
	v := visible(lb.pending)
	if len(v) > 0 {
		emit(v)
		lb.since, lb.shown = now, true
	}
	lb.reset()
}

// end shows the partial line, as flush does, and forgets it was shown:
// what comes next (a new run of the process) starts a line of its own.
func (lb *lineBuf) end(now time.Time, emit func([]byte)) {
	lb.flush(now, emit)
	lb.shown = false
}

func (lb *lineBuf) reset() {
	lb.pending = lb.pending[:0]
	lb.redraw = false
	if cap(lb.pending) > MaxLine*2 {
		lb.pending = nil
	}
}

// visible is what a terminal shows of a line: the text after its last
// carriage return, ignoring the \r of a \r\n ending.
func visible(line []byte) []byte {
	line = bytes.TrimRight(line, "\r")
	// Most lines hold no other \r: IndexByte finds that out faster than
	// LastIndexByte, which reads a byte at a time.
	if bytes.IndexByte(line, '\r') < 0 {
		return line
	}
	return line[bytes.LastIndexByte(line, '\r')+1:]
}

// runeStart backs n up to the start of a UTF-8 sequence, so that a split
// does not cut a character in two.
func runeStart(b []byte, n int) int {
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}
