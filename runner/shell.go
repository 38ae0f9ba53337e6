package runner

import "strings"

// shellCommand is what the shell is asked to run for command: when command
// is one simple command, "exec command", so that the program replaces the
// shell rather than running as its child.
//
// That matters for stopping: dash (Debian's sh) keeps waiting as the
// parent of a lone command, and the stop signal kills the shell at once.
// The process has then ended, and what it left is killed, the program in
// the middle of its graceful shutdown: on Linux by the supervisor, elsewhere by
// the hangup of the terminal (the shell led its session) and the group
// kill that follows. bash makes the same optimization by itself.
//
// Anything not clearly one simple command is left alone: lists,
// pipelines, subshells, compound commands, builtins and leading variable
// assignments keep their meaning only without exec.
func shellCommand(command string) string {
	c := strings.TrimSpace(command)
	if c == "" {
		return command
	}
	// Redirections such as 2>&1, and parameter expansions such as
	// ${PORT:-5000}, are part of a simple command.
	rest := withoutExpansions(strings.NewReplacer(">&", "", "<&", "").Replace(c))
	if syntaxOutsideQuotes(rest) {
		return command
	}
	first, _, _ := strings.Cut(c, " ")
	first, _, _ = strings.Cut(first, "\t")
	if strings.Contains(first, "=") || keepsShell[first] {
		return command
	}
	return "exec " + c
}

// syntaxOutsideQuotes reports whether s holds, outside quotes, what makes
// more than one simple command: ; & | ( ) { } ` or a newline. Inside '...'
// nothing is special, and a backslash quotes the next character; inside
// "..." a command substitution ($( or `) still counts. Unbalanced quotes
// count too.
func syntaxOutsideQuotes(s string) bool {
	single, double := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case single:
			single = c != '\''
		case c == '\\':
			i++
		case double:
			switch {
			case c == '"':
				double = false
			case c == '`', c == '$' && i+1 < len(s) && s[i+1] == '(':
				return true
			}
		case c == '\'':
			single = true
		case c == '"':
			double = true
		case strings.IndexByte(";&|()`\n{}", c) >= 0:
			return true
		}
	}
	return single || double
}

// withoutExpansions is s without its ${...} parameter expansions, nested
// ones included.
func withoutExpansions(s string) string {
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			return s
		}
		// The innermost expansion that starts at or after start.
		open := start
		end := -1
		for i := start + 2; i < len(s); i++ {
			if s[i] == '{' && s[i-1] == '$' {
				open = i - 1
			} else if s[i] == '}' {
				end = i
				break
			}
		}
		if end < 0 {
			return s // unbalanced: leave it for the caller to refuse
		}
		s = s[:open] + s[end+1:]
	}
}

// keepsShell: first words that are shell syntax or builtins, which exec
// would break or which must run in the shell itself.
var keepsShell = map[string]bool{
	"!": true, ".": true, ":": true, "[[": true, "alias": true, "break": true, "case": true,
	"cd": true, "command": true, "continue": true, "declare": true, "do": true, "done": true,
	"elif": true, "else": true, "esac": true, "eval": true, "exec": true, "exit": true,
	"export": true, "fi": true, "for": true, "function": true, "if": true, "local": true,
	"read": true, "readonly": true, "return": true, "select": true, "set": true, "shift": true,
	"source": true, "then": true, "time": true, "trap": true, "typeset": true, "ulimit": true,
	"umask": true, "unset": true, "until": true, "wait": true, "while": true,
}
