package main

import (
	"bytes"
	"strings"
	"unicode"
)

// godotenv gives the variables of an env file but no positions (its
// errors name none either; compose-go forks its parser to get them,
// compose-spec/compose-go#342). envStatements finds them in one pass by
// walking the file as godotenv v1.5.1's parser does (parser.go:
// getStatementStart, locateKeyName, extractVarValue), only finding where
// each statement starts and ends; the values are still godotenv's.
// FuzzEnvStatements holds the two together: revisit this file when
// godotenv changes.

// envStatement is one KEY=value of an env file.
type envStatement struct {
	key  string // as godotenv reads it (it may hold spaces)
	line int    // 1-based line where the statement begins
}

// envStatements lists the statements of src in order, and the line of the
// statement godotenv fails on (0 when it parses).
func envStatements(src []byte) (stmts []envStatement, failed int) {
	// godotenv's first step; it keeps every '\n', so lines do not move.
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	line, counted := 1, 0 // the line of src[counted]
	lineOf := func(rest []byte) int {
		at := len(src) - len(rest)
		line += bytes.Count(src[counted:at], []byte("\n"))
		counted = at
		return line
	}
	rest := src
	for {
		if rest = statementStart(rest); rest == nil {
			return stmts, 0
		}
		start := lineOf(rest)
		key, value, ok := keyName(rest)
		if !ok {
			return stmts, start
		}
		if rest, ok = skipValue(value); !ok {
			return stmts, start
		}
		stmts = append(stmts, envStatement{key, start})
	}
}

// statementStart is getStatementStart: src from its next statement on,
// past blank space and comments; nil at the end.
func statementStart(src []byte) []byte {
	for {
		pos := bytes.IndexFunc(src, func(r rune) bool { return !unicode.IsSpace(r) })
		if pos == -1 {
			return nil
		}
		if src = src[pos:]; src[0] != '#' {
			return src
		}
		if pos = bytes.IndexByte(src, '\n'); pos == -1 {
			return nil
		}
		src = src[pos:]
	}
}

// keyName is locateKeyName: the key, and what follows its '=' or ':'.
func keyName(src []byte) (key string, rest []byte, ok bool) {
	src = bytes.TrimLeftFunc(src, envSpace)
	if trimmed, found := bytes.CutPrefix(src, []byte("export")); found && bytes.IndexFunc(trimmed, envSpace) == 0 {
		src = bytes.TrimLeftFunc(trimmed, envSpace)
	}
	offset := 0
loop:
	// By byte, as godotenv does: a byte of a multi-byte letter is taken
	// for a Latin-1 one.
	for i, c := range src {
		r := rune(c)
		switch {
		case envSpace(r), c == '_', c == '.', unicode.IsLetter(r), unicode.IsNumber(r):
		case c == '=' || c == ':':
			key, offset = string(src[:i]), i+1
			break loop
		default:
			return "", nil, false
		}
	}
	if len(src) == 0 {
		return "", nil, false
	}
	return strings.TrimRightFunc(key, unicode.IsSpace), bytes.TrimLeftFunc(src[offset:], envSpace), true
}

// skipValue is extractVarValue without the value: what follows it, or
// false for a quote that is never closed.
func skipValue(src []byte) ([]byte, bool) {
	if len(src) > 0 && (src[0] == '"' || src[0] == '\'') {
		for i := 1; i < len(src); i++ {
			if src[i] == src[0] && src[i-1] != '\\' {
				return src[i+1:], true
			}
		}
		return nil, false
	}
	if end := bytes.IndexAny(src, "\r\n"); end >= 0 {
		return src[end:], true
	}
	return nil, true
}

// envSpace is godotenv's isSpace: a space that does not end a line.
func envSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}
