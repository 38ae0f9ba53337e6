package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Spec describes one process to run: the one description of it that
// every view of the run (the log stream, ps, the interactive view) reads.
type Spec struct {
	Name    string   // unique in the run: "web", or "web.1" when its type runs more than once
	Type    string   // its kind, a name that picks every instance of it ("web"); "" is Name
	PS      string   // another name it answers to, foreman's PS ("web.1"); "" is none
	Command string   // run as sh -c Command
	Dir     string   // working directory; "" means composer's own
	Env     []string // the whole environment, as for exec.Cmd.Env
	Port    int      // the PORT it was given, for display; 0 if none
	NoTTY   bool     // no terminal: its output and errors to a pipe, its input /dev/null

	// When it is restarted, and what its end does to the run.
	Restart     RestartPolicy
	Backoff     time.Duration // the first restart's delay; 0: Options.BackoffMin
	MaxRestarts int           // restarts, in a row of short runs, before it is given up; 0: no limit
	CanDie      bool          // its exit does not end the run
	OneShot     bool          // its clean exit does not end the run: it did its job

	// What it needs before it starts, and what tells it is ready and alive.
	Needs     []Need
	Readiness Probe          // nil: none
	Liveness  Probe          // nil: none
	ReadyLine *regexp.Regexp // a line of its output that says it is ready; nil: none
	Disabled  bool           // not started with the others, only when asked (Start)

	// How it is stopped: StopCommand (if set, sh -c in Dir with Env) runs
	// first, then StopSignal goes to its group, then SIGKILL after
	// StopTimeout. Zero values: Options.StopSignal and Options.Timeout.
	StopSignal  syscall.Signal
	StopTimeout time.Duration
	StopCommand string
}

// RestartPolicy says when a process that exits is started again, after
// a delay that doubles at every exit in a row of short runs.
type RestartPolicy int

const (
	RestartNever     RestartPolicy = iota // never
	RestartOnFailure                      // when it exits non-zero, is killed, or fails its liveness probe
	RestartAlways                         // whenever it exits
)

// Options tune a Runner. The zero value uses the defaults noted.
type Options struct {
	StopSignal syscall.Signal // sent to stop a process group; default SIGTERM
	Timeout    time.Duration  // from StopSignal to SIGKILL; default 5s
	Cols, Rows int            // initial pty size; default 80x24

	// KeepRunning makes an exit that would end the run only end that
	// process: the run then lasts until Shutdown (an interactive UI wants
	// this; a script wants the default).
	KeepRunning bool

	// Restart backoff: the first delay, its cap, and how long a run must
	// last for the delay to start over. Defaults 1s, 30s, 30s.
	BackoffMin, BackoffMax, BackoffReset time.Duration

	// Idle is how long a process must write nothing, after writing, for
	// an Idle event. Default 250ms.
	Idle time.Duration

	// Drain bounds how long an exited process's pty is read for output
	// still in flight. Default 1s.
	Drain time.Duration

	// Stats is how often what each process uses (CPU, memory) is
	// sampled, into the Snapshot; 0 never, and at least MinStats.
	Stats time.Duration
}

// MinStats is the shortest Options.Stats: the kernel counts CPU time in
// hundredths of a second, so a shorter interval says little.
const MinStats = 100 * time.Millisecond

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.StopSignal == 0 {
		o.StopSignal = syscall.SIGTERM
	}
	def(&o.Timeout, 5*time.Second)
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.BackoffReset, 30*time.Second)
	def(&o.Drain, time.Second)
	def(&o.Idle, 250*time.Millisecond)
	if o.Cols <= 0 || o.Rows <= 0 {
		o.Cols, o.Rows = 80, 24
	}
}

// Result says how a run ended.
type Result struct {
	// Proc is the index of the process whose exit ended the run, or -1 when
	// the run was ended by Shutdown or Kill.
	Proc   int
	Name   string
	Status Status
}

// ErrUnknown is returned by commands naming a process the Runner lacks.
var ErrUnknown = errors.New("unknown process")

// ErrNotRunning is returned by Write and Signal when the process is not
// running.
var ErrNotRunning = errors.New("process is not running")

