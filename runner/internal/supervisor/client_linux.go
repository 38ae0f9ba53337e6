package supervisor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Supervisor is composer's side of a supervisor process: started at the
// first Start, started again at the next Start should it die.
type Supervisor struct {
	mu     sync.Mutex
	cur    *link
	nextID uint64
}

// Request is a command to start.
type Request struct {
	Argv []string
	Dir  string
	Env  []string
	// Files are its standard input, output and error: the same
	// terminal thrice when TTY (which becomes its controlling terminal),
	// or anything else. They are duplicated, the caller keeps its own,
	// and made blocking, as programs expect (which the caller's, sharing
	// the open file, then are too).
	Files [3]*os.File
	TTY   bool
}

// Run is one command the supervisor runs.
type Run struct {
	id   uint64
	link *link

	started  chan struct{} // closed once it runs, or was not started
	startErr error         // why it was not, set before started is closed
	pid      int           // set before started is closed

	mu         sync.Mutex
	changed    bool // a stop or continue not yet delivered
	suspended  bool
	stopSig    syscall.Signal
	ended      bool
	status     unix.WaitStatus
	done       chan struct{} // closed once ended
	onChange   func(suspended bool, sig syscall.Signal)
	onEnd      func(unix.WaitStatus) // nil until Notify
	told       bool                  // onEnd was called
	delivering bool                  // a goroutine calls them
}

// link is one supervisor process and composer's end of its socket.
type link struct {
	cmd  *exec.Cmd
	pid  int
	sock *net.UnixConn
	out  *outbox

	mu   sync.Mutex
	runs map[uint64]*Run // started, not yet ended
	dead bool

	heard chan struct{} // closed when the socket has been read to its end
	gone  chan struct{} // closed once it has died, been reaped, and every run was told
}

// supervisors holds the pids of the supervisors this process has started
// and not yet reaped, for every Supervisor. It is locked while one is
// started and while orphans are looked for, so a supervisor just started
// is never taken for one.
var supervisors = struct {
	sync.Mutex
	pids map[int]bool
}{pids: make(map[int]bool)}

// Running lists the supervisors this process has started and not yet
// reaped.
func Running() []int {
	supervisors.Lock()
	defer supervisors.Unlock()
	out := make([]int, 0, len(supervisors.pids))
	for pid := range supervisors.pids {
		out = append(out, pid)
	}
	return out
}

// sweeping makes sweeps take turns.
var sweeping sync.Mutex

// spare is a supervisor started by Prestart, for the next Supervisor
// to take.
var spare struct {
	sync.Mutex
	l *link
}

// Prestart starts a supervisor now, for the first Start of a Supervisor
// to take: it gets ready while the caller does something else.
func Prestart() {
	l, err := startLink()
	if err != nil {
		return // Start will say why
	}
	spare.Lock()
	old := spare.l
	spare.l = l
	spare.Unlock()
	if old != nil {
		old.out.close()
	}
}

func takeSpare() *link {
	spare.Lock()
	defer spare.Unlock()
	l := spare.l
	spare.l = nil
	if l != nil && l.isDead() {
		return nil
	}
	return l
}

// Start starts a command. It returns at once: Ready says when it runs.
func (s *Supervisor) Start(req Request) (*Run, error) {
	s.mu.Lock()
	if s.cur == nil || s.cur.isDead() {
		s.cur = takeSpare()
	}
	if s.cur == nil {
		l, err := startLink()
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("the supervisor: %w", err)
		}
		s.cur = l
	}
	l := s.cur
	s.nextID++
	id := s.nextID
	s.mu.Unlock()

	var fds []int
	for _, f := range req.Files {
		fd, err := dupFile(f)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, err
		}
		fds = append(fds, fd)
	}
	r := &Run{id: id, link: l, started: make(chan struct{}), done: make(chan struct{})}
	l.mu.Lock()
	if l.dead {
		l.mu.Unlock()
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, errors.New("the supervisor died")
	}
	l.runs[id] = r
	l.mu.Unlock()

	f := newFrame(msgStart)
	f.u64(id)
	var flags uint32
	if req.TTY {
		flags |= flagTTY
	}
	f.u32(flags)
	f.str(req.Dir)
	f.strs(req.Argv)
	f.strs(req.Env)
	l.out.sendFDs(f.bytes(), fds)
	return r, nil
}

