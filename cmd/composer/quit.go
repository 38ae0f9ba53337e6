package main

import (
	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
)

type quitFlags struct {
	socket socketFlags
}

func newQuitCmd() *cobra.Command {
	var f quitFlags
	cmd := &cobra.Command{
		Use:   "quit",
		Short: "Stop every process and end the running composer",
		Long: `Stop every process of the composer running in this directory and end it,
as Ctrl-C does: each gets its stop signal, then SIGKILL after the timeout.
A second quit while they stop kills what is left, as a second Ctrl-C
does. Returns once every process has exited and the socket is gone.

The composer ends as after q in the interactive view: with exit code 0,
unless a process's exit had already ended the run (then with its code).
` + socketHelp,
		Args:    cobra.NoArgs,
		PreRunE: clientEnv,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.socket.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.Do(control.Request{Cmd: control.CmdQuit}); err != nil {
				return remoteError(err)
			}
			return nil
		},
	}
	f.socket.register(cmd.Flags(), "f")
	return cmd
}
