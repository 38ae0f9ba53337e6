package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
)

type runFlags struct {
	project projectFlags
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run COMMAND [ARG...]",
		Short: "Run a one-off command with the project's environment",
		Long: `Run a one-off command with the project's environment: the env files, and
PORT set to the base port (that of the Procfile's first process) unless
PORT is given. A single argument is run by sh -c, so 'composer run
"echo $PORT"' works; several are run as they are. composer exits with the
command's exit code.
` + envHelp("COMPOSER_PORT=6000"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRun(cmd, &f, args) },
	}
	cmd.Flags().SetInterspersed(false) // flags after COMMAND are its own
	f.project.register(cmd.Flags())
	return cmd
}

func runRun(cmd *cobra.Command, f *runFlags, args []string) error {
	p, err := loadProject(cmd.Flags(), &f.project, nil, false)
	if err != nil {
		return err
	}
	// sh resolves the command with the project's PATH and reports a
	// missing one as sh would (exit 127).
	shArgs := []string{"-c", args[0]}
	if len(args) > 1 {
		shArgs = append([]string{"-c", `exec "$@"`, "composer-run"}, args...)
	}
	c := exec.Command("/bin/sh", shArgs...)
	c.Dir = p.root
	c.Env = append(p.env, "PORT="+strconv.Itoa(p.basePort))
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr

	// The terminal sends Ctrl-C to the command itself; other signals
	// reach composer alone and are passed on.
	caught := make(chan os.Signal, 4)
	signal.Notify(caught, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(caught)
	if err := c.Start(); err != nil {
		return &exitError{code: exitInternal, msg: err.Error()}
	}
	fromTerminal := isTerminal(os.Stdin)
	go func() {
		for sig := range caught {
			if fromTerminal && (sig == syscall.SIGINT || sig == syscall.SIGQUIT) {
				continue
			}
			_ = c.Process.Signal(sig)
		}
	}()
	err = c.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &exitError{code: 128 + int(ws.Signal())}
		}
		return &exitError{code: ee.ExitCode()}
	}
	return &exitError{code: exitInternal, msg: err.Error()}
}
