package runner

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// ctrl+z typed at a process suspends it, though the kernel would discard
// the SIGTSTP (the process's group is orphaned); a process that catches
// SIGTSTP gets it instead, and goes on.
func TestTypedSuspend(t *testing.T) {
	tr := start(t, []Spec{spec("a", "echo"), spec("b", "tstp")}, Options{Timeout: 30 * time.Second})
	tr.until("both to be ready", func() bool {
		return strings.Contains(tr.output("a"), "ready") && strings.Contains(tr.output("b"), "ready")
	})

	if n, err := tr.r.Write("a", []byte("\x1a")); n != 1 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if e := tr.wait("a to be suspended", is("a", Suspended)); e.Signal != syscall.SIGTSTP {
		t.Errorf("a suspended by %v, want SIGTSTP", e.Signal)
	}
	go func() { _ = tr.r.Start("a") }() // continues it
	tr.wait("a to go on", is("a", Resumed))
	if _, err := tr.r.Write("a", []byte("again\n")); err != nil {
		t.Fatal(err)
	}
	tr.until("a to read on", func() bool { return strings.Contains(tr.output("a"), "AGAIN") })

	if _, err := tr.r.Write("b", []byte("one\x1atwo\n")); err != nil {
		t.Fatal(err)
	}
	tr.until("b to catch it and read on", func() bool {
		out := tr.output("b")
		return strings.Contains(out, "caught SIGTSTP") && strings.Contains(out, "ONETWO")
	})
	if s := tr.kinds("b", Suspended); len(s) != 0 {
		t.Errorf("b, which catches SIGTSTP, was suspended: %+v", s)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

// A second ctrl+z while suspended does not make a later SIGSTOP from
// elsewhere read as SIGTSTP.
func TestStopSignalAfterTypedSuspend(t *testing.T) {
	tr := start(t, []Spec{spec("a", "echo")}, Options{Timeout: 30 * time.Second})
	tr.wait("ready", hasOutput("a", "ready"))
	pid := tr.kinds("a", Started)[0].PID
	if _, err := tr.r.Write("a", []byte("\x1a")); err != nil {
		t.Fatal(err)
	}
	if e := tr.wait("a to be suspended", is("a", Suspended)); e.Signal != syscall.SIGTSTP {
		t.Errorf("suspended by %v, want SIGTSTP", e.Signal)
	}
	if _, err := tr.r.Write("a", []byte("\x1a")); err != nil { // while suspended
		t.Fatal(err)
	}
	go func() { _ = tr.r.Start("a") }()
	tr.wait("a to go on", is("a", Resumed))
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if e := tr.wait("a to be suspended again", is("a", Suspended)); e.Signal != syscall.SIGSTOP {
		t.Errorf("kill -STOP read as %v", e.Signal)
	}
	tr.r.Shutdown("test")
	tr.finish()
}
