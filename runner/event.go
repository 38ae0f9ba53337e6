package runner

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Kind says what an Event reports.
type Kind int

const (
	// Started: the process is running with PID. Restarts counts how many
	// times it has been restarted before this run.
	Started Kind = iota + 1
	// Output: Data holds bytes the process wrote to its terminal, as they
	// came (ANSI sequences, \r, partial lines, invalid UTF-8 included).
	Output
	// Idle: the process has written nothing for Options.Idle since its
	// last Output (a prompt may be waiting without a newline).
	Idle
	// Signaled: composer sent Signal to the process group; Reason says why
	// ("stop", "timeout", "kill", "signal").
	Signaled
	// Exited: the process was reaped with Status. State is what it is now:
	// StateRestarting (Delay says when), StateExited or StateStopped.
	Exited
	// ShuttingDown: the run is ending (Proc is -1); Reason says why.
	ShuttingDown
	// Suspended: the process was stopped by Signal (SIGSTOP, SIGTSTP,
	// SIGTTIN, SIGTTOU) and does nothing until SIGCONT. State is
	// StateSuspended.
	Suspended
	// Resumed: a suspended process was continued (SIGCONT). State is
	// StateRunning.
	Resumed
	// Waiting: the process waits to start, State StateWaiting, until what
	// it needs holds: Waiting lists what does not yet. Reason, when set,
	// says why one of them cannot hold as things are (what it needs has
	// exited), and the process will not start unless that changes.
	Waiting
	// Ready: what tells whether the process is ready (Probe: its readiness
	// probe, or its ready line) says it is (Ready), or no longer is, or
	// has not yet been, with ProbeErr saying why.
	Ready
	// Unhealthy: the process's liveness probe (Probe) failed Failures
	// times in a row, the last with ProbeErr; it is stopped, and its exit
	// counts as a failure.
	Unhealthy
)

var kindNames = [...]string{Started: "started", Output: "output", Idle: "idle", Signaled: "signaled", Exited: "exited",
	ShuttingDown: "shutting-down", Suspended: "suspended", Resumed: "resumed", Waiting: "waiting", Ready: "ready", Unhealthy: "unhealthy"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind is the Kind named s ("started"), as String names it.
func ParseKind(s string) (Kind, error) {
	for i, name := range kindNames {
		if i > 0 && name == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown event kind %q", s)
}

// State is where a process is in its life.
type State int

const (
	StatePending    State = iota // not started yet
	StateRunning                 // running with a PID
	StateStopping                // a stop signal was sent; waiting for it to exit
	StateRestarting              // exited; will be started again after a delay
	StateExited                  // exited on its own and will not be restarted
	StateStopped                 // stopped by a command or by the end of the run
	StateSuspended               // running, but stopped by a signal until SIGCONT (ps's T)
	StateWaiting                 // waiting for what it depends on, to start
	StateGivenUp                 // exited, and restarted as often as it may be: not restarted again
)

var stateNames = [...]string{"pending", "running", "stopping", "restarting", "exited", "stopped", "suspended", "waiting", "given-up"}

// ParseState is the State named s ("running"), as String names it.
func ParseState(s string) (State, error) {
	for i, name := range stateNames {
		if name == s {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("unknown state %q", s)
}

// Live reports whether a process in this state exists: it has a PID, can
// be signalled and written to.
func (s State) Live() bool {
	switch s {
	case StateRunning, StateSuspended, StateStopping:
		return true
	case StatePending, StateRestarting, StateExited, StateStopped, StateWaiting, StateGivenUp:
	}
	return false
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is how a process ended. The zero value is a clean exit.
type Status struct {
	Code   int            // exit code; meaningless when Signal != 0
	Signal syscall.Signal // the signal that killed it, or 0
	Err    error          // set when the process could not be started at all
}

// ExitCode is the code a shell would report: Code, or 128+Signal, or 1
// when the process could not be started.
func (s Status) ExitCode() int {
	switch {
	case s.Err != nil:
		return 1
	case s.Signal != 0:
		return 128 + int(s.Signal)
	}
	return s.Code
}

func (s Status) String() string {
	switch {
	case s.Err != nil:
		return "failed to start: " + s.Err.Error()
	case s.Signal != 0:
		return "killed by " + SignalName(s.Signal)
	}
	return fmt.Sprintf("exited with code %d", s.Code)
}

// SignalName is the conventional name of sig, such as "SIGTERM".
func SignalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// ParseSignal accepts "TERM", "SIGTERM", "sigterm" or a number.
func ParseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal number %d (expected 1 to 64)", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q (expected a name like TERM, INT, QUIT, or a number)", s)
}

// Event is one thing that happened to a process or to the run. Which
// fields are set depends on Kind.
type Event struct {
	Seq      uint64 // the event's place in the stream, increasing; a suspend and continue that undid each other before being seen leave a gap
	Kind     Kind
	Proc     int    // index into the Specs given to New; -1 for the run
	Name     string // the process's name
	Time     time.Time
	PID      int
	Restarts int // restarts so far (Started, Exited)
	State    State
	Status   Status         // Exited
	Delay    time.Duration  // Exited with StateRestarting: time until the restart
	Signal   syscall.Signal // Signaled, Suspended
	Reason   string         // Signaled, ShuttingDown, Waiting
	Data     []byte         // Output; owned by the receiver
	Waiting  []string       // Waiting: what it waits for, as "db (healthy)"
	Ready    bool           // Ready: it is ready; Started and Exited: false
	Probe    string         // Ready, Unhealthy: what was checked, "tcp :5432", or "ready_log_line"
	ProbeErr string         // Ready when not Ready, Unhealthy: why the check failed
	Failures int            // Unhealthy: failures in a row
	Took     time.Duration  // Ready: since the process started
}
