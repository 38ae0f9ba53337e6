package control

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/composer-dev/composer/runner"
)

// Version is the protocol version this package speaks.
const Version = 1

// The commands a Request may carry.
const (
	CmdPS      = "ps"      // the processes' state
	CmdRestart = "restart" // restart the processes named; done once each new process has started
	CmdStop    = "stop"    // stop them; done once each has exited
	CmdStart   = "start"   // start those not running; done once each has started
	CmdKill    = "kill"    // send Signal (default SIGKILL) to their process groups; done once sent
	CmdLogs    = "logs"    // their recent output, then, with Follow, what comes
	CmdQuit    = "quit"    // stop every process and end the run, as Ctrl-C does
)

// Request is what a client asks, one per connection.
type Request struct {
	V      int      `json:"v"`
	Cmd    string   `json:"cmd"`
	Names  []string `json:"names,omitempty"`  // processes, types, "all" or globs; ps and logs: empty means all
	Signal string   `json:"signal,omitempty"` // kill: "TERM", "SIGHUP", "9"; default KILL
	Lines  int      `json:"lines,omitempty"`  // logs: how many recent lines to send first
	Follow bool     `json:"follow,omitempty"` // logs: then send output as it comes, until the run ends
}

// Response is one line the server writes.
type Response struct {
	V int `json:"v"`

	// Error says why the request failed; nothing follows it. Usage is set
	// when the request itself was wrong (an unknown process or command, a
	// bad signal or version) rather than the action.
	Error string `json:"error,omitempty"`
	Usage bool   `json:"usage,omitempty"`

	// Procs: ps, the processes asked for; logs (first response), every
	// process, in the order of the run.
	Procs []Proc `json:"procs,omitempty"`

	// Results: restart, stop, start and kill, one per process acted on.
	Results []Result `json:"results,omitempty"`

	// Logs, first response: the run's stop timeout (nanoseconds, for the
	// log's messages) and the processes that were running before the
	// first event sent, so that a client can word their exits.
	Timeout time.Duration `json:"timeout,omitempty"`
	Running []string      `json:"running,omitempty"`

	// Logs: one event. Missed, when set, counts the events (or, in the
	// history, lines) left out just before this response because the
	// reader fell behind, and MissedBytes the output they held.
	Event       *Event `json:"event,omitempty"`
	Missed      int    `json:"missed,omitempty"`
	MissedBytes int    `json:"missed_bytes,omitempty"`

	// End: nothing follows (logs, quit).
	End bool `json:"end,omitempty"`
}

// Proc is a process's state, as ps shows it.
type Proc struct {
	Name     string `json:"name"`     // as in the log: "web", or "web.2" when its type runs more than once
	Type     string `json:"type"`     // the Procfile entry: "web"
	State    string `json:"state"`    // pending, running, stopping, restarting, exited or stopped
	PID      int    `json:"pid"`      // 0 unless running or stopping
	Restarts int    `json:"restarts"` // restarts so far, by policy or command
	Port     int    `json:"port"`     // its PORT; 0 when it has none

	// ExitCode is how its last run ended, as a shell reports it (128+N
	// when killed by signal N, 1 when it could not start); null while it
	// runs and before it first ends. Signal names the signal that killed
	// it ("SIGTERM"), else null.
	ExitCode *int    `json:"exit_code"`
	Signal   *string `json:"signal"`

	// StartedAt is when its current (or last) run started; null if it
	// never started. Uptime is the seconds since, while it runs; else 0.
	StartedAt *time.Time `json:"started_at"`
	Uptime    float64    `json:"uptime"`
}

// Result is what an action did to one process.
type Result struct {
	Name    string `json:"name"`
	Error   string `json:"error,omitempty"` // the action failed for this process
	Message string `json:"message"`         // one line for people: "web restarted (pid 4121)"
	Proc    Proc   `json:"proc"`            // its state once the action is done
}

