package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/composer-dev/composer/config"
	"github.com/composer-dev/composer/probe"
	"github.com/composer-dev/composer/procfile"
	"github.com/composer-dev/composer/runner"
)

// settingsName is the settings file read beside the Procfile.
const settingsName = "composer.yaml"

// readSettings reads the settings file: the one named by --config, or
// composer.yaml beside the Procfile when it is there (nil when it is
// not). It checks it against the Procfile, and returns the processes it
// alone defines, as entries to follow the Procfile's.
func (p *project) readSettings(f *projectFlags, quiet bool) ([]procfile.Entry, error) {
	path, explicit := f.config, f.config != ""
	if !explicit {
		path = filepath.Join(filepath.Dir(f.procfile), settingsName)
	}
	src, err := readInput(path, explicit && !quiet)
	var nf *notFileError
	switch {
	case errors.Is(err, iofs.ErrNotExist) && !explicit:
		return nil, nil
	case errors.Is(err, iofs.ErrNotExist):
		return nil, usageErrorf("%s: no such file", p.origins.value("config", path))
	case errors.As(err, &nf), err != nil:
		return nil, usageErrorf("%v", err)
	}
	file, err := config.Parse(path, src)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	var defined []config.Defined
	for _, e := range p.procfile.Entries {
		defined = append(defined, config.Defined{Name: e.Name, Line: e.Line})
	}
	if p.order, err = config.Check(file, p.procfile.Path, defined); err != nil {
		return nil, usageErrorf("%v", err)
	}
	var more []procfile.Entry
	for _, s := range file.Processes {
		if s.Command != "" {
			more = append(more, procfile.Entry{Name: s.Name, Command: s.Command, Line: s.CommandPos.Line})
		}
	}
	p.settings = file
	return more, nil
}

// fixPorts gives the instances whose settings say port their PORT: a
// fixed one, or none. A fixed port runs one instance.
func (p *project) fixPorts() error {
	if p.settings == nil {
		return nil
	}
	n := map[string]int{}
	for _, in := range p.all {
		n[in.Type]++
	}
	for i := range p.all {
		in := &p.all[i]
		s := p.settings.Lookup(in.Type)
		if s == nil || s.Port == nil {
			continue
		}
		if *s.Port != 0 && n[in.Type] > 1 {
			return usageErrorf("%s:%d:%d: %s has the fixed port %d, so it can run once; the formation runs it %d times",
				p.settings.Path, s.Pos.Line, s.Pos.Col, in.Type, *s.Port, n[in.Type])
		}
		in.Port = *s.Port
	}
	return nil
}

// addDependencies adds to the instances to run those they need, and
// what those need in turn, in the order of the plan.
func (p *project) addDependencies() {
	if p.settings == nil {
		return
	}
	want := map[string]bool{}
	var add func(typ string)
	add = func(typ string) {
		if want[typ] {
			return
		}
		want[typ] = true
		if s := p.settings.Lookup(typ); s != nil {
			for _, d := range s.DependsOn {
				add(d.Name)
			}
		}
	}
	for _, in := range p.instances {
		add(in.Type)
	}
	chosen, named := map[string]bool{}, map[string]bool{}
	for _, in := range p.instances {
		chosen[in.Name], named[in.Type] = true, true
	}
	var out []procfile.Instance
	for _, in := range p.all {
		// The instances named, and every instance of a type added for
		// another's sake.
		if chosen[in.Name] || want[in.Type] && !named[in.Type] {
			out = append(out, in)
		}
	}
	p.instances = out
}