// ErrNoTerminal is returned by Write for a process that runs without a
// terminal (Spec.NoTTY): its input is /dev/null.
var ErrNoTerminal = errors.New("process has no terminal (is_tty: false)")

// ErrBacklog is returned by Restart, Stop, Start and Signal while the
// consumer of Events has not read for so long that maxBacklog events wait:
// commands would only pile up more.
var ErrBacklog = errors.New("the run's events are not being read (is its output stuck?); try again later")

// ErrEnded is returned by commands sent after the run has ended.
var ErrEnded = errors.New("composer is shutting down")

// Runner runs and supervises processes. Create it with New, then call Run.
type Runner struct {
	opts      Options
	host      *host // what starts the processes
	procs     []*proc
	events    chan Event
	queue     *queue
	observers []func(Event)

	snapMu sync.Mutex
	snap   []Proc
	own    Usage // composer's, with its supervisor

	changesSeen atomic.Int64 // suspends and continues the supervisor reported, for tests

	reqs    chan request
	probed  chan probeMsg
	stopped chan stopMsg
	exits   chan exitMsg
	timers  chan timerMsg
	changes chan changeMsg
	ending  chan string // Shutdown and Kill; buffered so they never block
	done    chan struct{}
	over    chan struct{}  // closed as Run ends: helpers still running give up
	helpers sync.WaitGroup // probes and stop commands of this run
	started bool           // Run was called; owned by the caller of Run

	// owned by the Run goroutine
	shutting bool
	killing  bool
	result   Result
	last     Result // the most recent exit, the result when all end alone
}

type proc struct {
	index    int
	spec     Spec
	state    State
	gen      int // incremented at every start, to discard stale messages
	child    *child
	pty      *os.File
	pid      int // the command's
	since    time.Time
	restarts int
	backoff  time.Duration
	status   Status
	stopping bool // a stop was requested for the current run
	restart  bool // start again as soon as the current run exits
	held     bool // stopped by Stop: the run waits for a Start
	kill     *time.Timer
	delay    *time.Timer
	waiters  []request // replied to when the process next starts or stops

	cols, rows int // terminal size, for this run and the next

	ran        bool // it has started at least once
	streak     int  // restarts since its last long run, for MaxRestarts
	ready      bool // its readiness probe passes, this run
	logReady   bool // it wrote its ready line, this run
	unhealthy  bool // its liveness probe failed: it is being stopped, as a failure
	rewait     bool // stopped because what it needs exited: it waits for it again
	announced  bool // a Waiting event was emitted
	waitingFor []string
	blocked    string
	unwatch    func() // ends this run's probes
}

type exitMsg struct {
	proc, gen int
	status    Status
}

// changeMsg: a running process was stopped by a signal, or continued.
type changeMsg struct {
	proc, gen int
	suspended bool
	sig       syscall.Signal
}

type timerMsg struct {
	proc, gen int
	kind      timerKind
}

type timerKind int

const (
	timerKill    timerKind = iota // stop timeout expired
	timerRestart                  // backoff delay expired
	timerForce                    // SIGKILL sent long ago, and no exit
)

// New prepares a Runner for specs; nothing starts until Run.
func New(specs []Spec, opts Options) *Runner {
	opts.setDefaults()
	r := &Runner{
		host:    newHost(),
		opts:    opts,
		events:  make(chan Event, deliveryBuffer),
		queue:   newQueue(),
		changes: make(chan changeMsg),
		reqs:    make(chan request),
		probed:  make(chan probeMsg),
		stopped: make(chan stopMsg),
		exits:   make(chan exitMsg),
		timers:  make(chan timerMsg),
		ending:  make(chan string, 2),
		done:    make(chan struct{}),
		over:    make(chan struct{}),
		result:  Result{Proc: -1},
		last:    Result{Proc: -1},
	}
	for i, s := range specs {
		p := &proc{index: i, spec: s, cols: opts.Cols, rows: opts.Rows}
		if s.Disabled {
			p.state = StateStopped
		}
		r.procs = append(r.procs, p)
		r.snap = append(r.snap, Proc{Name: s.Name, State: p.state})
	}
	return r
}

