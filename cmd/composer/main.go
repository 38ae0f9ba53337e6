// Command composer runs the processes of a Procfile, each in its own pty,
// with an interactive view or one prefixed log stream (--headless).
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes other than a process's own.
const (
	exitInternal = 1
	exitUsage    = 2
)

// exitError ends composer with code; a non-empty msg is printed first.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf is a configuration or usage error: one line, exit 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit code.
func run(args []string) int {
	args, err := openBundle(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "composer: "+err.Error())
		return exitInternal
	}
	root := newRootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "composer: "+ee.msg)
		}
		return ee.code
	default:
		// cobra's own errors: unknown command or flag, wrong arguments,
		// on one line ("Did you mean this?" comes on lines of its own).
		msg := strings.Join(strings.Fields(err.Error()), " ")
		if cmd != root {
			msg = cmd.Name() + ": " + msg
		}
		fmt.Fprintf(os.Stderr, "composer: %s (see '%s --help')\n", msg, cmd.CommandPath())
		return exitUsage
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "composer",
		Short: "Run the processes of a Procfile, each in its own terminal",
		Long: `composer runs the processes of a Procfile, each in its own pty, and shows
them in an interactive view or, with --headless or when output is not a
terminal, as one log stream with each line prefixed by its process's name.
While it runs, ps, logs, restart, stop, start, kill and quit control it
from another terminal or a script, and attach opens its view there; up -D
runs it in the background.`,
		Version:       versionText(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newUpCmd(), newAttachCmd(), newProbeCmd(), newCheckCmd(), newRunCmd(), newBundleCmd(), newSchemaCmd(), newVersionCmd(),
		newPsCmd(), newLogsCmd(), newRestartCmd(), newStopCmd(), newStartCmd(), newKillCmd(), newQuitCmd())
	bundleDefaults(root)
	addCompletions(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var ie *pflag.InvalidValueError
		if errors.As(err, &ie) {
			// pflag's words, with the reason as a COMPOSER_ variable's.
			f, name := ie.GetFlag(), "--"+ie.GetFlag().Name
			if f.Shorthand != "" {
				name = "-" + f.Shorthand + ", " + name
			}
			err = fmt.Errorf("invalid argument %q for %q flag: %s", ie.GetValue(), name, valueReason(f, err))
		}
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	return root
}

// envHelp ends the help of every command that reads a Procfile; examples
// are some of its own flags as variables.
func envHelp(examples string) string {
	return `
Every flag can also be set with a COMPOSER_<FLAG> variable, in the
environment or in an env file, for example
  ` + examples + `
Flags on the command line win. --procfile, --env and --root say where the
env files are, so they come from the environment only.`
}
