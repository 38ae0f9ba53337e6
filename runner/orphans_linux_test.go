package runner

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/composer-dev/composer/runner/internal/supervisor"

	"github.com/composer-dev/composer/internal/proctest"
)

// markedSh is a shell command that may run helpers, marked.
func markedSh(mark, name, command string) Spec {
	return Spec{Name: name, Command: command, Env: append(helperEnv(), mark)}
}

// helperRun is a shell command running a helper as the shell's child.
func helperRun(args ...string) string {
	return strings.TrimPrefix(helperCmd(args...), "exec ")
}

// noSurvivors waits until nothing marked is alive.
func noSurvivors(t *testing.T, mark string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := proctest.Marked(mark)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				syscall.Kill(p.PID, syscall.SIGKILL)
			}
			t.Fatalf("still running: %q", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// zombies lists this process's children that exited and were not reaped.
func zombies() []int {
	var out []int
	for _, p := range supervisor.Processes() {
		if p.PPID == os.Getpid() && state(p.PID) == 'Z' {
			out = append(out, p.PID)
		}
	}
	return out
}

func state(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if i := bytes.LastIndexByte(b, ')'); err == nil && i >= 0 && i+2 < len(b) {
		return b[i+2]
	}
	return 0
}

// pidsAfter collects the numbers that follow word in the output.
func pidsAfter(output, word string) []int {
	var pids []int
	f := strings.Fields(output)
	for i := range f[:max(0, len(f)-1)] {
		if f[i] == word {
			if n, err := strconv.Atoi(f[i+1]); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// Whatever a process started — children in its group, a double-forked
// escapee in a session of its own that ignores TERM and HUP — dies with
// it, however it ends.
func TestNothingOutlivesItsProcess(t *testing.T) {
	family := func() string {
		return fmt.Sprintf("sleep 1000 & echo child $!; %s; %s", helperRun("escape", "exit"), "echo ready; wait")
	}
	tests := []struct {
		name string
		end  func(tr *run)
	}{
		{"stopped", func(tr *run) { tr.r.Shutdown("test") }},
		{"killed", func(tr *run) { tr.r.Kill() }},
		{"signal", func(tr *run) { go tr.r.Signal("a", syscall.SIGKILL) }},
		{"exits", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mark := proctest.Marker(t)
			command := family()
			if tt.end == nil { // the process ends on its own, leaving the rest
				command = strings.TrimSuffix(command, "wait") + "exit 3"
			}
			tr := start(t, []Spec{markedSh(mark, "a", command)}, Options{Timeout: 200 * time.Millisecond})
			tr.wait("ready", hasOutput("a", "ready"))
			if tt.end != nil {
				tt.end(tr)
			}
			tr.finish()
			out := tr.output("a")
			if len(pidsAfter(out, "escapee")) != 1 || len(pidsAfter(out, "child")) != 1 {
				t.Fatalf("output %q, want a child and an escapee", out)
			}
			noSurvivors(t, mark)
		})
	}
}

// The supervisor reaps what is orphaned below it while the process runs.
func TestOrphansAreReapedWhileRunning(t *testing.T) {
	tr := start(t, []Spec{shSpec("a", "sh -c 'sleep 0.1 & echo orphan $!'; echo ready; exec sleep 1000")}, Options{})
	tr.wait("ready", hasOutput("a", "ready"))
	pids := pidsAfter(tr.output("a"), "orphan")
	if len(pids) != 1 {
		t.Fatalf("output %q", tr.output("a"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for state(pids[0]) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d still there in state %c", pids[0], state(pids[0]))
		}
		time.Sleep(10 * time.Millisecond)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// The PID users see is the command's; its parent is the supervisor,
// one for every process.
func TestPIDIsTheCommands(t *testing.T) {
	tr := start(t, []Spec{spec("a", "sleep"), spec("b", "sleep")}, Options{})
	allReady(tr, "a", "b")
	var parents []int
	for _, name := range []string{"a", "b"} {
		pid := tr.kinds(name, Started)[0].PID
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !bytes.HasPrefix(cmdline, []byte(os.Args[0]+"\x00sleep")) {
			t.Errorf("pid %d runs %q, want the helper", pid, cmdline)
		}
		parent := parentOf(t, pid)
		if pcmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", parent)); string(pcmd) != supervisor.Arg0+"\x00" {
			t.Errorf("its parent %d runs %q, want the supervisor", parent, pcmd)
		}
		parents = append(parents, parent)
	}
	if parents[0] != parents[1] {
		t.Errorf("a's supervisor is %d, b's %d: want one", parents[0], parents[1])
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// allReady waits until each named process has written "ready".
func allReady(tr *run, names ...string) {
	tr.t.Helper()
	tr.until("ready", func() bool {
		for _, name := range names {
			if !strings.Contains(tr.output(name), "ready") {
				return false
			}
		}
		return true
	})
}

// parentOf is pid's parent: the supervisor of a process's command.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	for _, p := range supervisor.Processes() {
		if p.PID == pid && p.PPID > 1 {
			return p.PPID
		}
	}
	t.Fatalf("no parent found for pid %d", pid)
	return 0
}

// What a process leaves when it exits is killed then, while the other
// processes and what they started run on: its children, a double-forked
// escapee in a session of its own that ignores TERM and HUP, and one that
// also left the group the session gave it (found by its marker).
func TestLeftoversDieWithTheirProcess(t *testing.T) {
	markA, markB := proctest.Marker(t), proctest.Marker(t)+"b"
	family := fmt.Sprintf("sleep 1000 & echo child $!; %s; %s; echo all started", helperRun("escape", "exit"), helperRun("escape", "exit", "newgroup"))
	tr := start(t, []Spec{
		markedSh(markA, "a", family+"; read x; exit 3"),
		markedSh(markB, "b", family+"; wait"),
	}, Options{KeepRunning: true})
	tr.until("all started", func() bool {
		return strings.Contains(tr.output("a"), "all started") && strings.Contains(tr.output("b"), "all started")
	})
	if n := len(proctest.Marked(markA)); n != 4 { // sh, sleep, two escapees
		t.Errorf("%d of a's processes: %q", n, proctest.Marked(markA))
	}
	before := proctest.Marked(markB)
	if _, err := tr.r.Write("a", []byte("\n")); err != nil {
		t.Fatal(err)
	}
	if e := tr.wait("a to exit", is("a", Exited)); e.Status.Code != 3 {
		t.Errorf("a ended %v, want exit 3", e.Status)
	}
	// By the time a's exit is reported, what it left is dead.
	if left := proctest.Marked(markA); len(left) > 0 {
		t.Errorf("still running after a exited: %q", left)
	}
	if after := proctest.Marked(markB); len(after) != len(before) {
		t.Errorf("b's processes: %q before a exited, %q after", before, after)
	}
	tr.r.Shutdown("test")
	tr.finish()
	noSurvivors(t, markB)
	if z := zombies(); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
}

// The supervisor killed with SIGKILL cannot clean up: composer, the
// subreaper above it, finds what it left, kills it and reaps it, and
// every process ends; a process started afterwards gets a new supervisor.
func TestSupervisorKilled(t *testing.T) {
	mark := proctest.Marker(t)
	tr := start(t, []Spec{
		markedSh(mark, "a", fmt.Sprintf("sleep 1000 & echo child $!; %s; echo ready; wait", helperRun("escape", "exit"))),
		spec("b", "sleep"),
	}, Options{KeepRunning: true})
	allReady(tr, "a", "b")
	sup := parentOf(t, tr.kinds("a", Started)[0].PID)
	if err := syscall.Kill(sup, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tr.until("a and b to end", func() bool { return len(tr.kinds("a", Exited)) > 0 && len(tr.kinds("b", Exited)) > 0 })
	for _, name := range []string{"a", "b"} {
		if e := tr.kinds(name, Exited)[0]; e.Status.Signal != syscall.SIGKILL {
			t.Errorf("%s ended %v, want killed by SIGKILL", name, e.Status)
		}
	}
	noSurvivors(t, mark)
	if err := tr.r.Start("b"); err != nil {
		t.Fatalf("start b again: %v", err)
	}
	again := tr.wait("b to start again", is("b", Started))
	tr.wait("b ready again", hasOutput("b", "ready"))
	if p := parentOf(t, again.PID); p == sup {
		t.Errorf("b runs under the dead supervisor %d", p)
	}
	tr.r.Shutdown("test")
	tr.finish()
	if z := zombies(); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
}

// composer killed with SIGKILL: the supervisor sees its socket close and
// kills every process's tree, then exits.
func TestComposerKilled(t *testing.T) {
	mark := proctest.Marker(t)
	command := fmt.Sprintf("sleep 1000 & %s", helperRun("escape", "stay"))
	c := exec.Command(os.Args[0], "composer", command)
	c.Env = append(helperEnv(), mark)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Wait()
	defer c.Process.Kill()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ready") {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("the helper composer ended before its process was ready")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the process never got ready")
	}
	if n := len(proctest.Marked(mark)); n < 5 { // composer, sh, sleep, escape, escapee
		t.Errorf("%d marked processes before the kill: %q", n, proctest.Marked(mark))
	}
	var sup int
	for _, p := range supervisor.Processes() {
		if p.PPID == c.Process.Pid {
			sup = p.PID
		}
	}
	if sup == 0 {
		t.Fatal("no supervisor below the helper composer")
	}
	c.Process.Kill()
	c.Wait()
	noSurvivors(t, mark)
	// It comes to this process (a subreaper) once it exits.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if state(sup) == 'Z' {
			supervisor.WaitPID(sup, 0)
		}
		if state(sup) == 0 {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(sup, syscall.SIGKILL)
			t.Fatalf("the supervisor %d is still there", sup)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A supervisor stopped by SIGSTOP is continued at once. One kept stopped
// (by a loop of SIGSTOPs, or here, to the same effect every time, a
// tracer) does not act on signals: once SIGKILL has had its time it is
// killed, and every process with it.
func TestSupervisorStopped(t *testing.T) {
	defer func(d time.Duration) { minForceAfter = d }(minForceAfter)
	minForceAfter = 200 * time.Millisecond
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("kept stopped=%v", keep), func(t *testing.T) {
			mark := proctest.Marker(t)
			tr := start(t, []Spec{markedSh(mark, "a", "sleep 1000 & echo ready; wait"), spec("b", "sleep")},
				Options{Timeout: 100 * time.Millisecond, KeepRunning: true})
			allReady(tr, "a", "b")
			sup := parentOf(t, tr.kinds("a", Started)[0].PID)
			if err := syscall.Kill(sup, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			if keep {
				hold := exec.Command(os.Args[0], "hold", strconv.Itoa(sup))
				hold.Env = helperEnv()
				out, _ := hold.StdoutPipe()
				if err := hold.Start(); err != nil {
					t.Fatal(err)
				}
				defer hold.Wait()
				if line, _ := bufio.NewReader(out).ReadString('\n'); line != "held\n" {
					t.Fatalf("hold: %q", line)
				}
				// composer may have continued it before the tracer's
				// stop took (a SIGCONT drops a pending stop): stopped
				// again, a tracee stays so, whatever composer sends.
				deadline := time.Now().Add(10 * time.Second)
				for state(sup) != 't' {
					if time.Now().After(deadline) {
						t.Fatalf("the supervisor is not held: state %q", state(sup))
					}
					syscall.Kill(sup, syscall.SIGSTOP)
					time.Sleep(time.Millisecond)
				}
			} else {
				deadline := time.Now().Add(10 * time.Second)
				for state(sup) == 'T' || state(sup) == 't' {
					if time.Now().After(deadline) {
						t.Fatalf("the supervisor is still stopped")
					}
					time.Sleep(time.Millisecond)
				}
			}
			stopped := make(chan error, 1)
			go func() { stopped <- tr.r.Stop("a") }()
			e := tr.wait("a to end", is("a", Exited))
			if err := <-stopped; err != nil {
				t.Errorf("Stop: %v", err)
			}
			// Continued, the supervisor passes the stop signal on;
			// kept stopped, it is killed, and so are the commands.
			want := Status{Signal: syscall.SIGTERM}
			if keep {
				want = Status{Signal: syscall.SIGKILL}
				tr.until("b to end", func() bool { return len(tr.kinds("b", Exited)) > 0 })
				if e := tr.kinds("b", Exited)[0]; e.Status != want {
					t.Errorf("b ended %v, want %v", e.Status, want)
				}
			} else if len(tr.kinds("b", Exited)) > 0 {
				t.Errorf("b ended: %s", summary(tr.kinds("b", Exited)))
			}
			if e.Status != want {
				t.Errorf("a ended %v, want %v", e.Status, want)
			}
			noSurvivors(t, mark)
			tr.r.Shutdown("test")
			tr.finish()
		})
	}
}