// Prepare gets ready, ahead of the first Runner's Run, what its
// processes will run under (on Linux, the supervisor), so that this
// overlaps the caller's own work. What was prepared and not used ends
// with the calling process.
func Prepare() { prepare() }

// Events is the stream of everything that happens. It is closed after Run
// has returned, once every event has been received.
func (r *Runner) Events() <-chan Event { return r.events }

// Observe has f see every event before the consumer of Events does. The
// observers are called in the order they were added, one event at a
// time, on the goroutine that delivers Events: one that takes its time (a
// log file on a slow disk) holds back output, as a slow consumer does, but
// never the run. f must not keep e.Data beyond the call nor change it, and
// must not call the commands that wait (Restart, Stop, Start). When Events
// is closed, every observer has seen every event. Observe must be called
// before Run.
func (r *Runner) Observe(f func(Event)) {
	if r.started {
		panic("runner: Observe called after Run")
	}
	r.observers = append(r.observers, f)
}

// Shutdown ends the run: every running process group is sent the stop
// signal and, after the timeout, SIGKILL. reason is reported in the
// ShuttingDown event. It never blocks and may be called more than once.
func (r *Runner) Shutdown(reason string) {
	select {
	case r.ending <- reason:
	default:
	}
}

// Kill ends the run at once: every remaining process group is sent
// SIGKILL. It never blocks.
func (r *Runner) Kill() {
	select {
	case r.ending <- killReason:
	default:
		// The buffer is full of shutdown requests; make room for the kill.
		select {
		case <-r.ending:
		default:
		}
		select {
		case r.ending <- killReason:
		default:
		}
	}
}

const killReason = "\x00kill"

// Run starts every process and supervises them until the run ends: when a
// process exits and the policy says so, after Shutdown or Kill, or when
// every process has ended on its own. It returns once every process has
// been reaped, after closing Events. Run may be called once.
func (r *Runner) Run() Result {
	if r.started {
		panic("runner: Run called twice")
	}
	r.started = true
	go r.queue.pump(r.observers, r.events)
	defer r.queue.close()
	defer close(r.done)
	becomeSubreaper()
	defer r.host.close()
	var now []*proc
	for _, p := range r.procs {
		switch {
		case p.spec.Disabled:
		case len(p.spec.Needs) > 0:
			p.state = StateWaiting
		default:
			now = append(now, p)
		}
	}
	r.start(now...)
	r.settle()
	if r.opts.Stats > 0 {
		r.opts.Stats = max(r.opts.Stats, MinStats)
		r.helpers.Add(1)
		go func() {
			defer r.helpers.Done()
			r.sampleUsage()
		}()
	}
	for !r.finished() {
		select {
		case reason := <-r.ending:
			if reason == killReason {
				r.killAll()
			} else {
				r.shutdown(reason)
			}
		case m := <-r.exits:
			if p := r.procs[m.proc]; m.gen == p.gen {
				r.exited(p, m.status)
			}
		case m := <-r.timers:
			r.onTimer(r.procs[m.proc], m)
		case m := <-r.changes:
			if p := r.procs[m.proc]; m.gen == p.gen {
				r.changed(p, m)
			}
		case m := <-r.probed:
			if p := r.procs[m.proc]; m.gen == p.gen && p.state.Live() {
				r.checked(p, m)
			}
		case m := <-r.stopped:
			if p := r.procs[m.proc]; m.gen == p.gen && p.state == StateStopping {
				r.sendStop(p)
			}
		case req := <-r.reqs:
			r.handle(req)
		}
		r.settle()
		r.stopFreed()
	}
	if r.result.Proc == -1 && !r.shutting {
		r.result = r.last
		// A process that never started because what it needed ended is
		// a failure, however that ended.
		for _, p := range r.procs {
			if p.state == StateWaiting && p.blocked != "" {
				r.result = Result{Proc: p.index, Name: p.spec.Name, Status: Status{Err: errors.New(p.blocked)}}
				break
			}
		}
	}
	for _, p := range r.procs {
		r.reply(p, ErrEnded)
	}
	close(r.over)
	r.helpers.Wait()
	return r.result
}

