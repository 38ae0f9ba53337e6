package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// scaleCmd is every process of the comparison: it prints one line as it
// starts, then idles.
const scaleCmd = "echo up; exec sleep 1000"

// scale: composer against the spawner (the floor of a pty-based runner)
// at each of -scale-sizes, the fixed cost of both, then what only
// composer does at -scale-procs.
func scale(composer, spawner string) {
	var sizes []int
	for _, f := range strings.Split(*scaleSizes, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fail(fmt.Errorf("-scale-sizes: %q is not a count of processes", f))
		}
		sizes = append(sizes, n)
	}
	fmt.Printf("scale: composer up --headless against the spawner (the floor: sh -c in a session and pty\n")
	fmt.Printf("of its own, a goroutine per pty, \"name | line\" to stdout), every process %q\n", scaleCmd)
	fmt.Printf("  PSS is that of the runner and its helpers (composer: itself and its composer-supervisor),\n")
	fmt.Printf("  a second (-settle) after all run; the processes themselves are left out on both sides\n")
	fmt.Printf("                                       composer      spawner    ratio\n")
	for _, n := range sizes {
		versus(composer, spawner, n)
	}
	fmt.Println()
	fixedVersus(composer, spawner)
	composerScale(composer)
}

// sample is one run of a runner on n processes.
type sample struct {
	start, exit, gone time.Duration
	pss, own, helpers int // KiB
	anon              int // KiB of pss that is not the binary's (shared, clean) pages
	nHelpers          int
}

func versus(composer, spawner string, n int) {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "p%03d: %s\n", i, scaleCmd)
	}
	procfile := write(fmt.Sprintf("Procfile.versus%d", n), b.String())
	comp := func() sample {
		return measureRunner(n, true, composer, "up", "--headless", "-f", procfile)
	}
	bare := func() sample { return measureRunner(n, false, spawner, strconv.Itoa(n), scaleCmd) }
	var c, s []sample
	for run := range *runs {
		// Alternate which goes first, so that neither always follows
		// the other's teardown.
		if run%2 == 0 {
			c = append(c, comp())
			s = append(s, bare())
		} else {
			s = append(s, bare())
			c = append(c, comp())
		}
	}
	get := func(ss []sample, f func(sample) time.Duration) time.Duration {
		var d []time.Duration
		for _, x := range ss {
			d = append(d, f(x))
		}
		return median(d)
	}
	kib := func(ss []sample, f func(sample) int) int {
		var k []int
		for _, x := range ss {
			k = append(k, f(x))
		}
		slices.Sort(k)
		return k[len(k)/2]
	}
	row := func(label string, f func(sample) time.Duration, target string) {
		cd, sd := get(c, f), get(s, f)
		fmt.Printf("    %-32s %8.1fms   %8.1fms   %5.2fx%s\n", label, ms(cd), ms(sd), ratio(cd, sd), target)
	}
	fmt.Printf("  %d processes\n", n)
	row("time until all run", func(x sample) time.Duration { return x.start }, " (target <= 1.1x)")
	cp, sp := kib(c, func(x sample) int { return x.pss }), kib(s, func(x sample) int { return x.pss })
	fmt.Printf("    %-32s %8.1fMiB  %8.1fMiB  %5.2fx (target <= 1.2x)\n", "PSS, runner and helpers", mib(cp), mib(sp), float64(cp)/float64(sp))
	ca, sa := kib(c, func(x sample) int { return x.anon }), kib(s, func(x sample) int { return x.anon })
	fmt.Printf("    %-32s %8.1fMiB  %8.1fMiB  %5.2fx\n", "  of which anonymous (not the binary)", mib(ca), mib(sa), float64(ca)/float64(sa))
	fmt.Printf("      composer alone %.1fMiB, its supervisor %.1fMiB (%d helper process(es))\n",
		mib(kib(c, func(x sample) int { return x.own })), mib(kib(c, func(x sample) int { return x.helpers })),
		kib(c, func(x sample) int { return x.nHelpers }))
	row("SIGTERM until it has exited", func(x sample) time.Duration { return x.exit }, " (target <= 1.0x)")
	row("SIGTERM until every process gone", func(x sample) time.Duration { return x.gone }, "")
}

// measureRunner starts a runner of n processes that each print "up",
// and returns the time until n lines ending "| up" have come on its
// stdout, the PSS of it (and, if helpers, of its descendants running
// its own binary) then, the time from SIGTERM until it has exited, and
// until every process it had started has gone too.
func measureRunner(n int, withHelpers bool, name string, args ...string) sample {
	r := startRunner(name, args...)
	sc := bufio.NewScanner(r.out)
	up := 0
	for up < n && sc.Scan() {
		if strings.HasSuffix(sc.Text(), "| up") {
			up++
		}
	}
	var x sample
	x.start = time.Since(r.began)
	if up < n {
		r.kill()
		fail(fmt.Errorf("%s: only %d of %d processes said up\n%s", name, up, n, r.stderr()))
	}
	pid := r.cmd.Process.Pid
	r.tree = descendants(pid)
	// Memory as it stays: what starting took and gave back is gone.
	time.Sleep(*settle)
	x.own, x.anon = pssKiB(pid)
	if withHelpers {
		for _, h := range helpers(pid, r.tree) {
			pss, anon := pssKiB(h)
			x.helpers += pss
			x.anon += anon
			x.nHelpers++
		}
	}
	x.pss = x.own + x.helpers
	drained := make(chan struct{})
	go func() {
		for sc.Scan() {
		}
		close(drained)
	}()
	x.exit, x.gone = r.stop()
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		fail(fmt.Errorf("%s: its stdout is still open 10s after it exited", name))
	}
	return x
}

