//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A process gets its terminal and nothing else of composer's: not a
// descriptor composer inherited and left open.
func TestNoInheritedDescriptors(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "a: ls -l /proc/self/fd/\n"})
	stray, err := os.Create(filepath.Join(dir, "stray-descriptor"))
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()
	cmd := exec.Command(bin, "up", "--headless")
	cmd.Dir, cmd.Env = dir, cleanEnv()
	// composer's fds 3 to 5, not close-on-exec (3 would be taken by the
	// supervisor's socket anyway).
	cmd.ExtraFiles = []*os.File{stray, stray, stray}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("composer up: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "a        | ") {
		t.Fatalf("no listing:\n%s", out)
	}
	if strings.Contains(string(out), "stray-descriptor") {
		t.Errorf("the process inherited composer's stray descriptor:\n%s", out)
	}
}