// finished: nothing is running or about to run, and nothing can start one
// (the run is ending, or nobody is left to ask).
func (r *Runner) finished() bool {
	for _, p := range r.procs {
		switch p.state {
		case StateRunning, StateSuspended, StateStopping:
			return false
		case StateRestarting, StatePending:
			if !r.shutting {
				return false
			}
		case StateWaiting:
			if !r.shutting && p.blocked == "" {
				return false
			}
		case StateStopped:
			if p.held && !r.shutting {
				return false // stopped by a command, to be started again
			}
		case StateExited, StateGivenUp:
		}
	}
	return r.shutting || !r.opts.KeepRunning
}

// emit publishes e; it never waits for the consumer.
func (r *Runner) emit(e Event) {
	e.Time = time.Now()
	r.publish(e)
}

func (r *Runner) procEvent(p *proc, k Kind) Event {
	return Event{Kind: k, Proc: p.index, Name: p.spec.Name, PID: p.pid, Restarts: p.restarts, State: p.state, Status: p.status}
}

// start runs ps now, in order. A process that cannot be started counts
// as one that exited at once, with Status.Err set. Every process is
// launched before the first is waited for (on Linux, until the
// supervisor reports the command's pid), so many start in about the time of one.
func (r *Runner) start(ps ...*proc) {
	type launched struct {
		c   *child
		f   *os.File
		err error
	}
	ls := make([]launched, len(ps))
	for i, p := range ps {
		ls[i].c, ls[i].f, ls[i].err = r.host.launch(p.spec, p.cols, p.rows)
	}
	for i, p := range ps {
		l := ls[i]
		if l.err == nil {
			if l.err = l.c.ready(); l.err != nil {
				l.c.abandon()
				l.f.Close()
			}
		}
		if i > 0 && r.shutting {
			// An earlier one failed to start and so ended the run,
			// which has already reported this one stopped.
			if l.err == nil {
				l.c.abandon()
				l.f.Close()
			}
			continue
		}
		stopTimer(&p.delay)
		p.gen++
		p.stopping, p.restart, p.held, p.rewait = false, false, false, false
		p.announced, p.waitingFor, p.blocked = false, nil, ""
		p.state = StateRunning
		p.since = time.Now()
		if l.err != nil {
			r.exited(p, Status{Err: l.err})
			continue
		}
		p.child, p.pty, p.pid = l.c, l.f, l.c.pid
		p.ran = true
		r.emit(r.procEvent(p, Started))
		r.reply(p, nil)
		r.watch(p)
		gen, f := p.gen, l.f
		drained := make(chan struct{})
		reaped := new(bool)
		go r.read(p, gen, f, drained, reaped)
		l.c.notify(func(suspended bool, sig syscall.Signal) {
			select {
			case r.changes <- changeMsg{p.index, gen, suspended, sig}:
			case <-r.done:
			}
		}, func() { r.drain(f, drained, reaped) }, func(status Status) {
			r.exits <- exitMsg{proc: p.index, gen: gen, status: status}
		})
	}
}

// read copies the pty to Output events until every holder of the
// terminal has closed it (EIO) or wait closes f. After output, Options.Idle
// without more brings an Idle event. While the process lives, output
// waits for room in the queue (the process is slowed down, not held in
// memory); once it is reaped (*reaped), what its terminal still holds is
// queued at once.
func (r *Runner) read(p *proc, gen int, f *os.File, drained chan<- struct{}, reaped *bool) {
	defer close(drained)
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	idle := true
	var lines *lineMatcher
	if p.spec.ReadyLine != nil {
		lines = &lineMatcher{re: p.spec.ReadyLine}
	}
	for {
		if !idle {
			_ = f.SetReadDeadline(time.Now().Add(r.opts.Idle))
		}
		data, err := readAvailable(rc, p.spec.NoTTY)
		if len(data) > 0 {
			r.queue.pushOutput(Event{Kind: Output, Proc: p.index, Name: p.spec.Name, Time: time.Now(), Data: data}, reaped)
			idle = false
			if lines != nil && lines.match(data) {
				lines = nil
				select {
				case r.probed <- probeMsg{proc: p.index, gen: gen, line: true, res: ProbeResult{Passing: true}}:
				case <-r.done:
				}
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			if !idle {
				r.queue.push(Event{Kind: Idle, Proc: p.index, Name: p.spec.Name, Time: time.Now()})
				idle = true
				_ = f.SetReadDeadline(time.Time{})
			}
		default:
			return
		}
	}
}

// onlcr is a copy of b with each \n made \r\n, as a terminal writes a
// program's output (ONLCR): the output of a process on a pipe reaches
// every view as a terminal's would.
func onlcr(b []byte) []byte {
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte{'\n'}))
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(out, b...)
		}
		out = append(append(out, b[:i]...), '\r', '\n')
		b = b[i+1:]
	}
}

