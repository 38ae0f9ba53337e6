package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui"
)

// upTUI runs the processes under the interactive view. An exit never ends
// the run there; q, Ctrl-C or a signal does.
func upTUI(p *project, specs []runner.Spec, opts runner.Options, f *upFlags, sock *controlSocket, logs *logFiles) error {
	for i, s := range specs {
		// The panes emulate an xterm, whatever terminal composer runs in.
		specs[i].Env = append(s.Env, "TERM=xterm-256color")
	}
	opts.KeepRunning = true
	if cols, rows, ok := terminalSize(os.Stdout); ok {
		names := make([]string, len(specs))
		for i, s := range specs {
			names[i] = s.Name
		}
		opts.Cols, opts.Rows = tui.PaneSize(cols, rows, names, f.grid)
	}
	r := runner.New(specs, opts)
	stop := &stopper{r: r}
	// The run's log, an observer of the runner ahead of the view,
	// assembles its lines once for its sinks, in order: the control
	// socket's record, the log files, the view's merged pane.
	runLog := headless.NewLog(headless.Options{Procs: specs, Timeout: opts.Timeout})
	sinks := append(sock.serve(r, stop, runLog.Hold), logs.sinks(true)...)
	// The warnings printed before the view opened are hidden behind it.
	var notice string
	if w := p.procfile.Warnings; len(w) > 0 {
		notice = "warning: " + w[0].Error()
		if len(w) > 1 {
			notice += fmt.Sprintf(" (and %d more, printed before this screen)", len(w)-1)
		}
	}
	m := tui.New(r.Events(), r, tui.Options{
		Procs: specs, Title: homeRelative(p.root), Scrollback: f.scrollback,
		Cols: opts.Cols, Rows: opts.Rows, Notice: notice, Grid: f.grid,
		Tmux: os.Getenv("TMUX") != "", Backlog: sock.recent(),
	})
	runLog.Add(append(sinks, m.Log())...)
	r.Observe(runLog.Event)
	profile := colorprofile.Detect(os.Stdout, os.Environ()) // NO_COLOR included
	if f.noColor {
		profile = colorprofile.Ascii
	}
	screen, err := tui.OpenTerminal(os.Stdin, os.Stdout, profile)
	if err != nil {
		return &exitError{code: exitInternal, msg: "cannot use the terminal: " + err.Error()}
	}
	defer screen.Close()
	prog := tea.NewProgram(screen.Model(viewModel(m)), screen.ProgramOptions()...)
	screen.Watch(prog)

	// Signals end the run through the runner; the view sees it end and
	// quits. A second signal kills what is left.
	caught := make(chan os.Signal, 4)
	signal.Notify(caught, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(caught)
	go hangups(caught, screen.Gone(), stop)

	ended := make(chan runner.Result, 1)
	go func() { ended <- r.Run() }()
	_, err = prog.Run()
	screen.Close()
	if err != nil {
		// The view failed (a panic, already reported, with the terminal
		// restored). Its events are still read: stop the processes.
		r.Shutdown("the interface failed")
	}
	m.Finish()
	runLog.Close()
	sock.end()
	logs.close()
	res := <-ended
	fmt.Print(m.Summary())
	logs.reportLater()
	switch {
	case stop.stopped():
		// Before err: a closed terminal (SIGHUP) also fails the view.
	case err != nil:
		return &exitError{code: 1, msg: "the interface failed: " + err.Error()}
	case m.Interrupted():
		return &exitError{code: 130}
	}
	return stop.exit(res)
}

// hangups stops the run on each signal caught, and when the terminal is
// gone. A terminal is gone without SIGHUP when composer is not in its
// session (under su or setsid the kernel signals only the session it
// controls); and when both come, they are one hangup, not the two signals
// that would kill what is left.
func hangups(caught <-chan os.Signal, gone <-chan struct{}, stop *stopper) {
	var h hangup
	for {
		select {
		case sig := <-caught:
			if s := sig.(syscall.Signal); h.signal(s) {
				stop.stop(s, "received "+runner.SignalName(s))
			}
		case <-gone:
			gone = nil
			if h.gone() {
				stop.stop(syscall.SIGHUP, "terminal closed")
			}
		}
	}
}

// viewModel is the model the program runs; tests wrap it.
var viewModel = func(m *tui.Model) tea.Model { return m }

// homeRelative shortens dir under the home directory to ~/...
func homeRelative(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return dir
	}
	if rel, err := filepath.Rel(home, dir); err == nil && !strings.HasPrefix(rel, "..") {
		if rel == "." {
			return "~"
		}
		return filepath.Join("~", rel)
	}
	return dir
}
