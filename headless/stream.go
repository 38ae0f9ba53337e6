package headless

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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
// Stream's own: a w that does not take them (a pipe nobody reads) holds
// back the Log, as a slow reader of the runner's events would, until
// Abandon.
type Stream struct {
	opts    Options
	width   int
	prefix  []string // per process, then composer's own at the end
	pending *chunk   // the lines of the event being assembled

	chunks  chan *chunk
	free    chan *chunk
	abandon chan struct{}
	once    sync.Once
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

// NewStream returns a Stream writing to w, and starts its goroutine. Of
// opts, it uses Procs, Color, Timestamps and WriteFailed.
func NewStream(w io.Writer, opts Options) *Stream {
	s := &Stream{
		opts: opts, width: len(Self),
		chunks: make(chan *chunk, 4), free: make(chan *chunk, 5),
		abandon: make(chan struct{}), done: make(chan struct{}),
	}
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
	p := fmt.Sprintf("%-*s | ", s.width, name)
	if s.opts.Color {
		p = "\x1b[" + color + "m" + p + "\x1b[0m"
	}
	return p
}

// Line adds one prefixed line to those of the event.
func (s *Stream) Line(l Line) {
	c := s.chunk()
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

// chunk is the chunk being filled.
func (s *Stream) chunk() *chunk {
	if s.pending == nil {
		select {
		case s.pending = <-s.free:
			s.pending.b, s.pending.n = s.pending.b[:0], 0
		default:
			s.pending = &chunk{b: make([]byte, 0, 4096)}
		}
	}
	return s.pending
}

// Done hands the lines of an event to the writing goroutine, waiting
// while it has four events' worth to write, unless the Stream is
// abandoned.
func (s *Stream) Done(runner.Event) {
	if s.pending == nil {
		return
	}
	c := s.pending
	s.pending = nil
	select {
	case s.chunks <- c:
	case <-s.abandon:
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
	for c := range s.chunks {
		if s.err == nil {
			_, err := w.Write(c.b)
			check(err)
			if len(s.chunks) == 0 {
				check(w.Flush())
			}
		}
		s.written.Add(int64(c.n))
		if cap(c.b) <= 256<<10 {
			select {
			case s.free <- c:
			default:
			}
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
	s.once.Do(func() { close(s.chunks) })
	<-s.done
	return s.err
}

// Abandon stops the Stream waiting for w: what it is given from now on is
// dropped, and the lines still to be written may never be. For a w that
// takes nothing (a pipe nobody reads), when composer gives up on it.
func (s *Stream) Abandon() {
	select {
	case <-s.abandon:
	default:
		close(s.abandon)
	}
}
