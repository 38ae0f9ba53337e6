package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/composer-dev/composer/control"
	"github.com/composer-dev/composer/headless"
	"github.com/composer-dev/composer/runner"
)

type logsFlags struct {
	socket     socketFlags
	follow     bool
	lines      int
	timestamps bool
	noColor    bool
	grep       string
	since      string
	noPrefix   bool
	json       bool
}

func newLogsCmd() *cobra.Command {
	var f logsFlags
	cmd := &cobra.Command{
		Use:   "logs [NAME...] [-f] [-n N] [--grep RE] [--since WHEN] [--json]",
		Short: "Print the recent output of the running composer's processes",
		Long: fmt.Sprintf(`Print the last N lines of the log of the processes named (all by default)
in the composer running in this directory: their output and composer's own
lines about them, as 'composer up --headless' prints them. With -f, then
follow it until composer ends. With --grep or --since, the last N of the
lines that match, and then those that match as they come.

composer keeps the last %d lines of each process, and at most %d KiB of
their text. A follower that cannot keep up is told on stderr how much it
missed, and goes on from there; one that reads nothing for %v is cut off.
At most %d follow at once.

NAME is a process type ("web"), an instance ("web.2"), "all", or a glob
("web*").
`+socketHelp+` (In logs, -f means --follow: the Procfile is --procfile.)`, control.RingLines, control.RingBytes>>10, control.WriteTimeout, control.MaxFollowers),
		PreRunE: clientEnv,
		RunE:    func(cmd *cobra.Command, args []string) error { return runLogs(cmd, &f, args) },
	}
	fs := cmd.Flags()
	f.socket.register(fs, "")
	fs.BoolVarP(&f.follow, "follow", "f", false, "then print output as it comes, until composer ends")
	fs.IntVarP(&f.lines, "lines", "n", 100, "recent lines to print first")
	fs.BoolVarP(&f.timestamps, "timestamps", "t", false, "start each line with the time")
	fs.BoolVar(&f.noColor, "no-color", false, "write no colour codes of composer's own (also NO_COLOR)")
	fs.StringVar(&f.grep, "grep", "", "only the lines that match this regular expression (escape codes left out; case ignored unless it has a capital)")
	fs.StringVar(&f.since, "since", "", "only the lines written since then: a duration back (10m, 1h30m) or a time (15:04, 15:04:05, 2006-01-02T15:04:05Z07:00)")
	fs.BoolVar(&f.noPrefix, "no-prefix", false, "the lines alone, without the name of the process that wrote them")
	fs.BoolVar(&f.json, "json", false, `one JSON object per line: {"time", "process", "type", "line"}, and composer's own with "about"`)
	return cmd
}

func runLogs(cmd *cobra.Command, f *logsFlags, names []string) error {
	if f.lines < 0 {
		return usageErrorf("-n %d: expected a number of lines ≥ 0", f.lines)
	}
	sel, err := newLineFilter(f.grep, f.since, time.Now())
	if err != nil {
		return err
	}
	c, err := f.socket.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	answered := slowAnswer()
	lines := f.lines
	if sel != nil && lines > 0 {
		lines = math.MaxInt32 // all that is kept: the last lines to match are among them
	}
	first, err := c.Do(control.Request{Cmd: control.CmdLogs, Names: names, Lines: lines, Follow: f.follow})
	answered()
	if err != nil {
		err = remoteError(err)
		if ee := (*exitError)(nil); errors.As(err, &ee) && ee.code == 1 {
			ee.msg = "logs: " + ee.msg
		}
		return err
	}

	// The lines go through the log stream's own writer, as if this were
	// the composer that ran them.
	procs := make([]runner.Spec, len(first.Procs))
	index := map[string]int{headless.Self: -1}
	for i, p := range first.Procs {
		procs[i] = runner.Spec{Name: p.Name, Type: p.Type, Port: p.Port}
		index[p.Name] = i
	}
	var out lineWriter
	if f.json {
		out = newJSONLines(cmd.OutOrStdout(), procs, index)
	} else {
		out = streamLines{headless.NewStream(cmd.OutOrStdout(), headless.Options{
			Procs: procs, Color: useColor(f.noColor), Timestamps: f.timestamps, NoPrefix: f.noPrefix,
		})}
	}
	err = receiveLogs(c, out, index, sel, f.lines)
	if werr := out.Close(); werr != nil && err == nil {
		err = werr
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		// After the first response: not a composer that was never there.
		return &exitError{code: 1, msg: fmt.Sprintf("logs: composer closed the connection before the end: it was killed, or this reader read nothing for %v", control.WriteTimeout)}
	case err != nil:
		return &exitError{code: 1, msg: "logs: " + clientError(err)}
	}
	return nil
}

