package runner

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// hold keeps pid stopped, as its tracer, until it dies: a process that
// keeps another stopped, which no SIGCONT undoes.
func hold(pid int) {
	runtime.LockOSThread()
	if err := syscall.PtraceAttach(pid); err != nil {
		fmt.Println("hold:", err)
		os.Exit(1)
	}
	fmt.Println("held")
	for {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, syscall.WALL, nil); err != nil || ws.Exited() || ws.Signaled() {
			return
		}
		// Stopped again (by a signal it was sent): it stays so.
	}
}
