package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// staticExe builds the stand-in for composer once.
var staticExe = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "bundle-test")
	if err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "static")
	cmd := exec.Command("go", "build", "-o", exe, "./testdata/static")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(string(out))
	}
	return exe, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if exe, err := staticExe(); err == nil {
		os.RemoveAll(filepath.Dir(exe))
	}
	os.Exit(code)
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// project writes a small project and returns it.
func project(t *testing.T) Project {
	t.Helper()
	src := t.TempDir()
	write(t, filepath.Join(src, "Procfile"), "web: serve\n", 0o644)
	write(t, filepath.Join(src, ".env"), "A=1\n", 0o644)
	write(t, filepath.Join(src, "prod.env"), "B=2\n", 0o644)
	write(t, filepath.Join(src, "serve"), "#!/bin/sh\necho serving\n", 0o755)
	write(t, filepath.Join(src, "static", "css", "site.css"), "body{}\n", 0o644)
	if err := os.Symlink("css/site.css", filepath.Join(src, "static", "site.css")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(src, "build", "public", "index.html"), "<p>hi</p>\n", 0o644)
	if err := os.Symlink("build/public", filepath.Join(src, "public")); err != nil {
		t.Fatal(err)
	}
	return Project{
		Procfile: filepath.Join(src, "Procfile"),
		EnvFiles: []string{filepath.Join(src, ".env"), filepath.Join(src, "prod.env")},
		Include: []string{filepath.Join(src, "serve"), filepath.Join(src, "static"), "/bin/echo",
			filepath.Join(src, "public")}, // a link to a directory
	}
}

// create writes a bundle of p next to a copy of the static executable.
func create(t *testing.T, p Project) string {
	t.Helper()
	exe, err := staticExe()
	if err != nil {
		t.Fatalf("building the static executable: %v", err)
	}
	out := filepath.Join(t.TempDir(), "app")
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Create(f, exe, p); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	app := create(t, project(t))

	// The bundle still runs as the program it was made from.
	if out, err := exec.Command(app).CombinedOutput(); err != nil || string(out) != "static\n" {
		t.Fatalf("running the bundle: %q, %v", out, err)
	}
	b, err := Open(app)
	if err != nil || b == nil {
		t.Fatalf("Open = %v, %v", b, err)
	}
	cache := filepath.Join(t.TempDir(), "bundles")
	dir, err := b.Unpack(cache)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		c.Procfile:                         "web: serve\n",
		c.EnvFiles[0]:                      "A=1\n",
		c.EnvFiles[1]:                      "B=2\n",
		filepath.Join(dir, "bin", "serve"): "#!/bin/sh\necho serving\n",
		filepath.Join(dir, "static", "css/site.css"): "body{}\n",
		filepath.Join(dir, "static", "site.css"):     "body{}\n", // through the link
		filepath.Join(dir, "public", "index.html"):   "<p>hi</p>\n",
	} {
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if filepath.Base(c.EnvFiles[0]) != ".env" || filepath.Base(c.EnvFiles[1]) != "prod.env" {
		t.Errorf("env files %v: want their names and order kept", c.EnvFiles)
	}
	for path, want := range map[string]os.FileMode{cache: 0o700, dir: 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("mode of %s = %v, %v; want %v", path, st.Mode().Perm(), err, want)
		}
	}

	// /bin/echo needs libc: it runs through the bundled loader and libraries.
	echo := filepath.Join(dir, "bin", "echo")
	out, err := exec.Command(echo, "from", "the bundle").CombinedOutput()
	if err != nil || string(out) != "from the bundle\n" {
		t.Fatalf("%s: %q, %v", echo, out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lib", "libc.so.6")); err != nil {
		t.Errorf("libc is not in the bundle: %v", err)
	}
	// Run by its name from bin/, as sh does with a script found there.
	bySh := exec.Command("sh", "echo", "by name")
	bySh.Dir, bySh.Env = filepath.Join(dir, "bin"), append(os.Environ(), "COMPOSER_BUNDLE_DIR="+dir)
	if out, err := bySh.CombinedOutput(); err != nil || string(out) != "by name\n" {
		t.Errorf("sh echo in bin/: %q, %v", out, err)
	}
	script, _ := os.ReadFile(echo)
	if !strings.Contains(string(script), `--library-path "$d/lib"`) {
		t.Errorf("bin/echo is not the launcher:\n%s", script)
	}

	// A second start reuses what the first unpacked.
	marker := filepath.Join(dir, "marker")
	write(t, marker, "", 0o600)
	if again, err := b.Unpack(cache); err != nil || again != dir {
		t.Fatalf("second Unpack = %q, %v; want %q", again, err, dir)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the second Unpack replaced the first copy: %v", err)
	}
}