// Event is a runner.Event on the wire (logs).
type Event struct {
	Kind     string        `json:"kind"`           // started, output, idle, signaled, exited, shutting_down, suspended, resumed
	Name     string        `json:"name,omitempty"` // the process; empty for the run
	Time     time.Time     `json:"time"`
	PID      int           `json:"pid,omitempty"`
	Restarts int           `json:"restarts,omitempty"`
	State    string        `json:"state,omitempty"`  // exited, signaled, suspended, resumed: what the process is now
	Code     int           `json:"code,omitempty"`   // exited: exit code
	Signal   string        `json:"signal,omitempty"` // exited: the signal that killed it; signaled: the signal sent; suspended: the signal that stopped it
	Error    string        `json:"error,omitempty"`  // exited: why it could not start
	Delay    time.Duration `json:"delay,omitempty"`  // exited while restarting: nanoseconds until the restart
	Reason   string        `json:"reason,omitempty"` // signaled, shutting_down
	Data     []byte        `json:"data,omitempty"`   // output: the bytes written (base64), as they came
}

var kindNames = map[runner.Kind]string{
	runner.Started:      "started",
	runner.Output:       "output",
	runner.Idle:         "idle",
	runner.Signaled:     "signaled",
	runner.Exited:       "exited",
	runner.ShuttingDown: "shutting_down",
	runner.Suspended:    "suspended",
	runner.Resumed:      "resumed",
}

// wireEvent is e as sent; data is sent in its place (nil for none).
func wireEvent(e runner.Event, name string, data []byte) *Event {
	w := &Event{
		Kind: kindNames[e.Kind], Name: name, Time: e.Time, PID: e.PID, Restarts: e.Restarts,
		Delay: e.Delay, Reason: e.Reason, Data: data,
	}
	switch e.Kind {
	case runner.Exited:
		w.State = e.State.String()
		w.Code = e.Status.Code
		if e.Status.Signal != 0 {
			w.Signal = runner.SignalName(e.Status.Signal)
		}
		if e.Status.Err != nil {
			w.Error = e.Status.Err.Error()
		}
	case runner.Signaled, runner.Suspended:
		w.State = e.State.String()
		w.Signal = runner.SignalName(e.Signal)
	case runner.Resumed:
		w.State = e.State.String()
	case runner.Started, runner.Output, runner.Idle, runner.ShuttingDown:
	}
	return w
}

// RunnerEvent is e as the runner sent it, for a consumer such as
// headless.Copy; index maps a process's name to its index (Event.Proc).
func (e *Event) RunnerEvent(index func(name string) int) (runner.Event, error) {
	re := runner.Event{
		Proc: -1, Name: e.Name, Time: e.Time, PID: e.PID, Restarts: e.Restarts,
		Delay: e.Delay, Reason: e.Reason, Data: e.Data,
	}
	for k, name := range kindNames {
		if name == e.Kind {
			re.Kind = k
		}
	}
	if re.Kind == 0 {
		return re, fmt.Errorf("control: unknown event kind %q", e.Kind)
	}
	if e.Name != "" {
		if re.Proc = index(e.Name); re.Proc < 0 {
			return re, fmt.Errorf("control: event for unknown process %q", e.Name)
		}
	}
	if e.State != "" {
		st, err := runner.ParseState(e.State)
		if err != nil {
			return re, fmt.Errorf("control: event: %w", err)
		}
		re.State = st
	}
	var sig syscall.Signal
	if e.Signal != "" {
		s, err := runner.ParseSignal(e.Signal)
		if err != nil {
			return re, fmt.Errorf("control: event: %w", err)
		}
		sig = s
	}
	switch re.Kind {
	case runner.Exited:
		re.Status = runner.Status{Code: e.Code, Signal: sig}
		if e.Error != "" {
			re.Status.Err = errors.New(e.Error)
		}
	case runner.Signaled, runner.Suspended:
		re.Signal = sig
	case runner.Started, runner.Output, runner.Idle, runner.ShuttingDown, runner.Resumed:
	}
	return re, nil
}
