package shim

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Arg0 is the argv[0] that makes a process started from this binary a
// shim.
const Arg0 = "composer-shim"

// FD is the control socket's descriptor in the shim.
const FD = 3

func init() {
	if len(os.Args) < 2 || os.Args[0] != Arg0 {
		return
	}
	var st unix.Stat_t
	if unix.Fstat(FD, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return // not started by a Runner
	}
	run(os.Args[1:])
}

type shim struct {
	ctl   *os.File
	self  int
	cmd   int // the command's pid, which is also its process group's id
	alive bool
	stat  unix.WaitStatus
}

// run runs the command argv as the shim; it never returns.
func run(argv []string) {
	// One thread runs the Go code: the shim sits idle for hours, per process.
	runtime.GOMAXPROCS(1)
	// The command gets the terminal and nothing else: not the control
	// socket, nor whatever composer itself inherited and left open (a
	// parent waiting for a pipe's end would wait for every process).
	closeOnExecAbove(2)
	_ = unix.SetNonblock(FD, true)
	s := &shim{ctl: os.NewFile(FD, "composer"), self: os.Getpid()}
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

	// Signals that would stop or end the shim are caught: the shim must
	// outlive what it started. Those that end a process are passed on
	// to the command, so that signalling the shim is signalling it.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, unix.SIGCHLD, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU)

	// The command gets the terminal's foreground: typed ^C, and SIGWINCH
	// on a resize, go to its group rather than to the shim.
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Foreground: true, Ctty: 0},
	})
	if err != nil {
		s.send("error " + err.Error())
		syscall.Exit(127)
	}
	s.cmd, s.alive = pid, true
	s.send("pid " + strconv.Itoa(pid))

	reqs := make(chan syscall.Signal, 16)
	go s.readControl(reqs)
	for s.alive {
		select {
		case sig, ok := <-reqs:
			if !ok {
				// composer is gone: nobody is left to stop the tree
				// gracefully or to read its output.
				s.finish()
				syscall.Exit(137)
			}
			_ = unix.Kill(-s.cmd, sig)
		case sig := <-sigs:
			switch sig {
			case unix.SIGCHLD:
				s.reportStops()
				s.reap(unix.WNOHANG)
			case unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
			default:
				_ = unix.Kill(-s.cmd, sig.(syscall.Signal))
			}
		}
	}
	if s.finish() {
		s.send("done")
	} else {
		// What is left comes to composer, which kills what it can.
		s.send("left")
	}
	exitAs(s.stat)
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

// readControl turns composer's bytes into signals and closes reqs when
// composer's end closes.
func (s *shim) readControl(reqs chan<- syscall.Signal) {
	buf := make([]byte, 16)
	for {
		n, err := s.ctl.Read(buf)
		for _, b := range buf[:n] {
			reqs <- syscall.Signal(b)
		}
		if err != nil {
			close(reqs)
			return
		}
	}
}

// send writes one line to composer; if composer is gone, nobody minds.
func (s *shim) send(line string) {
	_, _ = unix.SendmsgN(FD, []byte(line+"\n"), nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
}

// reap reaps every child that has exited (waiting for one unless
// options has WNOHANG) and reports whether any child is left. When the
// command itself has exited, its process group is killed while the
// command is still a zombie, so that its pid, the group's id, cannot
// have been reused by then.
func (s *shim) reap(options int) (left bool) {
	for {
		pid, err := waitAny(unix.WEXITED | unix.WNOWAIT | options)
		if err == unix.ECHILD {
			return false
		}
		if err != nil || pid == 0 {
			return true
		}
		if s.alive && pid == s.cmd {
			_ = unix.Kill(-s.cmd, unix.SIGKILL)
		}
		_, ws, err := WaitPID(pid, 0)
		if err == nil && pid == s.cmd && s.alive {
			s.stat, s.alive = ws, false
		}
		options |= unix.WNOHANG // one blocking wait at most
	}
}

// reportStops tells composer when the command was stopped by a signal
// (ctrl+z, SIGSTOP) or continued: "stopped N" or "continued".
func (s *shim) reportStops() {
	for s.alive {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, s.cmd, &info, unix.WSTOPPED|unix.WCONTINUED|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || siginfoPID(&info) == 0 {
			return
		}
		switch code, status := siginfoCode(&info); code {
		case cldStopped:
			s.send("stopped " + strconv.Itoa(status))
		case cldContinued:
			s.send("continued")
		}
	}
}

// si_code values of SIGCHLD (asm-generic/siginfo.h).
const (
	cldStopped   = 5
	cldContinued = 6
)

// killWait bounds the wait for what the shim killed to die. A process
// stuck in the kernel (on a hung network file system, say) dies only once
// it leaves it, and composer must not wait for that.
const killWait = 10 * time.Second

// finish kills everything below the shim and reaps it, within killWait,
// and reports whether nothing is left.
func (s *shim) finish() bool {
	done := make(chan bool, 1)
	go func() {
		s.killAll()
		done <- !s.reap(unix.WNOHANG)
	}()
	select {
	case clean := <-done:
		return clean
	case <-time.After(killWait):
		return false
	}
}

// killAll kills everything below the shim and reaps it, until the shim has
// no child left. A process forked while the tree is read is orphaned when
// its parent is killed, comes to the shim (the subreaper), and is found
// on the next round. What may not be signalled (it runs as another user)
// is left: waiting for it could last for ever.
func (s *shim) killAll() {
	if s.alive {
		_ = unix.Kill(-s.cmd, unix.SIGKILL)
	}
	for s.reap(unix.WNOHANG) {
		killed := 0
		for _, pid := range Descendants(Processes(), s.self) {
			if unix.Kill(pid, unix.SIGKILL) == nil {
				killed++
			}
		}
		if killed == 0 || !s.reap(0) {
			return
		}
	}
}

// waitAny waits (per options) for any child to exit and returns its pid,
// 0 if none has (with WNOHANG).
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

// siginfoPID is si_pid: the first field of the union that follows three
// ints, aligned as a pointer.
func siginfoPID(info *unix.Siginfo) int {
	off := 3 * unsafe.Sizeof(int32(0))
	if a := unsafe.Alignof(uintptr(0)); off%a != 0 {
		off += a - off%a
	}
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(info), off)))
}

// siginfoCode is si_code, the third int, and for SIGCHLD si_status, which
// follows si_pid and si_uid.
func siginfoCode(info *unix.Siginfo) (code, status int) {
	code = int(info.Code)
	off := 3 * unsafe.Sizeof(int32(0))
	if a := unsafe.Alignof(uintptr(0)); off%a != 0 {
		off += a - off%a
	}
	status = int(*(*int32)(unsafe.Add(unsafe.Pointer(info), off+2*unsafe.Sizeof(int32(0)))))
	return code, status
}

// exitAs ends the shim as the command ended: with its exit code, or killed
// by the same signal.
func exitAs(ws unix.WaitStatus) {
	if ws.Signaled() {
		dieBy(ws.Signal())
	}
	syscall.Exit(ws.ExitStatus())
}

// dieBy kills the shim with sig, bypassing the Go runtime's handlers, and
// without a core file of its own.
func dieBy(sig syscall.Signal) {
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	runtime.LockOSThread()
	if sig != unix.SIGKILL && sig != unix.SIGSTOP {
		// SIG_DFL is the zero value in every architecture's sigaction.
		var act [8]uint64
		_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
		mask := uint64(1) << (sig - 1)
		_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_UNBLOCK, uintptr(unsafe.Pointer(&mask)), 0, 8, 0, 0)
	}
	_ = unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
	syscall.Exit(128 + int(sig))
}
