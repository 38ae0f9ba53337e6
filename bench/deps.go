package main

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// deps: composer.yaml's dependencies and probes. The time from a probe
// passing to its dependent running (and from the port listening, which
// adds up to one probe period); a chain of 10, each waiting for the one
// before, against 10 independent processes; and composer's CPU while 50
// processes are each probed every second, against the same 50 unprobed.
func deps(composer string) {
	readyToStart(composer)
	chain(composer)
	probedIdle(composer)
}

// followed is composer up --headless, its lines read as they come, each
// with the time it arrived.
type followed struct {
	cmd *exec.Cmd
	sc  *bufio.Scanner
}

func follow(composer string, args ...string) *followed {
	cmd := exec.Command(composer, append([]string{"up", "--headless", "--timeout", "1s"}, args...)...)
	out, _ := cmd.StdoutPipe()
	var err error
	spawn(func() {
		if err = cmd.Start(); err == nil {
			atExit(func() { _ = cmd.Process.Kill() })
		}
	})
	if err != nil {
		fail(err)
	}
	return &followed{cmd: cmd, sc: bufio.NewScanner(out)}
}

// until reads lines until one contains text, and returns when it came.
func (f *followed) until(text string) time.Time {
	for f.sc.Scan() {
		if strings.Contains(f.sc.Text(), text) {
			return time.Now()
		}
	}
	fail(fmt.Errorf("composer ended before %q", text))
	return time.Time{}
}

func (f *followed) stop() {
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	for f.sc.Scan() {
	}
	_ = f.cmd.Wait()
}

func readyToStart(composer string) {
	const period = 100 * time.Millisecond
	var toStart, toRun []time.Duration
	for range max(*runs, 10) {
		port := freePort()
		procfile := write("Procfile.ready", "db: exec sleep 1000\nweb: exec sleep 1000\n")
		settings := write("ready.yaml", fmt.Sprintf(`processes:
  db:
    readiness_probe:
      tcp_socket: {port: %d}
      period_seconds: %g
  web:
    depends_on: {db: {condition: process_healthy}}
`, port, period.Seconds()))
		f := follow(composer, "-f", procfile, "-c", settings)
		f.until("web waits for db (healthy)")
		time.Sleep(period / 3) // listen at some phase of the period
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			fail(err)
		}
		listening := time.Now()
		ready := f.until("db is ready")
		started := f.until("web started")
		toStart = append(toStart, started.Sub(ready))
		toRun = append(toRun, started.Sub(listening))
		f.stop()
		l.Close()
	}
	fmt.Printf("dependencies: web waits for db's tcp probe (period %v)\n", period)
	fmt.Printf("  probe passes -> web started   %8.2fms (target <= 5ms)\n", ms(median(toStart)))
	fmt.Printf("  db listens -> web started     %8.2fms (at most the period, %v, and the above)\n", ms(median(toRun)), period)
}

func chain(composer string) {
	const n = 10
	var pf, settings strings.Builder
	settings.WriteString("processes:\n")
	for i := range n {
		fmt.Fprintf(&pf, "p%d: exec sleep 1000\n", i)
		fmt.Fprintf(&settings, "  p%d:\n", i)
		if i > 0 {
			fmt.Fprintf(&settings, "    depends_on: {p%d: {condition: process_healthy}}\n", i-1)
		}
		if i < n-1 {
			fmt.Fprintf(&settings, "    readiness_probe:\n      exec: {command: \"true\"}\n")
		}
	}
	procfile := write("Procfile.chain", pf.String())
	chained := write("chain.yaml", settings.String())
	empty := write("none.yaml", "processes: {}\n")
	var linked, free []time.Duration
	for range *runs {
		for _, c := range []struct {
			settings string
			times    *[]time.Duration
		}{{chained, &linked}, {empty, &free}} {
			began := time.Now()
			f := follow(composer, "-f", procfile, "-c", c.settings)
			f.until(fmt.Sprintf("p%d started", n-1))
			*c.times = append(*c.times, time.Since(began))
			f.stop()
		}
	}
	fmt.Printf("  a chain of %d, each healthy (exec probe: true) before the next starts\n", n)
	fmt.Printf("    until the last runs         %8.1fms; %d independent: %.1fms (%.1fx, %.1fms a link)\n",
		ms(median(linked)), n, ms(median(free)), ratio(median(linked), median(free)),
		ms(median(linked)-median(free))/float64(n-1))
}

func probedIdle(composer string) {
	const n = 50
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	var pf, settings strings.Builder
	settings.WriteString("processes:\n")
	for i := range n {
		fmt.Fprintf(&pf, "p%02d: exec sleep 1000\n", i)
		fmt.Fprintf(&settings, "  p%02d:\n    readiness_probe: {tcp_socket: {port: %d}, period_seconds: 1}\n", i, port)
	}
	procfile := write("Procfile.probed", pf.String())
	probed := write("probed.yaml", settings.String())
	empty := write("none.yaml", "processes: {}\n")
	cpu := func(settings string, until string) time.Duration {
		f := follow(composer, "-f", procfile, "-c", settings)
		f.until(until)
		before := cpuTime(f.cmd.Process.Pid)
		time.Sleep(*idle)
		used := cpuTime(f.cmd.Process.Pid) - before
		f.stop()
		return used
	}
	withProbes := cpu(probed, fmt.Sprintf("p%02d is ready", n-1))
	without := cpu(empty, fmt.Sprintf("p%02d started", n-1))
	share := func(d time.Duration) float64 { return 100 * d.Seconds() / idle.Seconds() }
	fmt.Printf("  %d processes, each probed every second (tcp), over %v\n", n, *idle)
	fmt.Printf("    composer CPU                %8.1fms, %.2f%% of a core (target <= 0.5%%); unprobed %.1fms, %.2f%%\n\n",
		ms(withProbes), share(withProbes), ms(without), share(without))
}