// receiveLogs prints the lines received, until the last. With sel, only
// those it selects, and of the recent lines sent first, the last n.
func receiveLogs(c *control.Client, out lineWriter, index map[string]int, sel *lineFilter, n int) error {
	var recent []*control.Line // selected, held until the recent lines have all come
	replaying := sel != nil
	live := false // the recent lines have all come: each is written at once
	flush := func() {
		for _, l := range recent[max(0, len(recent)-n):] {
			out.Line(index[l.Name], l)
		}
		recent, replaying = nil, false
	}
	for {
		r, err := c.Recv()
		if err != nil {
			return err
		}
		if r.Missed > 0 {
			fmt.Fprintf(os.Stderr, "composer: logs: fell behind; %d lines (%d bytes) were skipped\n", r.Missed, r.MissedBytes)
		}
		if l := r.Line; l != nil {
			if _, ok := index[l.Name]; !ok {
				return fmt.Errorf("control: a line of unknown process %q", l.Name)
			}
			switch {
			case sel != nil && !sel.match(l):
			case replaying:
				recent = append(recent, l)
				if len(recent) >= 2*max(n, 1024) {
					recent = append(recent[:0], recent[len(recent)-n:]...)
				}
			default:
				out.Line(index[l.Name], l)
				if live {
					out.Flush()
				}
			}
		}
		if r.Replayed || r.End {
			if replaying {
				flush()
			}
			live = true
			out.Flush()
		}
		if r.End {
			return nil
		}
	}
}

// lineWriter prints lines of the log: as the log stream does, or as JSON.
type lineWriter interface {
	Line(proc int, l *control.Line)
	Flush() // write what was given
	Close() error
}

type streamLines struct{ *headless.Stream }

func (s streamLines) Line(proc int, l *control.Line) {
	s.Stream.Line(headless.Line{Proc: proc, Time: l.Time, Text: l.Text})
	s.Done(runner.Event{})
}

func (s streamLines) Flush() {} // the stream writes as it is given

// jsonLines writes each line as one headless.JSONLine, as up
// --log-format json does.
type jsonLines struct {
	w     *bufio.Writer
	enc   *json.Encoder
	procs []runner.Spec
	index map[string]int
	err   error
}

func newJSONLines(w io.Writer, procs []runner.Spec, index map[string]int) *jsonLines {
	bw := bufio.NewWriter(w)
	return &jsonLines{w: bw, enc: json.NewEncoder(bw), procs: procs, index: index}
}

func (j *jsonLines) Line(proc int, l *control.Line) {
	about, ok := j.index[l.Of]
	if !ok || l.Of == "" {
		about = -1
	}
	o := headless.NewJSONLine(j.procs, headless.Line{Proc: proc, About: about, Time: l.Time, Text: l.Text}, headless.Plain(nil, l.Text))
	if j.err == nil {
		j.err = j.enc.Encode(o)
	}
}

func (j *jsonLines) Flush() {
	if j.err == nil {
		j.err = j.w.Flush()
	}
}

func (j *jsonLines) Close() error {
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// lineFilter selects lines by their text and time.
type lineFilter struct {
	re    *regexp.Regexp // nil: any text
	since time.Time      // zero: any time
}

// newLineFilter is the filter of --grep and --since, nil when neither is
// given; since is a duration back from now or a time (today's, for a
// clock time).
func newLineFilter(grep, since string, now time.Time) (*lineFilter, error) {
	if grep == "" && since == "" {
		return nil, nil
	}
	f := &lineFilter{}
	if grep != "" {
		re, err := regexp.Compile(grep)
		if err != nil {
			return nil, usageErrorf("--grep %q: not a regular expression: %v", grep, err)
		}
		if strings.ToLower(grep) == grep {
			re = regexp.MustCompile("(?i)" + grep) // as less and the view's search: a capital makes case count
		}
		f.re = re
	}
	if since != "" {
		t, err := parseSince(since, now)
		if err != nil {
			return nil, err
		}
		f.since = t
	}
	return f, nil
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			day := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), t.Second(), 0, now.Location())
			if day.After(now) {
				day = day.AddDate(0, 0, -1) // 23:50 asked at 00:10: yesterday's
			}
			return day, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--since %q: expected a duration back (10m, 1h30m) or a time (15:04, 15:04:05, 2006-01-02T15:04:05Z)", s)
}

func (f *lineFilter) match(l *control.Line) bool {
	if !f.since.IsZero() && l.Time.Before(f.since) {
		return false
	}
	return f.re == nil || f.re.Match(headless.Plain(nil, l.Text))
}
