package tui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// ctrl+z in the view does what a shell user expects of it: the terminal
// is given back as it was, composer stops as a job does (SIGTSTP to its
// process group, which the shell reports as a stopped job), and on fg the
// view takes the terminal again and redraws all of it. The processes run
// on meanwhile, in sessions of their own.

// suspendMsg asks the Terminal to suspend the view; the Model sends it on
// ctrl+z.
type suspendMsg struct{}

// errNoJobControl: SIGTSTP to a process group that no shell could
// continue (an orphaned one, as the kernel calls it) is discarded.
var errNoJobControl = errors.New("ctrl+z: no shell here could resume composer")

// suspend gives the terminal back and stops composer. Drawing waits for
// the SIGCONT that continues it, on which Watch calls resume.
func (t *Terminal) suspend() error {
	if !jobControl() {
		return errNoJobControl
	}
	t.mu.Lock()
	t.suspended = true
	t.mu.Unlock()
	// After a frame being written, before any other.
	t.writing.Lock()
	err := t.restore()
	t.writing.Unlock()
	if err != nil {
		t.failed(err)
	}
	_ = syscall.Kill(0, syscall.SIGTSTP)
	return nil
}

// resume puts the terminal back in the view's modes and redraws all of it:
// after a suspend, or any stop and continue (a shell's fg, kill -CONT).
// Doing it again changes nothing; after Close it does nothing.
func (t *Terminal) resume() {
	t.writing.Lock()
	defer t.writing.Unlock()
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return
	}
	_, err := term.MakeRaw(t.in.Fd())
	if err == nil {
		_, err = t.out.WriteString(t.setup)
	}
	if err != nil {
		t.failed(err)
	}
	t.mu.Lock()
	t.suspended, t.erase = false, true
	if t.next == nil {
		t.next = t.last
	}
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// jobControl reports whether a SIGTSTP to composer's process group would
// stop it: the kernel discards one sent to an orphaned group, one where no
// member has a parent in another group of the same session (a job-control
// shell). composer started by tmux, a terminal emulator, ssh or setsid is
// in such a group. Where /proc cannot tell, composer's own parent decides.
func jobControl() bool {
	pgrp := unix.Getpgrp()
	sid, _ := unix.Getsid(0)
	if procs, ok := processes(); ok {
		for _, p := range procs {
			if p.pgrp != pgrp {
				continue
			}
			if parent, ok := procs[p.ppid]; ok && p.ppid != 1 && parent.pgrp != pgrp && parent.sid == sid {
				return true
			}
		}
		return false
	}
	ppid := unix.Getppid()
	ppgrp, err1 := unix.Getpgid(ppid)
	psid, err2 := unix.Getsid(ppid)
	return err1 == nil && err2 == nil && ppid != 1 && ppgrp != pgrp && psid == sid
}

// ids are what jobControl needs to know of a process.
type ids struct{ ppid, pgrp, sid int }

// processes reads every process's parent, group and session from /proc.
func processes() (map[int]ids, bool) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil || len(dirs) == 0 {
		return nil, false
	}
	procs := make(map[int]ids, len(dirs))
	for _, d := range dirs {
		b, err := os.ReadFile(d + "/stat")
		i := bytes.LastIndexByte(b, ')') // the name may hold anything
		if err != nil || i < 0 {
			continue // gone meanwhile
		}
		// After the name: state ppid pgrp session.
		f := bytes.Fields(b[i+1:])
		if len(f) < 4 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		ppid, _ := strconv.Atoi(string(f[1]))
		pgrp, _ := strconv.Atoi(string(f[2]))
		sid, _ := strconv.Atoi(string(f[3]))
		procs[pid] = ids{ppid: ppid, pgrp: pgrp, sid: sid}
	}
	return procs, true
}
