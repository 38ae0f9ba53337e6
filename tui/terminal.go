package tui

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// Terminal draws a Bubble Tea program on composer's own terminal, and only
// when its view changes.
//
// Bubble Tea's renderer wakes up at a fixed frame rate whether or not
// anything changed, which costs CPU on an idle machine forever. A program
// run with Terminal.ProgramOptions has that renderer turned off; the model
// wrapped by Terminal.Model hands each new view to a drawing goroutine
// instead, which diffs it against the screen and writes the difference at
// once (so a key shows without waiting for a frame tick).
//
// Terminal owns the terminal modes: raw input, the alternate screen, mouse
// reporting (button events, SGR encoding), bracketed paste and the keyboard
// enhancements Bubble Tea would ask for. It sets them all on Open and
// restores them on Close, and redraws on SIGWINCH. ctrl+z gives the
// terminal back and stops composer; on SIGCONT (fg, or the end of any
// stop) it sets the modes again and redraws everything. A view's AltScreen
// and MouseMode fields are not read (composer's view always wants both);
// its Content and Cursor are.
//
// A terminal that is gone (its reads end, or its writes fail with EIO) is
// reported on Gone: the kernel's SIGHUP reaches only the terminal's own
// session, and a program started under su or setsid never gets it.
type Terminal struct {
	in, out *os.File
	tty     *os.File // /dev/tty, opened when in is not a terminal
	raw     *term.State
	setup   string // the modes the view wants, as written on Open
	resized chan os.Signal
	cont    chan os.Signal // SIGCONT: continued after a stop

	// writing is held while a frame is written, and by suspend and resume,
	// so that no frame lands between giving the terminal back and taking
	// it again. Close takes it for good.
	writing sync.Mutex

	mu        sync.Mutex // guards the fields below
	next      *tea.View  // the latest view, not drawn yet
	last      *tea.View  // the view on screen
	erase     bool       // redraw everything on the next frame
	syncd     bool       // the terminal supports synchronized output (mode 2026)
	scr       *uv.TerminalRenderer
	cells     uv.ScreenBuffer
	pending   bytes.Buffer // what scr queued for the next write
	closed    bool
	suspended bool // ctrl+z gave the terminal back: draw nothing

	wake     chan struct{} // a view is waiting; capacity 1
	quit     chan struct{}
	gone     chan struct{} // closed once the terminal is found gone
	goneOnce sync.Once
	drawer   sync.WaitGroup // the drawing goroutine, which Close waits for
	closing  sync.Once
	closeErr error
}

// OpenTerminal puts the terminal of in and out in the modes composer's
// view needs, draws with profile's colours, and starts drawing. Close
// restores the terminal; call it on every path, a panic included.
func OpenTerminal(in, out *os.File, profile colorprofile.Profile) (*Terminal, error) {
	// Asked for before the size is read, so no resize goes unseen.
	resized, cont := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	signal.Notify(cont, syscall.SIGCONT)
	fail := func(err error) (*Terminal, error) {
		signal.Stop(resized)
		signal.Stop(cont)
		return nil, err
	}
	var tty *os.File
	if !term.IsTerminal(in.Fd()) {
		// Input redirected: keys come from the terminal itself, as
		// Bubble Tea would have it.
		var err error
		if tty, err = os.Open("/dev/tty"); err != nil {
			return fail(err)
		}
		in = tty
	}
	w, h, err := term.GetSize(out.Fd())
	if err == nil {
		var raw *term.State
		if raw, err = term.MakeRaw(in.Fd()); err == nil {
			t := newTerminal(w, h, profile)
			t.in, t.out, t.raw, t.tty, t.resized, t.cont = in, out, raw, tty, resized, cont
			return t, t.start()
		}
	}
	if tty != nil {
		tty.Close()
	}
	return fail(err)
}

