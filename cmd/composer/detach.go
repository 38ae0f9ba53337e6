package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/composer-dev/composer/control"
)

// up -D runs the same up again in the background, headless, in a session
// of its own, with its log stream in a file, and returns once every
// process has started, or with the run's error if it ends first.

// detachedVar marks the composer that up -D started: it runs headless and
// does not detach again. It is taken out of the environment before
// anything reads it, so the processes never see it.
const detachedVar = "COMPOSER_INTERNAL_DETACHED"

// detachedLog is where the log stream of up -D goes without --log-dir,
// beside the Procfile.
const detachedLog = ".composer.log"

// isDetached reports whether this composer is the one up -D started.
func isDetached() bool {
	v, ok := os.LookupEnv(detachedVar)
	os.Unsetenv(detachedVar)
	return ok && v == "1"
}

// detach starts up in the background and waits for its processes.
func detach(f *upFlags, plan *upPlan) error {
	sock := socketPath(f.project.procfile, f.socket)
	if c, err := control.Dial(sock); err == nil {
		c.Close()
		if abs, err := filepath.Abs(sock); err == nil {
			sock = abs
		}
		return &exitError{code: 1, msg: fmt.Sprintf("already running with socket %s; 'composer attach' opens its view, 'composer quit' stops it, --socket PATH runs another", sock)}
	}
	// Beside the socket's default place: the project's directory, or where
	// a bundle runs.
	logPath := filepath.Join(filepath.Dir(socketPath(f.project.procfile, "")), detachedLog)
	out, err := openDetachedLog(logPath)
	if err != nil {
		return err
	}
	defer out.Close()
	exe, err := os.Executable()
	if err != nil {
		return &exitError{code: exitInternal, msg: "cannot find composer's own executable: " + err.Error()}
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), detachedVar+"=1")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal: its hangup is not composer's
	if err := cmd.Start(); err != nil {
		return &exitError{code: exitInternal, msg: "cannot start composer in the background: " + err.Error()}
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(interrupted)

	names := make([]string, len(plan.specs))
	for i, s := range plan.specs {
		names[i] = s.Name
	}
	said := time.Now()
	for {
		select {
		case err := <-exited:
			code := 1
			var ee *exec.ExitError
			switch {
			case err == nil:
				fmt.Printf("the run ended (exit 0) before every process had started; %s\n", logTail(logPath))
				return nil
			case errors.As(err, &ee) && ee.ExitCode() >= 0:
				code = ee.ExitCode()
			case errors.As(err, &ee):
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					code = 128 + int(ws.Signal())
				}
			}
			return &exitError{code: code, msg: fmt.Sprintf("the run ended before every process had started (exit %d); %s", code, logTail(logPath))}
		case sig := <-interrupted:
			return &exitError{code: 128 + int(sig.(syscall.Signal)), msg: fmt.Sprintf("stopped waiting; composer goes on starting in the background (pid %d): 'composer quit' stops it", cmd.Process.Pid)}
		case <-time.After(50 * time.Millisecond):
		}
		waiting, live, err := notStarted(sock)
		if err != nil {
			continue // not listening yet
		}
		if len(waiting) == 0 && live == 0 {
			// Every process has ended already: so does the run, which
			// says how.
			exitedAnyway := <-exited
			exited <- exitedAnyway
			continue
		}
		if len(waiting) == 0 {
			break
		}
		if time.Since(said) > 10*time.Second {
			fmt.Fprintf(os.Stderr, "composer: still starting: %s\n", strings.Join(waiting, ", "))
			said = time.Now()
		}
	}
	where := relative(logPath)
	if f.logs.dir != "" {
		where += " and " + f.logs.dir
	}
	fmt.Printf("composer runs in the background (pid %d), its log in %s, its socket %s\n", cmd.Process.Pid, where, sock)
	fmt.Println("  composer attach    opens its view (q there detaches again)")
	fmt.Println("  composer logs -f   follows its log")
	fmt.Println("  composer quit      stops it")
	return nil
}

// notStarted lists the processes of the composer at sock that have not
// started yet (pending, or waiting for what they depend on), and counts
// those that run.
func notStarted(sock string) (waiting []string, live int, err error) {
	c, err := control.Dial(sock)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	r, err := c.Do(control.Request{Cmd: control.CmdPS})
	if err != nil {
		return nil, 0, err
	}
	for _, p := range r.Procs {
		switch {
		case slices.Contains([]string{"pending", "waiting"}, p.State):
			waiting = append(waiting, p.Name)
		case slices.Contains([]string{"running", "suspended", "stopping", "restarting"}, p.State):
			live++
		}
	}
	return waiting, live, nil
}

// relative is path relative to the working directory, when it is below it.
func relative(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

// openDetachedLog opens the file up -D writes its log stream to, for
// appending: created for this user alone, never through a link, never a
// FIFO or a device (opened without waiting, then checked).
func openDetachedLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ELOOP):
			return nil, &exitError{code: 1, msg: "refusing " + path + ": it is a symbolic link"}
		case errors.Is(err, syscall.ENXIO):
			return nil, &exitError{code: 1, msg: "refusing " + path + ": not a regular file of this user's"}
		}
		return nil, &exitError{code: 1, msg: "cannot open the log of the run: " + err.Error()}
	}
	st, err := f.Stat()
	if err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); !st.Mode().IsRegular() || ok && int(sys.Uid) != os.Geteuid() {
			err = fmt.Errorf("refusing %s: not a regular file of this user's", path)
		}
	}
	if err == nil {
		err = syscall.SetNonblock(int(f.Fd()), false)
	}
	if err != nil {
		f.Close()
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return f, nil
}

// logTail is the end of the log at path, for a run that ended too soon.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "its log: " + path
	}
	defer f.Close()
	st, _ := f.Stat()
	const keep = 2 << 10
	if st != nil && st.Size() > keep {
		_, _ = f.Seek(-keep, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "the end of " + path + ":\n" + strings.Join(lines, "\n")
}
