// Package runner supervises a set of processes, each started as
// "sh -c COMMAND" in its own pseudo-terminal and its own session, so that
// the whole process group can be signalled.
//
// On Linux, nothing a process starts outlives it or the Runner's process:
// each process runs under a shim (package runner/internal/shim), the same
// binary started again, which leads the session, is a child subreaper
// (so double forks and setsid do not escape it) and kills everything below
// it when the command exits or when the Runner's process dies, whatever
// killed it. Run makes the calling process a child subreaper too, and
// kills what a shim killed with SIGKILL leaves: children of the process
// that are in another session and are not shims. Event.PID and Status are
// the command's, not the shim's. Any binary that imports this package can
// be started as a shim; the shim runs from an init function and exits
// there.
//
// Elsewhere the shell leads the session, and a process's group is what is
// signalled and, when the process exits, killed.
//
// A Runner owns all process state in one goroutine (the one calling Run).
// It publishes what happens as Events on one channel and takes commands
// (Restart, Stop, Start, Signal, Resize, Shutdown, Kill) from any goroutine.
//
// Ordering guarantees: for each run of a process, Started comes before any
// of its Output, and all of its Output comes before its Exited; the
// process's pty is drained to the end before the exit is reported. The
// Events channel is closed once every process has been reaped and Run has
// returned.
//
// The consumer must keep receiving Events until the channel is closed:
// sends block (which in turn blocks the processes' output, so nothing is
// lost and memory stays bounded). For the same reason the blocking
// commands (Restart, Stop, Start) must not be called from the goroutine
// that receives Events; Shutdown and Kill never block.
//
// Policy: when a process exits, it is restarted with exponential backoff
// if its Spec says Restart; otherwise, unless its Spec says CanDie or
// Options.KeepRunning is set, its exit ends the run: every other process
// is sent Options.StopSignal and, after Options.Timeout, SIGKILL.
package runner
