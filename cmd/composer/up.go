package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

type upFlags struct {
	project    projectFlags
	restart    []string
	canDie     []string
	stopSignal string
	timeout    time.Duration
	stats      time.Duration
	logFormat  string
	headless   bool
	timestamps bool
	noColor    bool
	scrollback int
	grid       bool
	logs       logFlags
	socket     string
	noDeps     bool
	detach     bool
}

func newUpCmd() *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up [NAME...]",
		Short: "Start the Procfile's processes (all, or those named)",
		Long: `Start the Procfile's processes, all of them or those named (process types
like "web", or instances like "web.2"), each in its own pty.

On a terminal composer shows a pane per process (press ? for the keys);
with --headless, or when stdout is not a terminal, it prints one log stream.

composer.yaml beside the Procfile (or -c FILE) says what the Procfile
cannot: what each process waits for (depends_on), how to tell it is ready
or alive (probes), when to restart it, how to stop it. 'composer up web'
then also starts what web depends on, unless --no-deps; 'composer check'
prints the start order, 'composer schema' the file's JSON Schema.

Headless, when a process exits composer stops all the others, unless it was
started with --restart (restarted with backoff: 1s doubling to 30s) or
--can-die. In the interactive view an exit never stops the others: the pane
shows how the process ended and r starts it again.
Ctrl-C, q, SIGTERM, SIGHUP and 'composer quit' stop every process: first
with --stop-signal, then, after --timeout or a second Ctrl-C, with SIGKILL.

While it runs, 'composer ps', 'logs', 'restart', 'stop', 'start', 'kill' and
'quit' in the same directory control it through a unix socket,
.composer.sock beside the Procfile (--socket), open to your user only.
A second 'composer up' there refuses to start. 'composer attach' opens the
interactive view on it however it was started; with -D (--detach) up runs
in the background, its log stream in .composer.log, and returns once every
process has started.

With --log-dir DIR, each process's lines also go to DIR/NAME.log and
composer's own to DIR/composer.log, appended, each line starting with its
time, escape codes removed. A file is rotated (NAME.log.1, ...) before it
grows past --log-max-size; --log-keep old files are kept. New files are
created with --log-mode (0600); a link, or a file of another user's, in
their place is refused.
` + envHelp("COMPOSER_TIMEOUT=10s COMPOSER_CAN_DIE=worker"),
		RunE: func(cmd *cobra.Command, args []string) error { return runUp(cmd, &f, args) },
	}
	f.register(cmd.Flags())
	return cmd
}

// register adds up's flags; check takes them too.
func (f *upFlags) register(fs *pflag.FlagSet) {
	f.project.register(fs)
	fs.StringSliceVar(&f.restart, "restart", nil, `restart these processes when they exit ("all", or names)`)
	fs.StringSliceVar(&f.canDie, "can-die", nil, `let these processes exit without stopping the rest ("all", or names)`)
	fs.StringVar(&f.stopSignal, "stop-signal", "TERM", "signal that asks a process to stop")
	f.timeout = 5 * time.Second
	fs.Var((*seconds)(&f.timeout), "timeout", "time between the stop signal and SIGKILL (10s, 1m30s; a bare number is seconds)")
	f.stats = time.Second
	fs.Var((*seconds)(&f.stats), "stats-interval", "how often each process's CPU and memory are read, for ps and the view (0: never)")
	fs.BoolVar(&f.headless, "headless", false, "print one log stream instead of the interactive view")
	fs.StringVar(&f.logFormat, "log-format", "text", `the log stream's format: "text", or "json" (one object per line, as logs --json)`)
	fs.BoolVarP(&f.timestamps, "timestamps", "t", false, "start each log line with the time")
	fs.BoolVar(&f.noColor, "no-color", false, "write no colour codes of composer's own (also NO_COLOR)")
	fs.IntVar(&f.scrollback, "scrollback", tui.DefaultScrollback, "lines of output each pane keeps")
	fs.BoolVar(&f.grid, "grid", false, "open the interactive view on the grid of every pane, if it fits")
	f.logs.register(fs)
	fs.StringVar(&f.socket, "socket", "", "the control socket (default "+socketName+" beside the Procfile)")
	fs.BoolVar(&f.noDeps, "no-deps", false, "start only the processes named, not what they depend on ("+settingsName+")")
	fs.BoolVarP(&f.detach, "detach", "D", false, "run in the background, headless, the log stream in "+detachedLog+"; return once every process has started")
}

