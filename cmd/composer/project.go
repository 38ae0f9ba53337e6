package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/composer-dev/composer/procfile"
	"github.com/spf13/cobra"
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
}

func (f *projectFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.procfile, "procfile", "f", "Procfile", "the Procfile to run")
	fs.StringSliceVarP(&f.envFiles, "env", "e", nil, "env files to read, comma separated (default .env beside the Procfile, if there)")
	fs.StringVarP(&f.root, "root", "d", "", "working directory of the processes (default the Procfile's directory)")
	fs.IntVarP(&f.port, "port", "p", 0, "base port (default $PORT, or 5000)")
	fs.IntVar(&f.portStep, "port-step", 100, "port distance between process types")
	fs.StringVarP(&f.formation, "formation", "m", "", `instances per process, e.g. "web=2,worker=0,all=1"`)
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
	instances []procfile.Instance
}

// envKey is the variable that can set a flag: --can-die is COMPOSER_CAN_DIE.
func envKey(flag string) string {
	return "COMPOSER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnv sets each flag not yet set from its COMPOSER_ variable, found
// by lookup; source names where the variables come from, for errors.
func applyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool), source string, skip []string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || slices.Contains(skip, f.Name) {
			return
		}
		key := envKey(f.Name)
		v, ok := lookup(key)
		if !ok {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = usageErrorf("%s%s=%q: invalid value for --%s: %v", source, key, v, f.Name, serr)
		}
	})
	return err
}

// loadProject reads the Procfile and env files named by the flags (and
// COMPOSER_ variables) and plans the instances to run: all, or those
// named.
func loadProject(cmd *cobra.Command, f *projectFlags, names []string) (*project, error) {
	flags := cmd.Flags()
	if err := applyEnv(flags, os.LookupEnv, "", nil); err != nil {
		return nil, err
	}
	pf, err := readProcfile(f.procfile)
	if err != nil {
		return nil, err
	}
	p := &project{procfile: pf, root: f.root}
	if p.root == "" {
		p.root = filepath.Dir(f.procfile)
	}
	if st, err := os.Stat(p.root); err != nil || !st.IsDir() {
		return nil, usageErrorf("--root %s: not a directory", p.root)
	}

	fileVars := map[string]string{}
	p.envFiles = f.envFiles
	if len(p.envFiles) == 0 && bundled != nil {
		// The bundle's env files, then a .env where it runs, which wins.
		p.envFiles = slices.Clone(bundled.EnvFiles)
		if def := filepath.Join(p.root, ".env"); fileExists(def) {
			p.envFiles = append(p.envFiles, def)
		}
	} else if len(p.envFiles) == 0 {
		if def := filepath.Join(filepath.Dir(f.procfile), ".env"); fileExists(def) {
			p.envFiles = []string{def}
		}
	}
	for _, path := range p.envFiles {
		vars, err := readEnvFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErrorf("env file %s not found", path)
		}
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		for k, v := range vars {
			fileVars[k] = v // later files win
		}
	}
	// The inherited environment wins over env files, as with dotenv.
	lookup := func(k string) (string, bool) {
		if v, ok := os.LookupEnv(k); ok {
			return v, true
		}
		v, ok := fileVars[k]
		return v, ok
	}
	if err := applyEnv(flags, lookup, "env files: ", earlyFlags); err != nil {
		return nil, err
	}
	p.env = os.Environ()
	for _, k := range sortedKeys(fileVars) {
		if _, inherited := os.LookupEnv(k); !inherited {
			p.env = append(p.env, k+"="+fileVars[k])
		}
	}

	p.basePort = f.port
	if p.basePort == 0 {
		p.basePort = 5000
		if v, ok := lookup("PORT"); ok && v != "" {
			if p.basePort, err = strconv.Atoi(v); err != nil {
				return nil, usageErrorf("PORT=%q: expected a port number", v)
			}
		}
	}
	if p.basePort < 1 || p.basePort > 65535 {
		return nil, usageErrorf("base port %d: expected 1 to 65535", p.basePort)
	}
	formation, err := procfile.ParseFormation(f.formation)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	all, err := procfile.Plan(pf.Entries, formation, p.basePort, f.portStep)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if p.instances, err = procfile.Select(all, names); err != nil {
		return nil, usageErrorf("%v", err)
	}
	if len(p.instances) == 0 {
		return nil, usageErrorf("nothing to run: the formation %q runs no process", f.formation)
	}
	return p, nil
}

func readProcfile(path string) (*procfile.Procfile, error) {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(path)
		return nil, usageErrorf(`no Procfile at %s: write one with lines like "web: ./server --port $PORT", or name it with -f FILE`, abs)
	}
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err == nil && st.IsDir() {
		return nil, usageErrorf("%s is a directory, not a Procfile", path)
	}
	pf, err := procfile.Parse(file, path)
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
// types and instance names) to a set of instance names.
func (p *project) matchNames(flag string, list []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, n := range list {
		n = strings.TrimSpace(n)
		found := false
		for _, in := range p.instances {
			if n == "all" || n == in.Type || n == in.Name || n == in.PS {
				set[in.Name] = true
				found = true
			}
		}
		if !found && n != "all" {
			return nil, usageErrorf("--%s: unknown process %q (valid: all, %s)", flag, n, procfile.Names(p.procfile.Entries))
		}
	}
	return set, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// warn prints the Procfile's warnings; with strict they are an error.
func (p *project) warn(strict bool) error {
	for _, w := range p.procfile.Warnings {
		fmt.Fprintln(os.Stderr, "composer: warning: "+w.Error())
	}
	if strict && len(p.procfile.Warnings) > 0 {
		return usageErrorf("%d warning(s) in %s; --strict makes them errors", len(p.procfile.Warnings), p.procfile.Path)
	}
	return nil
}
