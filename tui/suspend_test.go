package tui

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// What jobControl reads of /proc is what the kernel says of the process.
func TestProcesses(t *testing.T) {
	procs, ok := processes()
	if !ok {
		t.Skip("no /proc")
	}
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	want := ids{ppid: os.Getppid(), pgrp: unix.Getpgrp(), sid: sid}
	if got := procs[os.Getpid()]; got != want {
		t.Errorf("processes() says this process is %+v, want %+v", got, want)
	}
}
