package headless

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/composer-dev/composer/runner"
)

// palette holds the colours given to processes in turn (SGR parameters).
var palette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

// Stream is the log stream: a Sink that writes each line to w, prefixed
// with the name of the process that wrote it, padded so the text lines up.
// The lines of each event are written together by a goroutine of the
// Stream's own. A w that does not take them (a pipe nobody reads) holds
// back the Log, as a slow reader of the runner's events would, in Wait
// (outside the Log's lock), until Abandon.
type Stream struct {
	opts    Options
	width   int
	prefix  []string // per process, then composer's own at the end
	plain   []byte   // a line without escape codes, for JSON
	pending *chunk   // the lines of the event being assembled; the Log's

	mu        sync.Mutex
	moved     *sync.Cond // the queue got shorter, or longer, or things ended
	queue     []*chunk   // to be written, oldest first
	free      []*chunk
	closed    bool // no more chunks come
	abandoned bool // nothing more is written, nor waited for

	done    chan struct{} // closed when the writing goroutine has ended
	err     error         // the first write error, once done is closed
	given   atomic.Int64  // lines given to the Stream
	written atomic.Int64  // lines written, or failed to be
}

// chunk is the lines of one event.
type chunk struct {
	b []byte
	n int // lines
}

// streamBacklog is how many events' lines may wait for w before Wait
// holds the Log back.
const streamBacklog = 4

// NewStream returns a Stream writing to w, and starts its goroutine. Of
// opts, it uses Procs, Color, Timestamps and WriteFailed.
func NewStream(w io.Writer, opts Options) *Stream {
	s := &Stream{opts: opts, width: len(Self), done: make(chan struct{})}
	s.moved = sync.NewCond(&s.mu)
	for _, p := range opts.Procs {
		s.width = max(s.width, len(p.Name))
	}
	for i, p := range opts.Procs {
		s.prefix = append(s.prefix, s.makePrefix(p.Name, palette[i%len(palette)]))
	}
	s.prefix = append(s.prefix, s.makePrefix(Self, "1"))
	go s.write(bufio.NewWriterSize(w, 64*1024))
	return s
}

func (s *Stream) makePrefix(name, color string) string {
	if s.opts.NoPrefix {
		return ""
	}
	p := fmt.Sprintf("%-*s | ", s.width, name)
	if s.opts.Color {
		p = "\x1b[" + color + "m" + p + "\x1b[0m"
	}
	return p
}

// Line adds one prefixed line to those of the event.
func (s *Stream) Line(l Line) {
	c := s.chunk()
	if s.opts.JSON {
		c.b = s.appendJSON(c.b, l)
		c.n++
		s.given.Add(1)
		return
	}
	if s.opts.Timestamps {
		t := l.Time
		if t.IsZero() {
			t = time.Now()
		}
		c.b = t.AppendFormat(c.b, "15:04:05.000 ")
	}
	i := l.Proc
	if i < 0 || i >= len(s.prefix)-1 {
		i = len(s.prefix) - 1
	}
	c.b = append(c.b, s.prefix[i]...)
	c.b = append(c.b, l.Text...)
	if s.opts.Color && bytes.IndexByte(l.Text, '\x1b') >= 0 {
		c.b = append(c.b, "\x1b[0m"...) // keep a process's colour from bleeding into the next line
	}
	c.b = append(c.b, '\n')
	c.n++
	s.given.Add(1)
}

// JSONLine is a line of the log as one JSON object (--log-format json,
// logs --json): when it was written, whose it is (the process's name and
// type, or "composer" and the process it is about), and its text without
// escape sequences, as valid UTF-8.
type JSONLine struct {
	Time    time.Time `json:"time"`
	Process string    `json:"process"`
	Type    string    `json:"type,omitempty"`
	About   string    `json:"about,omitempty"`
	Line    string    `json:"line"`
}

