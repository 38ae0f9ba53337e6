package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Project is what a bundle carries.
type Project struct {
	Procfile string   // the Procfile
	Settings string   // the settings file, carried as composer.yaml beside the Procfile; "" for none
	EnvFiles []string // env files, in the order they are read
	// Include lists files and directories. An executable file goes in
	// bin/ (first on the processes' PATH); anything else, directories
	// included, at the top of the bundle under its own name.
	Include []string
}

// Summary says what Create wrote.
type Summary struct {
	Files     int   // files from the project
	Libraries int   // shared libraries and loaders carried for ELF executables
	Size      int64 // bytes of the whole bundle
}

// ErrDynamic is returned by Create when the composer executable itself
// needs a dynamic loader: a bundle must start on any Linux machine.
var ErrDynamic = errors.New("is dynamically linked")

// Create writes to w a bundle of p: the composer executable exe (without
// any bundle exe itself carries), then p's files.
func Create(w io.Writer, exe string, p Project) (Summary, error) {
	var sum Summary
	image, err := elfImage(exe)
	if err != nil {
		return sum, err
	}
	defer image.Close()
	if x, _, err := readExecutable(exe); err != nil {
		return sum, err
	} else if x.interp != "" {
		return sum, fmt.Errorf("%s %w (it needs %s)", exe, ErrDynamic, x.interp)
	}

	a := &archive{names: map[string]string{}, libs: map[string]string{}}
	if err := a.collect(p); err != nil {
		return sum, err
	}

	counted := &counter{w: w}
	if _, err := io.Copy(counted, image); err != nil {
		return sum, err
	}
	offset := counted.n
	hash := sha256.New()
	gz, _ := gzip.NewWriterLevel(io.MultiWriter(counted, hash), gzip.BestCompression)
	tw := tar.NewWriter(gz)
	for _, e := range a.entries {
		if err := e.write(tw); err != nil {
			return sum, err
		}
	}
	if err := tw.Close(); err != nil {
		return sum, err
	}
	if err := gz.Close(); err != nil {
		return sum, err
	}
	var t trailer
	t.offset, t.size = offset, counted.n-offset
	copy(t.sum[:], hash.Sum(nil))
	if _, err := counted.Write(t.encode()); err != nil {
		return sum, err
	}
	sum.Files, sum.Libraries, sum.Size = a.files, len(a.libs), counted.n
	return sum, nil
}

// manifest is the bundle's table of contents, manifest.json at its top.
type manifest struct {
	Version  int      `json:"version"`
	Procfile string   `json:"procfile"`
	Env      []string `json:"env"`
}

const manifestVersion = 1

// entry is one file, directory or link of the archive.
type entry struct {
	name   string // slash-separated, relative
	mode   fs.FileMode
	src    string // file to copy, or
	data   []byte // content to write
	target string // a link's target
}