// Close ends the supervisor, which kills whatever it still runs, and
// waits until it is reaped. A Start after Close starts another.
func (s *Supervisor) Close() {
	s.mu.Lock()
	l := s.cur
	s.cur = nil
	s.mu.Unlock()
	if l == nil {
		return
	}
	l.out.close()
	select {
	case <-l.gone:
	case <-time.After(killWait + 5*time.Second):
		// Held stopped by a tracer, it cannot act on the end of
		// its socket.
		_ = l.cmd.Process.Kill()
		<-l.gone
	}
}

// dupFile duplicates f's descriptor, close-on-exec and blocking, without
// f.Fd (which would put f, and the poller with it, in blocking mode).
func dupFile(f *os.File) (int, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	cerr := sc.Control(func(d uintptr) {
		if fd, err = unix.FcntlInt(d, unix.F_DUPFD_CLOEXEC, 0); err == nil {
			if err = unix.SetNonblock(fd, false); err != nil {
				unix.Close(fd)
			}
		}
	})
	if cerr != nil {
		return -1, cerr
	}
	return fd, err
}

func startLink() (*link, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "supervisor")
	theirs := os.NewFile(uintptr(fds[1]), "supervisor")
	defer theirs.Close()
	cmd := &exec.Cmd{
		// /proc/self/exe is this very binary even if its file was
		// replaced or removed since it started.
		Path:       "/proc/self/exe",
		Args:       []string{Arg0},
		Env:        runtimeEnv,
		ExtraFiles: []*os.File{theirs},
		// A session of its own: no terminal, no signal typed at one.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	supervisors.Lock()
	err = cmd.Start()
	if err == nil {
		supervisors.pids[cmd.Process.Pid] = true
	}
	supervisors.Unlock()
	if err != nil {
		mine.Close()
		return nil, err
	}
	c, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		return nil, err
	}
	sock := c.(*net.UnixConn)
	l := &link{
		cmd:   cmd,
		pid:   cmd.Process.Pid,
		sock:  sock,
		out:   newOutbox(sock),
		runs:  make(map[uint64]*Run),
		heard: make(chan struct{}),
		gone:  make(chan struct{}),
	}
	// A supervisor that cannot be told what to do is of no use: killed,
	// it ends every run, and the next Start starts another.
	l.out.onFail = func() { _ = cmd.Process.Kill() }
	go l.out.run()
	go l.read()
	go l.watch()
	return l, nil
}

func (l *link) isDead() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dead
}

// read hears the supervisor until its end of the socket closes.
func (l *link) read() {
	defer close(l.heard)
	r := newReader(l.sock)
	defer r.closeFDs()
	for {
		typ, d, err := r.next()
		if err != nil {
			return
		}
		id := d.u64()
		l.mu.Lock()
		run := l.runs[id]
		l.mu.Unlock()
		if run == nil {
			continue
		}
		switch typ {
		case msgStarted:
			run.pid = int(d.u32())
			run.start(nil)
		case msgError:
			msg := d.str()
			l.forget(run)
			run.start(errors.New(msg))
			run.end(unix.WaitStatus(127 << 8))
		case msgStopped:
			run.change(true, syscall.Signal(d.u32()))
		case msgContinued:
			run.change(false, 0)
		case msgExited:
			ws := unix.WaitStatus(d.u32())
			l.forget(run)
			run.end(ws)
		}
	}
}

func (l *link) forget(r *Run) {
	l.mu.Lock()
	delete(l.runs, r.id)
	l.mu.Unlock()
}

// watch waits for the supervisor to die, continuing it at once whenever
// something stops it: stopped, it would neither act on composer's word
// nor see composer's death. Once it has died, what it ran has come to
// composer (a subreaper) and is killed; every run is told it ended.
func (l *link) watch() {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, l.pid, &info, unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err == nil && info.Code != cldExited && info.Code != cldKilled && info.Code != cldDumped {
			// Taken, so that the next wait waits for what comes next.
			_ = unix.Waitid(unix.P_PID, l.pid, &info, unix.WSTOPPED|unix.WNOHANG, nil)
			_ = l.cmd.Process.Signal(syscall.SIGCONT)
			continue
		}
		break
	}
	l.mu.Lock()
	l.dead = true
	l.mu.Unlock()
	l.out.close()
	// Its socket closed when it died: what it said before is all there.
	select {
	case <-l.heard:
	case <-time.After(time.Second):
		l.sock.Close()
		<-l.heard
	}
	l.sock.Close()
	statuses := Sweep()
	l.mu.Lock()
	runs := l.runs
	l.runs = nil
	l.mu.Unlock()
	for _, r := range runs {
		if r.start(errors.New("the supervisor died")) {
			r.end(unix.WaitStatus(unix.SIGKILL))
			continue
		}
		ws, ok := statuses[r.pid]
		if !ok {
			ws = unix.WaitStatus(unix.SIGKILL)
		}
		r.end(ws)
	}
	_, _ = l.cmd.Process.Wait()
	supervisors.Lock()
	delete(supervisors.pids, l.pid)
	supervisors.Unlock()
	close(l.gone)
}

