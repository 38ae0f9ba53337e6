package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
)

// restart, stop and start differ only in what they ask; they share this
// file.

type actionFlags struct {
	socket socketFlags
}

const namesHelp = `NAME is a process type ("web"), an instance ("web.2"), "all", or a glob
("web*"); the processes named are acted on at once.`

func newRestartCmd() *cobra.Command {
	return newActionCmd(control.CmdRestart, "Restart processes of the running composer",
		`Restart the processes named in the composer running in this directory:
stop each (its stop signal, then SIGKILL after the timeout) and start it
again, as r does in the interactive view. Its restart count goes up by
one and its backoff starts over. Returns once every new process has
started, printing its PID.`)
}

func newStopCmd() *cobra.Command {
	return newActionCmd(control.CmdStop, "Stop processes of the running composer",
		`Stop the processes named in the composer running in this directory (their
stop signal, then SIGKILL after the timeout), and cancel their pending
restarts. The others keep running, and so does composer, even headless.
Returns once every one has exited.`)
}

func newStartCmd() *cobra.Command {
	return newActionCmd(control.CmdStart, "Start stopped processes of the running composer",
		`Start the processes named in the composer running in this directory, those
not running (stopped, exited, or waiting to restart). Returns once every
one has started, printing its PID.`)
}

func newActionCmd(verb, short, long string) *cobra.Command {
	var f actionFlags
	cmd := &cobra.Command{
		Use:     verb + " NAME...",
		Short:   short,
		Long:    long + "\n\n" + namesHelp + "\n" + socketHelp,
		Args:    namesRequired,
		PreRunE: clientEnv,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAction(cmd, &f.socket, control.Request{Cmd: verb, Names: args})
		},
	}
	f.socket.register(cmd.Flags(), "f")
	return cmd
}

// runAction sends req and prints a line per process acted on; it fails
// if the action failed for any.
func runAction(cmd *cobra.Command, sf *socketFlags, req control.Request) error {
	c, err := sf.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	resp, err := c.Do(req)
	if err != nil {
		return remoteError(err)
	}
	failed := 0
	for _, r := range resp.Results {
		if r.Error != "" {
			failed++
			fmt.Fprintln(os.Stderr, "composer: "+r.Message)
			continue
		}
		fmt.Fprintln(cmd.OutOrStdout(), r.Message)
	}
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
