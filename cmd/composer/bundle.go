package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/composer-dev/composer/bundle"
	"github.com/spf13/cobra"
)

type bundleFlags struct {
	output   string
	procfile string
	config   string
	envFiles []string
	include  []string
}

func newBundleCmd() *cobra.Command {
	var f bundleFlags
	cmd := &cobra.Command{
		Use:   "bundle -o FILE [-f Procfile] [-e ENVFILE...] [--include PATH...]",
		Short: "Write the project and composer into one executable file",
		Long: `Write one executable file: this composer binary with the project appended —
the Procfile, its settings (composer.yaml), the env files (as defaults:
variables set where the bundle runs win), and every --include'd file or
directory. An executable file goes in
bin/, first on the processes' PATH; anything else at the top of the bundle.
An ELF executable that needs shared libraries carries them and its dynamic
loader, so the bundle runs on a Linux machine that lacks them.

Running the bundle is running "composer up" on its project, in the current
directory: ./app, ./app --headless, ./app ps, ./app restart web. The
processes find the bundle's files through $COMPOSER_BUNDLE_DIR. It unpacks
once per content into $XDG_CACHE_HOME/composer/bundles (~/.cache by default).

composer must be built static for its bundles to run anywhere:
CGO_ENABLED=0 go build ./cmd/composer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBundle(&f) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.output, "output", "o", "", "the file to write (required)")
	fs.StringVarP(&f.procfile, "procfile", "f", "Procfile", "the Procfile to bundle")
	fs.StringVarP(&f.config, "config", "c", "", "the settings file to bundle (default "+settingsName+" beside the Procfile, if there)")
	fs.StringSliceVarP(&f.envFiles, "env", "e", nil, "env files to bundle, comma separated (default .env beside the Procfile, if there)")
	fs.StringArrayVar(&f.include, "include", nil, "a file or directory to bundle (repeatable)")
	return cmd
}

func runBundle(f *bundleFlags) error {
	if f.output == "" {
		return usageErrorf("bundle: -o FILE is required")
	}
	pf, err := readProcfile(f.procfile)
	if err != nil {
		return err
	}
	settings := f.config
	if def := filepath.Join(filepath.Dir(f.procfile), settingsName); settings == "" && fileExists(def) {
		settings = def
	}
	if settings != "" {
		p := &project{procfile: pf, origins: origins{}}
		if _, err := p.readSettings(&projectFlags{procfile: f.procfile, config: settings}, false); err != nil {
			return err
		}
	}
	envFiles := f.envFiles
	if len(envFiles) == 0 {
		if def := filepath.Join(filepath.Dir(f.procfile), ".env"); fileExists(def) {
			envFiles = []string{def}
		}
	}
	for _, path := range envFiles {
		if _, err := readEnvFile(path); err != nil {
			return usageErrorf("%v", err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return &exitError{code: exitInternal, msg: "bundle: cannot find composer's own executable: " + err.Error()}
	}

	// Written beside the output and renamed: a failed bundle leaves nothing.
	out, err := os.CreateTemp(filepath.Dir(f.output), ".bundle-*")
	if err != nil {
		return usageErrorf("bundle: %v", err)
	}
	defer os.Remove(out.Name())
	sum, err := bundle.Create(out, exe, bundle.Project{Procfile: f.procfile, Settings: settings, EnvFiles: envFiles, Include: f.include})
	if err == nil {
		err = out.Chmod(0o755)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, bundle.ErrDynamic) {
		return usageErrorf("bundle: %v; build composer static: CGO_ENABLED=0 go build ./cmd/composer", err)
	}
	if err != nil {
		return usageErrorf("bundle: %v", err)
	}
	if err := os.Rename(out.Name(), f.output); err != nil {
		return usageErrorf("bundle: %v", err)
	}
	fmt.Fprintf(os.Stderr, "composer: wrote %s (%.1f MB: %d files, %d libraries)\n",
		f.output, float64(sum.Size)/1e6, sum.Files, sum.Libraries)
	return nil
}

// bundled is the project this executable carries, if it is a bundle.
var bundled *bundle.Contents

// openBundle unpacks the bundle this executable carries, if any, and
// returns the arguments to run.
func openBundle(args []string) ([]string, error) {
	// /proc/self/exe is the very file running, even if renamed over since.
	exe := "/proc/self/exe"
	self, err := os.Stat(exe)
	if err != nil {
		if exe, err = os.Executable(); err != nil {
			return args, nil
		}
	}
	b, err := bundle.OpenAs(exe, ranAs(self))
	if errors.Is(err, fs.ErrPermission) {
		return args, nil // a composer others may run but not read carries no bundle
	}
	if err != nil || b == nil {
		return args, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("no cache directory to unpack the bundle into: %v (set XDG_CACHE_HOME)", err)
	}
	dir, err := b.Unpack(filepath.Join(cache, "composer", "bundles"))
	if err != nil {
		return nil, fmt.Errorf("unpacking the bundle: %w", err)
	}
	c, err := bundle.Load(dir)
	if err != nil {
		return nil, err
	}
	bundled = &c
	os.Setenv("COMPOSER_BUNDLE_DIR", c.Dir)
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin" // as sh would have it
	}
	os.Setenv("PATH", c.Bin+string(os.PathListSeparator)+path)
	return args, nil
}

// ranAs names the executable running as the user ran it: os.Args[0],
// found through PATH as the shell found it if it has no slash, when that
// is the file running (self); otherwise its path. argv[0] is whatever the
// caller chose, so it is checked rather than trusted.
func ranAs(self os.FileInfo) string {
	name := os.Args[0]
	if !strings.Contains(name, "/") {
		// A result relative to the current directory (PATH holding
		// ".") is still the file the shell ran.
		name, _ = exec.LookPath(name)
	}
	if st, err := os.Stat(name); err == nil && self != nil && os.SameFile(st, self) {
		return name
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return os.Args[0]
}

// bundleDefaults makes the commands read the bundled project, run in the
// current directory.
func bundleDefaults(root *cobra.Command) {
	if bundled == nil {
		return
	}
	root.Short += " (a bundle: running it runs up on the project it carries)"
	// Without a command, the bundle is up: up's flags and names are the
	// root's, so a flag may come before another command too
	// (./app -e prod.env check).
	up, _, err := root.Find([]string{"up"})
	if err == nil && up != root {
		root.Flags().AddFlagSet(up.Flags())
		root.Args = cobra.ArbitraryArgs
		root.RunE = up.RunE
	}
	for _, cmd := range root.Commands() {
		fs := cmd.Flags()
		set := func(name, value string) {
			if f := fs.Lookup(name); f != nil && cmd.Name() != "bundle" {
				_ = f.Value.Set(value) // a path or a list: never refused
				f.DefValue = value
			}
		}
		set("procfile", bundled.Procfile)
		set("root", ".")
	}
}
