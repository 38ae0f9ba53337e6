package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui"
)

type attachFlags struct {
	socket     socketFlags
	interact   bool
	scrollback int
	noColor    bool
}

func newAttachCmd() *cobra.Command {
	var f attachFlags
	cmd := &cobra.Command{
		Use:   "attach [NAME]",
		Short: "Open the interactive view on the composer running in this directory",
		Long: `Open the interactive view on the composer running in this directory, however
it was started (in another terminal, with --headless, in CI): the same
panes, keys and commands, fed over its control socket. Each pane starts
with the last 64 KiB its process wrote. Several views may attach at once.

q (or ctrl+c) detaches and leaves every process running; Q stops them all,
as composer quit does. With NAME the view opens zoomed on that process,
and with --interact it goes straight to typing into it (ctrl+] leaves).
` + socketHelp,
		Args:    cobra.MaximumNArgs(1),
		PreRunE: clientEnv,
		RunE: func(cmd *cobra.Command, args []string) error {
			return attach(&f, args)
		},
	}
	fl := cmd.Flags()
	f.socket.register(fl, "f")
	fl.BoolVarP(&f.interact, "interact", "i", false, "type into the process named at once (ctrl+] leaves)")
	fl.IntVar(&f.scrollback, "scrollback", tui.DefaultScrollback, "lines of output each pane keeps")
	fl.BoolVar(&f.noColor, "no-color", false, "draw the view without colours (NO_COLOR also does)")
	return cmd
}

func attach(f *attachFlags, args []string) error {
	if f.interact && len(args) == 0 {
		return usageErrorf("--interact needs the process to type into: composer attach NAME --interact")
	}
	// Dialled once for the commands' own errors (not running, stale,
	// permission).
	c, err := f.socket.dial()
	if err != nil {
		return err
	}
	c.Close()
	path := socketPath(f.socket.procfile, f.socket.socket)
	v, err := control.Attach(path)
	if err != nil {
		return remoteError(err)
	}
	defer v.Close()
	var specs []runner.Spec
	var names []string
	for _, p := range v.Procs() {
		specs = append(specs, runner.Spec{Name: p.Name, Type: p.Type, Port: p.Port, NoTTY: p.NoTTY})
		names = append(names, p.Name)
	}
	if len(args) == 1 {
		if !slices.Contains(names, args[0]) {
			return usageErrorf("unknown process %q (valid: %s)", args[0], strings.Join(names, ", "))
		}
	}
	cols, rows := 80, 24
	if w, h, ok := terminalSize(os.Stdout); ok {
		cols, rows = tui.PaneSize(w, h, names, false)
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	// The view's own log of what it is sent, for its a pane: the lines
	// since it attached, each process's recent output first. It keeps the
	// last of them, as the composer's socket does, for when the pane is
	// first shown; the pane takes every line from then on.
	runLog := headless.NewLog(headless.Options{Procs: specs})
	recent := headless.NewRecent(len(specs)*control.RingLines, len(specs)*control.RingBytes)
	backlog := func(start func([]headless.Line)) {
		runLog.Hold(func(func(int) []byte) { start(recent.Lines()) })
	}
	events := make(chan runner.Event, 256)
	m := tui.New(events, v, tui.Options{
		Procs: specs, Title: homeRelative(filepath.Dir(path)), Scrollback: f.scrollback,
		Cols: cols, Rows: rows, Tmux: os.Getenv("TMUX") != "",
		Detach: v.Close, Select: name, Interact: f.interact, Backlog: backlog,
	})
	runLog.Add(recent, m.Log())
	go func() {
		defer close(events)
		for e := range v.Events() {
			runLog.Event(e)
			events <- e
		}
		runLog.Close()
	}()
	profile := colorprofile.Detect(os.Stdout, os.Environ())
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
	go func() {
		<-screen.Gone() // the terminal closed: detach
		v.Close()
	}()
	_, err = prog.Run()
	screen.Close()
	v.Close()
	m.Finish()
	if err != nil {
		return &exitError{code: 1, msg: "the interface failed: " + err.Error()}
	}
	if v.Ended() {
		fmt.Print(m.Summary()) // how each process ended, as up's own view says
		fmt.Printf("the run has ended\n")
	} else {
		fmt.Printf("detached; the processes run on (composer ps, composer attach)\n")
	}
	return nil
}
