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
)

// ErrCorrupt is wrapped by the errors of a bundle that is truncated or
// whose content does not match its hash.
var ErrCorrupt = errors.New("the bundle is truncated or corrupted")

// Bundle is a project carried by an executable, found by Open.
type Bundle struct {
	path string
	t    trailer
}

// Open looks for a bundle in the executable at path. It returns nil and
// no error when the file is a plain composer executable: nothing follows
// its ELF image.
func Open(path string) (*Bundle, error) {
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
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrCorrupt, err)
	}
	if end >= st.Size() {
		return nil, nil
	}
	b := make([]byte, trailerSize)
	if st.Size()-end < int64(trailerSize) {
		return nil, fmt.Errorf("%s: %w (%d bytes after the program, too few for a bundle)", path, ErrCorrupt, st.Size()-end)
	}
	if _, err := f.ReadAt(b, st.Size()-int64(trailerSize)); err != nil {
		return nil, err
	}
	t, ok := decodeTrailer(b)
	if !ok || t.offset != end || t.offset+t.size+int64(trailerSize) != st.Size() {
		return nil, fmt.Errorf("%s: %w (no intact trailer at its end)", path, ErrCorrupt)
	}
	return &Bundle{path: path, t: t}, nil
}

// ID names the bundle's content: the start of its SHA-256, in hex.
func (b *Bundle) ID() string { return hex.EncodeToString(b.t.sum[:16]) }

// Unpack makes sure the bundle's content is in cache/ID and returns that
// directory. The first call extracts it (verifying the hash) into a
// temporary directory renamed into place, so that a crash or a second
// bundle unpacking at the same time never leaves a partial copy there;
// later calls reuse it. cache is created with mode 0700.
func (b *Bundle) Unpack(cache string) (string, error) {
	dir := filepath.Join(cache, b.ID())
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, ".unpack-")
	if err != nil {
		return "", err
	}
	if err := b.extract(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
			return dir, nil // unpacked by another start in the meantime
		}
		return "", err
	}
	return dir, nil
}

// extract writes the archive into dir and checks its hash.
func (b *Bundle) extract(dir string) error {
	f, err := os.Open(b.path)
	if err != nil {
		return err
	}
	defer f.Close()
	hash := sha256.New()
	data := io.TeeReader(io.NewSectionReader(f, b.t.offset, b.t.size), hash)
	corrupt := func(err error) error { return fmt.Errorf("%s: %w: %v", b.path, ErrCorrupt, err) }
	gz, err := gzip.NewReader(data)
	if err != nil {
		return corrupt(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return corrupt(err)
		}
		if err := extractEntry(dir, hdr, tr); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) {
				return corrupt(err)
			}
			return fmt.Errorf("%s: %w", b.path, err)
		}
	}
	if _, err := io.Copy(io.Discard, data); err != nil {
		return corrupt(err)
	}
	if got := hash.Sum(nil); string(got) != string(b.t.sum[:]) {
		return corrupt(errors.New("its content does not match its SHA-256"))
	}
	return os.Chmod(dir, 0o700)
}

// extractEntry writes one archive entry under dir, refusing names that
// leave it and links that point outside it.
func extractEntry(dir string, hdr *tar.Header, r io.Reader) error {
	name := filepath.FromSlash(hdr.Name)
	if !filepath.IsLocal(name) {
		return fmt.Errorf("entry %q would be outside the bundle's directory", hdr.Name)
	}
	target := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(hdr.Mode).Perm() | 0o600
	switch hdr.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(target, mode|0o100)
	case tar.TypeSymlink:
		link := filepath.FromSlash(hdr.Linkname)
		if filepath.IsAbs(link) || !filepath.IsLocal(filepath.Join(filepath.Dir(name), link)) {
			return fmt.Errorf("link %q points outside the bundle's directory (to %q)", hdr.Name, hdr.Linkname)
		}
		return os.Symlink(link, target)
	case tar.TypeReg:
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
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
