// Command bench measures composer against baselines, side by side in one
// run, and prints medians and ratios. Run it with bench/run.sh, which
// passes its flags on:
//
//	bench/run.sh                 everything
//	bench/run.sh -only headless  the headless log stream: throughput, fixed cost, many processes
//	bench/run.sh -only tui       the interactive view in a real terminal (needs tmux)
//	bench/run.sh -only bundle    the markov example's bundle: size, start time (needs redis-server)
//	bench/run.sh -only scale     50, 200, 500 processes against a bare spawner, fixed cost; 200: restart, idle CPU
//	bench/run.sh -only deps      composer.yaml: probe to dependent, a chain of 10, CPU of 50 probes
//	bench/run.sh -runs 9 -lines 200000 -flood 10s
//
// Flags for the interactive view (-only tui):
//
//	-keys N          key presses timed per run, after a warm-up (default 40)
//	-poll D          pause between captures while a key's effect is awaited (0: poll flat out)
//	-flood D         how long composer's CPU and memory are watched under a flood (30s)
//	-flood-cmd CMD   the flood (numbered 60-byte lines from seq; yes would draw no change)
//	-idle D          also the idle period of the interactive view (10s)
//	-tui-procs N     processes in the many-lines measurement (20)
//	-tui-lines N     lines each of them prints (200000)
//
// Flags for the scale group (-only scale):
//
//	-scale-sizes L   counts of processes compared with the spawner ("50,200,500")
//	-scale-procs N   processes in the measurements of composer alone (200)
//	-settle D        how long after all run memory is read (1s): as it stays
//
// The scale group runs composer up --headless and the spawner
// (bench/spawner: the floor of a pty-based runner, like hivemind: sh -c
// in a session and pty of its own, a goroutine per pty, "name | line" to
// stdout, SIGTERM to every group on SIGTERM) on the same processes,
// "echo up; exec sleep 1000", alternately, and prints medians of each and
// the ratios composer/spawner next to the targets: the time until every
// "up" line has been read from stdout (<= 1.1x); the PSS, -settle after all run,
// of the runner and its helpers, for composer itself and every
// descendant running its binary (composer-supervisor), printed
// separately too, for the spawner itself, the processes left out on both
// sides (<= 1.2x); the time from SIGTERM until the runner has exited
// (<= 1.0x), and until every process it started has gone. Each run waits
// for that before the next begins. Then the fixed cost, one process
// "echo hi" from start to exit, a median of at least 20 (<= 1.2x), and,
// at -scale-procs, composer alone: its restart, the PSS and idle CPU of
// composer and its supervisor, and a stop with a process that ignores
// SIGTERM.
//
// Each interactive measurement runs composer up in a private tmux server
// (tmux -L composer-bench-PID-N, 120×40, TERM=xterm-256color), sends keys
// with send-keys and reads the screen with capture-pane through one
// control-mode client. The baselines are keyecho (tmux's own latency: a
// raw-mode program that redraws a line per key) and teaecho (the same in
// Bubble Tea). The servers are killed on exit, on failure and on Ctrl-C.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	runs       = flag.Int("runs", 5, "repetitions of each measurement")
	lines      = flag.Int("lines", 1000000, "lines in the throughput workload")
	procs      = flag.Int("procs", 50, "processes in the many-processes measurement")
	idle       = flag.Duration("idle", 10*time.Second, "idle time over which composer's CPU is measured")
	binDir     = flag.String("bin", "", "directory holding the composer binary and the baselines (ptycat, keyecho, teaecho, spawner)")
	only       = flag.String("only", "", `run only these groups: "headless", "tui", "bundle", "scale", "deps" (comma-separated; default all)`)
	scaleProcs = flag.Int("scale-procs", 200, "processes in the scale measurement of composer alone (restart, idle CPU, a stubborn process)")
	settle     = flag.Duration("settle", time.Second, "how long after all run the scale group reads memory")
	scaleSizes = flag.String("scale-sizes", "50,200,500", "counts of processes at which the scale group compares composer with the spawner (comma-separated)")
	workDir    string
)

