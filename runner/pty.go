package runner

import (
	"os"
	"os/exec"

	"github.com/creack/pty"
)

// shell runs every command, as foreman does.
const shell = "/bin/sh"

// startPTY starts spec's command in a new session whose controlling
// terminal is a new pty, and returns the pty's controlling side.
func startPTY(spec Spec, cols, rows int) (*exec.Cmd, *os.File, error) {
	cmd := exec.Command(shell, "-c", spec.Command)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	f, err := pty.StartWithAttrs(cmd, winsize(cols, rows), sysProcAttr())
	if err != nil {
		return nil, nil, err
	}
	return cmd, f, nil
}

func setSize(f *os.File, cols, rows int) error { return pty.Setsize(f, winsize(cols, rows)) }

func winsize(cols, rows int) *pty.Winsize {
	clamp := func(n int) uint16 { return uint16(max(1, min(n, 0xffff))) }
	return &pty.Winsize{Cols: clamp(cols), Rows: clamp(rows)}
}
