// Package shim is the supervisor that runs each of composer's processes
// on Linux. It is a second program in the same binary: the runner starts
// /proc/self/exe with argv[0] set to Arg0 as the session leader of the
// process's terminal, and the shim runs the command (its argv[1:]) as its
// child.
//
// The shim is a child subreaper, so everything the command starts stays
// below it whatever it does (double forks and setsid included), and it
// kills all of it with SIGKILL before it exits: when the command exits,
// and when composer dies, whatever killed it (composer's end of the
// control socket then closes).
//
// Protocol on the control socket, the shim's descriptor FD. From composer:
// one byte per signal, which the shim sends to the command's process
// group. From the shim, lines: "pid N" once the command runs (or "error
// MESSAGE" if it could not be started), then "done" once nothing it
// started is left ("left" if something could not be killed in time, which
// then comes to composer), just before it exits with the command's status,
// or dies of the same signal if the command was killed by one.
//
// The shim runs from this package's init, before the rest of the program
// has started, and never returns: this is the one place outside package
// main where the process exits. Any binary that imports the runner (a
// test binary too) therefore works as a shim.
package shim