func main() {
	flag.Parse()
	groups := map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		switch g = strings.TrimSpace(g); g {
		case "":
		case "headless", "tui", "bundle", "scale", "deps":
			groups[g] = true
		default:
			fail(fmt.Errorf("-only %q: want headless, tui, bundle, scale or deps", g))
		}
	}
	all := len(groups) == 0
	var err error
	if workDir, err = os.MkdirTemp("", "composer-bench"); err != nil {
		fail(err)
	}
	atExit(func() { os.RemoveAll(workDir) })
	go func() {
		sig := make(chan os.Signal, 1)
		// SIGPIPE too: output piped into head must not leave tmux
		// servers and floods behind.
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
		fail(fmt.Errorf("stopped by %v", <-sig))
	}()
	composer := filepath.Join(*binDir, "composer")
	ptycat := filepath.Join(*binDir, "ptycat")
	keyecho := filepath.Join(*binDir, "keyecho")
	teaecho := filepath.Join(*binDir, "teaecho")
	spawner := filepath.Join(*binDir, "spawner")

	fmt.Printf("composer benchmarks: %d runs each, medians\n\n", *runs)
	if all || groups["headless"] {
		throughput(composer, ptycat)
		fixedCost(composer)
		manyProcesses(composer)
	}
	if all || groups["tui"] {
		interactive(composer, keyecho, teaecho)
	}
	if all || groups["scale"] {
		scale(composer, spawner)
	}
	if all || groups["deps"] {
		deps(composer)
	}
	if all || groups["bundle"] {
		bundleCost(composer)
	}
	ending.Store(true)
	cleanUp()
}

// throughput: one process writing lines of 100 bytes.
func throughput(composer, ptycat string) {
	// seq's format makes each line exactly 100 bytes with its newline.
	workload := fmt.Sprintf("seq -f 'LINE %%07.0f %s' 1 %d", strings.Repeat("x", 86), *lines)
	procfile := write("Procfile", "load: "+workload+"\n")
	noTTY := write("composer.notty.yaml", "processes:\n  load:\n    is_tty: false\n")
	out := filepath.Join(workDir, "out")
	logs := filepath.Join(workDir, "logs")
	var direct, bare, comp, logged, piped []time.Duration
	for range *runs {
		direct = append(direct, timeRun(out, "/bin/sh", "-c", workload))
		bare = append(bare, timeRun(out, ptycat, workload))
		comp = append(comp, timeRun(out, composer, "up", "--headless", "-f", procfile))
		if msg := checkLines(out); msg != "" {
			fmt.Println("  LINE CHECK FAILED:", msg)
		}
		os.RemoveAll(logs)
		logged = append(logged, timeRun(out, composer, "up", "--headless", "-f", procfile, "--log-dir", logs))
		if msg := checkLines(out); msg != "" {
			fmt.Println("  LINE CHECK FAILED (with --log-dir):", msg)
		}
		piped = append(piped, timeRun(out, composer, "up", "--headless", "-f", procfile, "-c", noTTY))
		if msg := checkLines(out); msg != "" {
			fmt.Println("  LINE CHECK FAILED (is_tty: false):", msg)
		}
	}
	d, b, c, l, p := median(direct), median(bare), median(comp), median(logged), median(piped)
	fmt.Printf("headless throughput: %d lines of 100 bytes\n", *lines)
	fmt.Printf("  direct (stdout to a file)   %8.3fs\n", d.Seconds())
	fmt.Printf("  bare pty reader             %8.3fs   %5.2fx direct\n", b.Seconds(), ratio(b, d))
	fmt.Printf("  composer up --headless      %8.3fs   %5.2fx direct   %5.2fx bare pty (target <= 1.15)\n", c.Seconds(), ratio(c, d), ratio(c, b))
	fmt.Printf("  ... with --log-dir          %8.3fs   %5.2fx direct   %5.2fx without\n", l.Seconds(), ratio(l, d), ratio(l, c))
	fmt.Printf("  ... is_tty: false (a pipe)  %8.3fs   %5.2fx direct   %5.2fx with its pty\n", p.Seconds(), ratio(p, d), ratio(p, c))
	fmt.Printf("  line check (last run): %s; log files: %s\n\n", orOK(checkLines(out)), orOK(checkLogLines(logs)))
}