// A copy in the cache is used only if it is whole and only this user can
// have written it.
func TestCacheTrust(t *testing.T) {
	b, err := Open(create(t, project(t)))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	dir, err := b.Unpack(cache)
	if err != nil {
		t.Fatal(err)
	}
	// Not whole (a cleaner removed a file): unpacked again.
	if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	if again, err := b.Unpack(cache); err != nil || again != dir {
		t.Fatalf("Unpack of a copy without its manifest = %q, %v", again, err)
	}
	if _, err := Load(dir); err != nil {
		t.Errorf("after unpacking again: %v", err)
	}
	// Writable by others: refused.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Unpack(cache); err == nil || !strings.Contains(err.Error(), "others may write to it") {
		t.Errorf("Unpack into a directory anyone may write = %v", err)
	}
	os.Chmod(dir, 0o700)
	if os.Geteuid() == 0 {
		// Another user's: refused.
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Unpack(cache); err == nil || !strings.Contains(err.Error(), "belongs to another user") {
			t.Errorf("Unpack into another user's directory = %v", err)
		}
	}
}

// Bytes after a plain program that are no bundle (a stripping tool's
// leftovers, a signature) leave it a plain program.
func TestTrailingBytesAreNoBundle(t *testing.T) {
	exe, err := staticExe()
	if err != nil {
		t.Fatal(err)
	}
	image, _ := os.ReadFile(exe)
	path := filepath.Join(t.TempDir(), "signed")
	write(t, path, string(image)+"-----BEGIN SIGNATURE-----", 0o755)
	if b, err := Open(path); b != nil || err != nil {
		t.Errorf("Open = %v, %v; want no bundle and no error", b, err)
	}
}

func TestPlainExecutableIsNoBundle(t *testing.T) {
	exe, err := staticExe()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Open(exe); b != nil || err != nil {
		t.Errorf("Open(plain executable) = %v, %v; want nil, nil", b, err)
	}
}

func TestUnpackAtOnce(t *testing.T) {
	b, err := Open(create(t, project(t)))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	errs := make([]error, 8)
	for i := range dirs {
		wg.Go(func() { dirs[i], errs[i] = b.Unpack(cache) })
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Errorf("Unpack %d = %q, %v; want %q", i, dirs[i], errs[i], dirs[0])
		}
	}
	if _, err := Load(dirs[0]); err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, ".unpack-*")); len(left) > 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}

// What an unpacking killed mid-way left is removed by a later one, once
// it is old enough not to be another's in progress.
func TestStaleUnpackingsRemoved(t *testing.T) {
	b, err := Open(create(t, project(t)))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	old, recent := filepath.Join(cache, ".unpack-old"), filepath.Join(cache, ".unpack-recent")
	for _, d := range []string{old, recent} {
		write(t, filepath.Join(d, "half"), "", 0o600)
	}
	long := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Unpack(cache); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("an old temporary directory was left")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent one (perhaps another start's) was removed: %v", err)
	}
}