// runner is a runner started with its stdout on a pipe and its stderr
// in a file, so that cmd.Wait returns when the runner itself exits.
type runner struct {
	cmd     *exec.Cmd
	out     *os.File
	errFile string
	began   time.Time
	tree    []proc // its descendants once all run
	waited  atomic.Bool
}

var runnerSeq int

func startRunner(name string, args ...string) *runner {
	runnerSeq++
	r := &runner{cmd: exec.Command(name, args...), errFile: write(fmt.Sprintf("stderr.%d", runnerSeq), "")}
	stderr, err := os.OpenFile(r.errFile, os.O_WRONLY, 0)
	if err != nil {
		fail(err)
	}
	defer stderr.Close()
	rd, wr, err := os.Pipe()
	if err != nil {
		fail(err)
	}
	r.cmd.Stdout, r.cmd.Stderr, r.out = wr, stderr, rd
	spawn(func() {
		r.began = time.Now()
		if err = r.cmd.Start(); err == nil {
			atExit(r.kill)
		}
	})
	wr.Close()
	if err != nil {
		fail(err)
	}
	return r
}

func (r *runner) stderr() string {
	b, _ := os.ReadFile(r.errFile)
	return string(b)
}

// stop sends the runner SIGTERM and returns the time until it has
// exited, and until every process in its tree has gone as well.
func (r *runner) stop() (exit, gone time.Duration) {
	began := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	exit = time.Since(began)
	r.waited.Store(true)
	if left := waitGone(r.tree, 30*time.Second); len(left) > 0 {
		r.kill()
		fail(fmt.Errorf("%s: %d processes still there 30s after SIGTERM: %v\n%s", r.cmd.Path, len(left), left, r.stderr()))
	}
	return exit, time.Since(began)
}

// kill kills the runner and what it had started, at the end or on a
// failure.
func (r *runner) kill() {
	procs := slices.Clone(r.tree)
	if !r.waited.Load() {
		procs = append(procs, descendants(r.cmd.Process.Pid)...)
		r.cmd.Process.Kill()
	}
	for _, p := range procs {
		if p.alive() {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}

// fixedVersus: one process that prints one line and exits, start to
// exit, composer against the spawner.
func fixedVersus(composer, spawner string) {
	procfile := write("Procfile.hi", "x: echo hi\n")
	var c, s []time.Duration
	n := max(*runs, 20)
	for i := range n + 1 { // the first is a warm-up
		cd := timeRun(os.DevNull, composer, "up", "--headless", "-f", procfile)
		sd := timeRun(os.DevNull, spawner, "1", "echo hi")
		if i > 0 {
			c, s = append(c, cd), append(s, sd)
		}
	}
	fmt.Printf("fixed cost: one process \"echo hi\", start to exit, median of %d\n", n)
	fmt.Printf("  composer up --headless      %8.1fms   %5.2fx spawner (target <= 1.2x)\n", ms(median(c)), ratio(median(c), median(s)))
	fmt.Printf("  spawner 1 'echo hi'         %8.1fms\n\n", ms(median(s)))
}

// composerScale: -scale-procs processes from one Procfile: the time until
// composer reports all started, the PSS and idle CPU of composer and its
// supervisor then, restarts, and the time from asking composer to stop
// until it has exited, when every process honours SIGTERM and when one
// ignores it (--timeout 1s: the stop takes the timeout and a little).
func composerScale(composer string) {
	n := *scaleProcs
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "p%03d: exec sleep 1000\n", i)
	}
	polite := write("Procfile.scale", b.String())
	stubborn := write("Procfile.stubborn", b.String()+"stubborn: trap '' TERM; echo ready; while :; do sleep 1; done\n")

	var starts, stops, slowStops, restarts []time.Duration
	var pss []int
	var idleCPU time.Duration
	for run := range *runs {
		s := startHeadless(composer, polite, n)
		starts = append(starts, s.started)
		self := append([]int{s.cmd.Process.Pid}, helpers(s.cmd.Process.Pid, s.tree)...)
		total := 0
		for _, pid := range self {
			pss, _ := pssKiB(pid)
			total += pss
		}
		pss = append(pss, total)
		if run == 0 {
			before := cpuTimes(self)
			time.Sleep(*idle)
			idleCPU = cpuTimes(self) - before
		}
		// composer restart returns once the new process runs.
		for i := range min(10, n) {
			restart := exec.Command(composer, "restart", "-f", polite, fmt.Sprintf("p%03d", i))
			began := time.Now()
			if out, err := restart.CombinedOutput(); err != nil {
				fail(fmt.Errorf("composer restart: %v\n%s", err, out))
			}
			restarts = append(restarts, time.Since(began))
		}
		s.tree = descendants(s.cmd.Process.Pid) // the restarted ones too
		stops = append(stops, s.stop())

		s = startHeadless(composer, stubborn, n+1)
		// Started is not yet trapping: a SIGTERM before the trap would
		// end it at once.
		for !strings.HasSuffix(s.sc.Text(), "| ready") {
			if !s.sc.Scan() {
				fail(fmt.Errorf("%s: composer ended before stubborn was ready", stubborn))
			}
		}
		slowStops = append(slowStops, s.stop())
	}
	slices.Sort(pss)
	fmt.Printf("scale, composer alone: %d processes (sleep) from one Procfile, headless\n", n)
	fmt.Printf("  time until all started      %8.1fms (target <= 500ms)\n", ms(median(starts)))
	fmt.Printf("  composer + supervisor PSS   %8.1fMiB (target <= 40MiB)\n", mib(pss[len(pss)/2]))
	fmt.Printf("  their CPU over %v idle     %8.1fms (target 0)\n", *idle, ms(idleCPU))
	fmt.Printf("  composer restart NAME, until it returns with the new process running\n")
	fmt.Printf("                              %8.1fms median of %d\n", ms(median(restarts)), len(restarts))
	fmt.Printf("  SIGTERM to composer until it has exited, all stopped:\n")
	fmt.Printf("    every process honours SIGTERM      %8.1fms (target <= 500ms)\n", ms(median(stops)))
	fmt.Printf("    one ignores it, --timeout 1s       %8.1fms (target <= 1050ms)\n\n", ms(median(slowStops)))
}

