package screen

import "github.com/charmbracelet/x/vt"

// Replies to the process's queries travel on a goroutine of their own: an
// OnReply that blocks (a pty nobody reads) must never stall Write, and x/vt
// writes its replies into an unbuffered pipe that blocks until read.

// reply queues an answer to a query the process made in line mode.
func (b *Buffer) reply(s string) {
	if b.OnReply == nil || b.closed {
		return
	}
	b.forward()
	select {
	case b.replies <- []byte(s):
	default: // a process flooding queries loses answers, not the UI
	}
}

// forward starts the goroutine that hands replies to OnReply.
func (b *Buffer) forward() {
	if b.forwarding {
		return
	}
	b.forwarding = true
	onReply, replies, done := b.OnReply, b.replies, b.done
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			select {
			case p := <-replies:
				onReply(p)
			case <-done:
				return
			}
		}
	}()
}

// startReplies reads what the emulator answers until its pipe is closed.
// Without OnReply nobody wants the answers, and closing the pipe at once
// makes the emulator drop them without a goroutine.
func (b *Buffer) startReplies(em *vt.Emulator) {
	if b.OnReply == nil || b.closed {
		closeReplies(em)
		return
	}
	b.forward()
	replies := b.replies
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		buf := make([]byte, 256)
		for {
			n, err := em.Read(buf)
			if n > 0 {
				select {
				case replies <- append([]byte(nil), buf[:n]...):
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
}