// Ready waits until the command runs, or was not started (why is the
// error), at most timeout.
func (r *Run) Ready(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.started:
		return r.startErr
	case <-t.C:
		return errors.New("the supervisor did not start the process in time")
	}
}

// PID is the command's pid, once Ready has returned nil.
func (r *Run) PID() int { return r.pid }

// Signal sends sig to the command's process group, by way of the
// supervisor, which knows whether the group's id may still be used.
func (r *Run) Signal(sig syscall.Signal) {
	f := newFrame(msgSignal)
	f.u64(r.id)
	f.u32(uint32(sig))
	r.link.out.send(f.bytes())
}

// Force ends the run now, for a command that does not die of SIGKILL:
// a supervisor that something holds stopped (a tracer) is killed, and
// every command with it; otherwise the command is stuck in the kernel,
// and the supervisor is told to report its end now (it kills what is
// left once it can).
//
// A supervisor that does not answer within forgetWait is stuck itself
// (in the kernel: starting a command whose directory is on a hung file
// system, say), and is killed too.
func (r *Run) Force() {
	if held(r.link.pid) {
		_ = r.link.cmd.Process.Kill()
		return
	}
	f := newFrame(msgForget)
	f.u64(r.id)
	r.link.out.send(f.bytes())
	go func() {
		t := time.NewTimer(forgetWait)
		defer t.Stop()
		select {
		case <-r.done:
		case <-r.link.gone:
		case <-t.C:
			_ = r.link.cmd.Process.Kill()
		}
	}()
}

// forgetWait is how long Force waits for the supervisor to answer.
var forgetWait = 5 * time.Second

// held reports whether pid is stopped, or traced.
func held(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if strings.HasPrefix(v, "T") || strings.HasPrefix(v, "t") {
				return true
			}
		case "TracerPid":
			if v != "0" {
				return true
			}
		}
	}
	return false
}

// Wait waits for the command to end, and for whatever it left to be
// killed, and returns its wait status.
func (r *Run) Wait() unix.WaitStatus {
	<-r.done
	return r.status
}

// Notify has changed hear of each time the command is stopped by a
// signal or continued, and then ended of its end, once it has ended and
// whatever it left is dead. They are called in that order, one at a
// time, from a goroutine that runs only while there is something to
// tell: a thousand commands that run cost no goroutine. Changes that
// undo each other before they are told may be told as the last one only.
func (r *Run) Notify(changed func(suspended bool, sig syscall.Signal), ended func(unix.WaitStatus)) {
	r.mu.Lock()
	r.onChange, r.onEnd = changed, ended
	r.mu.Unlock()
	r.tell()
}

// tell starts the goroutine that calls onChange and onEnd, if there is
// something to tell and it does not run.
func (r *Run) tell() {
	r.mu.Lock()
	defer r.mu.Unlock()
	pending := r.changed || r.ended && !r.told
	if r.delivering || r.onEnd == nil || !pending {
		return
	}
	r.delivering = true
	go r.deliver()
}

func (r *Run) deliver() {
	for {
		r.mu.Lock()
		switch {
		case r.changed:
			r.changed = false
			s, sig, f := r.suspended, r.stopSig, r.onChange
			r.mu.Unlock()
			if f != nil {
				f(s, sig)
			}
		case r.ended && !r.told:
			r.told = true
			ws, f := r.status, r.onEnd
			r.mu.Unlock()
			f(ws)
			r.mu.Lock()
			r.delivering = false
			r.mu.Unlock()
			return
		default:
			r.delivering = false
			r.mu.Unlock()
			return
		}
	}
}

// start says the command runs (err nil) or was not started, unless that
// was said already; it reports whether it said it.
func (r *Run) start(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.started:
		return false
	default:
	}
	r.startErr = err
	close(r.started)
	return true
}

// Abandon ends a run that will not be used: the command, if it was
// started or is yet to be, is killed, and if it runs, waited for.
func (r *Run) Abandon() {
	r.Signal(syscall.SIGKILL)
	select {
	case <-r.started:
		if r.startErr == nil {
			r.Wait()
		}
	default:
	}
}