type headlessRun struct {
	cmd     *exec.Cmd
	sc      *bufio.Scanner
	started time.Duration
	tree    []proc // composer's descendants once all started
}

// startHeadless runs composer up --headless on procfile and returns once
// want processes have started.
func startHeadless(composer, procfile string, want int, flags ...string) *headlessRun {
	cmd := exec.Command(composer, append([]string{"up", "--headless", "--timeout", "1s", "-f", procfile}, flags...)...)
	out, _ := cmd.StdoutPipe()
	began := time.Now()
	var err error
	spawn(func() {
		if err = cmd.Start(); err == nil {
			atExit(func() { cmd.Process.Kill() })
		}
	})
	if err != nil {
		fail(err)
	}
	sc := bufio.NewScanner(out)
	started := 0
	for started < want && sc.Scan() {
		if strings.Contains(sc.Text(), " started (pid ") {
			started++
		}
	}
	if started < want {
		fail(fmt.Errorf("%s: only %d of %d processes started", procfile, started, want))
	}
	return &headlessRun{cmd: cmd, sc: sc, started: time.Since(began), tree: descendants(cmd.Process.Pid)}
}

// stop sends composer SIGTERM and returns the time until it has exited,
// then waits until what it had started has gone.
func (r *headlessRun) stop() time.Duration {
	began := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	for r.sc.Scan() {
	}
	r.cmd.Wait()
	d := time.Since(began)
	if left := waitGone(r.tree, 30*time.Second); len(left) > 0 {
		fail(fmt.Errorf("composer: %d processes still there 30s after SIGTERM: %v", len(left), left))
	}
	return d
}

// helpers are the processes of tree that run the same binary as pid.
func helpers(pid int, tree []proc) []int {
	self, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		fail(err)
	}
	var hs []int
	for _, p := range tree {
		if fi, err := os.Stat(fmt.Sprintf("/proc/%d/exe", p.pid)); err == nil && os.SameFile(self, fi) {
			hs = append(hs, p.pid)
		}
	}
	return hs
}

// waitGone waits until none of procs is alive, and returns those still
// alive after limit.
func waitGone(procs []proc, limit time.Duration) []proc {
	procs = slices.Clone(procs)
	deadline := time.Now().Add(limit)
	for {
		procs = slices.DeleteFunc(procs, func(p proc) bool { return !p.alive() })
		if len(procs) == 0 || time.Now().After(deadline) {
			return procs
		}
		time.Sleep(time.Millisecond)
	}
}

// pssKiB is the proportional set size of pid (its private pages, and
// its share of those it shares) and the part of it that is anonymous
// memory: the rest is pages of files, mostly its binary's, clean, which
// the kernel can take back at any time.
func pssKiB(pid int) (pss, anon int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		fail(err)
	}
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Pss:":
			pss, _ = strconv.Atoi(f[1])
			found = true
		case "Pss_Anon:":
			anon, _ = strconv.Atoi(f[1])
		}
	}
	if !found {
		fail(fmt.Errorf("/proc/%d/smaps_rollup: no Pss", pid))
	}
	return pss, anon
}

func cpuTimes(pids []int) time.Duration {
	var d time.Duration
	for _, pid := range pids {
		d += cpuTime(pid)
	}
	return d
}
