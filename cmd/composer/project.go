package main

import (
	"bytes"
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/composer-dev/composer/config"
	"github.com/composer-dev/composer/procfile"
	"github.com/spf13/pflag"
)

// projectFlags locate and shape the project: shared by up, check and run.
type projectFlags struct {
	procfile  string
	envFiles  []string
	root      string
	port      int
	portStep  int
	formation string
	config    string
}

func (f *projectFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.procfile, "procfile", "f", "Procfile", "the Procfile to run")
	fs.StringSliceVarP(&f.envFiles, "env", "e", nil, "env files to read, comma separated (default .env beside the Procfile, if there)")
	fs.StringVarP(&f.root, "root", "d", "", "working directory of the processes (default the Procfile's directory)")
	fs.IntVarP(&f.port, "port", "p", 0, "base port (default $PORT, or 5000)")
	fs.IntVar(&f.portStep, "port-step", 100, "port distance between process types")
	fs.StringVarP(&f.formation, "formation", "m", "", `instances per process, e.g. "web=2,worker=0,all=1"`)
	fs.StringVarP(&f.config, "config", "c", "", "the settings file (default "+settingsName+" beside the Procfile, if there)")
}

// earlyFlags locate the env files, or the control socket that commands
// reach without reading env files, so they cannot come from env files.
var earlyFlags = []string{"procfile", "env", "root", "socket"}

// project is a Procfile with its environment, planned into instances.
type project struct {
	procfile  *procfile.Procfile
	root      string
	envFiles  []string
	env       []string // composer's environment with the env files under it
	basePort  int
	all       []procfile.Instance // the whole plan
	instances []procfile.Instance // those to run
	origins   origins             // where the flags set by variables came from
	settings  *config.File        // composer.yaml; nil without one
	order     []string            // the processes in an order they can start in
}

// loadProject reads the Procfile and env files named by the flags in fs
// (and COMPOSER_ variables), which f holds, and plans the instances to
// run: all, or those named. quiet is for shell completion: it reads only
// regular files, so it never blocks, and prints nothing.
func loadProject(fs *pflag.FlagSet, f *projectFlags, names []string, quiet bool) (*project, error) {
	p := &project{origins: origins{}}
	if err := setFromVars(fs, environment, nil, p.origins); err != nil {
		return nil, err
	}
	explicit := fs.Changed("procfile") && !quiet
	hint := ""
	if !explicit && !quiet {
		hint = " (name it with -f to read it)"
	}
	pf, err := readProcfileAs(f.procfile, explicit, hint)
	if err != nil {
		return nil, err
	}
	p.procfile = pf
	if p.root = f.root; p.root == "" {
		p.root = filepath.Dir(f.procfile)
	}
	if st, err := os.Stat(p.root); err != nil || !st.IsDir() {
		return nil, usageErrorf("%s: not a directory", p.origins.value("root", p.root))
	}

	explicit = len(f.envFiles) > 0
	p.envFiles = f.envFiles
	if !explicit {
		def := filepath.Join(filepath.Dir(f.procfile), ".env")
		if bundled != nil {
			// The bundle's env files, then a .env where it runs, which wins.
			p.envFiles = slices.Clone(bundled.EnvFiles)
			def = filepath.Join(p.root, ".env")
		}
		if useDefaultEnv(def, quiet) {
			p.envFiles = append(p.envFiles, def)
		}
	}
	type fileVar struct{ v, where string }
	fileVars := map[string]fileVar{}
	for _, path := range p.envFiles {
		e, err := readEnvFileAs(path, explicit && !quiet)
		var nf *notFileError
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			return nil, usageErrorf("env file %s not found", path)
		case errors.As(err, &nf):
			return nil, usageErrorf("env file %v", err)
		case err != nil:
			return nil, usageErrorf("%v", err)
		}
		for k, v := range e.vars {
			fileVars[k] = fileVar{v, e.where(k)} // later files win
		}
	}
	// The inherited environment wins over env files, as with dotenv.
	lookup := func(k string) (string, string, bool) {
		if v, ok := os.LookupEnv(k); ok {
			return v, "", true
		}
		fv, ok := fileVars[k]
		return fv.v, fv.where, ok
	}
	if err := setFromVars(fs, lookup, earlyFlags, p.origins); err != nil {
		return nil, err
	}
	p.env = os.Environ()
	keys := slices.Sorted(maps.Keys(fileVars))
	for _, k := range keys {
		if _, inherited := os.LookupEnv(k); !inherited {
			p.env = append(p.env, k+"="+fileVars[k].v)
		}
	}

	p.basePort = f.port
	portName := p.origins.value("port", strconv.Itoa(f.port))
	if p.basePort == 0 {
		p.basePort = 5000
		if v, where, ok := lookup("PORT"); ok && v != "" {
			portName = variable("PORT", v, where)
			if p.basePort, err = strconv.Atoi(v); err != nil {
				return nil, usageErrorf("%s: expected a port number", portName)
			}
		}
	}
	if p.basePort < 1 || p.basePort > procfile.MaxPort {
		return nil, usageErrorf("%s: expected a port from 1 to %d", portName, procfile.MaxPort)
	}
	if f.portStep < 0 {
		return nil, usageErrorf("%s: expected 0 or more", p.origins.value("port-step", strconv.Itoa(f.portStep)))
	}
	formation, err := procfile.ParseFormation(f.formation)
	if err != nil {
		return nil, p.origins.wrap("formation", err)
	}
	more, err := p.readSettings(f, quiet)
	if err != nil {
		return nil, err
	}
	if p.all, err = procfile.Plan(append(slices.Clip(pf.Entries), more...), formation, p.basePort, f.portStep); err != nil {
		if errors.Is(err, procfile.ErrFormation) {
			return nil, p.origins.wrap("formation", err)
		}
		return nil, usageErrorf("%v", err)
	}
	if err := p.fixPorts(); err != nil {
		return nil, err
	}
	if p.instances, err = procfile.Select(p.all, names); err != nil {
		return nil, usageErrorf("%v", err)
	}
	if len(p.instances) == 0 {
		return nil, usageErrorf("nothing to run: the formation %q runs no process", f.formation)
	}
	return p, nil
}

