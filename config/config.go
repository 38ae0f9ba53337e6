// Package config reads composer.yaml, the optional settings file beside a
// Procfile: what a Procfile line cannot say about a process (what it
// depends on, how to tell it is ready or alive, when to restart it, how
// to stop it), under a top-level processes mapping. Key names are
// process-compose's where it has one, which are also Kubernetes' and
// Compose's ideas.
//
// Parse reads a file and checks it on its own; Check checks it against
// the processes the Procfile defines. Every error is one line, FILE:LINE:COL
// first, naming what was expected. The package does no I/O.
package config

import (
	"regexp"
	"syscall"
	"time"
)

// File is a parsed composer.yaml.
type File struct {
	Path      string
	Processes []*Process // in the order of the file
}

// Process is what the file says of one process. A zero field is "not
// said": the Procfile's and the command line's apply.
type Process struct {
	Name string
	Pos  Pos // of its key

	Command    string // "" when the Procfile gives it
	CommandPos Pos
	DependsOn  []Dependency
	Readiness  *Probe
	Liveness   *Probe
	ReadyLine  *regexp.Regexp // ready_log_line
	Restart    *Availability
	Shutdown   Shutdown
	WorkingDir string
	Env        []string // KEY=value, in the order given
	Disabled   bool
	Port       *int // nil: the Procfile's plan; 0: none
	NoTTY      bool // is_tty: false: a pipe, not a terminal
}

// Pos is a place in the file.
type Pos struct{ Line, Col int }

// Condition is what a dependency waits for.
type Condition int

const (
	Started               Condition = iota + 1 // process_started
	Healthy                                    // process_healthy: its readiness probe passes
	CompletedSuccessfully                      // process_completed_successfully: it exited 0
	LogReady                                   // process_log_ready: its ready_log_line was written
)

var conditionNames = [...]string{
	Started:               "process_started",
	Healthy:               "process_healthy",
	CompletedSuccessfully: "process_completed_successfully",
	LogReady:              "process_log_ready",
}

func (c Condition) String() string {
	if c > 0 && int(c) < len(conditionNames) {
		return conditionNames[c]
	}
	return "Condition(?)"
}

// Dependency is one entry of depends_on.
type Dependency struct {
	Name      string
	Condition Condition
	Restart   bool // restart: the dependent is stopped when Name exits, and waits for it again
	Pos       Pos
}

// Probe tells whether a process is ready, or alive: exactly one of TCP,
// HTTP and Exec is set.
type Probe struct {
	TCP  *TCPProbe
	HTTP *HTTPProbe
	Exec *ExecProbe

	InitialDelay     time.Duration // before the first try
	Period           time.Duration // between tries; default 1s
	Timeout          time.Duration // of a try; default 1s
	SuccessThreshold int           // passes in a row that make it ready; default 1
	FailureThreshold int           // failures in a row that make it not; default 3
	Pos              Pos
}

// TCPProbe passes when a connection to Host:Port is accepted.
type TCPProbe struct {
	Host string // default 127.0.0.1
	Port string // a number, or a value with $PORT in it; default "$PORT"
}

// HTTPProbe passes on a 2xx or 3xx answer to a GET of URL.
type HTTPProbe struct {
	Scheme, Host, Port, Path string // defaults http, 127.0.0.1, $PORT, /
}

// ExecProbe passes when Command, run with sh -c, exits 0.
type ExecProbe struct {
	Command string
}

// RestartPolicy is availability.restart.
type RestartPolicy int

const (
	RestartNo            RestartPolicy = iota + 1 // no
	RestartOnFailure                              // on_failure: when it exits non-zero
	RestartAlways                                 // always
	RestartExitOnFailure                          // exit_on_failure: its failure ends the run
)

var restartNames = [...]string{
	RestartNo:            "no",
	RestartOnFailure:     "on_failure",
	RestartAlways:        "always",
	RestartExitOnFailure: "exit_on_failure",
}

func (r RestartPolicy) String() string {
	if r > 0 && int(r) < len(restartNames) {
		return restartNames[r]
	}
	return "RestartPolicy(?)"
}

// Availability is when a process is restarted.
type Availability struct {
	Restart     RestartPolicy
	Backoff     time.Duration // first delay; 0: the default
	MaxRestarts int           // give up after this many; 0: never
}

// Shutdown is how a process is stopped.
type Shutdown struct {
	Signal  syscall.Signal // 0: --stop-signal
	Timeout time.Duration  // 0 with HasTimeout false: --timeout
	Command string         // run before the signal, if set
	// HasTimeout says Timeout was given (0 kills at once).
	HasTimeout bool
}

// Lookup is the process named name, or nil.
func (f *File) Lookup(name string) *Process {
	for _, p := range f.Processes {
		if p.Name == name {
			return p
		}
	}
	return nil
}
