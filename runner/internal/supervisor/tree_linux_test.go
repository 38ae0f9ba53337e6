package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestDescendants(t *testing.T) {
	all := []Proc{{PID: 1, PPID: 0, SID: 1}, {PID: 10, PPID: 1, SID: 10}, {PID: 11, PPID: 10, SID: 10}, {PID: 12, PPID: 11, SID: 12}, {PID: 13, PPID: 12, SID: 12}, {PID: 20, PPID: 1, SID: 20}, {PID: 21, PPID: 20, SID: 20}}
	tests := []struct {
		roots []int
		want  []int
	}{
		{[]int{10}, []int{11, 12, 13}},
		{[]int{12, 20}, []int{13, 21}},
		{[]int{13}, nil},
		{[]int{99}, nil},
	}
	for _, tt := range tests {
		got := Descendants(all, tt.roots...)
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Descendants(%v) = %v, want %v", tt.roots, got, tt.want)
		}
	}
}

// A command name may hold spaces and parentheses.
func TestProcesses(t *testing.T) {
	dir := t.TempDir()
	odd := dir + "/a) b (c"
	if err := os.Symlink("/bin/sleep", odd); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(odd, "10")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Wait()
	defer c.Process.Kill()
	var self, child Proc
	for _, p := range Processes() {
		switch p.PID {
		case os.Getpid():
			self = p
		case c.Process.Pid:
			child = p
		}
	}
	if self.PPID != os.Getppid() {
		t.Errorf("this process: %+v, want parent %d", self, os.Getppid())
	}
	if child.PPID != os.Getpid() || child.SID != self.SID {
		t.Errorf("child %q: %+v, want parent %d and session %d", odd, child, os.Getpid(), self.SID)
	}
}
