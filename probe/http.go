package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxStatusLine bounds what is read of an answer: its status line only.
const maxStatusLine = 4 << 10

// tryHTTP sends a GET and reads the status line of the answer, no more:
// net/http would add megabytes to every composer, for one line.
func tryHTTP(ctx context.Context, h *HTTP) error {
	if i := strings.IndexFunc(h.Path, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		// It would end the request line, or add a header.
		return fmt.Errorf("path %q: a space or control character, not escaped (%%20)", h.Path)
	}
	addr := net.JoinHostPort(h.Host, h.Port)
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return brief(err)
	}
	defer c.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := "GET " + h.path() + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: composer-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return brief(err)
	}
	line, err := bufio.NewReaderSize(io.LimitReader(c, maxStatusLine), maxStatusLine).ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull), errors.Is(err, io.EOF) && len(line) == maxStatusLine:
		return errors.New("not an HTTP answer (no status line in its first 4 KiB)")
	case errors.Is(err, io.EOF) && len(line) == 0:
		return errors.New("closed without an answer")
	case err != nil && !errors.Is(err, io.EOF):
		return brief(err)
	}
	return status(strings.TrimRight(string(line), "\r\n"))
}

// status reads a status line, "HTTP/1.1 503 Service Unavailable": nil
// for 2xx and 3xx, else the code and its text.
func status(line string) error {
	proto, rest, _ := strings.Cut(line, " ")
	code, text, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/") || err != nil || len(code) != 3 {
		return fmt.Errorf("not an HTTP answer: %.40q", line)
	}
	if n >= 200 && n < 400 {
		return nil
	}
	return errors.New(strings.TrimSpace(code + " " + printable(text, 60)))
}

// printable is s as a server's words may be shown on a terminal: without
// control characters or invalid UTF-8, and at most max runes.
func printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "?") {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
