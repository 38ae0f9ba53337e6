package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

type checkFlags struct {
	project projectFlags
	strict  bool
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Validate the Procfile and env files and show what would run",
		Long: `Validate the Procfile and env files and print each process that would run,
with its PORT and command. Exits 0 when all is well, 2 with the errors.
` + envHelp,
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(cmd, &f, args) },
	}
	f.project.register(cmd.Flags())
	cmd.Flags().BoolVar(&f.strict, "strict", false, "treat warnings (skipped Procfile lines) as errors")
	return cmd
}

func runCheck(cmd *cobra.Command, f *checkFlags, names []string) error {
	p, err := loadProject(cmd, &f.project, names)
	if err != nil {
		return err
	}
	if err := p.warn(f.strict); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Procfile  %s (%d entries)\n", p.procfile.Path, len(p.procfile.Entries))
	if len(p.envFiles) > 0 {
		fmt.Fprintf(out, "env       %s\n", strings.Join(p.envFiles, ", "))
	} else {
		fmt.Fprintln(out, "env       (no env file)")
	}
	fmt.Fprintf(out, "root      %s\n\n", p.root)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPS\tPORT\tCOMMAND")
	for _, in := range p.instances {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", in.Name, in.PS, in.Port, in.Command)
	}
	return tw.Flush()
}
