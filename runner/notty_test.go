package runner

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A process without a terminal writes to a pipe; its output reaches
// Events as a terminal's would (lines end in \r\n), it cannot be typed
// at, and a resize is nothing to it.
func TestNoTTY(t *testing.T) {
	s := shSpec("a", "if [ -t 1 ]; then echo terminal; else echo pipe; fi; printf 'one\\ntwo\\r\\n' >&2; exec sleep 1000")
	s.NoTTY = true
	tr := start(t, []Spec{s}, Options{Timeout: 30 * time.Second})
	tr.until("its output", func() bool { return strings.Contains(tr.output("a"), "two") })
	if out := tr.output("a"); out != "pipe\r\none\r\ntwo\r\r\n" {
		t.Errorf("output %q", out)
	}
	if _, err := tr.r.Write("a", []byte("x\n")); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Write: %v, want ErrNoTerminal", err)
	}
	if err := tr.r.Resize("a", 100, 30); err != nil {
		t.Errorf("Resize: %v", err)
	}
	tr.r.Shutdown("test")
	tr.finish()
}

func TestONLCR(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"a":         "a",
		"\n":        "\r\n",
		"a\nb\n":    "a\r\nb\r\n",
		"a\r\n\n\n": "a\r\r\n\r\n\r\n",
	} {
		if got := string(onlcr([]byte(in))); got != want {
			t.Errorf("onlcr(%q) = %q, want %q", in, got, want)
		}
	}
}
