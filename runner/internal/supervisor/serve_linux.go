package supervisor

import (
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Arg0 is the argv[0] that makes a process started from this binary the
// supervisor.
const Arg0 = "composer-supervisor"

// FD is the socket's descriptor in the supervisor.
const FD = 3

// MarkerVar is set in every command's environment to say which run of
// which supervisor it belongs to; what a command leaves behind after
// leaving its session and process group still carries it.
const MarkerVar = "COMPOSER_RUN"

func init() {
	if len(os.Args) != 1 || os.Args[0] != Arg0 {
		return
	}
	var st unix.Stat_t
	if unix.Fstat(FD, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return // not started by composer
	}
	serve()
}

// runtimeEnv is the supervisor's environment, read by the Go runtime as
// it starts (cheaper than setting the same from the program).
var runtimeEnv = []string{"GOMAXPROCS=1", "GOGC=25"}

// killWait bounds the wait for what the supervisor killed to die. A
// process stuck in the kernel (on a hung network file system, say) dies
// only once it leaves it, and nothing may wait for that.
const killWait = 10 * time.Second

// settled is how long after the last start the supervisor gives back to
// the system the memory that starting took.
const settled = 200 * time.Millisecond

// cleanTick is how often a command's leftovers are looked at while they
// are being killed: between the deaths the supervisor hears of (its own
// children's), those of their descendants.
const cleanTick = 5 * time.Millisecond

type runState int

const (
	running   runState = iota
	cleaning           // exited, a zombie kept while what it left is killed
	forgotten          // reported ended at composer's word, not dead yet
)

// command is one command the supervisor started and has not reaped.
type command struct {
	id       uint64
	pid      int // also its session's and process group's id
	state    runState
	reported bool // composer was told it ended (forgotten)
	// The job-control signal its next SIGSTOP stands for (stopGroup).
	stopAs syscall.Signal

	// While cleaning: the sessions and groups that are its (its own, and
	// those led by what was killed for it), what was killed and may not
	// have died, and when to give up waiting.
	groups   map[int]bool
	killed   map[int]bool
	deadline time.Time
}

type request struct {
	typ  byte
	id   uint64
	sig  syscall.Signal
	tty  bool
	dir  string
	argv []string
	env  []string
	fds  []int
}

type supervisor struct {
	self     int
	marker   string // MarkerVar=SELF-, then a command's id
	out      *outbox
	cmds     map[int]*command    // by pid, until reaped
	ids      map[uint64]*command // until reported ended
	cleaning int
	marks    map[int]uint64 // children's markers read so far (0: none of this supervisor's)
	buf      []byte
}

// serve is the supervisor; it never returns. It runs every command as
// its child, is the subreaper of everything they start, reports their
// stops and ends to composer, and kills what each command leaves when it
// exits; when composer's end of the socket closes, whatever ended
// composer, it kills everything and exits.
func serve() {
	// Its environment (runtimeEnv) has one thread run the Go code, as
	// the supervisor idles for hours, and has it hold little: what it
	// allocates to start a command is garbage once the command runs,
	// collected early and given back (see settled).
	// Commands get their descriptors and nothing else: not the socket,
	// nor whatever composer itself inherited.
	closeOnExecAbove(2)
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

	// Signals that would stop or end the supervisor are caught and
	// dropped (caught, not ignored: an ignored signal would stay ignored
	// in the commands). It must outlive what it started.
	// SIGCHLD has a channel of its own, which the others cannot fill: one
	// waiting is enough, as each is answered by looking at every child.
	sigs, chld := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGPIPE)
	signal.Notify(chld, unix.SIGCHLD)

	f := os.NewFile(FD, "composer")
	c, err := net.FileConn(f)
	f.Close()
	conn, ok := c.(*net.UnixConn)
	if err != nil || !ok {
		syscall.Exit(2)
	}
	s := &supervisor{
		self:  os.Getpid(),
		out:   newOutbox(conn),
		cmds:  make(map[int]*command),
		ids:   make(map[uint64]*command),
		marks: make(map[int]uint64),
		buf:   make([]byte, 512),
	}
	s.marker = MarkerVar + "=" + strconv.Itoa(s.self) + "-"
	reqs := make(chan request, 64)
	go readRequests(conn, reqs)
	go s.out.run()

	var ticker *time.Ticker
	var tick <-chan time.Time
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	for {
		switch {
		case s.cleaning > 0 && ticker == nil:
			ticker = time.NewTicker(cleanTick)
			tick = ticker.C
		case s.cleaning == 0 && ticker != nil:
			ticker.Stop()
			ticker, tick = nil, nil
		}
		select {
		case req, ok := <-reqs:
			if !ok {
				// composer is gone: nobody is left to stop anything
				// gracefully or to read its output.
				s.killAll()
				syscall.Exit(0)
			}
			s.handle(req)
			if req.typ == msgStart {
				settle.Reset(settled)
			}
		case <-settle.C:
			debug.FreeOSMemory()
		case <-sigs:
		case <-chld:
			s.children()
		case <-tick:
			s.children()
		}
	}
}

