// Package tui is composer's interactive view: a Bubble Tea program with a
// pane per process (status, restart count, scrollback), a grid of every
// pane, search, and an interactive mode that types into a process.
//
// It is a consumer of runner events, like the headless log stream. Output
// is not processed in Update: a feeding goroutine writes each chunk into
// its pane's screen.Buffer under a lock and asks for a frame, and frames
// are coalesced to a capped rate. Keys therefore never wait behind output,
// however much of it a process writes. Commands (restart, stop, input)
// are sent to the runner from tea.Cmds, never from Update, because the
// runner's commands block until done.
//
// On a real terminal the program is drawn by Terminal rather than by
// Bubble Tea's renderer, which redraws on a fixed 60 Hz clock even when
// nothing changed: Terminal draws each view as it is made and only if it
// differs from the one on screen, so an idle composer does no work beyond
// its once-a-second uptime tick, and a key is on screen without waiting
// for a frame.
package tui
