package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/probe"
)

type probeFlags struct {
	timeout time.Duration
	period  time.Duration
}

func newProbeCmd() *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe tcp|http|exec TARGET",
		Short: "Wait until a readiness check passes, as composer.yaml's probes check",
		Long: `Wait until a check passes, trying it every --period, and exit 0; exit 1
if it has not passed within --timeout (0: wait for ever). The checks are
those of composer.yaml's readiness probes:

  composer probe tcp 127.0.0.1:5432          a TCP connection is accepted
  composer probe http 127.0.0.1:5000/health  a GET is answered 2xx or 3xx
  composer probe exec 'pg_isready -q'        sh -c COMMAND exits 0
  composer probe exec -- test -f ready       several words run as they are
                                             (after --, for their own flags)

A host left out (":5432") is 127.0.0.1. A try that has not answered is
given until --timeout; a failed one is tried again --period after it
began. It serves wherever a process must
wait for another with nothing else installed: a script, a systemd unit's
ExecStartPost, a container's init.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 || len(args) > 2 && args[0] == "exec" {
				return nil
			}
			return usageErrorf("probe: expected tcp HOST:PORT, http HOST:PORT/PATH or exec COMMAND")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target := args[1]
			if len(args) > 2 {
				target = shellJoin(args[1:])
			}
			p, err := parseProbe(args[0], target)
			if err != nil {
				return err
			}
			return waitProbe(p, &f)
		},
	}
	fl := cmd.Flags()
	f.timeout = time.Minute
	fl.Var((*seconds)(&f.timeout), "timeout", "how long to wait for the check to pass (60s; 0: for ever)")
	f.period = time.Second
	fl.Var((*seconds)(&f.period), "period", "time from one try to the next")
	return cmd
}

// parseProbe is the check of kind named by target.
func parseProbe(kind, target string) (*probe.Probe, error) {
	switch kind {
	case "tcp":
		host, port, err := hostPort(target)
		if err != nil {
			return nil, usageErrorf("probe tcp %q: %v", target, err)
		}
		return &probe.Probe{TCP: net.JoinHostPort(host, port)}, nil
	case "http":
		rest := strings.TrimPrefix(target, "http://")
		hp, path, _ := strings.Cut(rest, "/")
		host, port, err := hostPort(hp)
		if err != nil {
			return nil, usageErrorf("probe http %q: %v (expected HOST:PORT/PATH)", target, err)
		}
		return &probe.Probe{HTTP: &probe.HTTP{Host: host, Port: port, Path: "/" + path}}, nil
	case "exec":
		if strings.TrimSpace(target) == "" {
			return nil, usageErrorf("probe exec: expected a command")
		}
		return &probe.Probe{Exec: &probe.Exec{Command: target}}, nil
	}
	return nil, usageErrorf("probe %q: expected tcp, http or exec", kind)
}

// hostPort splits "host:port", the host 127.0.0.1 when left out.
func hostPort(s string) (host, port string, err error) {
	if _, nerr := strconv.Atoi(s); nerr == nil {
		return "", "", fmt.Errorf("a port alone: write :%s", s)
	}
	host, port, err = net.SplitHostPort(s)
	if err != nil {
		return "", "", err
	}
	if port == "" {
		return "", "", fmt.Errorf("no port")
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, port, nil
}

// waitProbe tries p until it passes or the time is up.
func waitProbe(p *probe.Probe, f *probeFlags) error {
	if f.period <= 0 {
		return usageErrorf("--period: expected a duration > 0")
	}
	// A try has until the end: a slow check can pass.
	p.Timeout = f.timeout
	if f.timeout <= 0 {
		p.Timeout = 24 * time.Hour
	}
	ctx := context.Background()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	began := time.Now()
	deadline := began.Add(f.timeout)
	var last error // the last try that ended before the deadline: why it fails
	for {
		try := time.Now()
		err := p.Try(ctx)
		if err == nil {
			fmt.Fprintf(os.Stderr, "composer: %s passes after %s\n", p, time.Since(began).Round(time.Millisecond))
			return nil
		}
		if f.timeout <= 0 || time.Now().Before(deadline) || last == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return &exitError{code: 1, msg: fmt.Sprintf("%s did not pass within %s: %v", p, f.timeout, last)}
		case <-time.After(time.Until(try.Add(f.period))):
		}
	}
}

// shellJoin is words as one sh command that runs them as they are.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if w == "" || strings.IndexFunc(w, func(r rune) bool {
			return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+-,", r)
		}) >= 0 {
			out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
