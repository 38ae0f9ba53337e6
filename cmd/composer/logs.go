package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

type logsFlags struct {
	socket     socketFlags
	follow     bool
	lines      int
	timestamps bool
	noColor    bool
}

func newLogsCmd() *cobra.Command {
	var f logsFlags
	cmd := &cobra.Command{
		Use:   "logs [NAME...] [-f] [-n N]",
		Short: "Print the recent output of the running composer's processes",
		Long: fmt.Sprintf(`Print the last N lines of the log of the processes named (all by default)
in the composer running in this directory: their output and composer's own
lines about them, as 'composer up --headless' prints them. With -f, then
follow it until composer ends.

composer keeps the last %d lines of each process, and at most %d KiB of
their text. A follower that cannot keep up is told on stderr how much it
missed, and goes on from there; one that reads nothing for %v is cut off.
At most %d follow at once.

NAME is a process type ("web"), an instance ("web.2"), "all", or a glob
("web*").
`+socketHelp+` (In logs, -f means --follow: the Procfile is --procfile.)`, control.RingLines, control.RingBytes>>10, control.WriteTimeout, control.MaxFollowers),
		PreRunE: clientEnv,
		RunE:    func(cmd *cobra.Command, args []string) error { return runLogs(cmd, &f, args) },
	}
	fs := cmd.Flags()
	f.socket.register(fs, "")
	fs.BoolVarP(&f.follow, "follow", "f", false, "then print output as it comes, until composer ends")
	fs.IntVarP(&f.lines, "lines", "n", 100, "recent lines to print first")
	fs.BoolVarP(&f.timestamps, "timestamps", "t", false, "start each line with the time")
	fs.BoolVar(&f.noColor, "no-color", false, "write no colour codes of composer's own (also NO_COLOR)")
	return cmd
}

func runLogs(cmd *cobra.Command, f *logsFlags, names []string) error {
	if f.lines < 0 {
		return usageErrorf("-n %d: expected a number of lines ≥ 0", f.lines)
	}
	c, err := f.socket.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	answered := slowAnswer()
	first, err := c.Do(control.Request{Cmd: control.CmdLogs, Names: names, Lines: f.lines, Follow: f.follow})
	answered()
	if err != nil {
		err = remoteError(err)
		if ee := (*exitError)(nil); errors.As(err, &ee) && ee.code == 1 {
			ee.msg = "logs: " + ee.msg
		}
		return err
	}

	// The lines go through the log stream's own writer, as if this were
	// the composer that ran them.
	procs := make([]runner.Spec, len(first.Procs))
	index := map[string]int{headless.Self: -1}
	for i, p := range first.Procs {
		procs[i] = runner.Spec{Name: p.Name, Type: p.Type, Port: p.Port}
		index[p.Name] = i
	}
	stream := headless.NewStream(cmd.OutOrStdout(), headless.Options{
		Procs: procs, Color: useColor(f.noColor), Timestamps: f.timestamps,
	})
	err = receiveLogs(c, stream, index)
	if werr := stream.Close(); werr != nil && err == nil {
		err = werr
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		// After the first response: not a composer that was never there.
		return &exitError{code: 1, msg: fmt.Sprintf("logs: composer closed the connection before the end: it was killed, or this reader read nothing for %v", control.WriteTimeout)}
	case err != nil:
		return &exitError{code: 1, msg: "logs: " + clientError(err)}
	}
	return nil
}

// receiveLogs prints the lines received, until the last.
func receiveLogs(c *control.Client, stream *headless.Stream, index map[string]int) error {
	for {
		r, err := c.Recv()
		if err != nil {
			return err
		}
		if r.Missed > 0 {
			fmt.Fprintf(os.Stderr, "composer: logs: fell behind; %d lines (%d bytes) were skipped\n", r.Missed, r.MissedBytes)
		}
		if l := r.Line; l != nil {
			proc, ok := index[l.Name]
			if !ok {
				return fmt.Errorf("control: a line of unknown process %q", l.Name)
			}
			stream.Line(headless.Line{Proc: proc, Time: l.Time, Text: l.Text})
			stream.Done(runner.Event{})
		}
		if r.End {
			return nil
		}
	}
}
