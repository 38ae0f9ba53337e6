// Package runner supervises a set of processes, each started as
// "sh -c COMMAND" in its own pseudo-terminal and its own session, so that
// the whole process group can be signalled.
//
// On Linux, nothing a process starts outlives it or the Runner's process:
// every process of a Runner runs under one supervisor (package
// runner/internal/supervisor), the same binary started again, which runs
// each command as its child, leading its own session, is a child
// subreaper (so double forks and setsid do not escape it), kills what a
// command leaves when it exits (what is in its session or group, or
// carries its marker in the environment), and kills everything when the
// Runner's process dies, whatever killed it. Run makes the calling process
// a child subreaper too, and kills what a supervisor killed with SIGKILL
// leaves: children of the process that are in another session and are not
// supervisors. Event.PID and Status are the command's. Any binary that
// imports this package can be started as a supervisor; it runs from an
// init function and exits there.
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
// Policy: when a process exits, its Spec's RestartPolicy says whether it
// is started again, after a delay that doubles at each exit in a row of
// short runs; MaxRestarts such restarts in a row give it up. A process
// that ends for good (exited, or given up) ends the run, unless its Spec
// says CanDie, or OneShot and it exited 0, or Options.KeepRunning is set:
// then every other process is stopped.
//
// Dependencies: a process whose Spec has Needs waits (StateWaiting) until
// each holds: another process has started, passes its readiness probe,
// has written its ready line, or has exited 0. Processes start as soon as
// what they need holds, independent ones together; a need that cannot
// hold any more is reported, and the process stays waiting. Only the first
// start waits: restarts, and starts asked for by a command, do not. At
// the end of a run, a process is stopped once nothing that needs it runs.
//
// Probes run on goroutines of their own; Run hears only what changes.
// A failing liveness probe stops the process, and its exit counts as a
// failure.
package runner