// applySettings adds to specs (one per p.instances) what the settings say
// of each: what it needs, its probes, restarts and stop, its directory,
// environment and PORT. A dependency that does not run is left out: with
// --no-deps as asked, else with a warning.
func (p *project) applySettings(specs []runner.Spec, noDeps bool) error {
	if p.settings == nil {
		return nil
	}
	byType := map[string][]int{}
	for i, in := range p.instances {
		byType[in.Type] = append(byType[in.Type], i)
	}
	oneShot := map[string]bool{}
	for _, s := range p.settings.Processes {
		for _, d := range s.DependsOn {
			if d.Condition == config.CompletedSuccessfully {
				oneShot[d.Name] = true
			}
		}
	}
	for i, in := range p.instances {
		spec := &specs[i]
		spec.OneShot = oneShot[in.Type]
		s := p.settings.Lookup(in.Type)
		if s == nil {
			continue
		}
		expand := func(v string) string { return expandEnv(v, spec.Env) }
		if s.Port != nil && *s.Port == 0 {
			spec.Env = slices.DeleteFunc(slices.Clone(spec.Env), func(kv string) bool { return strings.HasPrefix(kv, "PORT=") })
			spec.Port = 0
		}
		for _, kv := range s.Env {
			k, v, _ := strings.Cut(kv, "=")
			spec.Env = append(spec.Env, k+"="+expand(v))
			if k == "PORT" { // what the log and ps show, too
				spec.Port, _ = strconv.Atoi(expand(v))
			}
		}
		if s.WorkingDir != "" {
			dir := expand(s.WorkingDir)
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(p.root, dir)
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return usageErrorf("%s:%d:%d: %s's working_dir %s: not a directory", p.settings.Path, s.Pos.Line, s.Pos.Col, in.Type, dir)
			}
			spec.Dir = dir
		}
		for _, d := range s.DependsOn {
			deps := byType[d.Name]
			if len(deps) == 0 && !noDeps {
				fmt.Fprintf(os.Stderr, "composer: warning: %s depends on %s, which does not run (see the formation): it starts without waiting for it\n", in.Name, d.Name)
			}
			for _, j := range deps {
				spec.Needs = append(spec.Needs, runner.Need{Proc: j, Condition: condition(d.Condition), Restart: d.Restart})
			}
		}
		var err error
		if spec.Readiness, err = p.probe(s.Readiness, spec, expand, "readiness_probe"); err != nil {
			return err
		}
		if spec.Liveness, err = p.probe(s.Liveness, spec, expand, "liveness_probe"); err != nil {
			return err
		}
		spec.ReadyLine = s.ReadyLine
		spec.Disabled = s.Disabled
		spec.NoTTY = s.NoTTY
		if a := s.Restart; a != nil {
			spec.Backoff, spec.MaxRestarts = a.Backoff, a.MaxRestarts
			if a.Restart != 0 { // else --restart and --can-die say
				spec.Restart, spec.CanDie = runner.RestartNever, false
			}
			switch a.Restart {
			case config.RestartNo:
				spec.CanDie = true
			case config.RestartOnFailure:
				spec.Restart, spec.OneShot = runner.RestartOnFailure, true
			case config.RestartAlways:
				spec.Restart = runner.RestartAlways
			case config.RestartExitOnFailure:
				spec.OneShot = true
			case 0:
			}
		}
		if sd := s.Shutdown; sd.Signal != 0 {
			spec.StopSignal = sd.Signal
		}
		if sd := s.Shutdown; sd.HasTimeout {
			spec.StopTimeout = sd.Timeout
			if sd.Timeout == 0 {
				spec.StopSignal = syscall.SIGKILL // no time to stop: kill at once
			}
		}
		spec.StopCommand = s.Shutdown.Command
	}
	return nil
}

func condition(c config.Condition) runner.Condition {
	switch c {
	case config.Started:
		return runner.NeedStarted
	case config.Healthy:
		return runner.NeedReady
	case config.CompletedSuccessfully:
		return runner.NeedCompleted
	case config.LogReady:
		return runner.NeedLogReady
	}
	panic(fmt.Sprintf("condition %v", c))
}

// probe is the probe c says, its values expanded in the process's
// environment; nil when c is.
func (p *project) probe(c *config.Probe, spec *runner.Spec, expand func(string) string, what string) (runner.Probe, error) {
	if c == nil {
		return nil, nil
	}
	pr := &probe.Probe{
		InitialDelay: c.InitialDelay, Period: c.Period, Timeout: c.Timeout,
		SuccessThreshold: c.SuccessThreshold, FailureThreshold: c.FailureThreshold,
	}
	port := func(v string) (string, error) {
		s := expand(v)
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > procfile.MaxPort {
			why := fmt.Sprintf("is %q, not a port", s)
			if s == "" {
				why = "is empty: the process has no PORT (give the probe a port)"
			}
			return "", usageErrorf("%s:%d:%d: %s's %s port %s %s", p.settings.Path, c.Pos.Line, c.Pos.Col, spec.Name, what, v, why)
		}
		return s, nil
	}
	switch {
	case c.TCP != nil:
		n, err := port(c.TCP.Port)
		if err != nil {
			return nil, err
		}
		pr.TCP = joinHostPort(expand(c.TCP.Host), n)
	case c.HTTP != nil:
		n, err := port(c.HTTP.Port)
		if err != nil {
			return nil, err
		}
		pr.HTTP = &probe.HTTP{Host: expand(c.HTTP.Host), Port: n, Path: expand(c.HTTP.Path)}
	case c.Exec != nil:
		pr.Exec = &probe.Exec{Command: c.Exec.Command, Dir: spec.Dir, Env: spec.Env}
		if pr.Exec.Dir == "" {
			pr.Exec.Dir = p.root
		}
	}
	return watcher{pr}, nil
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// expandEnv replaces $VAR and ${VAR} in v with their values in env, and
// ${VAR:-default} and ${VAR-default} as sh does: the default when VAR is
// empty or unset, or unset. $$ is a $, as in Compose.
func expandEnv(v string, env []string) string {
	parts := strings.Split(v, "$$")
	for i, part := range parts {
		parts[i] = expandPart(part, env)
	}
	return strings.Join(parts, "$")
}

func expandPart(v string, env []string) string {
	return os.Expand(v, func(k string) string {
		name, def, found := strings.Cut(k, "-")
		unsetOnly := !strings.HasSuffix(name, ":")
		name = strings.TrimSuffix(name, ":")
		val, set := lookupEnvOK(env, name)
		if found && (!set || val == "" && !unsetOnly) {
			return def
		}
		return val
	})
}

// lookupEnvOK is the value of k in env, the last one given, and whether
// there is one.
func lookupEnvOK(env []string, k string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v, true
		}
	}
	return "", false
}

// watcher is a probe as the runner watches it.
type watcher struct{ p *probe.Probe }

func (w watcher) String() string { return w.p.String() }

func (w watcher) Watch(ctx context.Context, report func(runner.ProbeResult)) {
	probe.Watch(ctx, w.p, func(r probe.Result) {
		report(runner.ProbeResult{Passing: r.Passing, Failed: r.Failed, Err: r.Err, Failures: r.Failures})
	})
}