// readRequests decodes composer's frames; it closes reqs when the socket
// ends (or composer sent what cannot be read, which ends it too).
func readRequests(conn *net.UnixConn, reqs chan<- request) {
	defer close(reqs)
	r := newReader(conn)
	defer r.closeFDs()
	for {
		typ, d, err := r.next()
		if err != nil {
			return
		}
		req := request{typ: typ, id: d.u64()}
		switch typ {
		case msgStart:
			flags := d.u32()
			req.tty = flags&flagTTY != 0
			req.dir = d.str()
			req.argv = d.strs()
			req.env = d.strs()
			if req.fds, err = r.takeFDs(3); err != nil {
				return
			}
		case msgSignal:
			req.sig = syscall.Signal(d.u32())
		case msgForget:
		default:
			return
		}
		if d.err != nil || (typ == msgStart && len(req.argv) == 0) {
			return
		}
		reqs <- req
	}
}

func (s *supervisor) handle(req request) {
	switch req.typ {
	case msgStart:
		s.start(req)
	case msgSignal:
		if c := s.ids[req.id]; c != nil && c.state == running {
			// Not reaped, so its group's id is not anyone else's.
			_ = unix.Kill(-c.pid, req.sig)
			if jobStop(req.sig) {
				s.stopGroup(c, req.sig)
			}
		}
	case msgForget:
		if c := s.ids[req.id]; c != nil && c.state == running {
			c.state, c.reported = forgotten, true
			delete(s.ids, c.id)
			s.report(c.id, unix.WaitStatus(unix.SIGKILL))
		}
	}
}

func (s *supervisor) start(req request) {
	defer func() {
		for _, fd := range req.fds {
			unix.Close(fd)
		}
	}()
	if req.dir != "" {
		// As os.StartProcess does, for the same message.
		if _, err := os.Stat(req.dir); err != nil {
			s.fail(req.id, "chdir "+req.dir+": "+errText(err))
			return
		}
	}
	env := make([]string, 0, len(req.env)+1)
	env = append(env, s.marker+strconv.FormatUint(req.id, 10))
	for _, v := range req.env {
		if !strings.HasPrefix(v, MarkerVar+"=") {
			env = append(env, v)
		}
	}
	pid, err := syscall.ForkExec(req.argv[0], req.argv, &syscall.ProcAttr{
		Dir:   req.dir,
		Env:   env,
		Files: []uintptr{uintptr(req.fds[0]), uintptr(req.fds[1]), uintptr(req.fds[2])},
		// Its own session and group; its terminal's foreground.
		Sys: &syscall.SysProcAttr{Setsid: true, Setctty: req.tty, Ctty: 0},
	})
	if err != nil {
		s.fail(req.id, "fork/exec "+req.argv[0]+": "+err.Error())
		return
	}
	c := &command{id: req.id, pid: pid}
	s.cmds[pid], s.ids[req.id] = c, c
	f := newFrame(msgStarted)
	f.u64(req.id)
	f.u32(uint32(pid))
	s.out.send(f.bytes())
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func (s *supervisor) fail(id uint64, msg string) {
	f := newFrame(msgError)
	f.u64(id)
	f.str(msg)
	s.out.send(f.bytes())
}

func (s *supervisor) report(id uint64, ws unix.WaitStatus) {
	f := newFrame(msgExited)
	f.u64(id)
	f.u32(uint32(ws))
	s.out.send(f.bytes())
}

// children looks at what changed below: commands stopped or continued,
// commands that exited, what they left, and other children to reap.
func (s *supervisor) children() {
	s.reportStops()
	for pid, c := range s.cmds {
		if c.state == cleaning || !exited(pid) {
			continue
		}
		// Its group is killed while it is a zombie, so that the
		// group's id cannot have been reused.
		_ = unix.Kill(-pid, unix.SIGKILL)
		c.state = cleaning
		c.groups = map[int]bool{pid: true}
		c.killed = make(map[int]bool)
		c.deadline = time.Now().Add(killWait)
		s.cleaning++
	}
	if s.cleaning == 0 {
		s.reapOthers()
		return
	}
	// A zombie kept hides the other children from waitid(P_ALL): they
	// are looked at one by one.
	var kids []Proc
	for _, pid := range childrenOf(s.self) {
		if s.cmds[pid] != nil {
			continue
		}
		p, ok := ReadStat(pid, s.buf)
		switch {
		case !ok:
		case p.State == 'Z' && s.reap(pid):
		default:
			// Alive, or a zombie only as far as its first thread
			// goes: the others run on.
			kids = append(kids, p)
		}
	}
	// One reading of /proc for all that are cleaned, if one needs it.
	var all []Proc
	snapshot := func() []Proc {
		if all == nil {
			all = Processes()
		}
		return all
	}
	for _, c := range s.cmds {
		if c.state == cleaning {
			s.clean(c, kids, snapshot)
		}
	}
}

// jobStop reports whether sig is one of the stop signals of job control.
func jobStop(sig syscall.Signal) bool {
	return sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

// stopGroup does what the kernel does not for a command's process group,
// which is orphaned (the supervisor, its parent, is in another session):
// each process of the group that leaves sig to its default action is
// stopped, with SIGSTOP, as it would be in a terminal's session. The
// kernel discards the signal for those; the others got it. The
// command's stop is reported as sig's.
func (s *supervisor) stopGroup(c *command, sig syscall.Signal) {
	for _, p := range Processes() {
		if p.PGID != c.pid || !defaultAction(p.PID, sig) {
			continue
		}
		if p.PID == c.pid && p.State != 'T' {
			c.stopAs = sig // a stop to come; one already stopped makes none
		}
		_ = unix.Kill(p.PID, unix.SIGSTOP)
	}
}

// defaultAction reports whether pid neither catches, ignores nor blocks
// sig, per /proc/PID/status.
func defaultAction(pid int, sig syscall.Signal) bool {
	b, err := readAll("/proc/"+strconv.Itoa(pid)+"/status", make([]byte, 2048), 16<<10)
	if err != nil {
		return false
	}
	bit := uint64(1) << (sig - 1)
	found := 0
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "SigBlk", "SigIgn", "SigCgt":
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil || mask&bit != 0 {
				return false
			}
			found++
		}
	}
	return found == 3
}

