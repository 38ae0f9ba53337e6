// Package control lets other programs drive a running composer through a
// unix socket: list its processes, restart, stop, start or signal them,
// read their recent output and follow it, and end the run.
//
// It owns three things:
//
//   - the socket's life (Listen): one composer per socket path, claimed
//     with an flock'd lock file beside it, the socket created with mode
//     0600 and removed when the composer ends; a socket left by a composer
//     that was killed is detected and replaced;
//   - the server (Server): it reads the processes' state from the runner's
//     snapshot, keeps the recent lines of the run's log (the first sink of
//     its headless.Log: Server.Line), and acts
//     through the same runner commands as the interactive view; it accepts only connections from
//     the user it runs as (the peer's credentials are checked), and no
//     more of them than MaxConns and MaxFollowers, so that what clients
//     cost it stays bounded;
//   - the client (Dial) and the protocol both speak: one JSON request per
//     connection, answered by JSON lines (see Request and Response).
//
// # Protocol
//
// A client connects and writes one request, a JSON object on one line:
//
//	{"v":2,"cmd":"restart","names":["web*"]}
//
// v is the protocol version (Version); a request of another version is
// answered with an error. The server answers with one JSON object per line
// (a Response) and closes the connection: one response for ps, restart,
// stop, start and kill; for logs a first response listing the processes,
// one per line of the log (see Line), and a last with "end" set; for quit one response with
// "end" set, once the run has ended and the socket is gone. A response with
// "error" set is the last.
//
// Names are process types ("web"), instance names ("web.2", or "web.1"
// for a type that runs once), "all", or globs of these ("web*", "w?b").
package control