// readBufs are what output is read into. A read holds one only while it
// reads, and keeps a copy of what it read: a process that is quiet holds
// no buffer, and five hundred of them cost no more than one.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}

const readSize = 64 << 10

// readAvailable waits until the pty (or pipe) is readable, then reads all
// that is there, up to readSize: a flood then takes one event per buffer
// rather than one per kernel chunk. It returns a copy, \n made \r\n if
// pipe (see onlcr).
func readAvailable(rc syscall.RawConn, pipe bool) (data []byte, err error) {
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		bp := readBufs.Get().(*[]byte)
		defer readBufs.Put(bp)
		buf, n := *bp, 0
		for n < len(buf) {
			m, e := syscall.Read(int(fd), buf[n:])
			if m > 0 {
				n += m
				continue
			}
			if e == syscall.EINTR {
				continue
			}
			if e != syscall.EAGAIN {
				rerr = e
				if e == nil {
					rerr = io.EOF
				}
			}
			break
		}
		switch {
		case n == 0:
		case pipe:
			data = onlcr(buf[:n])
		default:
			data = append([]byte(nil), buf[:n]...)
		}
		return n > 0 || rerr != nil
	})
	if rerr != nil && err == nil {
		err = rerr
	}
	return data, err
}

// drain waits, once the process has exited, for its output to be read to
// the end, before it is reaped and its exit reported. What it left
// running is killed by then: by the supervisor on Linux, with its process
// group elsewhere.
//
// The pty reads end once every holder of the terminal has closed it, and
// nothing the process started is left by then; Options.Drain bounds the
// wait should that ever fail.
func (r *Runner) drain(f *os.File, drained <-chan struct{}, reaped *bool) {
	r.queue.setForce(reaped)
	select {
	case <-drained:
	case <-time.After(r.opts.Drain):
		_ = f.Close() // keep what was read
		<-drained
	}
	_ = f.Close()
}

// exited applies the restart policy to a process that has ended.
func (r *Runner) exited(p *proc, status Status) {
	stopTimer(&p.kill)
	if p.unwatch != nil {
		p.unwatch()
		p.unwatch = nil
	}
	ran := time.Since(p.since)
	p.status = status
	p.child, p.pty = nil, nil
	failed := status.ExitCode() != 0 || p.unhealthy
	p.unhealthy, p.ready, p.logReady = false, false, false
	r.stopDependents(p)
	rewait := p.rewait
	p.rewait = false
	switch {
	case p.stopping && rewait && !r.shutting:
		p.state = StateWaiting
		r.emit(r.procEvent(p, Exited))
		r.reply(p, nil)
		return
	case p.restart && !r.shutting:
		p.state = StateStopped
		r.emit(r.procEvent(p, Exited))
		p.restarts++
		p.backoff, p.streak = 0, 0
		r.start(p)
		return
	case p.stopping:
		p.state = StateStopped
	case r.restarts(p, failed) && !r.shutting:
		if ran >= r.opts.BackoffReset {
			p.backoff, p.streak = 0, 0
		}
		if p.spec.MaxRestarts > 0 && p.streak >= p.spec.MaxRestarts {
			p.state = StateGivenUp
			break
		}
		p.streak++
		switch {
		case p.backoff > 0:
			p.backoff = min(2*p.backoff, r.opts.BackoffMax)
		case p.spec.Backoff > 0:
			p.backoff = p.spec.Backoff
		default:
			p.backoff = r.opts.BackoffMin
		}
		p.state = StateRestarting
		ev := r.procEvent(p, Exited)
		ev.Delay = p.backoff
		r.emit(ev)
		r.after(&p.delay, p.backoff, timerMsg{p.index, p.gen, timerRestart})
		if status.Err != nil {
			// It could not start: a Restart or Start waiting for it
			// learns so now, not at some later start.
			r.reply(p, status.Err)
		}
		return
	default:
		p.state = StateExited
	}
	r.emit(r.procEvent(p, Exited))
	r.reply(p, p.status.Err)
	r.afterExit(p, failed)
}