func TestDamagedBundles(t *testing.T) {
	app := create(t, project(t))
	whole, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Open(app)
	damage := map[string][]byte{
		"truncated":          whole[:len(whole)-1000],
		"trailer only cut":   whole[:len(whole)-10],
		"a byte of the data": flip(whole, int(b.t.offset)+int(b.t.size)/2),
		"gzip's checksum":    flip(whole, int(b.t.offset+b.t.size)-6),
	}
	for name, content := range damage {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app")
			write(t, path, string(content), 0o755)
			cache := t.TempDir()
			b, err := Open(path)
			if err == nil {
				_, err = b.Unpack(cache)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line naming the file", err)
			}
			if left, _ := os.ReadDir(cache); len(left) > 0 {
				t.Errorf("a damaged bundle left %v in the cache", left)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// tampered writes a bundle whose archive holds hdrs (with mode 0644 and
// no content), its trailer made to match, and returns its path.
func tampered(t *testing.T, hdrs []tar.Header) string {
	t.Helper()
	exe, err := staticExe()
	if err != nil {
		t.Fatal(err)
	}
	image, _ := os.ReadFile(exe)
	var archive bytes.Buffer
	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)
	for _, hdr := range hdrs {
		hdr.Mode = 0o644
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	tr := trailer{offset: int64(len(image)), size: int64(archive.Len()), sum: sha256.Sum256(archive.Bytes())}
	path := filepath.Join(t.TempDir(), "app")
	write(t, path, string(image)+archive.String()+string(tr.encode()), 0o755)
	return path
}

func link(name, to string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to}
}

// TestHostileArchives: entries and links that would leave the bundle's
// directory are refused, whatever the hash says; links that stay in it,
// even dangling, are kept.
func TestHostileArchives(t *testing.T) {
	file := func(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg} }
	tests := []struct {
		name string
		hdrs []tar.Header
		want string
	}{
		{"parent", []tar.Header{file("../escape")}, "outside the bundle's directory"},
		{"absolute", []tar.Header{file("/tmp/escape")}, "outside the bundle's directory"},
		{"link up", []tar.Header{link("lib/x", "../../etc")}, "points outside"},
		{"link absolute", []tar.Header{link("x", "/etc/passwd")}, "points outside"},
		{"hard link", []tar.Header{{Name: "x", Typeflag: tar.TypeLink, Linkname: "Procfile"}}, "unsupported type"},
		// Each link is local on its own; together they lead two levels up.
		{"chain of links", []tar.Header{link("a", "."), link("b", "a/.."), link("c", "b/.."), file("c/escape")}, "escapes"},
		{"chain of links only", []tar.Header{link("a", "."), link("b", "a/.."), link("c", "b/..")}, "leads outside"},
		{"the stamp", []tar.Header{file(stampName)}, "outside the bundle's directory"},
		// Dangling: there is nothing to follow to the end, but a/.. is
		// above the directory whatever comes to exist there.
		{"dangling after a link", []tar.Header{link("a", "."), link("b", "a/../nowhere")}, "leads outside"},
		{"dangling up a link", []tar.Header{link("a/b", ".."), link("d", "a/b/a/b/a/b/../../../tmp/x")}, "leads outside"},
		{"loop", []tar.Header{link("l1", "l2"), link("l2", "l1")}, "too many levels of links"},
		{"dangling inside", []tar.Header{link("a/b", ".."), link("d", "a/b/a/nowhere"), link("e", "missing/../Procfile")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(tampered(t, tc.hdrs))
			if err != nil {
				t.Fatal(err)
			}
			cache := filepath.Join(t.TempDir(), "a", "b", "cache")
			_, err = b.Unpack(cache)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Unpack = %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Unpack = %v, want an error saying %q", err, tc.want)
			}
			for d := cache; d != filepath.Dir(d); d = filepath.Dir(d) {
				if _, err := os.Lstat(filepath.Join(d, "escape")); err == nil {
					t.Fatalf("a file was written outside the bundle's directory: %s", filepath.Join(d, "escape"))
				}
			}
		})
	}
}

// A link that dangles while the bundle is unpacked, and would lead out
// once the file it names exists, is refused: it would otherwise read and
// write that file for the processes.
func TestDanglingLinkOut(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "x")
	// a/b is the bundle's directory, so each a/b/ stays there while
	// lexically going deeper; the ".." then climb to / from there (fewer
	// than Linux's 40 links in all, for the kernel to follow them).
	to := strings.Repeat("a/b/", 16) + strings.Repeat("../", 16) + strings.TrimPrefix(victim, "/")
	b, err := Open(tampered(t, []tar.Header{link("a/b", ".."), link("d", to)}))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := b.Unpack(t.TempDir())
	if err == nil {
		write(t, victim, "secret", 0o600)
		got, _ := os.ReadFile(filepath.Join(dir, "d"))
		t.Fatalf("Unpack = nil; the link d reads %q from %s", got, victim)
	}
	if !strings.Contains(err.Error(), `link "d" leads outside the bundle's directory`) {
		t.Errorf("Unpack = %v, want it to name the link that leads out", err)
	}
}

