package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/joho/godotenv"
)

// envFile is a parsed env file: its variables, and where each is set.
type envFile struct {
	path  string
	vars  map[string]string
	lines map[string]int // the line of each variable's last definition
}

// maxVariable is the longest KEY=value a process can be given: Linux
// refuses an environment string longer than 128 KiB with its NUL
// (MAX_ARG_STRLEN), and the process would not start.
const maxVariable = 128<<10 - 1

// readEnvFile reads and parses the env file at path, a regular file.
func readEnvFile(path string) (*envFile, error) { return readEnvFileAs(path, false) }

// readEnvFileAs reads and parses an env file; explicit is as for
// readInput.
func readEnvFileAs(path string, explicit bool) (*envFile, error) {
	src, err := readInput(path, explicit)
	if err != nil {
		return nil, err
	}
	return parseEnvFile(path, src)
}

// parseEnvFile parses src with godotenv's syntax. An error names the file
// and the line of the statement at fault: one that does not parse, or
// whose value no process could be given.
func parseEnvFile(path string, src []byte) (*envFile, error) {
	// Windows editors start files with a byte-order mark.
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	stmts, failed := envStatements(src)
	vars, err := godotenv.UnmarshalBytes(src)
	if err != nil {
		where := path
		if failed > 0 {
			where = fmt.Sprintf("%s:%d", path, failed)
		}
		return nil, fmt.Errorf("%s: expected KEY=value: %s", where, envReason(err))
	}
	e := &envFile{path: path, vars: vars, lines: make(map[string]int, len(stmts))}
	for _, s := range stmts {
		// godotenv reads a line without '=' as part of the next key, and
		// one at the very end as no key at all.
		if s.key == "" {
			return nil, fmt.Errorf("%s:%d: expected KEY=value: no \"=\" on the line", path, s.line)
		}
		if strings.IndexFunc(s.key, unicode.IsSpace) >= 0 {
			return nil, fmt.Errorf("%s:%d: expected KEY=value, got %q", path, s.line, s.key)
		}
		e.lines[s.key] = s.line
	}
	for _, s := range stmts {
		v, ok := vars[s.key]
		switch {
		case !ok || e.lines[s.key] != s.line:
			// Set again further down: that value is the one passed on.
		case strings.IndexByte(v, 0) >= 0:
			return nil, fmt.Errorf("%s:%d: the value of %s contains a NUL byte, which no environment variable can hold", path, s.line, s.key)
		case len(s.key)+1+len(v) > maxVariable:
			return nil, fmt.Errorf("%s:%d: %s is %d bytes long, more than the %d a process can be given (the kernel's limit for one variable)", path, s.line, s.key, len(s.key)+1+len(v), maxVariable)
		}
	}
	return e, nil
}

// where is "path:line" of the definition of key, for messages.
func (e *envFile) where(key string) string {
	if line := e.lines[key]; line > 0 {
		return fmt.Sprintf("%s:%d", e.path, line)
	}
	return e.path
}

// envReason is the part of a godotenv error worth showing: its snippets
// of the file are the rest of the file, and the line is named already.
func envReason(err error) string {
	reason, _, _ := strings.Cut(err.Error(), " near ")
	switch {
	case strings.HasPrefix(reason, "unterminated quoted value"):
		reason = "unterminated quoted value"
	case strings.Contains(reason, `"\n"`):
		reason = `no "=" on the line`
	}
	return reason
}
