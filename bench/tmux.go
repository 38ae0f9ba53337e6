package main

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// term is a terminal: one window of a private tmux server (its own socket,
// no configuration), driven through a control-mode client so that a
// command such as capture-pane costs a round trip to the server instead of
// starting a tmux process (about 10ms each, too coarse for key latency).
type term struct {
	socket string // the -L name
	path   string // and the file, which kill-server leaves behind
	ctl    *exec.Cmd
	in     io.WriteCloser
	blocks chan block
	closed sync.Once
}

// block is the reply to one control-mode command.
type block struct {
	out string
	err bool
}

const (
	termW, termH = 120, 40
	target       = "=bench:main" // the window under measurement
)

var sockets atomic.Int64

// newTerm starts a tmux server whose one window runs command (a shell
// command line) in dir, 120×40, with TERM=xterm-256color.
func newTerm(dir, command string) (*term, error) {
	if _, err := exec.LookPath("tmux"); err != nil {
		return nil, errors.New("the TUI benchmarks need tmux: " + err.Error())
	}
	t := &term{socket: fmt.Sprintf("composer-bench-%d-%d", os.Getpid(), sockets.Add(1))}
	var err error
	spawn(func() {
		atExit(t.close)
		err = t.start(dir, command)
	})
	if err != nil {
		return nil, err
	}
	// Replies carry no tag: make sure the first one is the reply to the
	// first command; from then on they come in order.
	const sync = "composer-bench-sync"
	fmt.Fprintf(t.in, "display-message -p %s\n", sync)
	for deadline := time.After(5 * time.Second); ; {
		select {
		case b, ok := <-t.blocks:
			if !ok {
				return nil, errors.New("tmux -C: the control client ended")
			}
			if b.out == sync {
				t.path, err = t.do("display-message -p '#{socket_path}'")
				return t, err
			}
		case <-deadline:
			return nil, errors.New("tmux -C: no reply in 5s")
		}
	}
}

// start starts the server and the control client.
func (t *term) start(dir, command string) error {
	setup := []string{
		"set", "-g", "default-terminal", "xterm-256color", ";",
		"set", "-g", "default-shell", "/bin/sh", ";",
		// A pane that dies stays, so its last screen can be shown.
		"set", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-s", "bench", "-n", "main", "-c", dir,
		"-x", fmt.Sprint(termW), "-y", fmt.Sprint(termH), command,
	}
	if out, err := t.tmux(setup...).CombinedOutput(); err != nil {
		return fmt.Errorf("tmux new-session: %v: %s", err, out)
	}
	// ignore-size: the control client must not resize the window;
	// no-output: nor receive every byte written to the panes.
	t.ctl = t.tmux("-C", "attach-session", "-f", "no-output,ignore-size", "-t", "=bench")
	var err error
	if t.in, err = t.ctl.StdinPipe(); err != nil {
		return err
	}
	out, err := t.ctl.StdoutPipe()
	if err != nil {
		return err
	}
	if err := t.ctl.Start(); err != nil {
		return fmt.Errorf("tmux -C: %w", err)
	}
	t.blocks = make(chan block, 1)
	go t.read(out)
	return nil
}

func (t *term) tmux(args ...string) *exec.Cmd {
	cmd := exec.Command("tmux", append([]string{"-L", t.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = tmuxEnv()
	return cmd
}

// tmuxEnv is the environment for the server and so for every pane: no
// outer tmux, no COMPOSER_* settings, an xterm.
func tmuxEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "TMUX" || name == "TMUX_PANE" || name == "TERM" || strings.HasPrefix(name, "COMPOSER_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TERM=xterm-256color")
}

// read splits the control client's output into replies; notifications
// (lines starting with % outside a reply) are dropped.
func (t *term) read(r io.Reader) {
	defer close(t.blocks)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var lines []string
	in := false
	for sc.Scan() {
		l := sc.Text()
		switch {
		case !in && strings.HasPrefix(l, "%begin "):
			in, lines = true, lines[:0]
		case in && (strings.HasPrefix(l, "%end ") || strings.HasPrefix(l, "%error ")):
			in = false
			// "%end TIME NUMBER FLAGS": flags 1 marks the reply to a
			// command of this client; the reply to the attach itself
			// (flags 0) may come after the first of those.
			if strings.HasSuffix(l, " 1") {
				t.blocks <- block{out: strings.Join(lines, "\n"), err: strings.HasPrefix(l, "%error ")}
			}
		case in:
			lines = append(lines, l)
		}
	}
}

// do runs one tmux command (in tmux's command syntax) and returns its
// output.
func (t *term) do(command string) (string, error) {
	if _, err := fmt.Fprintln(t.in, command); err != nil {
		return "", fmt.Errorf("tmux %s: %w", command, err)
	}
	select {
	case b, ok := <-t.blocks:
		if !ok {
			return "", fmt.Errorf("tmux %s: the control client ended", command)
		}
		if b.err {
			return "", fmt.Errorf("tmux %s: %s", command, b.out)
		}
		return b.out, nil
	case <-time.After(5 * time.Second):
		return "", fmt.Errorf("tmux %s: no reply in 5s", command)
	}
}

// screen is the visible text of the window under measurement.
func (t *term) screen() (string, error) {
	return t.do("capture-pane -p -t " + target)
}

// keys sends keys (in send-keys syntax: j, q, C-c) to the window.
func (t *term) keys(keys string) error {
	_, err := t.do("send-keys -t " + target + " " + keys)
	return err
}

// format expands a tmux format for the window's pane.
func (t *term) format(f string) (string, error) {
	return t.do("display-message -p -t " + target + " '" + f + "'")
}

// waitFor polls the screen every interval (0: as fast as the round trip
// allows) until ok accepts it, and fails after limit with the last screen.
func (t *term) waitFor(what string, limit, every time.Duration, ok func(screen string) bool) (string, error) {
	deadline := time.Now().Add(limit)
	for ; ; time.Sleep(every) {
		s, err := t.screen()
		if err != nil {
			return "", err
		}
		if ok(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, &screenError{fmt.Sprintf("%s: not seen within %v", what, limit), s}
		}
	}
}

// screenError is a failed wait and the screen it ended on.
type screenError struct {
	msg, screen string
}

func (e *screenError) Error() string {
	return fmt.Sprintf("%s; the screen was:\n%s\n%s\n%s", e.msg, rule, strings.TrimRight(e.screen, "\n"), rule)
}

var rule = strings.Repeat("─", termW)

// close ends the control client and the server, and with it every
// process in the windows (they get SIGHUP). Safe to call twice.
func (t *term) close() {
	t.closed.Do(func() {
		if t.ctl != nil && t.ctl.Process != nil {
			t.in.Close()
			t.ctl.Process.Kill()
			t.ctl.Wait()
		}
		t.tmux("kill-server").Run()
		if t.path == "" { // where tmux puts it by default
			dir := cmp.Or(os.Getenv("TMUX_TMPDIR"), "/tmp")
			t.path = filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), t.socket)
		}
		os.Remove(t.path)
	})
}