func TestCreateRefuses(t *testing.T) {
	p := project(t)
	outside := filepath.Join(filepath.Dir(p.Procfile), "static", "passwd")
	if err := os.Symlink("/etc/passwd", outside); err != nil {
		t.Fatal(err)
	}
	exe, err := staticExe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(&bytes.Buffer{}, exe, p); err == nil || !strings.Contains(err.Error(), "links outside what is included") {
		t.Errorf("a link out of an included directory: %v", err)
	}
	os.Remove(outside)

	// Links each local on their own, leading out together.
	static := filepath.Join(filepath.Dir(p.Procfile), "static")
	os.Symlink(".", filepath.Join(static, "a"))
	os.Symlink("a/..", filepath.Join(static, "b"))
	if _, err := Create(&bytes.Buffer{}, exe, p); err == nil || !strings.Contains(err.Error(), "links outside what is included") {
		t.Errorf("a chain of links out of an included directory: %v", err)
	}
	os.Remove(filepath.Join(static, "b"))
	// The same, dangling: it would lead out once the file it names exists.
	os.Symlink("a/../nowhere", filepath.Join(static, "b"))
	if _, err := Create(&bytes.Buffer{}, exe, p); err == nil || !strings.Contains(err.Error(), "links outside what is included") {
		t.Errorf("a dangling link out of an included directory: %v", err)
	}
	os.Remove(filepath.Join(static, "b"))
	os.Remove(filepath.Join(static, "a"))
	// Dangling inside is fine.
	os.Symlink("css/missing", filepath.Join(static, "later"))
	if _, err := Create(&bytes.Buffer{}, exe, p); err != nil {
		t.Errorf("a link dangling inside an included directory: %v", err)
	}
	os.Remove(filepath.Join(static, "later"))

	for _, odd := range []string{".", "..", "/"} {
		q := p
		q.Include = []string{odd}
		if _, err := Create(&bytes.Buffer{}, exe, q); err == nil || !strings.Contains(err.Error(), "by its own name") {
			t.Errorf("--include %s: %v", odd, err)
		}
	}

	if _, err := Create(&bytes.Buffer{}, "/bin/true", p); !errors.Is(err, ErrDynamic) {
		t.Errorf("Create from a dynamically linked composer: %v, want ErrDynamic", err)
	}
	p.Include = append(p.Include, p.Include[0])
	if _, err := Create(&bytes.Buffer{}, exe, p); err == nil || !strings.Contains(err.Error(), "already in the bundle") {
		t.Errorf("the same file included twice: %v", err)
	}
}

// A program that finds its libraries through its RPATH ($ORIGIN), where
// one library needs another found the same way, and that is included
// through a link to its directory: bundled as the loader would run it.
func TestLibrariesByRPATH(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is needed to build the test's program (.ci/run installs it)")
	}
	src := t.TempDir()
	lib, bin := filepath.Join(src, "app", "lib"), filepath.Join(src, "app", "bin")
	write(t, filepath.Join(lib, "b.c"), "int b(void) { return 42; }\n", 0o644)
	write(t, filepath.Join(lib, "a.c"), "int b(void);\nint a(void) { return b(); }\n", 0o644)
	write(t, filepath.Join(bin, "main.c"), "#include <stdio.h>\nint a(void);\nint main(void) { printf(\"%d\\n\", a()); return 0; }\n", 0o644)
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(cc, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, out)
		}
	}
	run(lib, "-shared", "-fPIC", "-o", "libb.so", "b.c")
	run(lib, "-shared", "-fPIC", "-o", "liba.so", "a.c", "-L.", "-lb") // no search path of its own
	run(bin, "-o", "prog", "main.c", "-L../lib", "-la", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib")
	if err := os.Symlink(filepath.Join("app", "bin"), filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	p := project(t)
	p.Include = []string{filepath.Join(src, "link", "prog")}
	b, err := Open(create(t, p))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := b.Unpack(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range []string{"liba.so", "libb.so"} {
		if _, err := os.Stat(filepath.Join(dir, "lib", so)); err != nil {
			t.Errorf("%s is not in the bundle: %v", so, err)
		}
	}
	os.RemoveAll(filepath.Join(src, "app")) // the bundle must not need them
	if out, err := exec.Command(filepath.Join(dir, "bin", "prog")).CombinedOutput(); err != nil || string(out) != "42\n" {
		t.Errorf("the bundled prog: %q, %v", out, err)
	}
}
