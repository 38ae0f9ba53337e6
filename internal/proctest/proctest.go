// Package proctest finds, for tests, the processes they started, by a
// marker variable every one of them inherits, whatever became of their
// parents. It reads /proc: elsewhere it finds nothing.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Marker is a VAR=value unique to the test and to this moment: put it in
// the environment of what the test starts.
func Marker(t testing.TB) string {
	return fmt.Sprintf("COMPOSER_TEST_MARKER=%d-%d-%s", os.Getpid(), time.Now().UnixNano(),
		bytes.ReplaceAll([]byte(t.Name()), []byte(" "), []byte("_")))
}

// Process is a marked process.
type Process struct {
	PID     int
	Cmdline string // its arguments, space separated
}

func (p Process) String() string { return fmt.Sprintf("%d %s", p.PID, p.Cmdline) }

// Marked lists the live processes whose environment holds mark (a zombie's
// environment reads empty, so zombies are not among them).
func Marked(mark string) []Process {
	var out []Process
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(d + "/environ")
		if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00"+mark+"\x00")) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		cmdline, _ := os.ReadFile(d + "/cmdline")
		out = append(out, Process{pid, string(bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '}))})
	}
	return out
}