// NewJSONLine is l, of procs, as a JSONLine; plain is its text without
// escape sequences.
func NewJSONLine(procs []runner.Spec, l Line, plain []byte) JSONLine {
	o := JSONLine{Time: l.Time, Process: Self, Line: strings.ToValidUTF8(string(plain), "\uFFFD")}
	if l.Proc >= 0 && l.Proc < len(procs) {
		o.Process, o.Type = procs[l.Proc].Name, procs[l.Proc].Type
	} else if l.About >= 0 && l.About < len(procs) {
		o.About = procs[l.About].Name
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	return o
}

func (s *Stream) appendJSON(b []byte, l Line) []byte {
	s.plain = Plain(s.plain[:0], l.Text)
	j, err := json.Marshal(NewJSONLine(s.opts.Procs, l, s.plain))
	if err != nil {
		return b // a JSONLine always encodes
	}
	return append(append(b, j...), '\n')
}

// chunk is the chunk being filled.
func (s *Stream) chunk() *chunk {
	if s.pending == nil {
		s.mu.Lock()
		if n := len(s.free); n > 0 {
			s.pending = s.free[n-1]
			s.free = s.free[:n-1]
			s.pending.b, s.pending.n = s.pending.b[:0], 0
		}
		s.mu.Unlock()
		if s.pending == nil {
			s.pending = &chunk{b: make([]byte, 0, 4096)}
		}
	}
	return s.pending
}

// Done hands the lines of an event to the writing goroutine; it never
// waits. Once the Stream is abandoned they are dropped: what is written
// stays a beginning of what was given.
func (s *Stream) Done(runner.Event) {
	if s.pending == nil {
		return
	}
	c := s.pending
	s.pending = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.abandoned && !s.closed {
		s.queue = append(s.queue, c)
		s.moved.Broadcast()
	}
}

// Wait returns once the writing goroutine has fewer than streamBacklog
// events' lines to write, or the Stream is abandoned: the Log calls it
// after each event, outside its lock.
func (s *Stream) Wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) >= streamBacklog && !s.abandoned {
		s.moved.Wait()
	}
}

// write writes each chunk, written out when no more wait, until Close.
func (s *Stream) write(w *bufio.Writer) {
	defer close(s.done)
	check := func(err error) {
		if err != nil && s.err == nil {
			s.err = err
			if s.opts.WriteFailed != nil {
				s.opts.WriteFailed(err)
			}
		}
	}
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed && !s.abandoned {
			s.moved.Wait()
		}
		if s.abandoned || len(s.queue) == 0 {
			s.mu.Unlock()
			break
		}
		c := s.queue[0]
		s.queue = s.queue[1:]
		more := len(s.queue) > 0
		s.moved.Broadcast()
		s.mu.Unlock()

		if s.err == nil {
			_, err := w.Write(c.b)
			check(err)
			if !more {
				check(w.Flush())
			}
		}
		s.written.Add(int64(c.n))
		if cap(c.b) <= 256<<10 {
			s.mu.Lock()
			if len(s.free) < streamBacklog+1 {
				s.free = append(s.free, c)
			}
			s.mu.Unlock()
		}
	}
	if s.err == nil {
		check(w.Flush())
	}
}

// Unwritten is how many of the lines given to the Stream are not written
// yet (nor failed to be).
func (s *Stream) Unwritten() int64 { return s.given.Load() - s.written.Load() }

// Close writes what is left, waiting for w to take it, and returns the
// first write error. Call it once the Log is closed.
func (s *Stream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.moved.Broadcast()
	s.mu.Unlock()
	<-s.done
	return s.err
}

// Abandon stops the Stream waiting for w: what it is given from now on,
// and what waits to be written, is dropped (a write under way may still
// complete). For a w that takes nothing (a pipe nobody reads), when
// composer gives up on it.
func (s *Stream) Abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.abandoned = true
	s.queue = nil
	s.moved.Broadcast()
}
