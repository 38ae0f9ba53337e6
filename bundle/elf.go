package bundle

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// executable is what running an ELF executable takes besides itself.
type executable struct {
	interp  string            // its dynamic loader; "" when it is static
	library bool              // it is a shared library (it has a soname), even if it runs
	libs    map[string]string // soname -> file, every library it loads, transitively
}

// readExecutable says whether path is an ELF file and, if it is, what it
// needs to run: its loader and its shared libraries, found as the loader
// would find them on this machine (RPATH, RUNPATH with $ORIGIN,
// ld.so.conf, the default directories). Libraries opened at run time
// with dlopen are not seen.
func readExecutable(path string) (*executable, bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		if _, ok := err.(*elf.FormatError); ok {
			return nil, false, nil // not ELF: a script, data
		}
		return nil, false, err
	}
	defer f.Close()
	exe := &executable{libs: map[string]string{}}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return nil, true, fmt.Errorf("%s: reading its loader: %w", path, err)
			}
			exe.interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if so, _ := f.DynString(elf.DT_SONAME); len(so) > 0 {
		exe.library = true // libc.so.6 runs too, but is loaded, not started
		return exe, true, nil
	}
	if exe.interp == "" {
		return exe, true, nil
	}
	// The main program's $ORIGIN is where the file really is, as the
	// loader reads it from /proc/self/exe.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, true, err
	}
	// An object is searched for in its RUNPATH if it has one, else in its
	// RPATH and those of the objects that loaded it (that have no
	// RUNPATH), up to the program; then in the system's directories.
	type loading struct {
		path      string
		inherited []string // RPATH directories of the objects above
	}
	system := systemLibraryDirs()
	queue := []loading{{path: real}}
	for len(queue) > 0 {
		obj := queue[0]
		queue = queue[1:]
		needed, rpath, runpath, err := dependencies(obj.path)
		if err != nil {
			return nil, true, err
		}
		below := slices.Concat(rpath, obj.inherited)
		dirs := below
		if len(runpath) > 0 {
			below, dirs = obj.inherited, runpath
		}
		for _, name := range needed {
			if _, done := exe.libs[name]; done {
				continue
			}
			lib := findLibrary(name, slices.Concat(dirs, system), f.Class, f.Machine)
			if lib == "" {
				return nil, true, fmt.Errorf("%s: library %s (needed by %s) not found", path, name, filepath.Base(obj.path))
			}
			exe.libs[name] = lib
			queue = append(queue, loading{lib, below})
		}
	}
	return exe, true, nil
}

// dependencies are the DT_NEEDED names of an ELF object and the
// directories its RPATH and RUNPATH name, $ORIGIN expanded.
func dependencies(path string) (needed, rpath, runpath []string, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	needed, err = f.ImportedLibraries()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	origin := filepath.Dir(path)
	dirs := func(tag elf.DynTag) []string {
		var out []string
		values, _ := f.DynString(tag)
		for _, v := range values {
			for _, d := range strings.Split(v, ":") {
				d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", origin), "$ORIGIN", origin)
				if d != "" {
					out = append(out, d)
				}
			}
		}
		return out
	}
	return needed, dirs(elf.DT_RPATH), dirs(elf.DT_RUNPATH), nil
}

// findLibrary is the first file named name in dirs that is an ELF object
// of the given class and machine ("" if none is).
func findLibrary(name string, dirs []string, class elf.Class, machine elf.Machine) string {
	candidates := []string{name}
	if !strings.Contains(name, "/") {
		candidates = candidates[:0]
		for _, d := range dirs {
			candidates = append(candidates, filepath.Join(d, name))
		}
	}
	for _, c := range candidates {
		f, err := elf.Open(c)
		if err != nil {
			continue
		}
		ok := f.Class == class && f.Machine == machine
		f.Close()
		if ok {
			return c
		}
	}
	return ""
}

// systemLibraryDirs are the directories the loader searches after an
// object's own: those of /etc/ld.so.conf, then the defaults.
func systemLibraryDirs() []string {
	dirs := readLdConf("/etc/ld.so.conf", 0)
	return append(dirs, "/lib64", "/usr/lib64", "/lib", "/usr/lib")
}

func readLdConf(path string, depth int) []string {
	f, err := os.Open(path)
	if err != nil || depth > 8 {
		return nil
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if pattern, ok := strings.CutPrefix(line, "include "); ok {
			pattern = strings.TrimSpace(pattern)
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(filepath.Dir(path), pattern)
			}
			matches, _ := filepath.Glob(pattern)
			for _, m := range matches {
				dirs = append(dirs, readLdConf(m, depth+1)...)
			}
			continue
		}
		if line != "" {
			dirs = append(dirs, line)
		}
	}
	return dirs
}