// restarts reports whether p's policy starts it again after an exit.
func (r *Runner) restarts(p *proc, failed bool) bool {
	switch p.spec.Restart {
	case RestartAlways:
		return true
	case RestartOnFailure:
		return failed
	case RestartNever:
	}
	return false
}

// afterExit applies the run policy to a process that ended for good: its
// exit ends the run, unless it may die, or it is a one-shot that did its
// job.
func (r *Runner) afterExit(p *proc, failed bool) {
	if p.state != StateExited && p.state != StateGivenUp {
		return
	}
	r.last = Result{Proc: p.index, Name: p.spec.Name, Status: p.status}
	if p.state == StateGivenUp && p.status.ExitCode() == 0 {
		// Given up is a failure, whatever its last run's end.
		r.last.Status = Status{Err: fmt.Errorf("given up after %d restarts", p.streak)}
	}
	done := p.spec.OneShot && !failed && p.state == StateExited
	if !r.shutting && !p.spec.CanDie && !done && !r.opts.KeepRunning {
		r.result = r.last
		reason := fmt.Sprintf("%s %s", p.spec.Name, p.status)
		if p.state == StateGivenUp {
			reason = fmt.Sprintf("%s was given up after %d restarts", p.spec.Name, p.streak)
		}
		r.shutdown(reason)
	}
}

// changed follows a running process being stopped by a signal (ctrl+z
// typed in its terminal, SIGSTOP) or continued.
func (r *Runner) changed(p *proc, m changeMsg) {
	r.changesSeen.Add(1)
	switch {
	case m.suspended && p.state == StateRunning:
		p.state = StateSuspended
		ev := r.procEvent(p, Suspended)
		ev.Signal, ev.Time = m.sig, time.Now()
		r.publishChange(ev)
	case !m.suspended && p.state == StateSuspended:
		p.state = StateRunning
		ev := r.procEvent(p, Resumed)
		ev.Time = time.Now()
		r.publishChange(ev)
	}
}

func (r *Runner) onTimer(p *proc, m timerMsg) {
	if m.gen != p.gen {
		return
	}
	switch m.kind {
	case timerKill:
		if p.state == StateStopping {
			r.signal(p, syscall.SIGKILL, "timeout")
		}
	case timerRestart:
		switch {
		case p.state != StateRestarting || r.shutting:
		case r.queue.backlog() >= maxBacklog:
			// Nobody reads the events: a crash loop must not pile
			// them up. Later.
			r.after(&p.delay, r.opts.BackoffMin, m)
		default:
			p.restarts++
			r.start(p)
		}
	case timerForce:
		if p.state.Live() && p.child != nil {
			p.child.force()
		}
	}
}

// forceAfter is how long a process may take to exit after SIGKILL before
// it is given up as stuck in the kernel, or, if a tracer holds the
// supervisor stopped (on Linux), the supervisor is killed, and what it
// leaves comes to composer: the stop timeout, and at least minForceAfter.
func (r *Runner) forceAfter() time.Duration { return max(r.opts.Timeout, minForceAfter) }

var minForceAfter = time.Second

