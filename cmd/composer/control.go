package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

// socketName is the control socket's name beside the Procfile.
const socketName = ".composer.sock"

// socketFlags locate a running composer's control socket: shared by the
// commands that talk to it.
type socketFlags struct {
	procfile string
	socket   string
}

// register adds the flags; short is -f's meaning for --procfile, or ""
// where -f means something else (logs -f follows).
func (f *socketFlags) register(fs *pflag.FlagSet, short string) {
	fs.StringVarP(&f.procfile, "procfile", short, "Procfile", "the Procfile of the composer to reach (its socket is beside it)")
	fs.StringVar(&f.socket, "socket", "", "the control socket (default "+socketName+" beside the Procfile)")
}

func socketPath(procfile, socket string) string {
	switch {
	case socket != "":
		return socket
	case bundled != nil && procfile == bundled.Procfile:
		// A bundle's project is where it runs, not where it is unpacked.
		return socketName
	}
	return filepath.Join(filepath.Dir(procfile), socketName)
}

// clientEnv sets the flags of a command that reaches a running composer
// from COMPOSER_ variables (COMPOSER_SOCKET, COMPOSER_NO_COLOR, ...): its
// PreRunE. It reads no env file: the socket's place cannot come from one.
func clientEnv(cmd *cobra.Command, _ []string) error {
	return setFromVars(cmd.Flags(), environment, nil, origins{})
}

// dial connects to the composer the flags name.
func (f *socketFlags) dial() (*control.Client, error) {
	path := socketPath(f.procfile, f.socket)
	c, err := control.Dial(path)
	var nr *control.NotRunningError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &nr):
		return nil, &exitError{code: 1, msg: notRunning(path, f.socket != "", nr.Stale)}
	}
	msg := clientError(err)
	var tl *control.PathTooLongError
	switch {
	case errors.Is(err, fs.ErrPermission):
		msg = fs.ErrPermission.Error()
	case errors.As(err, &tl):
		msg += "; use a shorter --socket PATH, for up and the commands alike"
	}
	return nil, &exitError{code: 1, msg: fmt.Sprintf("cannot reach composer at %s: %s", path, msg)}
}

// notRunning says no composer answers at path.
func notRunning(path string, custom, stale bool) string {
	if custom {
		if stale {
			return fmt.Sprintf("not running (%s is left from a composer that was killed)", path)
		}
		return fmt.Sprintf("not running (no socket at %s)", path)
	}
	dir, _ := filepath.Abs(filepath.Dir(path))
	if stale {
		return fmt.Sprintf("not running in %s (%s is left from a composer that was killed)", dir, socketName)
	}
	return fmt.Sprintf("not running in %s (no %s)", dir, socketName)
}

// remoteError is the exit for a failed request: 2 when the request was
// wrong (an unknown process, say), else 1.
func remoteError(err error) error {
	var re *control.RemoteError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.As(err, &re) && re.Usage:
		return usageErrorf("%s", re.Msg)
	case errors.As(err, &re):
		return &exitError{code: 1, msg: re.Msg}
	}
	return &exitError{code: 1, msg: clientError(err)}
}

// clientError is an error of package control's client as users read it:
// what went wrong, without the package's name in front.
func clientError(err error) string {
	return strings.TrimPrefix(err.Error(), "control: ")
}

// socketMode, when set, replaces the socket's mode (a test opens it to
// other users to reach the peer check behind it).
var socketMode os.FileMode

// controlSocket is up's control socket, claimed before any process
// starts; nil when it could not be made (a read-only directory, say):
// the run goes on without it.
type controlSocket struct {
	l     *control.Listener
	procs []runner.Spec
	srv   *control.Server
}

// listenControl claims path, or fails when another composer has it.
func listenControl(path string, procs []runner.Spec) (*controlSocket, error) {
	l, err := control.Listen(path)
	var re *control.RunningError
	switch {
	case errors.As(err, &re):
		msg := re.Error()
		if abs, aerr := filepath.Abs(path); aerr == nil {
			msg += " with socket " + abs
		}
		return nil, &exitError{code: 1, msg: msg + "; 'composer attach' opens its view, 'composer quit' stops it, --socket PATH runs another"}
	case err != nil:
		fmt.Fprintf(os.Stderr, "composer: warning: no control socket, so ps, logs, restart and quit will not reach this run: %v (--socket PATH puts it elsewhere)\n", err)
		return nil, nil
	}
	if socketMode != 0 {
		_ = os.Chmod(path, socketMode)
	}
	return &controlSocket{l: l, procs: procs}, nil
}

// serve answers requests about r's processes, and returns the sink that
// records the run's log for them (none without a socket): the first of
// the run's Log, whose Hold is hold.
func (s *controlSocket) serve(r *runner.Runner, stop *stopper, hold func(func(open func(int) []byte))) []headless.Sink {
	if s == nil {
		return nil
	}
	s.srv = control.Serve(s.l, r, control.Options{Procs: s.procs, Hold: hold, Quit: stop.quit})
	r.Observe(s.srv.Event) // each process's output as it came, for views that attach
	return []headless.Sink{s.srv}
}

// recent is the server's Recent, for the view's merged pane; nil without
// a socket.
func (s *controlSocket) recent() func(func([]headless.Line)) {
	if s == nil || s.srv == nil {
		return nil
	}
	return s.srv.Recent
}

// end tells followers the run is over, once the view has had every event.
func (s *controlSocket) end() {
	if s != nil && s.srv != nil {
		s.srv.End()
	}
}

// close removes the socket; a quit waiting is answered.
func (s *controlSocket) close() {
	switch {
	case s == nil:
	case s.srv != nil:
		s.srv.Close()
	default:
		s.l.Close()
	}
}

// slowAnswerAfter is how long ps and logs wait for an answer, which a
// running composer gives at once, before saying they wait.
const slowAnswerAfter = 2 * time.Second

// slowAnswer says on stderr, unless the function it returns is called
// first, that the composer asked does not answer: it may be stopped
// (ctrl+z, SIGSTOP), and the kernel still takes connections for it.
func slowAnswer() (answered func()) {
	t := time.AfterFunc(slowAnswerAfter, func() {
		fmt.Fprintln(os.Stderr, "composer: waiting for the composer running here to answer; is it stopped (ctrl+z, SIGSTOP)?")
	})
	return func() { t.Stop() }
}

// namesRequired is the Args rule of the commands that act on processes:
// at least one name, glob or "all".
func namesRequired(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("which processes? name them, use a glob such as 'web*', or all")
	}
	return nil
}
