package bundle

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrCorrupt is wrapped by the errors of a bundle that is truncated or
// whose content does not match its hash.
var ErrCorrupt = errors.New("the bundle is truncated or corrupted")

// Bundle is a project carried by an executable, found by Open.
type Bundle struct {
	path string
	name string // path as errors name it
	t    trailer
}

// Open looks for a bundle in the executable at path. It returns nil and
// no error when the file is a plain composer executable: nothing follows
// its ELF image.
func Open(path string) (*Bundle, error) { return OpenAs(path, path) }

// OpenAs is Open, with errors naming the file name rather than path: the
// name it was run by, when path is another name for the same file (such
// as /proc/self/exe).
func OpenAs(path, name string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	end, err := imageEnd(f)
	if err != nil {
		// It runs, so it was an executable: one cut short, most likely.
		return nil, fmt.Errorf("%s: %w (%v)", name, ErrCorrupt, err)
	}
	if end >= st.Size() {
		return nil, nil
	}
	// Something follows the program. It is a bundle if it starts as an
	// archive does or ends with a trailer; anything else (symbols left by
	// a stripping tool, a signature) is not composer's business.
	head := make([]byte, 2)
	_, herr := f.ReadAt(head, end)
	b := make([]byte, trailerSize)
	var tail []byte
	if st.Size()-end >= int64(trailerSize) {
		if _, err := f.ReadAt(b, st.Size()-int64(trailerSize)); err == nil {
			tail = b
		}
	}
	t, ok := decodeTrailer(tail)
	switch {
	case ok && t.offset == end && t.offset+t.size+int64(trailerSize) == st.Size():
		return &Bundle{path: path, name: name, t: t}, nil
	case ok || (herr == nil && head[0] == 0x1f && head[1] == 0x8b):
		return nil, fmt.Errorf("%s: %w (no intact trailer at its end)", name, ErrCorrupt)
	}
	return nil, nil
}

// ID names the bundle's content: the start of its SHA-256, in hex.
func (b *Bundle) ID() string { return hex.EncodeToString(b.t.sum[:16]) }

// Unpack makes sure the bundle's content is in cache/ID and returns that
// directory. The first call extracts it (verifying the hash) into a
// temporary directory renamed into place, so that a crash or a second
// bundle unpacking at the same time never leaves a partial copy there;
// later calls reuse it once they have checked that it is whole (a stamp
// with the full hash, written last) and that only this user can have
// written it. A copy that is not whole is unpacked again. cache is
// created with mode 0700.
func (b *Bundle) Unpack(cache string) (string, error) {
	dir := filepath.Join(cache, b.ID())
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return "", err
	}
	if err := private(cache); err != nil {
		return "", err
	}
	if st, err := os.Lstat(dir); err == nil {
		if err := private(dir); err != nil {
			return "", err
		}
		if st.IsDir() && b.whole(dir) {
			return dir, nil
		}
	}
	removeStale(cache)
	tmp, err := os.MkdirTemp(cache, ".unpack-")
	if err != nil {
		return "", err
	}
	if err := b.extract(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// dir exists: unpacked by another start meanwhile, or a copy
		// that is not whole, to be replaced.
		if b.whole(dir) {
			os.RemoveAll(tmp)
			return dir, nil
		}
		old := tmp + ".old"
		if err := os.Rename(dir, old); err == nil {
			defer os.RemoveAll(old)
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			if b.whole(dir) {
				return dir, nil
			}
			return "", fmt.Errorf("unpacking into %s: %w (delete it and try again)", dir, err)
		}
	}
	return dir, nil
}

// staleAfter is how old a temporary directory of an unpacking must be for
// a later start to take it for one that was killed mid-way.
const staleAfter = time.Hour

// removeStale removes what unpackings killed mid-way left in cache.
func removeStale(cache string) {
	left, _ := filepath.Glob(filepath.Join(cache, ".unpack-*"))
	for _, dir := range left {
		if st, err := os.Lstat(dir); err == nil && time.Since(st.ModTime()) > staleAfter {
			os.RemoveAll(dir)
		}
	}
}

// stampName is the file that marks an unpacked copy whole: it holds the
// full hash, and is written after everything else.
const stampName = ".composer-bundle"

func (b *Bundle) whole(dir string) bool {
	got, err := os.ReadFile(filepath.Join(dir, stampName))
	if err != nil || string(got) != hex.EncodeToString(b.t.sum[:])+"\n" {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "manifest.json"))
	return err == nil
}

// private refuses a directory that another user owns or may write: its
// content is run as this user.
func private(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	switch {
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory (delete it and try again)", dir)
	case ok && int(sys.Uid) != os.Geteuid():
		return fmt.Errorf("refusing %s: it belongs to another user (uid %d)", dir, sys.Uid)
	case st.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("refusing %s: others may write to it (mode %v)", dir, st.Mode().Perm())
	}
	return nil
}

