// Package headless prints a runner's events as one log stream: every line
// prefixed with the name of the process that wrote it, padded so the text
// lines up, and composer's own lines under the name "composer".
//
// Lines are written whole, so two processes never share a line. A line
// without a newline (a prompt) is shown when its process goes idle (the
// runner's Idle event); its newline alone then adds nothing. A line
// redrawn with \r (a progress bar) is shown as a terminal would show it
// when it ends; while it keeps redrawing, its current state is shown every
// Options.Progress. A line longer than MaxLine is written in pieces.
//
// A Log, an observer of the runner, assembles the lines once and hands
// them to its Sinks in order: the control socket's record, the log files
// (package logdir), then the Stream, which prints them.
package headless

import (
	"time"

	"github.com/composer-dev/composer/runner"
)

// Options configure a Stream (which uses Procs, Color, Timestamps and
// WriteFailed) and a Log (Procs, Timeout and Progress). The zero value
// writes plain lines.
type Options struct {
	Procs []runner.Spec // the processes, indexed by runner.Event.Proc

	// Running, if set, says which processes were already running when the
	// events begin (a reader joining a run late): it decides how a later
	// exit is worded, as if their Started events had been seen.
	Running []bool

	Color      bool // colour the prefixes; the processes' own colours pass through either way
	Timestamps bool // start each line with the time
	NoPrefix   bool // the lines alone, without whose they are
	JSON       bool // each line as a JSONLine object instead

	Timeout  time.Duration // the runner's stop timeout, for messages
	Progress time.Duration // show a line being redrawn with \r this often; default 1s

	// WriteFailed, if set, is called once, from the goroutine writing,
	// when writing to w fails. The Stream keeps taking lines (so the run
	// is never held) but writes nothing more.
	WriteFailed func(error)
}

// Self is the name composer's own lines carry.
const Self = "composer"
