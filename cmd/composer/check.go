package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/runner"
)

type checkFlags struct {
	up     upFlags
	strict bool
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Validate the Procfile, env files and composer.yaml, and show what would run",
		Long: `Validate the Procfile, env files and composer.yaml, and print each process
that would run, with its PORT and command, and, with a composer.yaml, the
order they start in. check takes up's flags and refuses whatever
'composer up' would refuse, with the same message: flags, COMPOSER_
variables, the formation and ports, and --log-dir (which it opens and
then removes again if it made it). Exits 0 when all is well, 2 with the
errors.
` + envHelp("COMPOSER_TIMEOUT=10s COMPOSER_CAN_DIE=worker"),
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(cmd, &f, args) },
	}
	f.up.register(cmd.Flags())
	cmd.Flags().BoolVar(&f.strict, "strict", false, "treat warnings (skipped Procfile lines) as errors")
	return cmd
}

func runCheck(cmd *cobra.Command, f *checkFlags, names []string) error {
	r, err := planUp(cmd, &f.up, names, f.strict)
	if err != nil {
		return err
	}
	if err := checkLogs(&f.up.logs, r.specs, r.project.origins); err != nil {
		return err
	}
	p := r.project
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Procfile  %s (%s)\n", p.procfile.Path, count(len(p.procfile.Entries), "entry"))
	if len(p.envFiles) > 0 {
		fmt.Fprintf(out, "env       %s\n", strings.Join(p.envFiles, ", "))
	} else {
		fmt.Fprintln(out, "env       (no env file)")
	}
	if p.settings != nil {
		fmt.Fprintf(out, "settings  %s (%s)\n", p.settings.Path, count(len(p.settings.Processes), "process"))
	}
	fmt.Fprintf(out, "root      %s\n\n", p.root)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPS\tPORT\tCOMMAND")
	for i, in := range p.instances {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.Name, in.PS, orDash(r.specs[i].Port), in.Command)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.settings != nil {
		printStartOrder(out, r.specs)
	}
	return nil
}

// printStartOrder prints the order the processes start in: by rounds,
// each process after what it needs, with what that is.
func printStartOrder(out io.Writer, specs []runner.Spec) {
	fmt.Fprintln(out, "\nstart order")
	round := make([]int, len(specs)) // 0: not placed yet
	for n := 1; slices.Contains(round, 0); n++ {
		var now []int
		for i, s := range specs {
			if round[i] != 0 {
				continue
			}
			ready := true
			for _, need := range s.Needs {
				if r := round[need.Proc]; r == 0 || r == n {
					ready = false
				}
			}
			if ready || s.Disabled {
				now = append(now, i)
			}
		}
		if len(now) == 0 {
			break // a cycle: config.Check refuses them
		}
		for _, i := range now {
			round[i] = n
		}
		for _, i := range now {
			s := specs[i]
			var after []string
			for _, need := range s.Needs {
				after = append(after, specs[need.Proc].Name+" ("+need.Condition.String()+")")
			}
			line := fmt.Sprintf("  %d. %s", n, s.Name)
			switch {
			case s.Disabled:
				line += "  disabled: started when asked"
			case len(after) > 0:
				line += "  after " + strings.Join(slices.Compact(after), ", ")
			}
			fmt.Fprintln(out, line)
		}
	}
}

// checkLogs opens the --log-dir files as up does, so that it fails as up
// would, and then removes what opening them made: the directories, and
// the files still empty. check leaves the log directory as it found it.
func checkLogs(f *logFlags, procs []runner.Spec, o origins) error {
	if f.dir == "" {
		return nil
	}
	var made []string // the directories opening would make, deepest first
	for dir := filepath.Clean(f.dir); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(dir); err == nil || dir == filepath.Dir(dir) {
			break
		}
		made = append(made, dir)
	}
	before := dirNames(f.dir)
	l, err := openLogs(f, procs, o)
	if l != nil {
		l.w.Close()
	}
	for _, name := range dirNames(f.dir) {
		path := filepath.Join(f.dir, name)
		if st, serr := os.Lstat(path); serr == nil && st.Mode().IsRegular() && st.Size() == 0 && !slices.Contains(before, name) {
			os.Remove(path)
		}
	}
	for _, dir := range made {
		os.Remove(dir) // only if empty: never what another made meanwhile
	}
	return err
}

// dirNames lists the names in dir; none if it cannot be read.
func dirNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}
