package control

import "time"

// Version is the protocol version this package speaks. Version 2 sends
// logs as the log's lines; version 1 sent the runner's events.
const Version = 2

// The commands a Request may carry.
const (
	CmdPS      = "ps"      // the processes' state
	CmdRestart = "restart" // restart the processes named; done once each new process has started
	CmdStop    = "stop"    // stop them; done once each has exited
	CmdStart   = "start"   // start those not running; done once each has started
	CmdKill    = "kill"    // send Signal (default SIGKILL) to their process groups; done once sent
	CmdLogs    = "logs"    // their recent lines of the log, then, with Follow, those to come
	CmdQuit    = "quit"    // stop every process and end the run, as Ctrl-C does
	CmdAttach  = "attach"  // every process's state and recent output, then every event as it comes: a view
	CmdWrite   = "write"   // type Data into the one process named, as the view's interact mode does
	CmdResize  = "resize"  // give the terminal of the one process named Cols×Rows cells
)

// Request is what a client asks, one per connection.
type Request struct {
	V      int      `json:"v"`
	Cmd    string   `json:"cmd"`
	Names  []string `json:"names,omitempty"`  // processes, types, "all" or globs; ps and logs: empty means all
	Signal string   `json:"signal,omitempty"` // kill: "TERM", "SIGHUP", "9"; default KILL
	Lines  int      `json:"lines,omitempty"`  // logs: how many recent lines to send first
	Follow bool     `json:"follow,omitempty"` // logs: then send lines as they come, until the run ends
	Data   []byte   `json:"data,omitempty"`   // write: the bytes to type (base64)
	Cols   int      `json:"cols,omitempty"`   // resize
	Rows   int      `json:"rows,omitempty"`
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

	// Logs: one line. Missed, when set, counts the lines left out just
	// before this response because the reader fell behind, and
	// MissedBytes the text they held.
	Line        *Line `json:"line,omitempty"`
	Missed      int   `json:"missed,omitempty"`
	MissedBytes int   `json:"missed_bytes,omitempty"`

	// End: nothing follows (logs, quit).
	End bool `json:"end,omitempty"`

	// Replayed: logs, to a follower: the recent lines asked for have all
	// been sent; the lines that follow are written from now on.
	Replayed bool `json:"replayed,omitempty"`

	// Attach: the first response to attach, the processes (Attached);
	// then Event, one event of the run, in order. Skipped, when set,
	// comes before a view that fell behind is brought up to date: how
	// many bytes of each process's output it did not get (in the order
	// of Attached.Procs); the state events that follow say how each
	// process is now.
	Attached *Attached `json:"attached,omitempty"`
	Event    *Event    `json:"event,omitempty"`
	Skipped  []int     `json:"skipped,omitempty"`
}

// Attached describes the run to a view that attaches.
type Attached struct {
	Procs []ViewProc `json:"procs"`
}

// ViewProc is a process as a view draws it.
type ViewProc struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Port      int    `json:"port"`
	NoTTY     bool   `json:"no_tty,omitempty"`    // it has pipes, not a terminal: nothing to type at
	Readiness bool   `json:"readiness,omitempty"` // it has a readiness probe or ready line
}

// Event is one event of the run, as runner.Event says it; Kind and State
// are their names ("exited", "running"), durations are seconds.
type Event struct {
	Seq      uint64    `json:"seq"`
	Kind     string    `json:"kind"`
	Proc     int       `json:"proc"`
	Time     time.Time `json:"time"`
	PID      int       `json:"pid,omitempty"`
	Restarts int       `json:"restarts,omitempty"`
	State    string    `json:"state,omitempty"`
	Code     int       `json:"code,omitempty"`
	Signal   int       `json:"signal,omitempty"`
	Err      string    `json:"err,omitempty"` // the process could not be started
	Delay    float64   `json:"delay,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Data     []byte    `json:"data,omitempty"` // output, raw (base64)
	Waiting  []string  `json:"waiting,omitempty"`
	Ready    bool      `json:"ready,omitempty"`
	Probe    string    `json:"probe,omitempty"`
	ProbeErr string    `json:"probe_err,omitempty"`
	Failures int       `json:"failures,omitempty"`
	Took     float64   `json:"took,omitempty"`
	// Sync: one of the events that bring a view to a process's state as
	// it is (numbered with the last event the process had), not one that
	// just happened.
	Sync bool `json:"sync,omitempty"`
}

// Proc is a process's state, as ps shows it.
type Proc struct {
	Name     string `json:"name"`     // as in the log: "web", or "web.2" when its type runs more than once
	Type     string `json:"type"`     // the Procfile entry: "web"
	State    string `json:"state"`    // pending, waiting, running, suspended, stopping, restarting, exited, given-up or stopped
	PID      int    `json:"pid"`      // 0 unless running or stopping
	Restarts int    `json:"restarts"` // restarts so far, by policy or command
	Port     int    `json:"port"`     // its PORT; 0 when it has none

	// ExitCode is how its last run ended, as a shell reports it (128+N
	// when killed by signal N, 1 when it could not start); null while it
	// runs and before it first ends. Signal names the signal that killed
	// it ("SIGTERM"), else null.
	ExitCode *int    `json:"exit_code"`
	Signal   *string `json:"signal"`

	// SuspendedBy names the signal that stopped it ("SIGTSTP") while it
	// is suspended, else null.
	SuspendedBy *string `json:"suspended_by"`

	// StartedAt is when its current (or last) run started; null if it
	// never started. Uptime is the seconds since, while it runs; else 0.
	StartedAt *time.Time `json:"started_at"`
	Uptime    float64    `json:"uptime"`

	// Ready says whether its readiness probe (or ready line) passes in
	// this run; null when it has neither. ProbeError is why a probe fails.
	Ready      *bool  `json:"ready"`
	ProbeError string `json:"probe_error,omitempty"`

	// WaitingFor is, while it waits to start, what it waits for ("db
	// (healthy)"), else null; Blocked, why one of them cannot hold.
	WaitingFor []string `json:"waiting_for"`
	Blocked    string   `json:"blocked,omitempty"`

	// CPU is the % of one core it used, with what it started, over the
	// last sample (--stats-interval), and RSS and PSS its memory in
	// bytes (PSS, the pages it shares counted in part, 0 where it cannot
	// be read); Procs is how many processes that counts. Null (0) while
	// it does not run, and until it is first sampled.
	CPU   *float64 `json:"cpu"`
	RSS   *int64   `json:"rss"`
	PSS   *int64   `json:"pss"`
	Procs int      `json:"procs,omitempty"`
}

// Result is what an action did to one process.
type Result struct {
	Name    string `json:"name"`
	Error   string `json:"error,omitempty"` // the action failed for this process
	Message string `json:"message"`         // one line for people: "web restarted (pid 4121)"
	Proc    Proc   `json:"proc"`            // its state once the action is done
}

// Line is a line of the log (logs), as the log stream prints it after
// its prefix: the same lines, assembled once.
type Line struct {
	Name string    `json:"name"`           // whose line: the process ("web.1"), or "composer" for composer's own
	Of   string    `json:"of,omitempty"`   // composer's own lines: the process they are about; empty for the run's
	Time time.Time `json:"time"`           // when it was written
	Text []byte    `json:"text"`           // without its newline, as written (base64): escape sequences and invalid UTF-8 included
	Open bool      `json:"open,omitempty"` // a line still being written, not ended yet (a prompt, a progress bar)
}
