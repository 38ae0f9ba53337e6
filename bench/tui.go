package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	keyCount = flag.Int("keys", 40, "key presses timed per run of the key-latency measurement, after a warm-up")
	floodFor = flag.Duration("flood", 30*time.Second, "time over which composer's CPU and memory are watched under a flood")
	tuiProcs = flag.Int("tui-procs", 20, "processes in the interactive many-lines measurement")
	tuiLines = flag.Int("tui-lines", 200000, "lines each process prints in the interactive many-lines measurement")
	// Numbered, so that every frame of the pane differs: with yes's
	// identical lines a scrolling pane looks still and costs no redraw.
	pollEvery = flag.Duration("poll", 0, "pause between two captures of the screen while a key's effect is awaited (0: none)")
	floodCmd  = flag.String("flood-cmd", "seq -f 'INFO GET /api/item status=200 bytes=5120 in 12ms %010.0f' 1 9999999999",
		"the flood: a shell command writing lines without end (60 bytes each by default)")
)

const warmUp = 6 // key presses before the timed ones

// interactive measures composer up's interactive view in a real terminal.
func interactive(composer, keyecho, teaecho string) {
	fmt.Printf("interactive view, in tmux %dx%d (%s); %d CPUs, load average %s\n\n", termW, termH, tmuxVersion(), runtime.NumCPU(), loadAvg())
	keyLatency(composer, keyecho, teaecho)
	attachCost(composer)
	floodCost(composer)
	idleCost(composer, teaecho)
	manyLines(composer)
	quitDuringFlood(composer)
	fmt.Printf("\nload average at the end: %s (other work on the machine inflates the maxima)\n", loadAvg())
}

// loadAvg is the 1-minute load average, which tells how far the machine
// was busy with more than the benchmarks.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func floodProcfile() string {
	return write("Procfile.flood", "flood: "+*floodCmd+"\ncalm: sleep 100000\n")
}

// keyLatency: j and k move the selection between the two processes of a
// flood; the time from send-keys until capture-pane shows the move. The
// baselines: tmux's own latency, with a program that redraws a line per
// key, in an idle tmux and with the flood writing into another window of
// the same tmux; and Bubble Tea's, with a program that does the same
// through the framework.
func keyLatency(composer, keyecho, teaecho string) {
	procfile := floodProcfile()
	quiet := write("Procfile.quiet", "flood: sleep 100000\ncalm: sleep 100000\n")
	var comp, compUnsampled, compQuiet, echo, echoFlood, tea latencies
	for run := range *runs {
		s := startComposer(composer, procfile)
		s.ready("key latency", "flood", "calm")
		comp.add(measureKeys(s.term, fmt.Sprintf("key latency, composer, run %d", run+1), composerSelected))
		s.stop()

		s = start(composer, "up", "-f", procfile, "--stats-interval", "0")
		s.ready("key latency", "flood", "calm")
		compUnsampled.add(measureKeys(s.term, fmt.Sprintf("key latency, composer without sampling, run %d", run+1), composerSelected))
		s.stop()

		s = startComposer(composer, quiet)
		s.ready("key latency", "flood", "calm")
		compQuiet.add(measureKeys(s.term, fmt.Sprintf("key latency, composer without output, run %d", run+1), composerSelected))
		s.stop()

		t := must(newTerm(workDir, shq(keyecho)))
		echo.add(measureKeys(t, fmt.Sprintf("key latency, keyecho, run %d", run+1), echoSelected))
		t.close()

		t = must(newTerm(workDir, shq(keyecho)))
		if out, err := t.tmux("new-window", "-d", "-n", "flood", "-t", "=bench:", *floodCmd).CombinedOutput(); err != nil {
			fail(fmt.Errorf("tmux new-window: %v: %s", err, out))
		}
		echoFlood.add(measureKeys(t, fmt.Sprintf("key latency, keyecho with a flood, run %d", run+1), echoSelected))
		t.close()

		s = start(teaecho)
		tea.add(measureKeys(s.term, fmt.Sprintf("key latency, teaecho, run %d", run+1), echoSelected))
		s.stop()
	}
	fmt.Printf("key latency: j/k moves the selection; from send-keys until capture-pane shows it\n")
	fmt.Printf("  %d keys per run after %d, %d runs; median and p90 are medians over runs, max the worst of all\n", *keyCount, warmUp, *runs)
	row := func(name string, l latencies, note string) {
		fmt.Printf("  %-38s %6.1fms %6.1fms %6.1fms %5d%s\n", name, ms(l.median()), ms(l.p90()), ms(l.max()), l.over(100*time.Millisecond), note)
	}
	ratios := func(name string, a, b latencies) {
		fmt.Printf("  %-38s %7.2fx %7.2fx %7.2fx\n", name, ratio(a.median(), b.median()), ratio(a.p90(), b.p90()), ratio(a.max(), b.max()))
	}
	fmt.Printf("  %-38s %8s %8s %8s %6s\n", "", "median", "p90", "max", ">100ms")
	row("keyecho, idle tmux", echo, "")
	row("keyecho, flood in another tmux window", echoFlood, "")
	row("teaecho (bare Bubble Tea), idle tmux", tea, "")
	row("composer up, processes print nothing", compQuiet, "")
	row("composer up, flood in a process", comp, "   (target median <= 30ms, max <= 100ms)")
	row("  the same, not sampling CPU and memory", compUnsampled, "")
	ratios("composer / keyecho with the flood", comp, echoFlood)
	ratios("composer / keyecho idle", comp, echo)
	ratios("composer / teaecho", comp, tea)
	ratios("composer without output / teaecho", compQuiet, tea)
	ratios("composer / composer without output", comp, compQuiet)
	ratios("composer / composer not sampling", comp, compUnsampled)
	fmt.Printf("  max per run: composer %s; keyecho idle %s; teaecho %s\n", comp.maxes(), echo.maxes(), tea.maxes())
	fmt.Printf("  capture-pane round trip: %.2fms keyecho idle, %.2fms keyecho with the flood, %.2fms composer with the flood\n\n",
		ms(echo.poll()), ms(echoFlood.poll()), ms(comp.poll()))
}