// fileExists reports whether a regular file is at path.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// useDefaultEnv reports whether the env file found by its default name
// at path is read: when it is there, and a regular file. One that is not
// (a FIFO, whose reading would block) is skipped with a warning.
func useDefaultEnv(path string, quiet bool) bool {
	st, err := os.Stat(path)
	if err != nil {
		// Something is there (a link to nothing, or round in a loop; a
		// directory that may not be searched): say why it is not read.
		if _, lerr := os.Lstat(path); lerr == nil && !quiet {
			fmt.Fprintf(os.Stderr, "composer: warning: %v: skipped\n", err)
		}
		return false
	}
	if kind := fileKind(st.Mode()); kind != "" {
		if !quiet {
			fmt.Fprintf(os.Stderr, "composer: warning: %s is %s, not a file: skipped (name it with -e to read it)\n", path, kind)
		}
		return false
	}
	return true
}

// readProcfile reads and parses the Procfile at path, a regular file.
func readProcfile(path string) (*procfile.Procfile, error) {
	return readProcfileAs(path, false, "")
}

// readProcfileAs reads and parses the Procfile at path; explicit is as
// for readInput, and hint follows the error for a file not read because
// it is not regular.
func readProcfileAs(path string, explicit bool, hint string) (*procfile.Procfile, error) {
	src, err := readInput(path, explicit)
	var nf *notFileError
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		abs, _ := filepath.Abs(path)
		return nil, usageErrorf(`no Procfile at %s: write one with lines like "web: ./server --port $PORT", or name it with -f FILE`, abs)
	case errors.As(err, &nf) && nf.kind == "a directory":
		return nil, usageErrorf("%s is a directory, not a Procfile", path)
	case errors.As(err, &nf) && nf.kind != "a socket":
		return nil, usageErrorf("%v%s", err, hint)
	case err != nil:
		return nil, usageErrorf("%v", err)
	}
	pf, err := procfile.Parse(bytes.NewReader(src), path)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return pf, nil
}

// processEnv is the environment of one instance.
func (p *project) processEnv(in procfile.Instance) []string {
	return append(slices.Clip(p.env),
		"PORT="+strconv.Itoa(in.Port),
		"PS="+in.PS,
		"COMPOSER_PROCESS="+in.PS,
	)
}

// matchNames resolves a --restart or --can-die list ("all", or process
// types and instance names) to a set of instance names. Any process of
// the Procfile may be named, not only those run: COMPOSER_RESTART=worker
// in .env holds for 'up web' too.
func (p *project) matchNames(flag string, list []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, n := range list {
		n = strings.TrimSpace(n)
		found := false
		for _, in := range p.all {
			if n == "all" || n == in.Type || n == in.Name || n == in.PS {
				set[in.Name] = true
				found = true
			}
		}
		if !found && n != "all" {
			return nil, usageErrorf("%s: unknown process %q (valid: all, %s)", p.origins.name(flag), n, procfile.InstanceNames(p.all))
		}
	}
	return set, nil
}

// warn prints the Procfile's warnings; with strict they are an error.
func (p *project) warn(strict bool) error {
	for _, w := range p.procfile.Warnings {
		fmt.Fprintln(os.Stderr, "composer: warning: "+w.Error())
	}
	if strict && len(p.procfile.Warnings) > 0 {
		return usageErrorf("%s in %s; --strict makes them errors", count(len(p.procfile.Warnings), "warning"), p.procfile.Path)
	}
	return nil
}

// count is "1 entry", "2 entries", "3 warnings".
func count(n int, noun string) string {
	switch {
	case n == 1:
	case strings.HasSuffix(noun, "y"):
		noun = strings.TrimSuffix(noun, "y") + "ies"
	case strings.HasSuffix(noun, "s"):
		noun += "es"
	default:
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
