//go:build linux

// Command ptyexp measures what a pty costs a flooding process, and
// whether some pty setting makes it cheaper while the process still sees
// a terminal.
//
// It runs "sh -c COMMAND" under several output paths (a plain pipe, a pty
// with default termios, a pty with OPOST or ONLCR cleared, in raw mode,
// read through buffers of several sizes and in several ways) and times
// each: the wall time from starting the child until the reader has read
// EOF (EIO for a pty) and the child is reaped, the child's CPU time
// (rusage of wait4: sh and what it ran), the reader's (getrusage of this
// process, around the run), and the machine's busy time from /proc/stat,
// which also holds what the kernel does for the pty in kworker threads and
// neither rusage counts. Every round runs every variant once, in an order
// rotated each round, so that load on the machine hits all alike; medians
// of -runs rounds are printed.
//
//	go run ./bench/ptyexp -runs 7
//	go run ./bench/ptyexp -runs 7 -short        # seq 1 2000000
//	go run ./bench/ptyexp -cmd 'yes | head -c 50000000'
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// longCmd floods 200,000 lines of 100 bytes.
var longCmd = "seq -f 'LINE %07.0f " + strings.Repeat("x", 86) + "' 1 200000"

// shortCmd floods 2,000,000 short lines (14.9 MB).
const shortCmd = "seq 1 2000000"

// Output path of a variant.
const (
	pathPipe = iota
	pathPTY
)

// How the reader reads.
const (
	readGo    = iota // *os.File on a non-blocking fd, through Go's poller (os.Pipe's kind)
	readBlock        // blocking read(2) on a blocking fd (bench/ptycat)
	readDrain        // poller, then read until EAGAIN or the buffer is full (composer's readAvailable)
)

var readNames = map[int]string{readGo: "poller", readBlock: "blocking", readDrain: "drain"}

// termios changes made on the terminal side before the child starts.
const (
	ttyDefault = iota
	ttyNoOPOST
	ttyNoONLCR
	ttyRaw
)

var ttyNames = map[int]string{ttyDefault: "default", ttyNoOPOST: "-opost", ttyNoONLCR: "-onlcr", ttyRaw: "raw"}

type variant struct {
	name   string
	desc   string
	path   int
	tty    int
	read   int
	buf    int
	prefix string // put before the command: e.g. stdbuf, to change the child's stdio buffering
	conv   bool   // the reader makes each \n \r\n itself, as composer does for a process on a pipe
}

var variants = []variant{
	{name: "a", desc: "pipe (process-compose)", path: pathPipe, read: readGo, buf: 32 << 10},
	{name: "a-conv", desc: "pipe, reader \\n->\\r\\n (composer no-tty)", path: pathPipe, read: readDrain, buf: 64 << 10, conv: true},
	{name: "b", desc: "pty default", path: pathPTY, tty: ttyDefault, read: readGo, buf: 32 << 10},
	{name: "b-block", desc: "pty default, ptycat-like", path: pathPTY, tty: ttyDefault, read: readBlock, buf: 64 << 10},
	{name: "b-drain", desc: "pty default, composer-like", path: pathPTY, tty: ttyDefault, read: readDrain, buf: 64 << 10},
	{name: "c-opost", desc: "pty -opost", path: pathPTY, tty: ttyNoOPOST, read: readGo, buf: 32 << 10},
	{name: "c-opost-drain", desc: "pty -opost, composer-like", path: pathPTY, tty: ttyNoOPOST, read: readDrain, buf: 64 << 10},
	{name: "c-opost-conv", desc: "pty -opost, reader \\n->\\r\\n", path: pathPTY, tty: ttyNoOPOST, read: readDrain, buf: 64 << 10, conv: true},
	{name: "c-onlcr", desc: "pty -onlcr", path: pathPTY, tty: ttyNoONLCR, read: readGo, buf: 32 << 10},
	{name: "d-128k", desc: "pty default", path: pathPTY, tty: ttyDefault, read: readGo, buf: 128 << 10},
	{name: "d-1m", desc: "pty default", path: pathPTY, tty: ttyDefault, read: readGo, buf: 1 << 20},
	{name: "d-drain1m", desc: "pty default", path: pathPTY, tty: ttyDefault, read: readDrain, buf: 1 << 20},
	{name: "e-raw", desc: "pty raw (cfmakeraw)", path: pathPTY, tty: ttyRaw, read: readGo, buf: 32 << 10},
	{name: "f-pipe-L", desc: "pipe, child stdbuf -oL", path: pathPipe, read: readGo, buf: 32 << 10, prefix: "stdbuf -oL "},
	{name: "f-pty-4k", desc: "pty default, child stdbuf -o4096", path: pathPTY, tty: ttyDefault, read: readGo, buf: 32 << 10, prefix: "stdbuf -o4096 "},
	{name: "f-opost-4k", desc: "pty -opost, child stdbuf -o4096", path: pathPTY, tty: ttyNoOPOST, read: readGo, buf: 32 << 10, prefix: "stdbuf -o4096 "},
}

