package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// scale: -scale-procs processes from one Procfile: the time until all run,
// composer's RSS and idle CPU then, and the time from asking composer to
// stop until it has exited, when every process honours SIGTERM and when
// one ignores it (--timeout 1s: the stop takes the timeout and a little).
func scale(composer string) {
	n := *scaleProcs
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "p%03d: exec sleep 1000\n", i)
	}
	polite := write("Procfile.scale", b.String())
	stubborn := write("Procfile.stubborn", b.String()+"stubborn: trap '' TERM; echo ready; while :; do sleep 1; done\n")

	var starts, stops, slowStops, restarts []time.Duration
	var rss []int
	var idleCPU time.Duration
	for run := range *runs {
		s := startHeadless(composer, polite, n)
		starts = append(starts, s.started)
		rss = append(rss, rssKiB(s.cmd.Process.Pid))
		if run == 0 {
			before := cpuTime(s.cmd.Process.Pid)
			time.Sleep(*idle)
			idleCPU = cpuTime(s.cmd.Process.Pid) - before
		}
		// composer restart returns once the new process runs.
		for i := range 10 {
			restart := exec.Command(composer, "restart", "-f", polite, fmt.Sprintf("p%03d", i))
			began := time.Now()
			if out, err := restart.CombinedOutput(); err != nil {
				fail(fmt.Errorf("composer restart: %v\n%s", err, out))
			}
			restarts = append(restarts, time.Since(began))
		}
		stops = append(stops, s.stop())

		s = startHeadless(composer, stubborn, n+1)
		slowStops = append(slowStops, s.stop())
	}
	slices.Sort(rss)
	fmt.Printf("scale: %d processes (sleep) from one Procfile, headless\n", n)
	fmt.Printf("  time until all run          %8.1fms (target <= 500ms)\n", ms(median(starts)))
	fmt.Printf("  composer RSS                %8.1fMiB (target <= 40MiB)\n", float64(rss[len(rss)/2])/1024)
	fmt.Printf("  composer CPU over %v idle  %8.1fms (target 0)\n", *idle, ms(idleCPU))
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
}

// startHeadless runs composer up --headless on procfile and returns once
// want processes have started.
func startHeadless(composer, procfile string, want int) *headlessRun {
	cmd := exec.Command(composer, "up", "--headless", "--timeout", "1s", "-f", procfile)
	out, _ := cmd.StdoutPipe()
	began := time.Now()
	if err := cmd.Start(); err != nil {
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
	return &headlessRun{cmd: cmd, sc: sc, started: time.Since(began)}
}

// stop sends composer SIGTERM and returns the time until it has exited.
func (r *headlessRun) stop() time.Duration {
	began := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	for r.sc.Scan() {
	}
	r.cmd.Wait()
	return time.Since(began)
}