// composerSelected: the sidebar row of name carries the ▌ marker.
func composerSelected(screen, name string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if _, after, ok := strings.Cut(l, "▌"); ok {
			side, _, _ := strings.Cut(after, "│") // the sidebar, not the pane
			return hasWord(side, name)
		}
	}
	return false
}

func echoSelected(screen, name string) bool {
	return strings.Contains(screen, "selected: "+name+" ·")
}

// latencies collects the key latencies of several runs.
type latencies struct {
	runs  [][]time.Duration
	polls []time.Duration // capture-pane round trip, mean per run
}

func (l *latencies) add(d []time.Duration, poll time.Duration) {
	slices.Sort(d)
	l.runs = append(l.runs, d)
	l.polls = append(l.polls, poll)
}

// stat is the median over runs of each run's figure.
func (l *latencies) stat(f func([]time.Duration) time.Duration) time.Duration {
	var per []time.Duration
	for _, r := range l.runs {
		per = append(per, f(r))
	}
	return median(per)
}

func (l *latencies) median() time.Duration {
	return l.stat(func(d []time.Duration) time.Duration { return pct(d, 50) })
}
func (l *latencies) p90() time.Duration {
	return l.stat(func(d []time.Duration) time.Duration { return pct(d, 90) })
}
func (l *latencies) poll() time.Duration { return median(l.polls) }

func (l *latencies) max() time.Duration {
	var m time.Duration
	for _, r := range l.runs {
		m = max(m, r[len(r)-1])
	}
	return m
}

func (l *latencies) maxes() string {
	var s []string
	for _, r := range l.runs {
		s = append(s, fmt.Sprintf("%.1fms", ms(r[len(r)-1])))
	}
	return strings.Join(s, " ")
}

// over counts the latencies above d, in all runs.
func (l *latencies) over(d time.Duration) int {
	n := 0
	for _, r := range l.runs {
		for _, x := range r {
			if x > d {
				n++
			}
		}
	}
	return n
}

// pct is the p-th percentile of sorted d, nearest rank.
func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	return d[max(0, i-1)]
}