func (e entry) write(tw *tar.Writer) error {
	hdr := &tar.Header{Name: e.name, Mode: int64(e.mode.Perm()), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	switch {
	case e.mode.IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, e.name+"/"
		return tw.WriteHeader(hdr)
	case e.mode&fs.ModeSymlink != 0:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.target
		return tw.WriteHeader(hdr)
	}
	hdr.Typeflag = tar.TypeReg
	if e.src == "" {
		hdr.Size = int64(len(e.data))
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(e.data)
		return err
	}
	f, err := os.Open(e.src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr.Size = st.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, hdr.Size); err != nil {
		return fmt.Errorf("%s: %w", e.src, err)
	}
	return nil
}

// archive gathers the entries of a bundle before anything is written, so
// that every error comes before the output.
type archive struct {
	entries []entry
	names   map[string]string // archive name -> where it came from
	libs    map[string]string // archive name under lib/ -> source file
	files   int
}

// reserved names are the bundle's own.
var reserved = map[string]bool{"manifest.json": true, "Procfile": true, "composer.yaml": true, "env": true, "lib": true, "libexec": true}

func (a *archive) add(e entry, from string) error {
	if prev, ok := a.names[e.name]; ok {
		return fmt.Errorf("%s: %s is already in the bundle (from %s)", from, e.name, prev)
	}
	a.names[e.name] = from
	a.entries = append(a.entries, e)
	return nil
}

func (a *archive) collect(p Project) error {
	m := manifest{Version: manifestVersion, Procfile: "Procfile"}
	for i, env := range p.EnvFiles {
		name := path.Join("env", fmt.Sprint(i+1), filepath.Base(env))
		m.Env = append(m.Env, name)
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	if err := a.add(entry{name: "manifest.json", mode: 0o644, data: append(data, '\n')}, "composer"); err != nil {
		return err
	}
	if err := a.file(p.Procfile, "Procfile", 0o644); err != nil {
		return err
	}
	if p.Settings != "" {
		if err := a.file(p.Settings, "composer.yaml", 0o644); err != nil {
			return err
		}
	}
	for i, env := range p.EnvFiles {
		if err := a.file(env, m.Env[i], 0o644); err != nil {
			return err
		}
	}
	for _, inc := range p.Include {
		if err := a.include(inc); err != nil {
			return err
		}
	}
	return nil
}

// file adds the regular file src (symbolic links followed) as name.
func (a *archive) file(src, name string, mode fs.FileMode) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	a.files++
	return a.add(entry{name: name, mode: mode, src: src}, src)
}

func (a *archive) include(src string) error {
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("--include %s: %w", src, errors.Unwrap(err))
	}
	base := filepath.Base(filepath.Clean(src))
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return fmt.Errorf("--include %s: name a file or directory by its own name, not %q", src, base)
	}
	switch {
	case st.IsDir():
		if reserved[base] || base == "bin" {
			return fmt.Errorf("--include %s: %q is a name the bundle uses itself", src, base)
		}
		// A link to a directory bundles the directory.
		real, err := filepath.EvalSymlinks(src)
		if err != nil {
			return fmt.Errorf("--include %s: %w", src, err)
		}
		return a.tree(real, base)
	case st.Mode().IsRegular() && st.Mode()&0o111 != 0:
		return a.executable(src, path.Join("bin", base), st.Mode().Perm())
	case st.Mode().IsRegular():
		if reserved[base] || base == "bin" {
			return fmt.Errorf("--include %s: %q is a name the bundle uses itself", src, base)
		}
		return a.file(src, base, st.Mode().Perm())
	}
	return fmt.Errorf("--include %s: not a file or directory", src)
}

// tree adds the directory src as name, with its files, directories and
// the links that stay inside it.
func (a *archive) tree(src, name string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		arc := path.Join(name, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			return a.add(entry{name: arc, mode: fs.ModeDir | 0o755}, p)
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			// Where it leads, through any links before it, must be in
			// the tree too.
			to, err := filepath.EvalSymlinks(p)
			if err == nil {
				if r, rerr := filepath.Rel(src, to); rerr != nil || !filepath.IsLocal(r) && r != "." {
					err = errors.New("outside")
				}
			} else if errors.Is(err, fs.ErrNotExist) {
				// Leads nowhere yet: it must not lead out once what it
				// names exists, as unpacking checks too.
				if out, werr := leadsOut(src, rel); werr == nil && !out {
					err = nil
				}
			}
			if filepath.IsAbs(target) || err != nil {
				return fmt.Errorf("--include %s: %s links outside what is included (to %s)", src, p, target)
			}
			return a.add(entry{name: arc, mode: fs.ModeSymlink | 0o777, target: filepath.ToSlash(target)}, p)
		case mode.IsRegular() && mode&0o111 != 0:
			return a.executable(p, arc, mode.Perm())
		case mode.IsRegular():
			return a.file(p, arc, mode.Perm())
		}
		return fmt.Errorf("--include %s: %s is not a file, directory or link", src, p)
	})
}

