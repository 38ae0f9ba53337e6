package main

import (
	"fmt"
	"time"
)

// attachCost: composer attach on a composer up --headless whose process
// floods, against the in-process view on the same flood, in the same run:
// key latency (j/k, as keyLatency) and the view's memory; then the
// headless composer's CPU with no view, and with two attached.
func attachCost(composer string) {
	procfile := floodProcfile()
	var inproc, attached latencies
	var inRSS, atRSS []int
	var cpuNone, cpuTwo, wallNone, wall time.Duration
	for run := range *runs {
		s := startComposer(composer, procfile)
		s.ready("attach", "flood", "calm")
		inproc.add(measureKeys(s.term, fmt.Sprintf("attach, the in-process view, run %d", run+1), composerSelected))
		inRSS = append(inRSS, rssKiB(s.pid))
		s.stop()

		// The log stream goes nowhere: a view is what is measured.
		up := start("/bin/sh", "-c", `exec "$0" up --headless -f "$1" >/dev/null`, composer, procfile)
		waitSocket(up)
		window := min(*floodFor, 5*time.Second)
		c0, began := cpuTime(up.pid), time.Now()
		time.Sleep(window)
		cpuNone += cpuTime(up.pid) - c0
		wallNone += time.Since(began)

		a := start(composer, "attach", "-f", procfile)
		shown(a, "attach")
		attached.add(measureKeys(a.term, fmt.Sprintf("attach, the attached view, run %d", run+1), composerSelected))
		atRSS = append(atRSS, rssKiB(a.pid))
		b := start(composer, "attach", "-f", procfile)
		shown(b, "attach, a second view")
		c0, began = cpuTime(up.pid), time.Now()
		time.Sleep(window)
		cpuTwo += cpuTime(up.pid) - c0
		wall += time.Since(began)
		a.alive("the flood")
		b.alive("the flood")
		a.stop()
		b.stop()
		up.stop()
	}
	fmt.Printf("attach: composer attach on composer up --headless, one process flooding (%d runs)\n", *runs)
	fmt.Printf("  %-38s %8s %8s %8s %6s\n", "key latency", "median", "p90", "max", ">100ms")
	row := func(name string, l latencies, note string) {
		fmt.Printf("  %-38s %6.1fms %6.1fms %6.1fms %5d%s\n", name, ms(l.median()), ms(l.p90()), ms(l.max()), l.over(100*time.Millisecond), note)
	}
	row("composer up (the view in-process)", inproc, "")
	row("composer attach", attached, "   (target median <= 30ms, max <= 100ms)")
	fmt.Printf("  %-38s %7.2fx %7.2fx %7.2fx\n", "attach / in-process", ratio(attached.median(), inproc.median()), ratio(attached.p90(), inproc.p90()), ratio(attached.max(), inproc.max()))
	fmt.Printf("  RSS: attach %.1fMiB, the in-process composer up %.1fMiB (its runner included)\n", mib(medianInt(atRSS)), mib(medianInt(inRSS)))
	fmt.Printf("  composer up --headless CPU: %.2f cores with no view, %.2f with two attached\n\n",
		ratio(cpuNone, wallNone), ratio(cpuTwo, wall))
}

// shown waits until an attached view shows both processes, flood
// selected.
func shown(s *session, what string) {
	must(s.waitFor(what+": the view showing flood and calm", 10*time.Second, 0, func(sc string) bool {
		return hasWord(sc, "flood") && hasWord(sc, "calm") && composerSelected(sc, "flood")
	}))
}

// waitSocket waits until the composer of s answers on its socket.
func waitSocket(s *session) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if len(descendants(s.pid)) >= 2 {
			return
		}
		if time.Now().After(deadline) {
			sc, _ := s.screen()
			fail(&screenError{"composer up --headless did not start its processes within 10s", sc})
		}
	}
}

func medianInt(v []int) int {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x)
	}
	return int(median(d))
}