// start sets the terminal's modes and starts drawing.
func (t *Terminal) start() error {
	setup := ansi.SetModeAltScreenSaveCursor + ansi.ResetModeTextCursorEnable +
		ansi.SetModeBracketedPaste + ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr +
		// As Bubble Tea asks: keys it can tell apart (ctrl+i from tab, say).
		ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(1)
	t.setup = setup
	if querySynchronizedOutput(os.Getenv) {
		// The answer comes back as input; the wrapped model sees it.
		setup += ansi.RequestModeSynchronizedOutput
	}
	t.drawer.Add(1)
	go t.draw()
	if _, err := t.out.WriteString(setup); err != nil {
		t.Close()
		return err
	}
	return nil
}

// Gone is closed once reading or writing the terminal has failed as a
// terminal that was hung up (closed) fails: reads end, writes fail with
// EIO.
func (t *Terminal) Gone() <-chan struct{} { return t.gone }

// failed notes an error reading or writing the terminal.
func (t *Terminal) failed(err error) {
	if hungUp(err) {
		t.goneOnce.Do(func() { close(t.gone) })
	}
}

// hungUp reports whether err is what a terminal that is gone returns. A
// terminal in raw mode never reads as ended otherwise.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO)
}

// ttyInput is the terminal as Bubble Tea reads it: still an *os.File to it
// (its reads stay cancellable), but a read that fails because the
// terminal is gone is reported, and ends the input quietly rather than
// failing the program: the run then ends as after SIGHUP.
type ttyInput struct {
	*os.File
	t *Terminal
}

func (in ttyInput) Read(p []byte) (int, error) {
	n, err := in.File.Read(p)
	if err != nil && hungUp(err) {
		in.t.failed(err)
		err = io.EOF
	}
	return n, err
}

// newTerminal is a Terminal's drawing state for a w×h screen.
func newTerminal(w, h int, profile colorprofile.Profile) *Terminal {
	t := &Terminal{
		wake:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		gone:  make(chan struct{}),
		cells: uv.NewScreenBuffer(w, h),
		erase: true,
	}
	t.scr = uv.NewTerminalRenderer(&t.pending, os.Environ())
	t.scr.SetColorProfile(profile)
	t.scr.SetFullscreen(true)
	t.scr.SetRelativeCursor(false)
	t.scr.SetScrollOptim(true)
	t.scr.Resize(w, h)
	return t
}

// resize makes the next frame redraw all of a w×h screen. It runs under
// t.mu.
func (t *Terminal) resize(w, h int) {
	if w != t.cells.Width() || h != t.cells.Height() {
		t.cells.Resize(w, h)
		t.scr.Resize(w, h)
		t.erase = true
	}
}

// Size is the terminal's size when it was opened or last resized.
func (t *Terminal) Size() (width, height int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cells.Width(), t.cells.Height()
}

// ProgramOptions are the options a program drawn by t needs. Bubble Tea's
// own renderer is off; its frame ticker, which it runs regardless, is
// slowed to once a second, where it has nothing to do.
func (t *Terminal) ProgramOptions() []tea.ProgramOption {
	w, h := t.Size()
	return []tea.ProgramOption{
		tea.WithoutRenderer(), tea.WithFPS(1), tea.WithWindowSize(w, h),
		tea.WithInput(ttyInput{t.in, t}), tea.WithoutSignalHandler(),
	}
}

// Watch sends prog the terminal's new size whenever it changes, and takes
// the terminal back when composer is continued after a stop, until Close.
// Close does not wait for it: it may be handing a size to a program that
// is itself in Close (after a panic), and it ends with the program.
func (t *Terminal) Watch(prog *tea.Program) {
	go func() {
		for {
			select {
			case <-t.quit:
				return
			case <-t.resized:
			case <-t.cont:
				// Continued after a stop: the terminal is the view's
				// again, and its size may have changed meanwhile.
				t.resume()
			}
			w, h, err := term.GetSize(t.out.Fd())
			if err != nil || w <= 0 || h <= 0 {
				continue
			}
			t.mu.Lock()
			t.resize(w, h)
			t.mu.Unlock()
			prog.Send(tea.WindowSizeMsg{Width: w, Height: h})
		}
	}()
}