// upPlan is what up runs, validated.
type upPlan struct {
	project *project
	specs   []runner.Spec
	opts    runner.Options
	width   int // of the widest name, composer's own included
}

// planUp validates what up is given (flags, COMPOSER_ variables from the
// environment and env files, the Procfile and formation) and plans the
// run; it prints the Procfile's warnings (errors with strict). check
// calls it too, so that it refuses whatever up would.
func planUp(cmd *cobra.Command, f *upFlags, names []string, strict bool) (*upPlan, error) {
	p, err := loadProject(cmd.Flags(), &f.project, names, false)
	if err != nil {
		return nil, err
	}
	if err := p.warn(strict); err != nil {
		return nil, err
	}
	o := p.origins
	stopSignal, err := runner.ParseSignal(f.stopSignal)
	if err != nil {
		return nil, usageErrorf("%s: %v", o.name("stop-signal"), err)
	}
	if f.scrollback < 1 {
		return nil, usageErrorf("%s: expected at least 1 line", o.value("scrollback", strconv.Itoa(f.scrollback)))
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return nil, usageErrorf(`%s: expected "text" or "json"`, o.value("log-format", f.logFormat))
	}
	if f.stats < 0 || f.stats > 0 && f.stats < runner.MinStats {
		return nil, usageErrorf("%s: expected 0 (never) or at least %v: CPU time is counted in hundredths of a second", o.value("stats-interval", f.stats.String()), runner.MinStats)
	}
	if f.timeout < 0 {
		return nil, usageErrorf("%s: expected a duration ≥ 0", o.value("timeout", f.timeout.String()))
	}
	restart, err := p.matchNames("restart", f.restart)
	if err != nil {
		return nil, err
	}
	canDie, err := p.matchNames("can-die", f.canDie)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, in := range p.instances {
		named[in.Name] = len(names) > 0
	}
	if len(names) > 0 && !f.noDeps {
		p.addDependencies()
	}

	r := &upPlan{
		project: p,
		specs:   make([]runner.Spec, len(p.instances)),
		opts:    runner.Options{StopSignal: stopSignal, Timeout: f.timeout, Stats: f.stats},
		width:   len(headless.Self),
	}
	for i, in := range p.instances {
		r.specs[i] = runner.Spec{
			Name: in.Name, Type: in.Type, PS: in.PS, Command: in.Command, Dir: p.root, Env: p.processEnv(in), Port: in.Port,
			CanDie: canDie[in.Name],
		}
		if restart[in.Name] {
			r.specs[i].Restart = runner.RestartAlways
		}
		r.width = max(r.width, len(in.Name))
	}
	if f.timeout == 0 {
		r.opts.StopSignal = syscall.SIGKILL // no time to stop: kill at once
	}
	if err := p.applySettings(r.specs, f.noDeps); err != nil {
		return nil, err
	}
	for i := range r.specs {
		if named[r.specs[i].Name] {
			r.specs[i].Disabled = false // asked for by name: started
		}
	}
	return r, nil
}