// extract writes the archive into dir, checks its hash, and stamps dir
// whole.
func (b *Bundle) extract(dir string) error {
	f, err := os.Open(b.path)
	if err != nil {
		return err
	}
	defer f.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	hash := sha256.New()
	data := io.TeeReader(io.NewSectionReader(f, b.t.offset, b.t.size), hash)
	corrupt := func(err error) error { return fmt.Errorf("%s: %w: %v", b.name, ErrCorrupt, err) }
	gz, err := gzip.NewReader(data)
	if err != nil {
		return corrupt(err)
	}
	tr := tar.NewReader(gz)
	var links []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return corrupt(err)
		}
		if err := extractEntry(root, hdr, tr); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) {
				return corrupt(err)
			}
			return fmt.Errorf("%s: %w", b.name, err)
		}
		if hdr.Typeflag == tar.TypeSymlink {
			links = append(links, hdr.Name)
		}
	}
	if _, err := io.Copy(io.Discard, data); err != nil {
		return corrupt(err)
	}
	if got := hash.Sum(nil); string(got) != string(b.t.sum[:]) {
		return corrupt(errors.New("its content does not match its SHA-256"))
	}
	// Each link is checked where it leads, through the links before it:
	// a chain of links each local on its own can still lead out, and so
	// can one that dangles now, once what it names is created.
	for _, l := range links {
		out, err := leadsOut(dir, filepath.FromSlash(l))
		if err != nil {
			return fmt.Errorf("%s: link %q: %w", b.name, l, err)
		}
		if out {
			return fmt.Errorf("%s: link %q leads outside the bundle's directory", b.name, l)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, stampName), []byte(hex.EncodeToString(b.t.sum[:])+"\n"), 0o600); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// extractEntry writes one archive entry in root, refusing names that
// leave it and links that point outside it. root refuses to follow a link
// out of itself while writing.
func extractEntry(root *os.Root, hdr *tar.Header, r io.Reader) error {
	name := filepath.FromSlash(strings.TrimSuffix(hdr.Name, "/"))
	if !filepath.IsLocal(name) || name == stampName {
		return fmt.Errorf("entry %q would be outside the bundle's directory", hdr.Name)
	}
	if err := root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(hdr.Mode).Perm() | 0o600
	switch hdr.Typeflag {
	case tar.TypeDir:
		return root.MkdirAll(name, (mode|0o100)&^0o022)
	case tar.TypeSymlink:
		link := filepath.FromSlash(hdr.Linkname)
		if filepath.IsAbs(link) || !filepath.IsLocal(filepath.Join(filepath.Dir(name), link)) {
			return fmt.Errorf("link %q points outside the bundle's directory (to %q)", hdr.Name, hdr.Linkname)
		}
		return root.Symlink(link, name)
	case tar.TypeReg:
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode&^0o022)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return fmt.Errorf("entry %q: unsupported type %q", hdr.Name, hdr.Typeflag)
}

// Contents is what an unpacked bundle holds, as paths in its directory.
type Contents struct {
	Dir      string
	Procfile string
	EnvFiles []string
	Bin      string // first on the processes' PATH
}

// Load reads the manifest of the bundle unpacked in dir.
func Load(dir string) (Contents, error) {
	c := Contents{Dir: dir, Bin: filepath.Join(dir, "bin")}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return c, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return c, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	if m.Version != manifestVersion {
		return c, fmt.Errorf("bundle format %d, this composer reads %d", m.Version, manifestVersion)
	}
	for _, p := range append([]string{m.Procfile}, m.Env...) {
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			return c, fmt.Errorf("manifest names %q, outside the bundle", p)
		}
	}
	c.Procfile = filepath.Join(dir, filepath.FromSlash(m.Procfile))
	for _, e := range m.Env {
		c.EnvFiles = append(c.EnvFiles, filepath.Join(dir, filepath.FromSlash(e)))
	}
	return c, nil
}

// imageEnd is where the ELF image in f ends: past its last section,
// segment and header table.
func imageEnd(f *os.File) (int64, error) {
	ef, err := elf.NewFile(f)
	if err != nil {
		return 0, fmt.Errorf("not a whole ELF executable: %w", err)
	}
	var end uint64
	grow := func(v uint64) { end = max(end, v) }
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOBITS {
			grow(s.Offset + s.FileSize)
		}
	}
	for _, p := range ef.Progs {
		grow(p.Off + p.Filesz)
	}
	// The section and program header tables themselves.
	var hdr struct{ shoff, phoff, shsize, phsize uint64 }
	switch ef.Class {
	case elf.ELFCLASS64:
		var h elf.Header64
		if err := binary.Read(io.NewSectionReader(f, 0, 64), ef.ByteOrder, &h); err == nil {
			hdr.shoff, hdr.phoff = h.Shoff, h.Phoff
			hdr.shsize, hdr.phsize = uint64(h.Shentsize)*uint64(h.Shnum), uint64(h.Phentsize)*uint64(h.Phnum)
		}
	case elf.ELFCLASS32:
		var h elf.Header32
		if err := binary.Read(io.NewSectionReader(f, 0, 52), ef.ByteOrder, &h); err == nil {
			hdr.shoff, hdr.phoff = uint64(h.Shoff), uint64(h.Phoff)
			hdr.shsize, hdr.phsize = uint64(h.Shentsize)*uint64(h.Shnum), uint64(h.Phentsize)*uint64(h.Phnum)
		}
	}
	grow(hdr.shoff + hdr.shsize)
	grow(hdr.phoff + hdr.phsize)
	return int64(end), nil
}

// elfImage is the ELF image at path without anything appended to it.
func elfImage(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	end, err := imageEnd(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, 0, end), f}, nil
}
