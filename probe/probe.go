// Package probe tells whether a process is ready, or alive, as
// Kubernetes' and process-compose's probes do: a TCP connection accepted,
// an HTTP GET answered 2xx or 3xx, or a command that exits 0.
//
// Try makes one check; Watch checks again and again, on the goroutine
// that calls it, and reports only what changes. Neither keeps anything
// running once it returns: an exec probe's whole process group is killed
// at its timeout.
package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// Probe is one check and its timing. Exactly one of TCP, HTTP and Exec
// is set. The zero timings are the defaults noted.
type Probe struct {
	TCP  string // "host:port": passes when a connection is accepted
	HTTP *HTTP
	Exec *Exec

	InitialDelay     time.Duration // before the first try; 0: none
	Period           time.Duration // from the start of a try to the next; 0: 1s
	Timeout          time.Duration // of one try; 0: 1s
	SuccessThreshold int           // passes in a row that make it pass; 0: 1
	FailureThreshold int           // failures in a row that make it fail; 0: 3
}

// HTTP is a GET of http://Host:Port/Path: 2xx or 3xx passes (a redirect
// is not followed).
type HTTP struct{ Host, Port, Path string }

// Exec runs sh -c Command in Dir with Env (nil: composer's own): exit 0
// passes.
type Exec struct {
	Command string
	Dir     string
	Env     []string
}

func (p *Probe) period() time.Duration  { return orDefault(p.Period, time.Second) }
func (p *Probe) timeout() time.Duration { return orDefault(p.Timeout, time.Second) }

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// String says what p checks, for the log: "tcp :5432", "http
// :5100/health", "exec pg_isready -q".
func (p *Probe) String() string {
	switch {
	case p.TCP != "":
		return "tcp " + short(p.TCP)
	case p.HTTP != nil:
		return "http " + short(net.JoinHostPort(p.HTTP.Host, p.HTTP.Port)) + p.HTTP.path()
	case p.Exec != nil:
		return "exec " + p.Exec.Command
	}
	return "no probe"
}

// short leaves out a local host: "127.0.0.1:5432" is ":5432".
func short(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err == nil && (host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "") {
		return ":" + port
	}
	return hostport
}

func (h *HTTP) path() string {
	if !strings.HasPrefix(h.Path, "/") {
		return "/" + h.Path
	}
	return h.Path
}

// Try checks once, within the probe's Timeout and ctx: nil when it
// passes, else why not, in a few words ("connection refused", "503
// Service Unavailable", "exit status 1", "timed out after 1s").
func (p *Probe) Try(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	var err error
	switch {
	case p.TCP != "":
		err = tryTCP(ctx, p.TCP)
	case p.HTTP != nil:
		err = tryHTTP(ctx, p.HTTP)
	case p.Exec != nil:
		err = tryExec(ctx, p.Exec)
	default:
		return errors.New("no probe")
	}
	if err != nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)) {
		return fmt.Errorf("timed out after %v", p.timeout())
	}
	return err
}

func tryTCP(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return brief(err)
	}
	return c.Close()
}

// brief is a network error without Go's "dial tcp 127.0.0.1:5432:
// connect:" before the reason.
func brief(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errors.New(errno.Error())
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Errorf("%s: %s", dns.Name, dns.Err)
	}
	return err
}
