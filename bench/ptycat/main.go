// Command ptycat is the baseline for any pty-based runner: it starts
// "sh -c COMMAND" in a pty and copies the pty to stdout through a 64 KiB
// buffer, nothing more.
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/creack/pty"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ptycat COMMAND")
		os.Exit(2)
	}
	cmd := exec.Command("/bin/sh", "-c", os.Args[1])
	f, err := pty.Start(cmd)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 64*1024)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			os.Stdout.Write(buf[:n])
		}
		if err != nil {
			break
		}
	}
	cmd.Wait()
}
