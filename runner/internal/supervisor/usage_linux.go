package supervisor

import (
	"bytes"
	"os"
	"strconv"
)

// Usage is what a process and what it started use: CPU time (user and
// system, in clock ticks of 1/100 s, the kernel's USER_HZ), resident
// memory, and, where it can be read, the proportional set size (the
// pages it shares counted in part).
type Usage struct {
	Ticks    uint64
	RSS, PSS int64 // bytes; PSS 0 when not readable
	Procs    int   // processes counted
}

// Sample is one reading of every process's CPU time and memory, to
// count trees from.
type Sample struct {
	procs map[int]sampled
	kids  map[int][]int
}

type sampled struct {
	Proc
	ticks uint64
	rss   int64 // bytes
}

var pageSize = int64(os.Getpagesize())

// Read reads /proc once: every process's place in the tree, CPU time and
// resident memory.
func Read() *Sample {
	s := &Sample{procs: make(map[int]sampled), kids: make(map[int][]int)}
	d, err := os.Open("/proc")
	if err != nil {
		return s
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	buf := make([]byte, 1024)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if p, ok := readStatUsage(pid, buf); ok {
			s.procs[pid] = p
			s.kids[p.PPID] = append(s.kids[p.PPID], pid)
		}
	}
	return s
}

// Tree is the pids of root's tree: root, what is in its session or
// process group, and everything below those.
func (s *Sample) Tree(root int) []int {
	if _, ok := s.procs[root]; !ok {
		return nil
	}
	seen := map[int]bool{root: true}
	queue := []int{root}
	for pid, p := range s.procs {
		if !seen[pid] && (p.SID == root || p.PGID == root) {
			seen[pid] = true
			queue = append(queue, pid)
		}
	}
	out := make([]int, 0, len(queue))
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		out = append(out, pid)
		for _, c := range s.kids[pid] {
			if !seen[c] {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	return out
}

// Usage sums what pids use; with pss, it also reads their proportional
// set sizes (which costs the kernel a walk of their memory).
func (s *Sample) Usage(pids []int, pss bool) Usage {
	var u Usage
	for _, pid := range pids {
		p, ok := s.procs[pid]
		if !ok {
			continue
		}
		u.Procs++
		u.Ticks += p.ticks
		u.RSS += p.rss
		if pss {
			u.PSS += readPSS(pid)
		}
	}
	return u
}

// Ticks is pid's CPU time in this sample, and whether it was there.
func (s *Sample) Ticks(pid int) (uint64, bool) {
	p, ok := s.procs[pid]
	return p.ticks, ok
}

// readStatUsage parses /proc/PID/stat: after "pid (comm)", the fields
// state ppid pgrp session ... utime (the 14th field) stime (15th) ... rss
// (24th, in pages).
func readStatUsage(pid int, buf []byte) (sampled, bool) {
	b, err := readAll("/proc/"+strconv.Itoa(pid)+"/stat", buf, 4096)
	if err != nil {
		return sampled{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return sampled{}, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is the 3rd field, state
	if len(f) < 22 || len(f[0]) != 1 {
		return sampled{}, false
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(string(f[k-3]), 10, 64); return n }
	return sampled{
		Proc:  Proc{PID: pid, PPID: int(num(4)), PGID: int(num(5)), SID: int(num(6)), State: f[0][0]},
		ticks: uint64(num(14) + num(15)),
		rss:   num(24) * pageSize,
	}, true
}

// readPSS is pid's proportional set size in bytes, 0 if it cannot be read.
func readPSS(pid int) int64 {
	b, err := readAll("/proc/"+strconv.Itoa(pid)+"/smaps_rollup", make([]byte, 2048), 16<<10)
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("Pss:")); ok {
			n, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			return n << 10
		}
	}
	return 0
}
