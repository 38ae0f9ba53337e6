package supervisor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// The socket carries frames: a little-endian uint32 length, then that
// many bytes, a type and its payload. Numbers in a payload are
// little-endian; a string is a uint32 length and its bytes (an
// environment may hold any byte but NUL, so no text encoding is used).
// Descriptors travel as SCM_RIGHTS with their frame's bytes; the reader
// keeps them in the order they came, and a frame that needs some takes
// them from the front.
const (
	// From composer.
	msgStart  byte = 1 // id, flags, dir, argv, env; three descriptors: stdin, stdout, stderr
	msgSignal byte = 2 // id, signal: to the command's process group
	msgForget byte = 3 // id: report the command's end now (it does not die: stuck in the kernel)

	// From the supervisor.
	msgStarted   byte = 10 // id, pid
	msgError     byte = 11 // id, message: the command could not be started
	msgStopped   byte = 12 // id, signal: the command was stopped (ctrl+z, SIGSTOP)
	msgContinued byte = 13 // id: and continued
	msgExited    byte = 14 // id, wait status; nothing it started is left (or could be killed)
)

// flagTTY in a start says the descriptors are a terminal, to be the
// command's controlling terminal.
const flagTTY = 1

// maxFrame bounds a frame: an argument list and environment are at most
// a quarter of the stack limit, a few MiB.
const maxFrame = 64 << 20

// encoder builds one frame.
type encoder struct{ b []byte }

func newFrame(typ byte) *encoder {
	return &encoder{b: append(make([]byte, 4, 64), typ)}
}

func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) str(s string) { e.u32(uint32(len(s))); e.b = append(e.b, s...) }
func (e *encoder) strs(s []string) {
	e.u32(uint32(len(s)))
	for _, v := range s {
		e.str(v)
	}
}

// bytes finishes the frame.
func (e *encoder) bytes() []byte {
	binary.LittleEndian.PutUint32(e.b, uint32(len(e.b)-4))
	return e.b
}

var errShort = errors.New("short frame")

// decoder reads a frame's payload; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n > len(d.b) {
		d.err = errShort
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) str() string { return string(d.take(int(d.u32()))) }

func (d *decoder) strs() []string {
	n := d.u32()
	if uint64(n) > uint64(len(d.b))/4 { // every string takes 4 bytes at least
		d.err = errShort
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// reader splits what a socket brings into frames, and keeps the
// descriptors that came with them.
type reader struct {
	conn *net.UnixConn
	buf  []byte // read and not yet taken
	fds  []int  // received and not yet taken, in order
	oob  []byte
}

func newReader(conn *net.UnixConn) *reader {
	return &reader{conn: conn, oob: make([]byte, unix.CmsgSpace(16*4))}
}

// next returns the next frame's type and payload, valid until the next
// call.
func (r *reader) next() (byte, *decoder, error) {
	for {
		if len(r.buf) >= 4 {
			n := binary.LittleEndian.Uint32(r.buf)
			if n == 0 || n > maxFrame {
				return 0, nil, fmt.Errorf("frame of %d bytes", n)
			}
			if uint64(len(r.buf)) >= 4+uint64(n) {
				frame := r.buf[4 : 4+n]
				r.buf = r.buf[4+n:]
				return frame[0], &decoder{b: frame[1:]}, nil
			}
		}
		if err := r.fill(); err != nil {
			return 0, nil, err
		}
	}
}

// fill reads more from the socket. Descriptors are received
// close-on-exec (the net package asks for MSG_CMSG_CLOEXEC).
func (r *reader) fill() error {
	if len(r.buf) == 0 {
		r.buf = nil // let a big frame's buffer go
	}
	tmp := make([]byte, 64<<10)
	n, oobn, flags, _, err := r.conn.ReadMsgUnix(tmp, r.oob)
	if oobn > 0 {
		if msgs, perr := unix.ParseSocketControlMessage(r.oob[:oobn]); perr == nil {
			for _, m := range msgs {
				if fds, ferr := unix.ParseUnixRights(&m); ferr == nil {
					r.fds = append(r.fds, fds...)
				}
			}
		}
	}
	if flags&unix.MSG_CTRUNC != 0 && err == nil {
		err = errors.New("descriptors were cut off")
	}
	r.buf = append(r.buf, tmp[:max(n, 0)]...)
	if err == nil && n == 0 {
		err = errors.New("end of stream")
	}
	return err
}

// takeFDs takes n descriptors from the front.
func (r *reader) takeFDs(n int) ([]int, error) {
	if len(r.fds) < n {
		return nil, fmt.Errorf("%d descriptors expected, %d came", n, len(r.fds))
	}
	fds := r.fds[:n:n]
	r.fds = r.fds[n:]
	return fds, nil
}

// closeFDs closes what was received and not taken.
func (r *reader) closeFDs() {
	for _, fd := range r.fds {
		unix.Close(fd)
	}
	r.fds = nil
}

// writeFrame writes a whole frame, with fds on its first bytes.
func writeFrame(conn *net.UnixConn, frame []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	n, _, err := conn.WriteMsgUnix(frame, oob, nil)
	if err == nil && n < len(frame) {
		_, err = conn.Write(frame[n:])
	}
	return err
}