// measureKeys times -keys presses of j and k, alternately, each from
// send-keys until selected(screen, name) holds for the process it selects.
// It returns the latencies and the mean capture-pane round trip.
func measureKeys(t *term, what string, selected func(screen, name string) bool) ([]time.Duration, time.Duration) {
	names, keys := [2]string{"flood", "calm"}, [2]string{"k", "j"}
	must(t.waitFor(what+": flood selected at the start", 10*time.Second, 0, func(s string) bool { return selected(s, "flood") }))
	var lat []time.Duration
	var polls int
	var polling time.Duration
	cur := 0
	for i := range warmUp + *keyCount {
		next := 1 - cur
		// A random pause, so that keys land at every phase of a frame.
		time.Sleep(20*time.Millisecond + rand.N(40*time.Millisecond))
		began := time.Now()
		check(t.keys(keys[next]))
		for {
			p := time.Now()
			s := must(t.screen())
			polls++
			polling += time.Since(p)
			if selected(s, names[next]) {
				break
			}
			time.Sleep(*pollEvery)
			if time.Since(began) > 5*time.Second {
				fail(fmt.Errorf("%s: %w", what, &screenError{fmt.Sprintf("key %s (press %d) did not select %s within 5s", keys[next], i+1, names[next]), s}))
			}
		}
		if i >= warmUp {
			lat = append(lat, time.Since(began))
		}
		cur = next
	}
	return lat, polling / time.Duration(polls)
}

// floodCost: composer's CPU and memory while a process floods its pane.
func floodCost(composer string) {
	bare := floodRate()
	s := startComposer(composer, floodProcfile())
	s.ready("flood", "flood", "calm")
	server := s.serverPid()
	every := max(*floodFor/10, time.Second)
	cpu0, srv0, io0 := cpuTime(s.pid), cpuTime(server), procIO(s.pid)
	began := time.Now()
	var rss []string
	for tick := began.Add(every); ; tick = tick.Add(every) {
		if tick.After(began.Add(*floodFor)) {
			time.Sleep(time.Until(began.Add(*floodFor)))
			break
		}
		time.Sleep(time.Until(tick))
		s.alive("the flood")
		rss = append(rss, fmt.Sprintf("%.1f", mib(rssKiB(s.pid))))
	}
	wall := time.Since(began)
	cpu, srv, io := cpuTime(s.pid)-cpu0, cpuTime(server)-srv0, procIO(s.pid)
	end, peak := rssKiB(s.pid), statusKiB(s.pid, "VmHWM:")
	s.alive("the flood")
	sc := must(s.screen())
	s.stop()
	fmt.Printf("flood: one process writing lines without end (%s), for %v\n", *floodCmd, wall.Round(time.Second/10))
	fmt.Printf("  composer CPU                %8.2f cores (target <= 1)\n", ratio(cpu, wall))
	fmt.Printf("  composer RSS at the end     %8.1fMiB (target <= 50MiB), peak %.1fMiB\n", mib(end), mib(peak))
	fmt.Printf("  composer RSS every %v:  %s MiB\n", every, strings.Join(rss, " "))
	read := float64(io.rchar-io0.rchar) / wall.Seconds() / 1e6
	fmt.Printf("  bare pty reader             %8.1fMB/s of the flood (ptycat to /dev/null)\n", bare)
	fmt.Printf("  composer                    %8.1fMB/s of the flood %5.2fx bare pty, wrote %.1fKB/s to the terminal\n",
		read, read/bare, float64(io.wchar-io0.wchar)/wall.Seconds()/1e3)
	fmt.Printf("  tmux server CPU             %8.1fms/s\n", ms(srv)/wall.Seconds())
	if !composerSelected(sc, "flood") {
		fmt.Printf("  THE SCREEN NO LONGER SHOWS THE TUI:\n%s\n", sc)
	}
	fmt.Println()
}

