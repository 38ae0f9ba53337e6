package main

import (
	"github.com/spf13/cobra"
	"strconv"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/runner"
)

type killFlags struct {
	socket socketFlags
	signal string
}

func newKillCmd() *cobra.Command {
	var f killFlags
	cmd := &cobra.Command{
		Use:   "kill NAME... [-s SIGNAL]",
		Short: "Send a signal to processes of the running composer",
		Long: `Send a signal (SIGKILL unless -s says otherwise) to the process group of
each process named in the composer running in this directory, as x does in
the interactive view. Its exit then counts as any other: headless, a
process not in --restart or --can-die that dies of it stops the rest.
Returns once the signal is sent; a process that is not running is left
alone.

` + namesHelp + "\n" + socketHelp,
		Args:    namesRequired,
		PreRunE: clientEnv,
		RunE: func(cmd *cobra.Command, args []string) error {
			sig, err := runner.ParseSignal(f.signal)
			if err != nil {
				return usageErrorf("-s: %v", err)
			}
			// By number: a signal without a name (SIGRTMIN+6) has no other spelling.
			return runAction(cmd, &f.socket, control.Request{Cmd: control.CmdKill, Names: args, Signal: strconv.Itoa(int(sig))})
		},
	}
	f.socket.register(cmd.Flags(), "f")
	cmd.Flags().StringVarP(&f.signal, "signal", "s", "KILL", "the signal to send (TERM, HUP, SIGUSR1, 9, ...)")
	return cmd
}