// Model wraps m so that its views are drawn on t. A panic in m's Update,
// View or commands restores the terminal before Bubble Tea reports it, so
// the report is readable.
func (t *Terminal) Model(m tea.Model) tea.Model { return drawn{m, t} }

type drawn struct {
	tea.Model
	t *Terminal
}

func (d drawn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer d.t.closeOnPanic()
	switch m := msg.(type) {
	case tea.ModeReportMsg:
		if m.Mode == ansi.ModeSynchronizedOutput && m.Value == ansi.ModeReset {
			d.t.mu.Lock()
			d.t.syncd = true
			d.t.mu.Unlock()
		}
	case tea.WindowSizeMsg:
		// Sizes are sent from more than one goroutine (the first by
		// Bubble Tea itself) and may arrive out of order: the model
		// always gets the latest.
		m.Width, m.Height = d.t.Size()
		msg = m
	case suspendMsg:
		if err := d.t.suspend(); err != nil {
			msg = errMsg{err}
		}
	case clipboardMsg:
		d.t.setClipboard(string(m))
		return d, nil
	}
	m, cmd := d.Model.Update(msg)
	return drawn{m, d.t}, d.t.guard(cmd)
}

func (d drawn) Init() tea.Cmd { return d.t.guard(d.Model.Init()) }

// guard makes a panic in cmd, or in the commands of a batch it returns,
// restore the terminal before Bubble Tea reports it.
func (t *Terminal) guard(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		defer t.closeOnPanic()
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			guarded := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				guarded[i] = t.guard(c)
			}
			return guarded
		}
		return msg
	}
}

func (d drawn) View() tea.View {
	defer d.t.closeOnPanic()
	v := d.Model.View()
	d.t.show(v)
	return v
}

func (t *Terminal) closeOnPanic() {
	if r := recover(); r != nil {
		_ = t.Close()
		panic(r)
	}
}

// show queues v to be drawn; a view not drawn yet is replaced.
func (t *Terminal) show(v tea.View) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.next = &v
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// setClipboard asks the terminal to put text on the system clipboard
// (OSC 52), between two frames.
func (t *Terminal) setClipboard(text string) {
	t.writing.Lock()
	defer t.writing.Unlock()
	t.mu.Lock()
	skip := t.closed || t.suspended
	t.mu.Unlock()
	if skip {
		return
	}
	if _, err := io.WriteString(t.out, ansi.SetSystemClipboard(text)); err != nil {
		t.failed(err)
	}
}

// draw writes each new view until Close.
func (t *Terminal) draw() {
	defer t.drawer.Done()
	defer func() {
		if r := recover(); r != nil {
			// Close would wait for this goroutine: restore directly,
			// as well as a failing terminal lets us.
			_ = t.restore()
			panic(r)
		}
	}()
	for {
		select {
		case <-t.quit:
			return
		case <-t.wake:
		}
		t.writing.Lock()
		t.mu.Lock()
		frame := t.frame()
		t.mu.Unlock()
		if len(frame) > 0 {
			if _, err := t.out.Write(frame); err != nil {
				t.failed(err)
			}
		}
		t.writing.Unlock()
	}
}