// floodRate is how fast the flood goes through a bare pty reader, in
// MB/s: the pace composer can at best keep.
func floodRate() float64 {
	cmd := exec.Command(filepath.Join(*binDir, "ptycat"), *floodCmd)
	var err error
	spawn(func() {
		if err = cmd.Start(); err == nil {
			atExit(func() { cmd.Process.Kill() })
		}
	})
	check(err)
	time.Sleep(100 * time.Millisecond)
	io0, began := procIO(cmd.Process.Pid), time.Now()
	time.Sleep(min(*floodFor, 10*time.Second))
	io, wall := procIO(cmd.Process.Pid), time.Since(began)
	cmd.Process.Kill() // the pty closes: the flood gets SIGHUP
	cmd.Wait()
	return float64(io.rchar-io0.rchar) / wall.Seconds() / 1e6
}

// idleCost: composer's CPU while its processes print nothing, against a
// bare Bubble Tea program's.
func idleCost(composer, teaecho string) {
	t := start(teaecho)
	must(t.waitFor("idle: teaecho", 10*time.Second, 0, func(sc string) bool { return echoSelected(sc, "flood") }))
	teaCPU, teaWake, _ := idleFor(t)
	t.stop()

	procfile := write("Procfile.idle", "idle1: sleep 100000\nidle2: sleep 100000\nidle3: sleep 100000\n")
	s := startComposer(composer, procfile)
	s.ready("idle", "idle1", "idle2", "idle3")
	cpu, wake, wall := idleFor(s)
	s.stop()
	fmt.Printf("idle: 3 processes (sleep) that print nothing, for %v\n", wall.Round(time.Second/10))
	fmt.Printf("  teaecho (bare Bubble Tea)   %8.1fms CPU, %6.1f wake-ups/s\n", ms(teaCPU), teaWake)
	fmt.Printf("  composer                    %8.1fms CPU, %6.1f wake-ups/s   %5.2fx teaecho (target: only a once-a-second uptime tick)\n\n",
		ms(cpu), wake, ratio(cpu, teaCPU))
}

// idleFor is the CPU a program uses over -idle after a second to settle,
// and how often its threads wake up (context switches) per second.
func idleFor(s *session) (cpu time.Duration, wakes float64, wall time.Duration) {
	time.Sleep(time.Second)
	cpu0, wake0 := cpuTime(s.pid), wakeups(s.pid)
	began := time.Now()
	time.Sleep(*idle)
	wall = time.Since(began)
	cpu, wake := cpuTime(s.pid)-cpu0, wakeups(s.pid)-wake0
	s.alive("the idle period")
	return cpu, float64(wake) / wall.Seconds(), wall
}

// manyLines: -tui-procs processes print -tui-lines lines each and exit;
// the time until the sidebar shows every one exited 0, and the RSS then.
func manyLines(composer string) {
	var b strings.Builder
	// 80 bytes a line with the newline: narrower than the pane.
	workload := fmt.Sprintf("seq -f 'line %%07.0f %s' 1 %d", strings.Repeat("x", 66), *tuiLines)
	var names []string
	for i := range *tuiProcs {
		names = append(names, fmt.Sprintf("p%02d", i+1))
		fmt.Fprintf(&b, "%s: %s\n", names[i], workload)
	}
	procfile := write("Procfile.lines", b.String())
	var tuiTimes, headlessTimes []time.Duration
	var rss, peak []int
	for run := range *runs {
		began := time.Now()
		s := startComposer(composer, procfile)
		must(s.waitFor(fmt.Sprintf("many lines, run %d: every process exited 0", run+1), 10*time.Minute, 50*time.Millisecond,
			func(sc string) bool {
				if strings.Contains(sc, "✗") {
					fail(&screenError{fmt.Sprintf("many lines, run %d: a process failed", run+1), sc})
				}
				return allDone(sc, names)
			}))
		tuiTimes = append(tuiTimes, time.Since(began))
		rss = append(rss, rssKiB(s.pid))
		peak = append(peak, statusKiB(s.pid, "VmHWM:"))
		s.stop()
		headlessTimes = append(headlessTimes, timeRun(os.DevNull, composer, "up", "--headless", "--can-die", "all", "-f", procfile))
	}
	slices.Sort(rss)
	slices.Sort(peak)
	t, h := median(tuiTimes), median(headlessTimes)
	fmt.Printf("many lines: %d processes printing %d lines of 80 bytes each, until all show exit 0\n", *tuiProcs, *tuiLines)
	fmt.Printf("  composer up --headless      %8.3fs (--can-die all, to /dev/null)\n", h.Seconds())
	fmt.Printf("  composer up                 %8.3fs   %5.2fx headless\n", t.Seconds(), ratio(t, h))
	fmt.Printf("  composer RSS at the end     %8.1fMiB (target <= 100MiB with the default scrollback), peak %.1fMiB\n\n",
		mib(rss[len(rss)/2]), mib(peak[len(peak)/2]))
}