// after arranges for m to reach Run after d, unless the run has ended.
func (r *Runner) after(t **time.Timer, d time.Duration, m timerMsg) {
	stopTimer(t)
	*t = time.AfterFunc(d, func() {
		select {
		case r.timers <- m:
		case <-r.done:
		}
	})
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// shutdown ends the run: each process is stopped once nothing live that
// needs it is left (so a web server drains before its database goes),
// and the others at once (stopFreed stops the rest as they are freed).
func (r *Runner) shutdown(reason string) {
	if r.shutting {
		return
	}
	r.shutting = true
	// The processes stopped now get the same deadline: the timeout counts
	// from now, however long reporting each stop signal takes.
	now := time.Now()
	r.emit(Event{Kind: ShuttingDown, Proc: -1, Reason: reason})
	for _, p := range r.procs {
		if p.state.Live() && r.dependents(p) {
			continue
		}
		r.stopBy(p, now.Add(r.timeout(p)))
	}
}

// timeout is how long p has to exit after it is asked to stop.
func (r *Runner) timeout(p *proc) time.Duration {
	if p.spec.StopTimeout > 0 {
		return p.spec.StopTimeout
	}
	return r.opts.Timeout
}

// stopSignal is the signal that asks p to stop.
func (r *Runner) stopSignal(p *proc) syscall.Signal {
	if p.spec.StopSignal != 0 {
		return p.spec.StopSignal
	}
	return r.opts.StopSignal
}

func (r *Runner) killAll() {
	if r.killing {
		return
	}
	r.shutting, r.killing = true, true
	r.emit(Event{Kind: ShuttingDown, Proc: -1, Reason: "killed"})
	for _, p := range r.procs {
		switch p.state {
		case StateRunning, StateSuspended, StateStopping:
			p.stopping = true
			r.signal(p, syscall.SIGKILL, "kill")
		case StatePending, StateRestarting, StateExited, StateStopped, StateWaiting, StateGivenUp:
			r.stop(p)
		}
	}
}

// stop asks p to stop: its group gets the stop signal and, after the
// timeout, SIGKILL. A process waiting to start is simply stopped.
func (r *Runner) stop(p *proc) { r.stopBy(p, time.Now().Add(r.timeout(p))) }

// stopBy stops p, killing it if it has not exited by deadline.
func (r *Runner) stopBy(p *proc, deadline time.Time) {
	p.restart = false
	switch p.state {
	case StateRunning, StateSuspended:
		p.stopping = true
		r.terminate(p, deadline)
	case StateRestarting, StatePending, StateWaiting:
		stopTimer(&p.delay)
		p.state = StateStopped
		r.emit(r.procEvent(p, Exited))
		r.reply(p, nil)
	case StateStopping:
		p.stopping = true // a stop asked while stopping makes it one
	case StateExited, StateStopped, StateGivenUp:
	}
}

// terminate ends p's run: its stop command, if it has one, then its stop
// signal, then SIGKILL at deadline. What its exit means is for the caller
// to have said (p.stopping, p.restart, p.unhealthy).
func (r *Runner) terminate(p *proc, deadline time.Time) {
	p.state = StateStopping
	r.after(&p.kill, time.Until(deadline), timerMsg{p.index, p.gen, timerKill})
	if p.spec.StopCommand != "" && !r.killing {
		r.runStopCommand(p, deadline)
		return
	}
	r.sendStop(p)
}

// sendStop sends p its stop signal.
func (r *Runner) sendStop(p *proc) {
	sig := r.stopSignal(p)
	r.signal(p, sig, "stop")
	if sig != syscall.SIGKILL {
		// A process stopped by a signal (ctrl+z) acts on the stop
		// signal only once continued, as systemd and supervisord do it.
		p.child.signal(syscall.SIGCONT)
	}
}

// signal sends sig to p's process group and reports it.
func (r *Runner) signal(p *proc, sig syscall.Signal, reason string) {
	if !p.state.Live() {
		return
	}
	if sig == syscall.SIGKILL {
		r.after(&p.kill, r.forceAfter(), timerMsg{p.index, p.gen, timerForce})
	}
	// Elsewhere than Linux, something may have stopped the shell.
	p.child.wake()
	p.child.signal(sig)
	ev := r.procEvent(p, Signaled)
	ev.Signal, ev.Reason = sig, reason
	r.emit(ev)
}