// frame is what turns the screen into the next view: nothing when the view
// is the one on screen. It runs under t.mu.
func (t *Terminal) frame() []byte {
	if t.suspended {
		return nil // the view, kept in next, is drawn on resume
	}
	v := t.next
	t.next = nil
	if v == nil || t.closed || (!t.erase && t.last != nil && sameView(t.last, v)) {
		return nil
	}
	if t.erase {
		t.scr.Erase()
		t.erase = false
	}
	t.cells.Clear()
	uv.NewStyledString(v.Content).Draw(t.cells, t.cells.Bounds())
	t.scr.Render(t.cells.RenderBuffer)
	if v.Cursor != nil {
		t.scr.MoveTo(v.Cursor.X, v.Cursor.Y)
	}
	_ = t.scr.Flush() // into t.pending
	wasShown := t.last != nil && t.last.Cursor != nil
	shown := v.Cursor != nil
	t.last = v
	if t.pending.Len() == 0 && wasShown == shown {
		return nil
	}

	var b bytes.Buffer
	if t.syncd {
		b.WriteString(ansi.SetModeSynchronizedOutput)
	}
	if wasShown {
		// Hidden while the screen changes, so it is not seen moving.
		b.WriteString(ansi.ResetModeTextCursorEnable)
	}
	b.Write(t.pending.Bytes())
	t.pending.Reset()
	if shown {
		b.WriteString(ansi.SetModeTextCursorEnable)
	}
	if t.syncd {
		b.WriteString(ansi.ResetModeSynchronizedOutput)
	}
	return b.Bytes()
}

func sameView(a, b *tea.View) bool {
	if a.Content != b.Content || (a.Cursor == nil) != (b.Cursor == nil) {
		return false
	}
	return a.Cursor == nil || a.Cursor.Position == b.Cursor.Position
}

// Close stops drawing and gives the terminal back as Open found it: main
// screen, cursor shown, no mouse reporting, cooked input. It may be called
// more than once, from any goroutine.
func (t *Terminal) Close() error {
	t.closing.Do(func() {
		signal.Stop(t.resized)
		signal.Stop(t.cont)
		close(t.quit)
		// A terminal that no longer reads (a frozen ssh session) would
		// hold the drawer, and composer, for ever.
		drawn := make(chan struct{})
		go func() {
			t.drawer.Wait()
			close(drawn)
		}()
		select {
		case <-drawn:
		case <-time.After(closeWait):
		}
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		// A resume under way finishes first; nothing writes after this
		// but restore (a writer stuck on the terminal is waited for no
		// longer than the drawer is).
		locked := make(chan struct{})
		go func() {
			t.writing.Lock()
			close(locked)
		}()
		select {
		case <-locked:
		case <-time.After(closeWait):
		}
		t.closeErr = t.restore()
		if t.tty != nil {
			t.tty.Close()
		}
	})
	return t.closeErr
}

// closeWait bounds each wait of Close on the terminal.
const closeWait = time.Second

// restore writes the sequences that undo Open's modes and gives the input
// its state back. It takes no lock.
func (t *Terminal) restore() error {
	seq := ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1) +
		ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr +
		ansi.ResetModeBracketedPaste + ansi.ResetModeAltScreenSaveCursor + ansi.SetModeTextCursorEnable
	written := make(chan error, 1)
	go func() {
		_, err := t.out.WriteString(seq)
		written <- err
	}()
	var err error
	select {
	case err = <-written:
	case <-time.After(closeWait):
		err = errors.New("the terminal does not take output")
	}
	if rerr := term.Restore(t.in.Fd(), t.raw); err == nil {
		err = rerr
	}
	dropInput(t.in.Fd())
	return err
}

// querySynchronizedOutput says whether to ask the terminal about mode
// 2026, by Bubble Tea's rule: not Apple's Terminal, and over ssh only
// terminals known to answer.
func querySynchronizedOutput(getenv func(string) string) bool {
	program, ssh := getenv("TERM_PROGRAM"), getenv("SSH_TTY") != ""
	termType := getenv("TERM")
	for _, known := range []string{"ghostty", "wezterm", "alacritty", "kitty", "rio"} {
		if strings.Contains(termType, known) {
			return true
		}
	}
	if getenv("WT_SESSION") != "" {
		return true
	}
	return !ssh && !strings.Contains(program, "Apple")
}