// executable adds src as name; an ELF executable that needs a loader goes
// to libexec/ with its libraries and loader, and a script that starts it
// through them takes its place.
func (a *archive) executable(src, name string, mode fs.FileMode) error {
	x, isELF, err := readExecutable(src)
	if err != nil {
		return err
	}
	if !isELF || x.interp == "" || x.library {
		return a.file(src, name, mode)
	}
	loader := path.Join("lib", path.Base(x.interp))
	if err := a.library(x.interp, loader); err != nil {
		return err
	}
	sonames := make([]string, 0, len(x.libs))
	for so := range x.libs {
		sonames = append(sonames, so)
	}
	sort.Strings(sonames)
	for _, so := range sonames {
		if err := a.library(x.libs[so], path.Join("lib", path.Base(so))); err != nil {
			return err
		}
	}
	real := path.Join("libexec", name)
	if err := a.file(src, real, mode); err != nil {
		return err
	}
	argv0, err := loaderTakesArgv0(x.interp)
	if err != nil {
		return err
	}
	return a.add(entry{name: name, mode: 0o755, data: launcher(name, loader, real, argv0)}, src)
}

// library adds the shared object src as name, once.
func (a *archive) library(src, name string) error {
	if prev, ok := a.libs[name]; ok {
		if same, err := sameContent(prev, src); err != nil || !same {
			return fmt.Errorf("two different libraries would be %s: %s and %s", name, prev, src)
		}
		return nil
	}
	a.libs[name] = src
	return a.add(entry{name: name, mode: 0o755, src: src}, src)
}

// launcher is the script that runs the bundled executable real (a path
// in the bundle, as are name and loader) through the bundled loader and
// libraries. It finds the bundle through $COMPOSER_BUNDLE_DIR, or from its
// own path when run by hand.
func launcher(name, loader, real string, argv0 bool) []byte {
	up := strings.Repeat("/..", strings.Count(name, "/"))
	var b bytes.Buffer
	fmt.Fprintf(&b, "#!/bin/sh\n# %s, with the libraries it was bundled with.\n", strings.ReplaceAll(path.Base(name), "\n", " "))
	fmt.Fprintf(&b, "d=\"${COMPOSER_BUNDLE_DIR:-${0%%/*}%s}\"\n", up)
	fmt.Fprintf(&b, "exec \"$d\"/%s --library-path \"$d/lib\"", shellQuote(loader))
	if argv0 {
		b.WriteString(` --argv0 "$0"`)
	}
	fmt.Fprintf(&b, " \"$d\"/%s \"$@\"\n", shellQuote(real))
	return b.Bytes()
}

// shellQuote quotes s for sh, whatever it holds.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loaderTakesArgv0 says whether the loader knows --argv0 (glibc 2.33 and
// later), so a program sees the name it was started by.
func loaderTakesArgv0(loader string) (bool, error) {
	b, err := os.ReadFile(loader)
	if err != nil {
		return false, err
	}
	return bytes.Contains(b, []byte("--argv0")), nil
}

func sameContent(a, b string) (bool, error) {
	if a == b {
		return true, nil
	}
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// trailer ends a bundle: where its archive is, and the archive's SHA-256.
type trailer struct {
	offset, size int64
	sum          [sha256.Size]byte
}

const (
	trailerSize = 8 + 8 + sha256.Size + len(magic)
	magic       = "composer-bundle\x01"
)

func (t trailer) encode() []byte {
	b := make([]byte, 0, trailerSize)
	b = binary.LittleEndian.AppendUint64(b, uint64(t.offset))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.size))
	b = append(b, t.sum[:]...)
	return append(b, magic...)
}

func decodeTrailer(b []byte) (trailer, bool) {
	var t trailer
	if len(b) != trailerSize || string(b[trailerSize-len(magic):]) != magic {
		return t, false
	}
	t.offset = int64(binary.LittleEndian.Uint64(b))
	t.size = int64(binary.LittleEndian.Uint64(b[8:]))
	copy(t.sum[:], b[16:])
	return t, true
}