// allDone: every process is shown exited 0 (✓ before its name, or its
// sidebar row saying exit 0).
func allDone(screen string, names []string) bool {
	lines := strings.Split(screen, "\n")
	for _, n := range names {
		done := false
		for _, l := range lines {
			side, _, _ := strings.Cut(l, "│")
			if i := wordIndex(l, n); i >= 0 && strings.HasSuffix(strings.TrimSpace(l[:i]), "✓") ||
				hasWord(side, n) && strings.Contains(side, "exit 0") {
				done = true
				break
			}
		}
		if !done {
			return false
		}
	}
	return true
}

// quitDuringFlood: q during a flood, until composer has exited; then
// the terminal must be back to normal and the processes gone.
func quitDuringFlood(composer string) {
	procfile := floodProcfile()
	var times []time.Duration
	var codes, states, leftovers []string
	for run := range *runs {
		what := fmt.Sprintf("quit during a flood, run %d", run+1)
		s := startComposer(composer, procfile)
		s.ready(what, "flood", "calm")
		time.Sleep(time.Second)
		kids := descendants(s.pid)
		began := time.Now()
		check(s.keys("q"))
		sc := must(s.waitFor(what+": composer's exit", 30*time.Second, 0, func(sc string) bool { return strings.Contains(sc, "[exit ") }))
		times = append(times, time.Since(began))
		_, code, _ := strings.Cut(sc, "[exit ")
		code, _, _ = strings.Cut(code, "]")
		codes = append(codes, code)
		state := must(s.format("#{alternate_on} #{cursor_flag}"))
		mouse := must(s.format("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}#{mouse_sgr_flag}"))
		if state != "0 1" {
			state += " (BROKEN: want 0 1)"
		}
		if mouse != "00000" {
			state += " mouse " + mouse + " (BROKEN: mouse reporting left on)"
		}
		states = append(states, state)
		var left []string
		for _, p := range kids {
			if p.alive() {
				left = append(left, p.String())
			}
		}
		if len(left) > 0 {
			leftovers = append(leftovers, fmt.Sprintf("run %d: %s", run+1, strings.Join(left, ", ")))
		}
		s.stop()
	}
	fmt.Printf("quit: q during a flood, until composer has exited\n")
	fmt.Printf("  time to exit                %8.1fms (max %.1fms)\n", ms(median(times)), ms(slices.Max(times)))
	fmt.Printf("  exit codes                  %s\n", strings.Join(codes, " "))
	fmt.Printf("  terminal after exit         %s (#{alternate_on} #{cursor_flag}, want 0 1)\n", strings.Join(slices.Compact(states), "; "))
	if len(leftovers) == 0 {
		fmt.Printf("  processes left running      none\n")
	} else {
		fmt.Printf("  processes left running      %s\n", strings.Join(leftovers, "; "))
	}
}

// session is a program, usually composer up, running in a terminal.
type session struct {
	*term
	name string
	pid  int
}

// startComposer runs composer up -f procfile in a new terminal.
func startComposer(composer, procfile string) *session {
	return start(composer, "up", "-f", procfile)
}

// start runs a program in a new terminal, through a launcher that records
// its pid, and after it exits prints "[exit CODE]" and keeps the terminal
// open.
func start(program string, args ...string) *session {
	launch := write("launch.sh", `pidfile=$1; shift
sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@"
echo "[exit $?]"
exec sleep 1000000
`)
	pidfile := filepath.Join(workDir, "program.pid")
	os.Remove(pidfile)
	command := "/bin/sh " + shq(launch) + " " + shq(pidfile) + " " + shq(program)
	for _, a := range args {
		command += " " + shq(a)
	}
	t := must(newTerm(workDir, command))
	s := &session{term: t, name: filepath.Base(program)}
	for deadline := time.Now().Add(5 * time.Second); s.pid == 0; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(pidfile)
		s.pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if s.pid == 0 && time.Now().After(deadline) {
			sc, _ := t.screen()
			fail(&screenError{s.name + " did not start within 5s", sc})
		}
	}
	atExit(s.stop)
	return s
}

