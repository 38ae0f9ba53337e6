package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/composer-dev/composer/runner"
)

// lastLine is the bottom row of a screen, without its trailing blanks.
func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	return strings.TrimRight(lines[len(lines)-1], " ")
}

// At 80 columns the help shows every key, in as many columns as fit, and
// the footer ends with how to get it and how to quit.
func TestHelpAndFooterAt80Columns(t *testing.T) {
	hs := newHarness(t, 80, 24, "web", "worker", "flaky")
	hs.started(0, "web", 11, 0)
	hs.waitFor("the footer's help and quit", func(s string) bool { return strings.HasSuffix(lastLine(s), "? help • q quit") })

	hs.key("?")
	var want []string
	for _, group := range hs.m.keys.FullHelp() {
		for _, b := range group {
			want = append(want, regexp.QuoteMeta(b.Help().Key)+" +"+regexp.QuoteMeta(b.Help().Desc))
		}
	}
	hs.waitFor("every key in the help", func(s string) bool {
		for _, re := range want {
			if !regexp.MustCompile(re).MatchString(s) {
				return false
			}
		}
		return !strings.Contains(s, "…")
	})

	// A terminal too short for all of it scrolls the help.
	hs.resize(80, 12)
	hs.waitScreen("more below", `▼ \d+ more`)
	hs.key("j", "j", "j", "j", "j", "j", "j", "j", "j", "j")
	hs.waitFor("the last group, scrolled to", func(s string) bool {
		return strings.Contains(s, "q quit") && strings.Contains(s, "/ search") && strings.Contains(s, "newer match")
	})
	hs.key("esc")
	hs.waitFor("the list again", func(s string) bool { return !strings.Contains(s, "more") && strings.Contains(s, "▌● web") })
}

// The footer says what the keys do in the current mode, and always ends
// with ? and q, which are dropped last.
func TestFooterFollowsTheMode(t *testing.T) {
	hs := newHarness(t, 80, 24, "web", "worker")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "GET /needle\r\n")
	hs.waitScreen("web's output", `GET /needle`)
	footer := func(what string, ok func(string) bool) {
		t.Helper()
		hs.waitFor(what, func(s string) bool { return ok(lastLine(s)) })
	}
	ends := func(s string) bool { return strings.HasSuffix(s, "? help • q quit") }

	hs.key("/")
	footer("the search prompt", func(s string) bool { return strings.Contains(s, "enter search") && strings.Contains(s, "esc cancel") })
	hs.key("n", "e", "e", "d", "l", "e", "enter")
	footer("the search's keys", func(s string) bool {
		return strings.HasPrefix(s, " n/N match • esc clear search") && ends(s)
	})
	hs.key("z")
	footer("zoomed", func(s string) bool { return strings.HasPrefix(s, " z/esc back • n/N match") && ends(s) })
	hs.key("esc")
	footer("back in the search", func(s string) bool { return strings.HasPrefix(s, " n/N match • esc clear search") && ends(s) })
	hs.key("tab")
	footer("the grid", func(s string) bool { return strings.HasPrefix(s, " tab/esc list") && ends(s) })
	hs.key("esc", "esc")
	// The search left the pane where its match was: G follows again.
	footer("the list, scrolled back", func(s string) bool {
		return strings.HasPrefix(s, " G follow • ↑↓ select • / search") && ends(s)
	})
	hs.key("G")
	footer("the list", func(s string) bool {
		return strings.HasPrefix(s, " ↑↓ select • / search • r restart") && ends(s)
	})

	hs.key("i")
	footer("interacting", func(s string) bool { return strings.Contains(s, "INTERACT") && strings.HasSuffix(s, "ctrl+] leave") })
	hs.key("ctrl+]")
	footer("normal again", ends)

	// A message keeps the end of the footer.
	hs.send(runner.Event{Kind: runner.Exited, Proc: 1, Name: "worker", State: runner.StateExited, Status: runner.Status{Code: 1}})
	hs.key("2", "i")
	footer("the refusal and the keys", func(s string) bool { return strings.Contains(s, "worker is not running") && ends(s) })
}

// esc takes back the most recent mode first.
func TestEscTakesBackTheMostRecentFirst(t *testing.T) {
	hs := newHarness(t, 100, 20, "web", "worker")
	hs.started(0, "web", 11, 0)
	hs.output(0, "web", "GET /needle\r\n")
	hs.waitScreen("web's output", `GET /needle`)
	zoomed := func(s string) bool { return !strings.Contains(s, "│") }

	hs.key("z", "/", "n", "e", "e", "d", "l", "e", "enter")
	hs.waitFor("a search in a zoomed pane", func(s string) bool { return zoomed(s) && strings.Contains(s, "match 1/1") })
	hs.key("esc")
	hs.waitFor("the search cleared, still zoomed", func(s string) bool { return zoomed(s) && !strings.Contains(s, "match 1/1") })
	hs.key("esc")
	hs.waitScreen("the list", `▌● web`)

	// In the order they were entered: the grid, a search, a zoom.
	hs.key("tab", "/", "n", "e", "e", "d", "l", "e", "enter", "z")
	hs.waitFor("zoomed from the grid with a search", func(s string) bool { return zoomed(s) && strings.Contains(s, "match 1/1") })
	hs.key("esc")
	hs.waitScreen("the grid, with the search", `web · running(?s:.*)match 1/1(?s:.*)│(?s:.*)worker · starting`)
	hs.key("esc")
	hs.waitFor("the grid without the search", func(s string) bool {
		return strings.Contains(s, "│") && strings.Contains(s, "worker · starting") && !strings.Contains(s, "match 1/1")
	})
	hs.key("esc")
	hs.waitScreen("the list", `▌● web`)

	// A search in a pane not on screen is not what esc takes back.
	hs.key("z", "/", "n", "e", "e", "d", "l", "e", "enter", "j")
	hs.waitFor("worker zoomed", func(s string) bool { return zoomed(s) && strings.Contains(s, "worker · starting") })
	hs.key("esc")
	hs.waitScreen("the list, worker selected", `▌◌ worker`)
	hs.key("k")
	hs.waitScreen("web's search still there", `match 1/1`)
	hs.key("esc")
	hs.waitFor("web's search cleared", func(s string) bool { return strings.Contains(s, "▌● web") && !strings.Contains(s, "match 1/1") })
}
