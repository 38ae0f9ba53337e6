package main

import (
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/composer-dev/composer/procfile"
)

// Shell completion: cobra's completion command writes the scripts, which
// call 'composer __complete'; what they offer for names and signals is
// decided here.

// addCompletions gives the commands that take process names and signals
// their completions.
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "up", "check", "attach":
			c.ValidArgsFunction = completeNames(false)
			_ = c.RegisterFlagCompletionFunc("stop-signal", completeSignals)
		case "restart", "stop", "start", "kill", "logs", "ps":
			// They reach a running composer, which takes "all" too.
			c.ValidArgsFunction = completeNames(true)
		}
		if c.Name() == "kill" {
			_ = c.RegisterFlagCompletionFunc("signal", completeSignals)
		}
	}
	if bundled != nil {
		root.ValidArgsFunction = completeNames(false) // a bundle's root is up
	}
}

// completeNames offers the names of the Procfile's processes, as the
// commands take them: each type and, per the formation, each instance
// (web, web.1, web.2), with "all" first if withAll; not those given already.
func completeNames(withAll bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var names []string
		if withAll {
			names = append(names, "all")
		}
		names = append(names, projectNames(cmd)...)
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// projectNames plans the project as cmd would find it (its --procfile,
// and --env and --formation where it has them, COMPOSER_ variables and
// env files) and lists what names its processes; none when that fails.
// It reads regular files only, so completing never waits on a FIFO.
func projectNames(cmd *cobra.Command) []string {
	var f projectFlags
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	f.register(fs)
	cmd.Flags().VisitAll(func(from *pflag.Flag) {
		to := fs.Lookup(from.Name)
		switch {
		case to == nil || from.Value.Type() != to.Value.Type():
		case !from.Changed && from.Value.Type() == "string":
			_ = to.Value.Set(from.Value.String()) // a default: a bundle's Procfile
		case !from.Changed:
		case from.Value.Type() == "stringSlice":
			s, _ := cmd.Flags().GetStringSlice(from.Name)
			_ = fs.Set(from.Name, strings.Join(s, ","))
		default:
			_ = fs.Set(from.Name, from.Value.String())
		}
	})
	p, err := loadProject(fs, &f, nil, true)
	if err != nil {
		return nil
	}
	return procfile.ValidNames(p.all)
}

// completeSignals offers signal names as the flags take them: TERM, or
// SIGTERM once "SIG" is typed, in the case typed.
func completeSignals(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	upper := strings.ToUpper(toComplete)
	var out []cobra.Completion
	for sig := syscall.Signal(1); sig < 32; sig++ {
		name := unix.SignalName(sig)
		if name == "" {
			continue
		}
		if !strings.HasPrefix(upper, "SIG") {
			name = strings.TrimPrefix(name, "SIG")
		}
		if !strings.HasPrefix(name, upper) {
			continue
		}
		if toComplete != upper {
			name = strings.ToLower(name)
		}
		out = append(out, name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
