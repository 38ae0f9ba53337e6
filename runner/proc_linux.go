package runner

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setsid:  true,
		Setctty: true,
		// If composer dies without cleaning up, the kernel kills the shell.
		Pdeathsig: syscall.SIGKILL,
	}
}

// reap waits for p to exit and calls beforeReap while it is still a
// zombie, so that its pid, and so its process group id, cannot have been
// reused when beforeReap signals the group.
func reap(p *os.Process, beforeReap func()) (*os.ProcessState, error) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	beforeReap()
	return p.Wait()
}
