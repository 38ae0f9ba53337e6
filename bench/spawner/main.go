// Command spawner is the floor of a pty-based Procfile runner, what
// hivemind does and no more: "spawner N COMMAND" starts N copies of
// "/bin/sh -c COMMAND", named p0 to pN-1, each from a goroutine of its
// own, in a session of its own with a pty of its own as its controlling
// terminal. That goroutine then reads the pty and writes each line to
// stdout as "name | line". On SIGTERM or SIGINT it sends SIGTERM to every
// process group and waits for all; it exits once every process has
// ended. No restart, no socket, no timeout.
//
// The one thing it does beyond hivemind: each pty is read through Go's
// poller, as composer reads them, not with a blocked OS thread per pty
// (which pty.Start would leave, and which costs some 17 KiB a process).
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/creack/pty"
)

func main() {
	n, err := 0, error(nil)
	if len(os.Args) == 3 {
		n, err = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) != 3 || err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "usage: spawner N COMMAND")
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)

	width := len(strconv.Itoa(n-1)) + 1
	var out sync.Mutex // one line per write, whole
	var wg, started sync.WaitGroup
	cmds := make([]*exec.Cmd, n)
	for i := range n {
		name := fmt.Sprintf("%-*s | ", width, "p"+strconv.Itoa(i))
		cmds[i] = exec.Command("/bin/sh", "-c", os.Args[2])
		wg.Add(1)
		started.Add(1)
		go func(cmd *exec.Cmd) { // each started in a goroutine, as hivemind does
			defer wg.Done()
			f, err := pty.Start(cmd) // Setsid and Setctty
			if err == nil {
				f, err = pollable(f)
			}
			started.Done()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			r := bufio.NewReaderSize(f, 64*1024)
			for {
				l, err := r.ReadSlice('\n')
				if len(l) > 0 {
					line := append([]byte(name), bytes.TrimRight(l, "\r\n")...)
					out.Lock()
					os.Stdout.Write(append(line, '\n'))
					out.Unlock()
				}
				if err != nil && err != bufio.ErrBufferFull {
					break // EIO: every holder of the tty has gone
				}
			}
			f.Close()
			cmd.Wait()
		}(cmds[i])
	}
	started.Wait() // a signal before is held until then
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sig:
		for _, cmd := range cmds {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		}
		<-done
	}
}

// pollable returns f made non-blocking, so that a read waits in Go's
// poller, not in a thread of its own: pty.Start leaves the pty blocking
// (it calls Fd), which would cost an OS thread per process.
func pollable(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "ptmx"), nil // in the poller, as it is non-blocking
}