// ready waits until every process has started and the view shows them,
// the first selected.
func (s *session) ready(what string, names ...string) {
	must(s.waitFor(what+": composer showing "+strings.Join(names, ", "), 10*time.Second, 0, func(sc string) bool {
		for _, n := range names {
			if !hasWord(sc, n) {
				return false
			}
		}
		return composerSelected(sc, names[0]) && len(descendants(s.pid)) >= len(names)
	}))
}

// alive fails unless the program is still running.
func (s *session) alive(during string) {
	if !(proc{pid: s.pid}).alive() {
		sc, _ := s.screen()
		fail(&screenError{s.name + " exited during " + during, sc})
	}
}

// stop ends the terminal and waits for the program, which gets SIGHUP,
// to exit, so that one measurement does not run into the next.
func (s *session) stop() {
	s.close()
	for deadline := time.Now().Add(15 * time.Second); (proc{pid: s.pid}).alive(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "bench: %s (pid %d) still running 15s after SIGHUP; killing it\n", s.name, s.pid)
			syscall.Kill(s.pid, syscall.SIGKILL)
			return
		}
	}
}

func (t *term) serverPid() int {
	pid, err := strconv.Atoi(must(t.do("display-message -p '#{pid}'")))
	check(err)
	return pid
}

// proc is a process, told apart from a later one with the same pid by its
// start time.
type proc struct {
	pid   int
	start string
}

func (p proc) alive() bool {
	st, ok := procStat(p.pid)
	return ok && st[3] != "Z" && (p.start == "" || st[22] == p.start)
}

func (p proc) String() string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
	return fmt.Sprintf("%d (%s)", p.pid, strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")))
}

// procStat is the fields of /proc/PID/stat, numbered as in proc(5) from 1
// (st[1] is the pid), the command name kept whole.
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return nil, false
	}
	return append([]string{"", strconv.Itoa(pid), s[open : end+1]}, strings.Fields(s[end+1:])...), true
}

// descendants is every process below pid.
func descendants(pid int) []proc {
	var out []proc
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			child, _ := strconv.Atoi(f)
			if st, ok := procStat(child); ok {
				out = append(out, proc{child, st[22]})
				out = append(out, descendants(child)...)
			}
		}
	}
	return out
}

// wakeups is how often pid's threads have been switched out, a count of
// wake-ups.
func wakeups(pid int) int {
	n := 0
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	for _, t := range tasks {
		tid, _ := strconv.Atoi(filepath.Base(t))
		n += statusKiB(tid, "voluntary_ctxt_switches:") + statusKiB(tid, "nonvoluntary_ctxt_switches:")
	}
	return n
}

type ioStat struct{ rchar, wchar int64 }

// procIO is what pid has read and written, from /proc/PID/io.
func procIO(pid int) ioStat {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	var s ioStat
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "rchar":
			s.rchar = n
		case "wchar":
			s.wchar = n
		}
	}
	return s
}

// statusKiB is a figure from /proc/PID/status, such as VmHWM: (in kB).
func statusKiB(pid int, field string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func tmuxVersion() string {
	out, err := exec.Command("tmux", "-V").Output()
	if err != nil {
		fail(errors.New("the interactive benchmarks need tmux: " + err.Error()))
	}
	return strings.TrimSpace(string(out))
}

// hasWord: word occurs in s between non-word characters.
func hasWord(s, word string) bool { return wordIndex(s, word) >= 0 }

func wordIndex(s, word string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return -1
		}
		j += i
		end := j + len(word)
		if (j == 0 || !isWordByte(s[j-1])) && (end == len(s) || !isWordByte(s[end])) {
			return j
		}
		i = j + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func mib(kib int) float64 { return float64(kib) / 1024 }

func must[T any](v T, err error) T {
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}
