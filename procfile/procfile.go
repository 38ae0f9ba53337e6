package procfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Entry is one "name: command" line of a Procfile.
type Entry struct {
	Name    string
	Command string
	Line    int // 1-based line number in the Procfile
}

// Procfile is the parsed content of a Procfile.
type Procfile struct {
	Path     string // as given to Parse, used in messages
	Entries  []Entry
	Warnings []*Error // lines that were skipped
}

// Error is a problem with one line of a file (Line > 0) or with the file as
// a whole (Line == 0). Its text is "path:line: message", as compilers
// print it.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// maxLine bounds one Procfile line; real commands are far shorter.
const maxLine = 1 << 20

// MaxCommand is the longest command Parse accepts. A command is one
// argument to exec (of sh -c, with "exec " put before a simple command),
// and Linux refuses an argument longer than 128 KiB with its NUL
// (MAX_ARG_STRLEN).
const MaxCommand = 128<<10 - 1 - len("exec ")

// Parse reads a Procfile from r. path names the file in messages.
//
// Lines that are neither entries, comments nor blank are recorded in
// Warnings and skipped. A duplicate name, a command that no process could
// run (one holding a NUL byte, or longer than MaxCommand) or a Procfile
// without entries is an *Error; so is a read error, wrapped.
func Parse(r io.Reader, path string) (*Procfile, error) {
	pf := &Procfile{Path: path}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		text := strings.TrimRight(string(line), " \t\r")
		if trimmed := strings.TrimLeft(text, " \t"); trimmed == "" || trimmed[0] == '#' {
			continue
		}
		name, cmd, ok := splitEntry(text)
		switch {
		case !ok:
			pf.Warnings = append(pf.Warnings, &Error{path, n, `ignored: not a "name: command" line`})
		case !ValidName(name):
			pf.Warnings = append(pf.Warnings, &Error{path, n, fmt.Sprintf(
				"ignored: invalid character %s in process name %q (names are letters, digits, _ and -)", invalidChar(name), name)})
		case cmd == "":
			pf.Warnings = append(pf.Warnings, &Error{path, n, fmt.Sprintf("ignored: process %q has no command", name)})
		case seen[name] != 0:
			return nil, &Error{path, n, fmt.Sprintf("duplicate process %q (first defined on line %d)", name, seen[name])}
		case strings.IndexByte(cmd, 0) >= 0:
			// No argument of exec can hold one: the process could not start.
			return nil, &Error{path, n, fmt.Sprintf("the command of %q contains a NUL byte", name)}
		case len(cmd) > MaxCommand:
			return nil, &Error{path, n, fmt.Sprintf("the command of %q is %d bytes, longer than the %d a process can run (the kernel's limit for one argument)", name, len(cmd), MaxCommand)}
		default:
			seen[name] = n
			pf.Entries = append(pf.Entries, Entry{Name: name, Command: cmd, Line: n})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &Error{path, n + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pf.Entries) == 0 {
		return nil, &Error{Path: path, Msg: `no processes defined (expected lines like "web: command")`}
	}
	return pf, nil
}

// splitEntry splits "name: command" at the first colon, as foreman's
// /^([A-Za-z0-9_-]+):\s*(.+)$/ does once the name is valid. ok is false
// when nothing comes before a colon.
func splitEntry(line string) (name, cmd string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	return line[:i], strings.TrimLeft(line[i+1:], " \t"), true
}

// invalidChar quotes the first character of name that ValidName refuses.
func invalidChar(name string) string {
	for i := 0; i < len(name); i++ {
		if !validChar(name[i]) {
			_, size := utf8.DecodeRuneInString(name[i:])
			return strconv.Quote(name[i : i+size])
		}
	}
	return `""`
}

// NameProblem says what is wrong with name as a process name, or "" when
// nothing is.
func NameProblem(name string) string {
	switch {
	case ValidName(name):
		return ""
	case name == "":
		return "an empty name"
	}
	return "invalid character " + invalidChar(name) + " in the name (names are letters, digits, _ and -)"
}

// ValidName reports whether s is a valid process name: one or more
// letters, digits, '_' or '-'.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !validChar(s[i]) {
			return false
		}
	}
	return true
}

func validChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
