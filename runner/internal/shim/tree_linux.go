package shim

import (
	"bytes"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Proc is what /proc/PID/stat says of a process's place in the tree.
type Proc struct {
	PID, PPID, SID int
}

// Processes lists every process in /proc. A process may end while it is
// read; it is then left out.
//
// The kernel's /proc/PID/task/TID/children would spare reading every
// process, but it is an optional feature (CONFIG_PROC_CHILDREN) that some
// kernels lack; and this is only needed when something outlived its
// process, which is rare.
func Processes() []Proc {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	out := make([]Proc, 0, len(names))
	buf := make([]byte, 512)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if p, ok := readStat(pid, buf); ok {
			out = append(out, p)
		}
	}
	return out
}

// readStat parses /proc/PID/stat: "pid (comm) state ppid pgrp session ...".
// The command name may hold spaces and parentheses, so fields are counted
// from its last ')'.
func readStat(pid int, buf []byte) (Proc, bool) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Proc{}, false
	}
	n, err := unix.Read(fd, buf)
	unix.Close(fd)
	if err != nil || n <= 0 {
		return Proc{}, false
	}
	b := buf[:n]
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Proc{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 4 {
		return Proc{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	sid, err2 := strconv.Atoi(string(f[3]))
	if err1 != nil || err2 != nil {
		return Proc{}, false
	}
	return Proc{PID: pid, PPID: ppid, SID: sid}, true
}

// Descendants returns the pids of every process below the roots in the
// process tree described by all (the roots themselves excluded).
func Descendants(all []Proc, roots ...int) []int {
	children := make(map[int][]int)
	for _, p := range all {
		children[p.PPID] = append(children[p.PPID], p.PID)
	}
	var out []int
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// WaitPID reaps pid (wait4), retrying on EINTR.
func WaitPID(pid int, options int) (int, unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		wpid, err := unix.Wait4(pid, &ws, options, nil)
		if err != syscall.EINTR {
			return wpid, ws, err
		}
	}
}