func (r *Run) change(suspended bool, sig syscall.Signal) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.changed, r.suspended, r.stopSig = true, suspended, sig
	r.mu.Unlock()
	r.tell()
}

func (r *Run) end(ws unix.WaitStatus) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended, r.status = true, ws
	close(r.done)
	r.mu.Unlock()
	r.tell()
}

// Sweep kills and reaps this process's children that are orphans from
// the supervisors' trees: those in another session (every command leads
// its own) that are not supervisors, with everything below them. It
// returns the wait status of each it reaped. Children started otherwise
// in this process stay in its session and are left alone, and so is
// what may not be signalled (it runs as another user).
func Sweep() map[int]unix.WaitStatus {
	// One at a time: two sweeps could both list a zombie, and the second
	// wait for its pid once a new supervisor has it.
	sweeping.Lock()
	defer sweeping.Unlock()
	statuses := make(map[int]unix.WaitStatus)
	self := os.Getpid()
	sid, _ := unix.Getsid(0)
	deadline := time.Now().Add(killWait)
	buf := make([]byte, 512)
	for time.Now().Before(deadline) {
		supervisors.Lock()
		var orphans []int
		for _, pid := range childrenOf(self) {
			if p, ok := ReadStat(pid, buf); ok && p.SID != sid && !supervisors.pids[pid] {
				orphans = append(orphans, pid)
			}
		}
		if len(orphans) == 0 {
			supervisors.Unlock()
			break // the common case: the supervisor left nothing
		}
		all := Processes()
		// The orphans first: a shell whose child died first could
		// exit on its own, and say less of how it ended.
		killed := 0
		for _, pid := range orphans {
			if unix.Kill(pid, unix.SIGKILL) == nil {
				killed++
			}
		}
		for _, pid := range Descendants(all, orphans...) {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		supervisors.Unlock()
		if killed == 0 {
			break // none may be signalled: they run as another user
		}
		// Reaped once dead, without waiting: one stuck in the kernel
		// (on a hung file system) is left when the time is up.
		left := false
		for _, pid := range orphans {
			if wpid, ws, err := WaitPID(pid, unix.WNOHANG); err == nil && wpid == pid {
				statuses[pid] = ws
			} else {
				left = true
			}
		}
		if left {
			time.Sleep(time.Millisecond)
		}
	}
	return statuses
}

// si_code values of an exit (asm-generic/siginfo.h).
const (
	cldExited = 1
	cldKilled = 2
	cldDumped = 3
)

// outbox writes frames in order on a goroutine of its own, so that
// neither side waits for the other to read: composer's runner goes on
// when the supervisor is stopped, and the supervisor goes on reaping and
// killing when composer is. It holds what was not yet written: a few
// frames per start, signal and end of a command.
type outbox struct {
	conn   *net.UnixConn
	onFail func() // after a write failed: what follows would be lost
	mu     sync.Mutex
	frames []frame
	closed bool
	ready  chan struct{}
}

type frame struct {
	b   []byte
	fds []int // sent with it, then closed
}

func newOutbox(conn *net.UnixConn) *outbox {
	return &outbox{conn: conn, ready: make(chan struct{}, 1)}
}

func (o *outbox) send(b []byte) { o.sendFDs(b, nil) }

func (o *outbox) sendFDs(b []byte, fds []int) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		closeAll(fds)
		return
	}
	o.frames = append(o.frames, frame{b, fds})
	o.mu.Unlock()
	o.wake()
}

// close ends the writing side once what was sent is written.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.wake()
}

func (o *outbox) wake() {
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

func (o *outbox) run() {
	failed, told := false, false
	for range o.ready {
		o.mu.Lock()
		frames, closed := o.frames, o.closed
		o.frames = nil
		o.mu.Unlock()
		// Frames without descriptors go together in one write.
		var batch []byte
		flush := func() {
			if len(batch) > 0 && !failed {
				_, err := o.conn.Write(batch)
				failed = err != nil
			}
			batch = batch[:0]
		}
		for _, f := range frames {
			if len(f.fds) == 0 {
				batch = append(batch, f.b...)
				continue
			}
			flush()
			if !failed {
				failed = writeFrame(o.conn, f.b, f.fds) != nil
			}
			closeAll(f.fds)
		}
		flush()
		if failed && !told && o.onFail != nil {
			told = true
			o.onFail()
		}
		if closed {
			_ = o.conn.CloseWrite()
			return
		}
	}
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
