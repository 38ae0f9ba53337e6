package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// complete is what 'composer __complete ARGS' offers, as the shell
// scripts call it, and the directive it ends with.
func complete(t *testing.T, dir string, args ...string) ([]string, string) {
	t.Helper()
	r := composer(t, dir, nil, append([]string{"__complete"}, args...)...)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("__complete %q: exit %d, %q %q", args, r.code, r.stdout, r.stderr)
	}
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompleteNames(t *testing.T) {
	dir := projectDir(t, map[string]string{
		"Procfile":       "web: x\nworker: y\nclock: z\n",
		".env":           "COMPOSER_FORMATION=web=2\n",
		"other/Procfile": "api: x\n",
	})
	types := []string{"web", "web.1", "web.2", "worker", "clock"}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"up", ""}, types},
		{[]string{"check", "w"}, []string{"web", "web.1", "web.2", "worker"}},
		{[]string{"up", "-m", "web=1,clock=3", ""}, []string{"web", "worker", "clock", "clock.1", "clock.2", "clock.3"}},
		{[]string{"up", "web", ""}, []string{"web.1", "web.2", "worker", "clock"}},
		{[]string{"restart", ""}, append([]string{"all"}, types...)},
		{[]string{"stop", "web.1", ""}, []string{"all", "web", "web.2", "worker", "clock"}},
		{[]string{"start", "c"}, []string{"clock"}},
		{[]string{"kill", "-s", "TERM", "wor"}, []string{"worker"}},
		{[]string{"logs", "-f", "wor"}, []string{"worker"}}, // -f follows in logs
		{[]string{"ps", "a"}, []string{"all"}},
		{[]string{"restart", "-f", "other/Procfile", ""}, []string{"all", "api"}},
		{[]string{"check", "-f", "other/Procfile", ""}, []string{"api"}},
		{[]string{"up", "-f", "missing/Procfile", ""}, nil},
		{[]string{"kill", "-s", "TE"}, []string{"TERM"}},
		{[]string{"kill", "-s", "sigte"}, []string{"sigterm"}},
		{[]string{"up", "--stop-signal", "IN"}, []string{"INT"}},
		{[]string{"check", "--stop-signal", "SIGQ"}, []string{"SIGQUIT"}},
	}
	for _, tt := range tests {
		got, directive := complete(t, dir, tt.args...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("composer %s<TAB>: %q, want %q", strings.Join(tt.args, " "), got, tt.want)
		}
		if directive != ":4" { // ShellCompDirectiveNoFileComp: names, not files
			t.Errorf("composer %s<TAB>: directive %s, want :4", strings.Join(tt.args, " "), directive)
		}
	}
	all, _ := complete(t, dir, "kill", "-s", "")
	for _, sig := range []string{"HUP", "INT", "KILL", "TERM", "USR1", "WINCH"} {
		if !slices.Contains(all, sig) {
			t.Errorf("kill -s <TAB> lacks %s: %q", sig, all)
		}
	}
}

// Completing never waits on a FIFO.
func TestCompleteWithAFIFO(t *testing.T) {
	dir := projectDir(t, map[string]string{"Procfile": "web: x\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, ".env"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "live.env"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := complete(t, dir, "up", ""); !slices.Equal(got, []string{"web"}) {
		t.Errorf("up <TAB> beside a FIFO .env: %q", got)
	}
	if got, _ := complete(t, dir, "up", "-e", "live.env", ""); len(got) != 0 {
		t.Errorf("up -e FIFO <TAB>: %q", got)
	}
}

// The bash script, sourced as a user's shell does, completes through the
// binary.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := projectDir(t, map[string]string{"Procfile": "web: x\nworker: y\n"})
	script := `
if [ -r /usr/share/bash-completion/bash_completion ]; then
	. /usr/share/bash-completion/bash_completion
else
	# What cobra's script needs of the bash-completion package.
	_get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
fi
. <(composer completion bash)
c() {
	COMP_LINE="$1" COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	__start_composer 2>/dev/null
	echo "$1|${COMPREPLY[*]}"
}
c "composer restart w"
c "composer up "
c "composer up --stop-signal TE"
c "composer kill -s US"
c "composer comp"
`
	r := runProgram(t, bash, dir, []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")}, "-c", script)
	want := `composer restart w|web worker
composer up |web worker
composer up --stop-signal TE|TERM
composer kill -s US|USR1 USR2
composer comp|completion
`
	if r.stdout != want {
		t.Errorf("bash completion:\n%s\nwant\n%s\n(stderr %s)", r.stdout, want, r.stderr)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := composer(t, t.TempDir(), nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "composer __complete") && !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s: exit %d, %.200q", shell, r.code, r.stdout)
		}
	}
}
