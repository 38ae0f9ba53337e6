package logdir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var stampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) `)

// readLines returns a log file's lines without their time stamps,
// checking that each has one.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Errorf("%s does not end with a newline", path)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		m := stampRE.FindString(l)
		if m == "" {
			t.Fatalf("%s: line without a time stamp: %q", path, l)
		}
		lines = append(lines, l[len(m):])
	}
	return lines
}

func open(t *testing.T, procs []runner.Spec, opts Options) (*logWriter, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "logs")
	w, err := Open(dir, procs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return drive(w, procs, 0), dir
}

// logWriter drives a Writer as a run does: as a sink of a headless.Log.
type logWriter struct {
	*Writer
	log *headless.Log
}

func drive(w *Writer, procs []runner.Spec, timeout time.Duration) *logWriter {
	return &logWriter{w, headless.NewLog(headless.Options{Procs: procs, Timeout: timeout}, w)}
}

func (l *logWriter) Event(e runner.Event) { l.log.Event(e) }

func (l *logWriter) Close() error {
	l.log.Close()
	return l.Writer.Close()
}

func output(proc int, data string) runner.Event {
	return runner.Event{Kind: runner.Output, Proc: proc, Data: []byte(data), Time: time.Now()}
}

func TestWriterLines(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"colours stripped", []string{"\x1b[32mgreen\x1b[0m text\r\n"}, []string{"green text"}},
		{"sequence split between chunks", []string{"a\x1b[3", "1mred\x1b", "[0m\r\n\x1b]0;ti", "tle\x07b\n"}, []string{"ared", "b"}},
		{"progress bar ended", []string{"10%\r20%\r", "\x1b[K30%\r\n"}, []string{"30%"}},
		{"partial line shown at the end", []string{"one\ntwo"}, []string{"one", "two"}},
		{"invalid utf-8 kept", []string{"\xff\xfe ok \xe2\x9c\n"}, []string{"\xff\xfe ok \xe2\x9c"}},
		{"empty lines kept", []string{"\r\n\r\nx\r\n"}, []string{"", "", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{})
			for _, c := range tt.chunks {
				w.Event(output(0, c))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readLines(t, filepath.Join(dir, "a.log")); !slices.Equal(got, tt.want) {
				t.Errorf("a.log holds %q, want %q", got, tt.want)
			}
		})
	}
}

// A prompt is written to the file, and the file flushed, once its process
// goes idle: before Close.
func TestWriterIdleFlushes(t *testing.T) {
	w, dir := open(t, []runner.Spec{{Name: "a"}, {Name: "b"}}, Options{})
	defer w.Close()
	w.Event(output(0, "first\n"))
	w.Event(output(0, "password: "))
	w.Event(output(1, "b's line\n"))
	w.Event(runner.Event{Kind: runner.Idle, Proc: 0, Time: time.Now()})
	if got, want := readLines(t, filepath.Join(dir, "a.log")), []string{"first", "password: "}; !slices.Equal(got, want) {
		t.Errorf("after Idle, a.log holds %q, want %q", got, want)
	}
}

func TestWriterComposerLog(t *testing.T) {
	procs := []runner.Spec{{Name: "web.1", Port: 5000}, {Name: "web.2", Port: 5001}}
	dir := filepath.Join(t.TempDir(), "logs")
	lw, err := Open(dir, procs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := drive(lw, procs, 3*time.Second)
	t0 := time.Date(2026, 1, 2, 15, 4, 5, 6e6, time.Local)
	for _, e := range []runner.Event{
		{Kind: runner.Started, Proc: 0, PID: 10, Time: t0},
		{Kind: runner.Started, Proc: 1, PID: 11, Time: t0},
		{Kind: runner.Output, Proc: 1, Data: []byte("hi from 2\n"), Time: t0},
		{Kind: runner.Exited, Proc: 1, Status: runner.Status{Code: 1}, State: runner.StateRestarting, Delay: time.Second, Time: t0},
		{Kind: runner.ShuttingDown, Proc: -1, Reason: "received SIGTERM", Time: t0},
		{Kind: runner.Signaled, Proc: 0, PID: 10, Signal: syscall.SIGTERM, Reason: "stop", Time: t0},
		{Kind: runner.Signaled, Proc: 0, PID: 10, Signal: syscall.SIGKILL, Reason: "timeout", Time: t0},
		{Kind: runner.Exited, Proc: 0, Status: runner.Status{Signal: syscall.SIGKILL}, State: runner.StateStopped, Time: t0},
	} {
		w.Event(e)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "composer.log"))
	stamp := t0.Format(Stamp) + " "
	want := stamp + "web.1 started (pid 10, port 5000)\n" +
		stamp + "web.2 started (pid 11, port 5001)\n" +
		stamp + "web.2 exited with code 1; restarting in 1s (restart 1)\n" +
		stamp + "stopping all processes: received SIGTERM\n" +
		stamp + "sending SIGTERM to web.1 (pid 10)\n" +
		stamp + "web.1 did not stop within 3s; sending SIGKILL (pid 10)\n" +
		stamp + "web.1 killed by SIGKILL\n"
	if string(data) != want {
		t.Errorf("composer.log:\n%s\nwant:\n%s", data, want)
	}
	if got := readLines(t, filepath.Join(dir, "web.2.log")); !slices.Equal(got, []string{"hi from 2"}) {
		t.Errorf("web.2.log holds %q", got)
	}
	if got := readLines(t, filepath.Join(dir, "web.1.log")); got != nil {
		t.Errorf("web.1.log holds %q, want nothing", got)
	}
}

// A line redrawn with \r for longer than a second shows its state then,
// as the headless stream does: the same lines.
func TestWriterProgress(t *testing.T) {
	t.Parallel()
	w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{})
	w.Event(output(0, "\r1%"))
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(readLines(t, filepath.Join(dir, "a.log")), []string{"1%"}) {
		if time.Now().After(deadline) {
			t.Fatalf("a.log holds %q a second later", readLines(t, filepath.Join(dir, "a.log")))
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.Event(output(0, "\r2%"))
	w.Event(output(0, "\r3%"))
	w.Event(output(0, "\rdone\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := readLines(t, filepath.Join(dir, "a.log")), []string{"1%", "done"}; !slices.Equal(got, want) {
		t.Errorf("a.log holds %q, want %q", got, want)
	}
}

func TestWriterLongLine(t *testing.T) {
	w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{})
	var in bytes.Buffer
	for i := 0; in.Len() < 5<<20; i++ {
		fmt.Fprintf(&in, "%d-é-", i)
	}
	data := in.Bytes()
	for i := 0; i < len(data); i += 4096 {
		w.Event(runner.Event{Kind: runner.Output, Proc: 0, Data: data[i:min(i+4096, len(data))], Time: time.Now()})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pieces := readLines(t, filepath.Join(dir, "a.log"))
	if got := strings.Join(pieces, ""); got != in.String() {
		t.Fatalf("pieces joined: %d bytes, want the %d written", len(got), in.Len())
	}
	if len(pieces) < 5<<20/headless.MaxLine {
		t.Errorf("%d pieces; want pieces of at most %d bytes", len(pieces), headless.MaxLine)
	}
}

func TestWriterKeepsData(t *testing.T) {
	w, _ := open(t, []runner.Spec{{Name: "a"}}, Options{})
	defer w.Close()
	data := []byte("\x1b[31mred\x1b[0m\r\nmore")
	w.Event(runner.Event{Kind: runner.Output, Proc: 0, Data: data, Time: time.Now()})
	if string(data) != "\x1b[31mred\x1b[0m\r\nmore" {
		t.Errorf("Event changed the event's data to %q", data)
	}
}

func TestRotation(t *testing.T) {
	const lines = 1000
	tests := []struct {
		name    string
		maxSize int64
		keep    int
	}{
		{"keep 3", 4000, 3},
		{"keep 1", 4000, 1},
		{"keep 0", 4000, 0},
		{"line larger than the limit", 20, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{MaxSize: tt.maxSize, Keep: tt.keep})
			for i := range lines {
				w.Event(output(0, fmt.Sprintf("line %04d of the log\n", i+1)))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var files []string // oldest first
			for i := tt.keep; i >= 1; i-- {
				files = append(files, fmt.Sprintf("a.log.%d", i))
			}
			files = append(files, "a.log")
			var all []string
			for _, name := range files {
				path := filepath.Join(dir, name)
				st, err := os.Stat(path)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := readLines(t, path)
				if st.Size() > tt.maxSize && len(got) > 1 {
					t.Errorf("%s: %d bytes in %d lines, more than the %d allowed", name, st.Size(), len(got), tt.maxSize)
				}
				all = append(all, got...)
			}
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("a.log.%d", tt.keep+1))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a.log.%d exists (%v); want at most %d old files", tt.keep+1, err, tt.keep)
			}
			// The files, oldest first, hold the last lines whole and in order.
			if len(all) == 0 {
				t.Fatal("no lines")
			}
			first, err := strconv.Atoi(strings.Fields(all[0])[1])
			if err != nil {
				t.Fatalf("first line %q", all[0])
			}
			for i, l := range all {
				if want := fmt.Sprintf("line %04d of the log", first+i); l != want {
					t.Fatalf("line %d of the files is %q, want %q", i, l, want)
				}
			}
			if first+len(all)-1 != lines {
				t.Errorf("the last line is %d, want %d", first+len(all)-1, lines)
			}
		})
	}
}

// Rotation goes on from the files of an earlier run: appended to, then
// shifted, the oldest replaced.
func TestRotationAfterRestart(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.log", "a.log.1", "a.log.2"} {
		os.WriteFile(filepath.Join(dir, name), []byte(name+"\n"), 0o644)
	}
	w0, err := Open(dir, []runner.Spec{{Name: "a"}}, Options{MaxSize: 200, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	w := drive(w0, []runner.Spec{{Name: "a"}}, 0)
	w.Event(output(0, "new\n"))
	w.Event(output(0, strings.Repeat("x", 150)+"\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	stamp := `\d{4}-\d\d-\d\dT[^ ]+ `
	for name, want := range map[string]string{
		"a.log.2": "^a.log.1\n$",
		"a.log.1": "^a.log\n" + stamp + "new\n$",
		"a.log":   "^" + stamp + "x{150}\n$",
	} {
		if data, _ := os.ReadFile(filepath.Join(dir, name)); !regexp.MustCompile(want).Match(data) {
			t.Errorf("%s holds %q, want %q", name, data, want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	if _, err := Open(filepath.Join(notDir, "logs"), []runner.Spec{{Name: "a"}}, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open under a file = %v, want not a directory", err)
	}
	if _, err := Open(dir, []runner.Spec{{Name: "composer"}}, Options{}); err == nil || !strings.Contains(err.Error(), `"composer"`) {
		t.Errorf("Open with a process named composer = %v, want an error", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("Open left files behind: %v", entries)
	}
}

// A write error (a full disk) is reported once; the writer keeps taking
// events.
func TestWriteError(t *testing.T) {
	// A file size limit stands in for a full disk: the Go runtime ignores
	// SIGXFSZ, so a write past it fails with EFBIG. Tests run in parallel
	// only once this one is over.
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 64 << 10, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	var failed []error
	w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{Failed: func(err error) { failed = append(failed, err) }})
	for range 10000 {
		w.Event(output(0, "some output that fills the disk\n"))
	}
	w.Event(runner.Event{Kind: runner.Exited, Proc: 0, Time: time.Now()})
	if err := w.Close(); !errors.Is(err, syscall.EFBIG) || len(failed) != 1 {
		t.Errorf("Close = %v, Failed called with %v; want EFBIG, once", err, failed)
	}
	if st, err := os.Stat(filepath.Join(dir, "a.log")); err != nil || st.Size() > 64<<10 {
		t.Errorf("a.log: %v, %d bytes", err, st.Size())
	}
}

// The real runner and a Writer: processes flooding at once lose no line.
func TestFlood(t *testing.T) {
	const procs, lines = 3, 100000
	var specs []runner.Spec
	var hp []runner.Spec
	for i := range procs {
		name := fmt.Sprint("p", i)
		cmd := fmt.Sprintf(`e=$(printf '\033'); seq -f "${e}[3%dm%s %%07g${e}[0m xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" 1 %d`, i+1, name, lines)
		specs = append(specs, runner.Spec{Name: name, Command: cmd, Env: os.Environ(), CanDie: true})
		hp = append(hp, runner.Spec{Name: name})
	}
	// A pause mid-line of Idle shows the line in two, as documented; on a
	// loaded machine seq may pause that long.
	r := runner.New(specs, runner.Options{Idle: time.Minute})
	w, dir := open(t, hp, Options{})
	done := make(chan struct{})
	go func() {
		for e := range r.Events() {
			w.Event(e)
		}
		close(done)
	}()
	r.Run()
	<-done
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range procs {
		got := readLines(t, filepath.Join(dir, fmt.Sprintf("p%d.log", i)))
		if len(got) != lines {
			t.Errorf("p%d.log: %d lines, want %d", i, len(got), lines)
		}
		for n, l := range got {
			if want := fmt.Sprintf("p%d %07d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i, n+1); l != want {
				t.Fatalf("p%d.log line %d: %q, want %q", i, n+1, l, want)
			}
		}
	}
}

func BenchmarkWriter(b *testing.B) {
	var chunk bytes.Buffer
	for chunk.Len() < 64*1024-100 {
		fmt.Fprintf(&chunk, "LINE %07d \x1b[32m%s\x1b[0m\r\n", chunk.Len(), strings.Repeat("x", 75))
	}
	data := chunk.Bytes()
	w0, err := Open(b.TempDir(), []runner.Spec{{Name: "a"}}, Options{MaxSize: DefaultMaxSize, Keep: 1})
	if err != nil {
		b.Fatal(err)
	}
	w := drive(w0, []runner.Spec{{Name: "a"}}, 0)
	defer w.Close()
	e := runner.Event{Kind: runner.Output, Proc: 0, Data: data, Time: time.Now()}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w.Event(e)
	}
}

// victim is a file of the user's that a planted link or hard link would
// lead to; untouched checks that nothing wrote to it.
func victim(t *testing.T) (path string, untouched func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(path, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func() {
		t.Helper()
		if data, err := os.ReadFile(path); err != nil || string(data) != "precious\n" {
			t.Errorf("the file a planted name led to holds %q (%v), want it untouched", data, err)
		}
	}
}

// Another user may put anything in a directory others can write to. A
// name there that would lead composer's writes elsewhere is refused.
func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, log, victim string)
		want  string
	}{
		{"link to a file of yours", func(t *testing.T, log, victim string) { must(t, os.Symlink(victim, log)) }, "it is a symbolic link"},
		{"link that dangles", func(t *testing.T, log, victim string) { must(t, os.Symlink(victim+".new", log)) }, "it is a symbolic link"},
		{"link to another log", func(t *testing.T, log, _ string) { must(t, os.Symlink("composer.log", log)) }, "it is a symbolic link"},
		{"hard link to a file of yours", func(t *testing.T, log, victim string) { must(t, os.Link(victim, log)) }, "it has 2 hard links"},
		{"fifo", func(t *testing.T, log, _ string) { must(t, syscall.Mkfifo(log, 0o666)) }, "not a regular file"},
		{"directory", func(t *testing.T, log, _ string) { must(t, os.Mkdir(log, 0o777)) }, "not a regular file"},
		{"another user's file", func(t *testing.T, log, _ string) {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a file to another user")
			}
			must(t, os.WriteFile(log, nil, 0o666))
			must(t, os.Chown(log, 65534, 65534))
		}, "it belongs to another user (uid 65534)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			victim, untouched := victim(t)
			dir := t.TempDir()
			os.Chmod(dir, 0o1777) // shared, sticky
			log := filepath.Join(dir, "web.log")
			tt.plant(t, log, victim)
			_, err := Open(dir, []runner.Spec{{Name: "web"}}, Options{})
			var re *RefusedError
			if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "refusing "+log+": "+tt.want) {
				t.Errorf("Open = %v, want %q", err, "refusing "+log+": "+tt.want)
			}
			untouched()
			if _, err := os.Lstat(victim + ".new"); err == nil {
				t.Error("a dangling link's target was created")
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Links planted where rotation puts the old files are renamed as links or
// replaced: what they lead to is never written, and the old files hold
// the lines.
func TestRotationPlantedLinks(t *testing.T) {
	const keep = 3
	victim, untouched := victim(t)
	dir := t.TempDir()
	for i := 1; i <= keep+1; i++ {
		must(t, os.Symlink(victim, filepath.Join(dir, fmt.Sprintf("a.log.%d", i))))
	}
	w0, err := Open(dir, []runner.Spec{{Name: "a"}}, Options{MaxSize: 1000, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	w := drive(w0, []runner.Spec{{Name: "a"}}, 0)
	for i := range 300 {
		w.Event(output(0, fmt.Sprintf("line %04d of the log\n", i+1)))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	untouched()
	if got := readLines(t, filepath.Join(dir, "a.log")); len(got) == 0 || got[len(got)-1] != "line 0300 of the log" {
		t.Errorf("a.log ends %q, want the last line", got)
	}
	for i := 1; i <= keep; i++ {
		path := filepath.Join(dir, fmt.Sprintf("a.log.%d", i))
		if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s: %v, %v; want a rotated file", path, st.Mode(), err)
		} else if st.Mode().Perm() != DefaultMode {
			t.Errorf("%s: mode %v, want %v", path, st.Mode().Perm(), DefaultMode)
		}
	}
}

// A link planted as NAME.log once rotation has renamed it away (another
// user's planting loop wins that race now and then) is refused: the
// Writer stops writing, and says so, rather than write or truncate what
// the link leads to.
func TestRotationPlantedBetween(t *testing.T) {
	victim, untouched := victim(t)
	dir := t.TempDir()
	rotating = func() { must(t, os.Symlink(victim, filepath.Join(dir, "a.log"))) }
	defer func() { rotating = nil }()
	var failed []error
	w0, err := Open(dir, []runner.Spec{{Name: "a"}}, Options{MaxSize: 1000, Keep: 2, Failed: func(err error) { failed = append(failed, err) }})
	if err != nil {
		t.Fatal(err)
	}
	w := drive(w0, []runner.Spec{{Name: "a"}}, 0)
	for i := range 100 {
		w.Event(output(0, fmt.Sprintf("line %04d of the log\n", i+1)))
	}
	err = w.Close()
	var re *RefusedError
	if !errors.As(err, &re) || re.Why != "it is a symbolic link" || len(failed) != 1 {
		t.Errorf("Close = %v, Failed with %v; want a refused link, once", err, failed)
	}
	untouched()
}

// Files are created with the mode asked for, 0600 by default, whatever
// the umask; files that exist keep theirs.
func TestFileMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tt := range []struct {
		mode  os.FileMode
		umask int
		want  os.FileMode
	}{
		{0, 0, 0o600},
		{0, 0o077, 0o600},
		{0o640, 0o077, 0o640},
		{0o664, 0o022, 0o664},
	} {
		syscall.Umask(tt.umask)
		w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{Mode: tt.mode, MaxSize: 100, Keep: 1})
		for range 10 {
			w.Event(output(0, "a line to rotate the file\n"))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a.log", "a.log.1", "composer.log"} {
			if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != tt.want {
				t.Errorf("mode %v, umask %03o: %s has mode %v (%v), want %v", tt.mode, tt.umask, name, st.Mode().Perm(), err, tt.want)
			}
		}
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "a.log"), nil, 0o644))
	must(t, os.Chmod(filepath.Join(dir, "a.log"), 0o644))
	w0, err := Open(dir, []runner.Spec{{Name: "a"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := drive(w0, []runner.Spec{{Name: "a"}}, 0)
	w.Close()
	if st, _ := os.Stat(filepath.Join(dir, "a.log")); st.Mode().Perm() != 0o644 {
		t.Errorf("a file that existed has mode %v, want its own 0644", st.Mode().Perm())
	}
}

// A stray ESC ] (the start of an OSC never ended) ends with its line: it
// does not swallow the rest of the file.
func TestStrayOSC(t *testing.T) {
	w, dir := open(t, []runner.Spec{{Name: "a"}}, Options{})
	w.Event(output(0, "before\n\x1b]oops\nafter 1\nafter 2\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"before", "", "after 1", "after 2"}
	if got := readLines(t, filepath.Join(dir, "a.log")); !slices.Equal(got, want) {
		t.Errorf("a.log holds %q, want %q", got, want)
	}
}
