// Package screen keeps one process's output as a terminal would show it in a
// pane: the TUI owns a Buffer per process, writes to it every byte read from
// the process's pty, and renders its visible rows.
//
// A pty is a hostile byte stream: colours, \r\n line endings, \r progress
// bars redrawn in place, backspaces, erases, tabs, wide and combining
// characters, invalid UTF-8, lines of megabytes without a newline, window
// titles, bells, mouse and cursor modes, and full-screen programs. Nothing
// of it may reach the real terminal except the SGR sequences the Buffer
// generates itself, and every rendered row is exactly as wide as the pane.
//
// # Line mode
//
// Most processes print log lines, fast: a pty delivers tens of megabytes a
// second, and a terminal emulator processing every cell manages a few. So by
// default the Buffer parses the stream into history lines instead. A line is
// kept compactly - its printable text, the places the pen changed, its width
// - and wrapped to the pane's width only when rendered, so a resize rewraps
// history. The pen carries from one line to the next as in a terminal.
// Appending text is the fast path; a cursor movement that would overwrite
// (\r followed by text, backspace, CSI D and the like) turns the line being
// written into cells until it ends. As in a terminal, edits within the
// line (inserting, deleting and erasing characters, erasing to the start)
// stay in the cursor's row, and the cursor stops at the right margin, rows
// being cut every pane width; that bounds the cost of each edit by a row
// whatever the line. A grapheme cluster keeps at most 40 bytes: marks
// piling up past that are dropped, as terminals drop them. History keeps
// at most the given number of lines and about 2 KiB of text per line on
// average; a line being written is cut at 64 KiB. Other sequences are
// dropped, except that DECCKM, bracketed paste (mode 2004) and cursor
// visibility are tracked and queries answered (see OnReply).
//
// # Emulator mode
//
// Moving the cursor to another row - a full-screen program on the alternate
// screen, a clear screen, docker-style progress redrawing lines above - needs
// a real screen, so from that sequence on the Buffer feeds an x/vt Emulator
// of the pane's size and renders its screen instead. On the main screen the
// last lines of history and the line being written move into the emulator
// first, so that what the program redraws is what is there; lines scrolling
// off its top come back to history. Once plain output has scrolled the whole
// screen with no row addressed, nothing on it can be redrawn in place, and
// the screen goes back to history and line mode. Leaving the alternate
// screen returns to line mode with the main screen's history as it was.
// Scrolled up, the view shows history under the emulator's screen, like
// tmux's copy mode. Lines that pass through the emulator come back as the
// rows it showed: a line it wrapped stays cut where it wrapped. A process
// that exits inside a full-screen program leaves its pane there until
// Reset.
//
// Both modes read a bare \n on the main screen as a new line, as if the pty
// had translated it to \r\n (ONLCR), which it does for every process that
// has not turned that off; on the alternate screen \n only moves down, as
// full-screen programs, which do turn it off, expect.
//
// # Scrolling and search
//
// The view follows new output until scrolled; a scrolled view is anchored to
// a history line, so output arriving below and old lines dropped above do not
// move it. Search matches the plain text of whole history lines, case-
// insensitively unless the query has an upper-case letter.
package screen