func runUp(cmd *cobra.Command, f *upFlags, names []string) error {
	detached := isDetached()
	if f.detach && !detached {
		r, err := planUp(cmd, f, names, false) // bad input fails here, in the foreground
		if err != nil {
			return err
		}
		return detach(f, r)
	}
	if detached {
		f.headless = true
	}
	runner.Prepare() // it starts while the plan is made
	r, err := planUp(cmd, f, names, false)
	if err != nil {
		return err
	}
	p, specs, opts := r.project, r.specs, r.opts
	logs, err := openLogs(&f.logs, specs, p.origins)
	if err != nil {
		return err
	}
	// Claimed before any process starts: a second up here starts none.
	sock, err := listenControl(socketPath(f.project.procfile, f.socket), specs)
	if err != nil {
		return err
	}
	if sock == nil && detached {
		// up -D is waiting on the socket, and the run is reached only
		// through it.
		return &exitError{code: 1, msg: "up -D runs only with its control socket; --socket PATH puts it elsewhere"}
	}
	defer sock.close()
	if !f.headless && isTerminal(os.Stdout) {
		return upTUI(p, specs, opts, f, sock, logs)
	}
	if cols, rows, ok := terminalSize(os.Stdout); ok {
		opts.Cols, opts.Rows = max(20, cols-r.width-3), rows
	}
	return upHeadless(specs, opts, f, sock, logs)
}