type result struct {
	wall    time.Duration
	child   time.Duration // user+sys of the child and its waited-for descendants
	childU  time.Duration
	childS  time.Duration
	reader  time.Duration // user+sys of this process over the run
	machine time.Duration // busy time of all CPUs over the run, from /proc/stat
	bytes   int64         // read from the pipe or pty
	conv    int64         // after \n->\r\n, for conv variants
	reads   int64         // read(2) calls that returned data
	wakes   int64         // times the reader waited (drain: poller wake-ups; else = reads)
	nvcsw   int64         // child's voluntary context switches
}

func main() {
	runs := flag.Int("runs", 7, "rounds; each runs every variant once")
	command := flag.String("cmd", longCmd, "flood command, run with sh -c")
	short := flag.Bool("short", false, "flood short lines: "+shortCmd)
	only := flag.String("only", "", "comma-separated variant names to run (default all)")
	flag.Parse()
	if *short {
		*command = shortCmd
	}
	vs := variants
	if *only != "" {
		vs = nil
		for _, n := range strings.Split(*only, ",") {
			for _, v := range variants {
				if v.name == n {
					vs = append(vs, v)
				}
			}
		}
	}

	fmt.Printf("command: sh -c %q\n", *command)
	fmt.Printf("runs: %d, nproc: %d, GOMAXPROCS: default\n\n", *runs, nproc())

	// isatty from the child's side, once per variant; also a warm-up.
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tpath\ttermios\treader\tbuf\tchild prefix\tchild sees (test -t 0/1/2; stty -a excerpt)")
	for _, v := range vs {
		out, err := capture(v, "for f in 0 1 2; do if test -t $f; then printf 'tty '; else printf 'no '; fi; done; "+
			"stty -a 2>/dev/null | tr ' ' '\\n' | grep -E '^-?(opost|onlcr|icanon|echo)$' | tr '\\n' ' '")
		if err != nil {
			out = "error: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.name, pathName(v), ttyName(v), readNames[v.read], size(v.buf), strings.TrimSpace(v.prefix), strings.TrimSpace(out))
	}
	tw.Flush()
	fmt.Println()

	res := make([][]result, len(vs))
	for round := 0; round < *runs; round++ {
		for k := range vs {
			i := (k + round) % len(vs)
			r, err := run(vs[i], vs[i].prefix+*command)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", vs[i].name, err)
				os.Exit(1)
			}
			res[i] = append(res[i], r)
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", round+1, *runs)
	}

	med := make([]result, len(vs))
	for i := range vs {
		med[i] = median(res[i])
	}
	ref := func(name string) time.Duration {
		for i, v := range vs {
			if v.name == name {
				return med[i].wall
			}
		}
		return 0
	}
	wa, wb := ref("a"), ref("b")

	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\tdescription\treader\tbuf\twall med\twall min\twall max\t/a\t/b\tchild cpu\t(usr\tsys)\treader cpu\tmachine busy\tbytes\tB/read\treads/wake\tchild vcsw\t")
	for i, v := range vs {
		m := med[i]
		mn, mx := minmax(res[i])
		nb := strconv.FormatInt(m.bytes, 10)
		if v.conv {
			nb += "->" + strconv.FormatInt(m.conv, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.2f\t%d\t\n",
			v.name, v.desc, readNames[v.read], size(v.buf),
			ms(m.wall), ms(mn), ms(mx), ratio(m.wall, wa), ratio(m.wall, wb),
			ms(m.child), ms(m.childU), ms(m.childS), ms(m.reader), ms(m.machine),
			nb, float64(m.bytes)/float64(max(m.reads, 1)), float64(m.reads)/float64(max(m.wakes, 1)), m.nvcsw)
	}
	tw.Flush()
	fmt.Println("\nwall/cpu in ms, medians of each column taken separately; bytes, B/read, reads/wake, vcsw from the median-wall run.")
	fmt.Println("machine busy = all CPUs' non-idle time from /proc/stat (10 ms ticks), including kworkers that run the pty's flip buffers.")
}

func pathName(v variant) string {
	if v.path == pathPipe {
		return "pipe"
	}
	return "pty"
}

func ttyName(v variant) string {
	if v.path == pathPipe {
		return "-"
	}
	return ttyNames[v.tty]
}

func size(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprintf("%dK", n>>10)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/1e6) }

func ratio(d, ref time.Duration) string {
	if ref == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(ref))
}

func nproc() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return -1
	}
	return set.Count()
}

