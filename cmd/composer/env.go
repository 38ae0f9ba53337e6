package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/joho/godotenv"
)

// readEnvFile parses a dotenv file with godotenv's syntax. An error names
// the file and the line where parsing fails.
func readEnvFile(path string) (map[string]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vars, err := godotenv.UnmarshalBytes(src)
	if err != nil {
		line, reason := locateEnvError(src, err)
		return nil, fmt.Errorf("%s:%d: expected KEY=value: %s", path, line, reason)
	}
	for key := range vars {
		// godotenv reads a line without '=' as part of the next key.
		if strings.IndexFunc(key, unicode.IsSpace) >= 0 || key == "" {
			return nil, fmt.Errorf("%s:%d: expected KEY=value, got %q", path, keyLine(src, key), key)
		}
	}
	return vars, nil
}

// locateEnvError finds the line godotenv failed on: one past the longest
// run of leading lines that parses (a prefix can fail in the middle of a
// valid multi-line value, so the search comes from the end).
func locateEnvError(src []byte, err error) (int, string) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	line := 1
	for k := len(lines) - 1; k >= 0; k-- {
		if _, perr := godotenv.UnmarshalBytes(bytes.Join(lines[:k], nil)); perr == nil {
			line = k + 1
			break
		}
	}
	reason, _, _ := strings.Cut(err.Error(), " near ")
	switch {
	case strings.HasPrefix(reason, "unterminated quoted value"):
		reason = "unterminated quoted value"
	case strings.Contains(reason, `"\n"`):
		reason = `no "=" on the line`
	}
	return line, reason
}

// keyLine is the line on which key (as godotenv joined it) begins.
func keyLine(src []byte, key string) int {
	first := strings.Fields(key + " ?")[0]
	for i, l := range strings.Split(string(src), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "export ")
		if strings.HasPrefix(strings.TrimSpace(l), first) {
			return i + 1
		}
	}
	return 1
}