// upHeadless runs the processes with one log stream on stdout.
func upHeadless(specs []runner.Spec, opts runner.Options, f *upFlags, sock *controlSocket, logs *logFiles) error {
	r := runner.New(specs, opts)
	caught := make(chan os.Signal, 4)
	signal.Notify(caught, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(caught)

	stop := &stopper{r: r}
	outputClosed := make(chan error, 1)
	out := &countingWriter{w: os.Stdout}
	stream := headless.NewStream(out, headless.Options{
		Procs: specs, Color: useColor(f.noColor) && f.logFormat == "text", Timestamps: f.timestamps,
		JSON:        f.logFormat == "json",
		WriteFailed: func(err error) { outputClosed <- err },
	})
	// The run's log, an observer of the runner, assembles its lines once
	// for its sinks, in order: the control socket's record, the log
	// files, the stream. Nothing else wants the events.
	runLog := headless.NewLog(headless.Options{Procs: specs, Timeout: opts.Timeout})
	runLog.Add(sock.serve(r, stop, runLog.Hold)...)
	runLog.Add(logs.sinks(false)...)
	runLog.Add(stream)
	r.Observe(runLog.Event)
	observed := make(chan struct{})
	go func() {
		for range r.Events() {
		}
		runLog.Close()
		close(observed)
	}()
	ended := make(chan runner.Result, 1)
	go func() { ended <- r.Run() }()

	interactive := isTerminal(os.Stdin)
	onTerminal := isTerminal(os.Stdout)
	var gone, closed <-chan struct{}
	switch {
	case onTerminal:
		gone = hungUp(os.Stdout)
	case isPipe(os.Stdout):
		closed = hungUp(os.Stdout) // composer up | head: head is gone
	}
	var h hangup
	late := "" // why, when a signal came once every process had ended
	for {
		select {
		case sig := <-caught:
			s := sig.(syscall.Signal)
			if s == syscall.SIGPIPE || !h.signal(s) {
				continue // a write error reports it; the hangup is stopping the run
			}
			reason := "received " + runner.SignalName(s)
			if !anyLive(r) {
				// Nothing is left to stop: composer is asked to
				// end, and not to wait for a slow reader of the rest.
				late = reason
			} else if interactive && s == syscall.SIGINT {
				reason += " (Ctrl-C again to kill)"
			}
			stop.stop(s, reason)
		case <-gone:
			gone = nil
			if h.gone() {
				stop.stop(syscall.SIGHUP, "terminal closed")
			}
		case <-closed:
			closed = nil
			if !stop.stopped() {
				stop.stop(syscall.SIGPIPE, "output closed")
			}
		case err := <-outputClosed:
			switch {
			case onTerminal && errors.Is(err, syscall.EIO):
				// The terminal is gone, found by a write before hungUp.
				if h.gone() {
					stop.stop(syscall.SIGHUP, "terminal closed")
				}
			case !stop.stopped():
				stop.stop(syscall.SIGPIPE, "output closed")
			}
		case res := <-ended:
			written := make(chan struct{})
			go func() {
				<-observed
				_ = stream.Close() // a write error is reported through WriteFailed
				close(written)
			}()
			why, sig := late, syscall.Signal(0)
			if why == "" {
				why, sig = drained(written, out, outputStall, caught)
			}
			if sig != 0 {
				stop.stop(sig, why) // the run has ended: this only sets the exit code
			}
			if why != "" {
				// The log files and the control socket's record get
				// the rest all the same: the stream held it back.
				stream.Abandon()
				select {
				case <-observed:
				case <-time.After(outputStall):
				}
				fmt.Fprintf(os.Stderr, "composer: %s: the last %d lines of the log were not written\n", why, stream.Unwritten())
			}
			sock.end()
			logs.close() // also when the stream is stuck: what the files have is written
			return stop.exit(res)
		}
	}
}

// anyLive reports whether a process runs, or is being stopped.
func anyLive(r *runner.Runner) bool {
	procs, _ := r.Snapshot()
	for _, p := range procs {
		if p.State.Live() {
			return true
		}
	}
	return false
}

// hungUp is closed once f's other side is gone: a terminal has hung up,
// whether or not a SIGHUP said so, or a pipe's reader has left. A quiet
// log stream writes nothing that could fail and tell.
func hungUp(f *os.File) <-chan struct{} {
	gone := make(chan struct{})
	fd := int32(f.Fd())
	go func() {
		fds := []unix.PollFd{{Fd: fd}} // no events asked: POLLHUP and POLLERR come anyway
		for {
			_, err := unix.Poll(fds, -1)
			switch {
			case err == unix.EINTR:
			case err != nil:
				return // nothing to tell
			case fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0:
				close(gone)
				return
			}
		}
	}()
	return gone
}

// isPipe reports whether f is a pipe or a socket.
func isPipe(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}

// outputStall is how long, once every process has ended, composer waits
// for a stdout nobody reads before it exits without writing the rest.
const outputStall = 2 * time.Second

// drained waits for the log stream to be written to the end (done). It
// gives up once nothing has been written for stall (a reader that is slow
// but reads is waited for), or at a signal: composer is asked again to
// end. It says why it gave up, or "" when the stream was written, and
// the signal, if one came.
func drained(done <-chan struct{}, out *countingWriter, stall time.Duration, caught <-chan os.Signal) (why string, sig syscall.Signal) {
	tick := time.NewTicker(stall / 8)
	defer tick.Stop()
	last, since := out.writes.Load(), time.Now()
	if t := out.at.Load(); t != 0 {
		since = time.Unix(0, t) // the stall began with the last write
	}
	for {
		select {
		case <-done:
			return "", 0
		case s := <-caught:
			if s := s.(syscall.Signal); s != syscall.SIGPIPE {
				return "received " + runner.SignalName(s), s
			}
		case now := <-tick.C:
			if n := out.writes.Load(); n != last {
				last, since = n, now
			} else if now.Sub(since) >= stall {
				return fmt.Sprintf("stdout was not read for %v", stall), 0
			}
		}
	}
}

// countingWriter counts the writes to w that have returned. It writes at
// most writePiece bytes at a time, so that a reader slower than
// writePiece per outputStall is still seen to read.
type countingWriter struct {
	w      io.Writer
	writes atomic.Uint64
	at     atomic.Int64 // when the last write returned, Unix nanoseconds
}

const writePiece = 16 << 10

func (c *countingWriter) Write(p []byte) (n int, err error) {
	for len(p) > 0 && err == nil {
		var k int
		k, err = c.w.Write(p[:min(len(p), writePiece)])
		c.writes.Add(1)
		c.at.Store(time.Now().UnixNano())
		n, p = n+k, p[k:]
	}
	return n, err
}

// seconds is a duration flag that also takes a bare number of seconds,
// as foreman's and overmind's --timeout do: 10 is 10s.
type seconds time.Duration

func (d *seconds) String() string { return time.Duration(*d).String() }
func (d *seconds) Type() string   { return "duration" }
func (d *seconds) Set(v string) error {
	if n, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
		if math.Abs(n) > math.MaxInt64/float64(time.Second) {
			return strconv.ErrRange
		}
		*d = seconds(n * float64(time.Second))
		return nil
	}
	t, err := time.ParseDuration(v)
	*d = seconds(t)
	return err
}