// median returns each field's median taken separately, but the counters
// (bytes, reads, wakes, vcsw) of the run with the median wall time.
func median(rs []result) result {
	pick := func(get func(result) time.Duration) time.Duration {
		ds := make([]time.Duration, len(rs))
		for i, r := range rs {
			ds[i] = get(r)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	byWall := append([]result(nil), rs...)
	sort.Slice(byWall, func(i, j int) bool { return byWall[i].wall < byWall[j].wall })
	m := byWall[len(byWall)/2]
	m.child = pick(func(r result) time.Duration { return r.child })
	m.childU = pick(func(r result) time.Duration { return r.childU })
	m.childS = pick(func(r result) time.Duration { return r.childS })
	m.reader = pick(func(r result) time.Duration { return r.reader })
	m.machine = pick(func(r result) time.Duration { return r.machine })
	return m
}

func minmax(rs []result) (mn, mx time.Duration) {
	mn = rs[0].wall
	for _, r := range rs {
		mn = min(mn, r.wall)
		mx = max(mx, r.wall)
	}
	return mn, mx
}

// setup opens the variant's output path: the reader's end, non-blocking
// or blocking as the variant reads, and the child's end.
func setup(v variant) (reader, theirs *os.File, err error) {
	var r, w *os.File
	if v.path == pathPipe {
		r, w, err = os.Pipe()
		if err != nil {
			return nil, nil, err
		}
	} else {
		r, w, err = pty.Open()
		if err != nil {
			return nil, nil, err
		}
		if err = pty.Setsize(r, &pty.Winsize{Cols: 120, Rows: 40}); err == nil {
			err = setTermios(int(w.Fd()), v.tty)
		}
		if err != nil {
			r.Close()
			w.Close()
			return nil, nil, err
		}
	}
	// A fresh fd of the reader's end, blocking or not as the variant
	// wants (pty.Open's ioctls have made the master blocking).
	fd, err := unix.FcntlInt(r.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	r.Close()
	if err == nil {
		if err = unix.SetNonblock(fd, v.read != readBlock); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "reader"), w, nil
}

func setTermios(fd, mode int) error {
	if mode == ttyDefault {
		return nil
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	switch mode {
	case ttyNoOPOST:
		t.Oflag &^= unix.OPOST
	case ttyNoONLCR:
		t.Oflag &^= unix.ONLCR
	case ttyRaw: // cfmakeraw
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
	}
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

func start(v variant, command string, theirs *os.File) (*exec.Cmd, error) {
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = theirs, theirs
	if v.path == pathPTY {
		cmd.Stdin = theirs
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
	err := cmd.Start()
	theirs.Close()
	return cmd, err
}

// capture runs command under the variant and returns its output.
func capture(v variant, command string) (string, error) {
	r, w, err := setup(v)
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd, err := start(v, command, w)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	cmd.Wait()
	return out.String(), nil
}

func run(v variant, command string) (result, error) {
	var res result
	r, w, err := setup(v)
	if err != nil {
		return res, err
	}
	defer r.Close()
	buf := make([]byte, v.buf)
	var ru0, ru1 unix.Rusage
	busy0 := busyTicks()
	unix.Getrusage(unix.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	cmd, err := start(v, command, w)
	if err != nil {
		return res, err
	}
	switch v.read {
	case readGo, readBlock:
		for {
			n, err := r.Read(buf)
			if n > 0 {
				res.bytes += int64(n)
				res.reads++
				if v.conv {
					res.conv += int64(len(onlcr(buf[:n])))
				}
			}
			if err != nil {
				break
			}
		}
		res.wakes = res.reads
	case readDrain:
		rc, err := r.SyscallConn()
		if err != nil {
			return res, err
		}
		for {
			n, reads, err := readAvailable(rc, buf)
			res.bytes += int64(n)
			res.reads += int64(reads)
			if v.conv && n > 0 {
				res.conv += int64(len(onlcr(buf[:n])))
			}
			if n > 0 {
				res.wakes++
			}
			if err != nil {
				break
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		return res, err
	}
	res.wall = time.Since(t0)
	unix.Getrusage(unix.RUSAGE_SELF, &ru1)
	res.machine = time.Duration(busyTicks()-busy0) * (time.Second / 100)
	res.reader = cpu(&ru1) - cpu(&ru0)
	cru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	res.childU = time.Duration(cru.Utime.Nano())
	res.childS = time.Duration(cru.Stime.Nano())
	res.child = res.childU + res.childS
	res.nvcsw = cru.Nvcsw
	return res, nil
}

func cpu(ru *unix.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readAvailable is composer's (runner/runner.go): it waits until the fd is
// readable, then reads all there is, up to len(buf). It also counts the
// read(2) calls that returned data.
func readAvailable(rc syscall.RawConn, buf []byte) (n, reads int, err error) {
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for n < len(buf) {
			m, e := syscall.Read(int(fd), buf[n:])
			if m > 0 {
				n += m
				reads++
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
		return n > 0 || rerr != nil
	})
	if rerr != nil && err == nil {
		err = rerr
	}
	return n, reads, err
}

// onlcr is composer's (runner/runner.go): a copy of b with each \n made
// \r\n, as a terminal writes a program's output.
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

// busyTicks returns the non-idle time of all CPUs, in USER_HZ ticks.
func busyTicks() int64 {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0
	}
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy int64
	for i, s := range fields[1:] {
		n, _ := strconv.ParseInt(s, 10, 64)
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		busy += n
	}
	return busy
}