// reportStops tells composer of each command stopped by a signal (ctrl+z,
// SIGSTOP) or continued; other children's stops are passed over.
func (s *supervisor) reportStops() {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WSTOPPED|unix.WCONTINUED|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		pid := siginfoPID(&info)
		if err != nil || pid == 0 {
			return
		}
		c := s.cmds[pid]
		if c == nil || c.state != running {
			continue
		}
		var f *encoder
		switch code, status := siginfoCode(&info); code {
		case cldStopped:
			if status == int(unix.SIGSTOP) && c.stopAs != 0 {
				status = int(c.stopAs)
			}
			c.stopAs = 0
			f = newFrame(msgStopped)
			f.u64(c.id)
			f.u32(uint32(status))
		case cldContinued:
			c.stopAs = 0
			f = newFrame(msgContinued)
			f.u64(c.id)
		default:
			continue
		}
		s.out.send(f.bytes())
	}
}

// reapOthers reaps every child that exited and is not a command (what
// commands left, orphaned here).
func (s *supervisor) reapOthers() {
	for {
		pid, err := waitAny(unix.WEXITED | unix.WNOHANG | unix.WNOWAIT)
		if err != nil || pid == 0 || s.cmds[pid] != nil {
			return
		}
		s.reap(pid)
	}
}

// reap reaps pid if it has exited, and reports whether it has.
func (s *supervisor) reap(pid int) bool {
	if wpid, _, err := WaitPID(pid, unix.WNOHANG); err != nil || wpid != pid {
		return false
	}
	delete(s.marks, pid)
	return true
}

