//go:build !linux

package runner

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true}
}

// reap waits for p and then calls beforeReap. Without waitid(WNOWAIT) the
// group is signalled just after the reap: a small pid-reuse window.
func reap(p *os.Process, beforeReap func()) (*os.ProcessState, error) {
	ps, err := p.Wait()
	beforeReap()
	return ps, err
}