// checkLogLines verifies that the log files of the throughput workload
// (load.log and those rotated, default limits) end with its last lines,
// whole and in order, with nothing missing between them.
func checkLogLines(dir string) string {
	var text []string
	want := 1 // unless lines were rotated away
	for i := 5; i >= 0; i-- {
		name := "load.log"
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if i > 0 && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err.Error()
		}
		if i == 5 {
			want = 0
		}
		text = append(text, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	tail := " " + strings.Repeat("x", 86)
	for _, l := range text {
		_, rest, ok := strings.Cut(l, " LINE ") // after the time
		n, err := strconv.Atoi(strings.TrimSuffix(rest, tail))
		if !ok || err != nil || !strings.HasSuffix(rest, tail) {
			return fmt.Sprintf("mangled line %q", l)
		}
		if want != 0 && n != want {
			return fmt.Sprintf("line %d where line %d was due", n, want)
		}
		want = n + 1
	}
	if want-1 != *lines {
		return fmt.Sprintf("the last line is %d of %d", want-1, *lines)
	}
	return ""
}

// checkLines verifies composer's output holds every workload line, whole
// and in order.
func checkLines(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	want := 1
	tail := " " + strings.Repeat("x", 86)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "composer |") {
			continue
		}
		text, ok := strings.CutPrefix(l, "load     | LINE ")
		if !ok || !strings.HasSuffix(text, tail) {
			return fmt.Sprintf("mangled line %q", l)
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(text, tail)); err != nil || n != want {
			return fmt.Sprintf("line %q where line %d was due", l, want)
		}
		want++
	}
	if want-1 != *lines {
		return fmt.Sprintf("%d of %d lines", want-1, *lines)
	}
	return ""
}

// fixedCost: up --headless on a process that prints one line.
func fixedCost(composer string) {
	procfile := write("Procfile.one", "one: echo one\n")
	var times []time.Duration
	for range max(*runs, 20) {
		times = append(times, timeRun(os.DevNull, composer, "up", "--headless", "-f", procfile))
	}
	fmt.Printf("fixed cost: up --headless on a one-line process, start to exit\n")
	fmt.Printf("  composer                    %8.1fms (target <= 15ms)\n\n", ms(median(times)))
}

// manyProcesses: N idle processes: time until all run, RSS, idle CPU.
func manyProcesses(composer string) {
	var b strings.Builder
	for i := range *procs {
		fmt.Fprintf(&b, "p%d: exec sleep 1000\n", i)
	}
	procfile := write("Procfile.many", b.String())
	var starts []time.Duration
	var rss []int
	var cpu []time.Duration
	for run := range *runs {
		s := startHeadless(composer, procfile, *procs)
		starts = append(starts, s.started)
		rss = append(rss, rssKiB(s.cmd.Process.Pid))
		if run == 0 { // CPU over the idle period, once
			before := cpuTime(s.cmd.Process.Pid)
			time.Sleep(*idle)
			cpu = append(cpu, cpuTime(s.cmd.Process.Pid)-before)
		}
		s.stop()
	}
	// The same idle, without sampling what each process uses: what the
	// sampling (once a second, the default) costs.
	s := startHeadless(composer, procfile, *procs, "--stats-interval", "0")
	before := cpuTime(s.cmd.Process.Pid)
	time.Sleep(*idle)
	unsampled := cpuTime(s.cmd.Process.Pid) - before
	s.stop()
	slices.Sort(rss)
	fmt.Printf("%d processes (sleep 1000)\n", *procs)
	fmt.Printf("  time until all run          %8.1fms (target <= 100ms)\n", ms(median(starts)))
	fmt.Printf("  composer RSS, alone         %8.1fMiB (target <= 12MiB; -only scale counts its supervisor)\n", float64(rss[len(rss)/2])/1024)
	fmt.Printf("  composer CPU over %v idle  %8.1fms, sampling each process's CPU and memory every second\n", *idle, ms(cpu[0]))
	fmt.Printf("    without sampling           %8.1fms: sampling costs %.2f%% of a core (target <= 1%%)\n\n",
		ms(unsampled), 100*(cpu[0]-unsampled).Seconds()/idle.Seconds())
}

func timeRun(out string, name string, args ...string) time.Duration {
	f, err := os.Create(out)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("%s %v: %v\n%s", name, args, err, stderr.String()))
	}
	return time.Since(began)
}

func rssKiB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// cpuTime is the user+system time pid has used.
func cpuTime(pid int) time.Duration {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

func write(name, content string) string {
	path := filepath.Join(workDir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		fail(err)
	}
	return path
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
func ms(d time.Duration) float64       { return float64(d.Microseconds()) / 1000 }

func orOK(msg string) string {
	if msg == "" {
		return "every line present, none split or merged"
	}
	return "FAILED: " + msg
}
