package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/runner"
	"github.com/composer-dev/composer/tui"
)

type psFlags struct {
	socket socketFlags
	json   bool
}

func newPsCmd() *cobra.Command {
	var f psFlags
	cmd := &cobra.Command{
		Use:   "ps [NAME...]",
		Short: "List the processes of the running composer",
		Long: `List the processes of the composer running in this directory (all, or
those named: types like "web", instances like "web.2", "all", or globs
like "web*"), one per line: name, state, PID, restarts, uptime or how it
ended, and PORT.

--json prints a JSON array instead, one object per process:
  name, type     "web.2", "web"
  state          pending, waiting, running, suspended, stopping,
                 restarting, exited, given-up or stopped
  pid            its PID; 0 unless running or stopping
  restarts       restarts so far
  exit_code      how its last run ended (128+N when killed by signal N);
                 null while it runs and before it first ends
  signal         the signal that ended its last run ("SIGTERM"), else null
  port           its PORT; 0 when it has none
  started_at     when its current or last run started; null if never
  uptime         seconds it has been running; 0 when not running
  ready          whether its readiness probe (or ready line) passes;
                 null when it has neither
  probe_error    why its probe fails, when it does (omitted otherwise)
  waiting_for    while it waits to start: what for, ["db (healthy)"];
                 else null
  blocked        why what it waits for cannot happen (omitted otherwise)
` + socketHelp,
		PreRunE: clientEnv,
		RunE:    func(cmd *cobra.Command, args []string) error { return runPs(cmd, &f, args) },
	}
	f.socket.register(cmd.Flags(), "f")
	cmd.Flags().BoolVar(&f.json, "json", false, "print a JSON array, one object per process")
	return cmd
}

// socketHelp ends the help of every command that reaches a running composer.
const socketHelp = `
composer is reached through its control socket, .composer.sock beside the
Procfile, or the one named by --socket (or COMPOSER_SOCKET): run this in
the directory where 'composer up' runs, or point -f/--procfile at its
Procfile.`

func runPs(cmd *cobra.Command, f *psFlags, names []string) error {
	c, err := f.socket.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	defer slowAnswer()()
	resp, err := c.Do(control.Request{Cmd: control.CmdPS, Names: names})
	if err != nil {
		return remoteError(err)
	}
	out := cmd.OutOrStdout()
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(resp.Procs)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tPID\tRESTARTS\tCPU\tMEM\tSTATUS\tPORT")
	for _, p := range resp.Procs {
		cpu, mem := "-", "-"
		if p.CPU != nil {
			cpu, mem = tui.Percent(*p.CPU), tui.Bytes(*p.RSS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", p.Name, p.State, orDash(p.PID), p.Restarts, cpu, mem, psStatus(p), orDash(p.Port))
	}
	return tw.Flush()
}

// psStatus is how long a process has been up, or how its last run ended.
func psStatus(p control.Proc) string {
	st, _ := runner.ParseState(p.State)
	switch {
	case st == runner.StateWaiting && p.Blocked != "":
		return "will not start: " + p.Blocked
	case st == runner.StateWaiting:
		return "waiting for " + runner.WaitingFor(p.WaitingFor)
	case st.Live(): // running, suspended or stopping
		up := "up " + tui.Duration(time.Duration(p.Uptime*float64(time.Second)))
		if p.SuspendedBy != nil {
			up += ", suspended by " + *p.SuspendedBy
		}
		switch {
		case p.Ready == nil:
		case *p.Ready:
			up += ", ready"
		case p.ProbeError != "":
			up += ", not ready: " + p.ProbeError
		default:
			up += ", not ready yet"
		}
		return up
	case p.Signal != nil:
		return *p.Signal
	case p.ExitCode != nil:
		return "exit " + strconv.Itoa(*p.ExitCode)
	}
	return "-"
}

func orDash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}