// clean kills what c left, among the children the supervisor has (kids,
// none of them a command), and reaps c once none of it is left, or once
// killWait has passed. What c left is every child in one of its sessions
// or groups, or carrying its marker, and everything below those.
func (s *supervisor) clean(c *command, kids []Proc, snapshot func() []Proc) {
	if len(c.groups) > 1 {
		// A session or group whose leader was killed is c's while it
		// has members; once it has none its id may be any new
		// process's (the kernel does not reuse an id still in use as
		// a session's or group's).
		inUse := make(map[int]bool)
		for _, p := range snapshot() {
			inUse[p.PID], inUse[p.SID], inUse[p.PGID] = true, true, true
		}
		for id := range c.groups {
			if id != c.pid && !inUse[id] {
				delete(c.groups, id)
			}
		}
	}
	var mine []int
	for _, k := range kids {
		if c.groups[k.SID] || c.groups[k.PGID] || s.markOf(k.PID) == c.id {
			mine = append(mine, k.PID)
		}
	}
	if len(mine) > 0 {
		targets := append(mine, Descendants(snapshot(), mine...)...)
		for _, pid := range targets {
			if !c.killed[pid] && unix.Kill(pid, unix.SIGKILL) == nil {
				c.killed[pid] = true
				c.groups[pid] = true // what it leads is c's too
			}
		}
	}
	// What was killed must be dead before c is done: its children come
	// here only when it dies, and may be c's too.
	for pid := range c.killed {
		if p, ok := ReadStat(pid, s.buf); !ok || p.State == 'Z' || p.State == 'X' {
			delete(c.killed, pid)
		}
	}
	if (len(mine) > 0 || len(c.killed) > 0) && time.Now().Before(c.deadline) {
		return
	}
	_, ws, err := WaitPID(c.pid, 0)
	if err != nil {
		ws = unix.WaitStatus(unix.SIGKILL)
	}
	s.cleaning--
	delete(s.cmds, c.pid)
	if !c.reported {
		delete(s.ids, c.id)
		s.report(c.id, ws)
	}
}

// markOf is the id of the command whose marker pid's environment holds,
// 0 if none of this supervisor's.
func (s *supervisor) markOf(pid int) uint64 {
	if id, ok := s.marks[pid]; ok {
		return id
	}
	var id uint64
	dir := "/proc/" + strconv.Itoa(pid)
	b, _ := readAll(dir+"/environ", make([]byte, 4096), 64<<10)
	if len(b) == 0 {
		// Its first thread has exited: another's tells.
		tasks, _ := os.ReadDir(dir + "/task")
		for _, t := range tasks {
			if b, _ = readAll(dir+"/task/"+t.Name()+"/environ", make([]byte, 4096), 64<<10); len(b) > 0 {
				break
			}
		}
	}
	for len(b) > 0 {
		var v []byte
		v, b, _ = cutNUL(b)
		if rest, ok := strings.CutPrefix(string(v), s.marker); ok {
			id, _ = strconv.ParseUint(rest, 10, 64)
			break
		}
	}
	s.marks[pid] = id
	return id
}

func cutNUL(b []byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == 0 {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// killAll kills everything below the supervisor and reaps it, until it
// has no child left, within killWait. A process forked while the tree is
// read is orphaned when its parent is killed, comes here (the
// subreaper), and is found on the next round. What may not be signalled
// (it runs as another user) is left: waiting for it could last for ever.
func (s *supervisor) killAll() {
	for pid, c := range s.cmds {
		if c.state != cleaning {
			_ = unix.Kill(-pid, unix.SIGKILL)
		}
	}
	deadline := time.Now().Add(killWait)
	for time.Now().Before(deadline) {
		for {
			pid, _, err := WaitPID(-1, unix.WNOHANG)
			if err == unix.ECHILD {
				return
			}
			if err != nil || pid == 0 {
				break
			}
		}
		killed := 0
		for _, pid := range Descendants(Processes(), s.self) {
			if unix.Kill(pid, unix.SIGKILL) == nil {
				killed++
			}
		}
		if killed == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// exited reports whether the child pid has exited, leaving it a zombie.
func exited(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		return err == nil && siginfoPID(&info) == pid
	}
}

// closeOnExecAbove marks every descriptor above fd close-on-exec.
func closeOnExecAbove(fd int) {
	if unix.CloseRange(uint(fd+1), ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	// Kernels before 5.11: one at a time.
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > fd {
			unix.CloseOnExec(n)
		}
	}
}

// waitAny waits (per options) for any child and returns its pid, 0 if
// none is there (with WNOHANG).
func waitAny(options int) (int, error) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_ALL, 0, &info, options, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return siginfoPID(&info), nil
	}
}

// si_code values of SIGCHLD (asm-generic/siginfo.h).
const (
	cldStopped   = 5
	cldContinued = 6
)

// siginfoPID is si_pid: the first field of the union that follows three
// ints, aligned as a pointer.
func siginfoPID(info *unix.Siginfo) int {
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(info), siginfoUnion())))
}

// siginfoCode is si_code, the third int, and for SIGCHLD si_status, which
// follows si_pid and si_uid.
func siginfoCode(info *unix.Siginfo) (code, status int) {
	off := siginfoUnion() + 2*unsafe.Sizeof(int32(0))
	return int(info.Code), int(*(*int32)(unsafe.Add(unsafe.Pointer(info), off)))
}

func siginfoUnion() uintptr {
	off := 3 * unsafe.Sizeof(int32(0))
	if a := unsafe.Alignof(uintptr(0)); off%a != 0 {
		off += a - off%a
	}
	return off
}
