package supervisor

import (
	"bytes"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Proc is what /proc/PID/stat says of a process's place in the tree.
type Proc struct {
	PID, PPID, PGID, SID int
	State                byte // R, S, D, Z, T, t...
}

// Processes lists every process in /proc. A process may end while it is
// read; it is then left out.
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
		if p, ok := ReadStat(pid, buf); ok {
			out = append(out, p)
		}
	}
	return out
}

// ReadStat parses /proc/PID/stat: "pid (comm) state ppid pgrp session ...",
// reading it into buf (512 bytes hold the fields needed). The command
// name may hold spaces and parentheses, so fields are counted from its
// last ')'.
func ReadStat(pid int, buf []byte) (Proc, bool) {
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
	if len(f) < 4 || len(f[0]) != 1 {
		return Proc{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgid, err2 := strconv.Atoi(string(f[2]))
	sid, err3 := strconv.Atoi(string(f[3]))
	if err1 != nil || err2 != nil || err3 != nil {
		return Proc{}, false
	}
	return Proc{PID: pid, PPID: ppid, PGID: pgid, SID: sid, State: f[0][0]}, true
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

// childrenOf lists pid's children. The kernel keeps them per thread in
// /proc/PID/task/TID/children, an optional feature (CONFIG_PROC_CHILDREN);
// without it every process in /proc is read.
func childrenOf(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	tids, _ := d.Readdirnames(-1)
	d.Close()
	var out []int
	buf := make([]byte, 4096)
	for _, tid := range tids {
		b, err := readAll(dir+tid+"/children", buf, 1<<20)
		if os.IsNotExist(err) {
			if _, serr := os.Stat(dir + tid); serr == nil {
				return scanChildren(pid) // no such feature
			}
			continue // the thread ended
		}
		buf = b[:cap(b)]
		for _, f := range bytes.Fields(b) {
			if n, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func scanChildren(pid int) []int {
	var out []int
	for _, p := range Processes() {
		if p.PPID == pid {
			out = append(out, p.PID)
		}
	}
	return out
}

// readAll reads the file at path into buf, growing it up to limit bytes.
func readAll(path string, buf []byte, limit int) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			if len(buf) >= limit {
				return buf[:n], nil
			}
			buf = append(buf, make([]byte, min(len(buf), limit-len(buf)))...)
		}
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf[:n], err
		}
		if m == 0 {
			return buf[:n], nil
		}
		n += m
	}
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
