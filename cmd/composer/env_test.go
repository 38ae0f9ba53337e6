package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joho/godotenv"
)

// Each variable's line is that of its last definition, wherever comments,
// export, multi-line values and CRLF put it.
func TestEnvFileLines(t *testing.T) {
	src := "\uFEFF# a comment\r\nA=1\r\nexport B=\"multi\nC=not a key\nline\"\n\n   C = 3 # trailing\nD: yaml\nA='again'\nE=\nF=\"esc \\\" quote\nG=x\"\nH=last"
	e, err := parseEnvFile(".env", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": ".env:9", "B": ".env:3", "C": ".env:7", "D": ".env:8", "E": ".env:10", "F": ".env:11", "H": ".env:13"}
	for key, where := range want {
		if got := e.where(key); got != where {
			t.Errorf("%s is set at %s, want %s", key, got, where)
		}
	}
	if got := slices.Sorted(maps.Keys(e.vars)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Errorf("variables %v, want those of %v", got, want)
	}
	if e.vars["A"] != "again" || e.vars["C"] != "3" || e.vars["B"] != "multi\nC=not a key\nline" {
		t.Errorf("values: %q", e.vars)
	}
}

// A byte-order mark, as Windows editors write, is not part of the first
// key.
func TestEnvFileByteOrderMark(t *testing.T) {
	e, err := parseEnvFile(".env", []byte("\uFEFFFIRST=1\r\nSECOND=2\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e.vars["FIRST"] != "1" || e.where("FIRST") != ".env:1" || e.where("SECOND") != ".env:2" {
		t.Errorf("got %q", e.vars)
	}
}

// largeEnv is an env file of n lines with a bad line at line 2.
func largeEnv(n int, bad string) []byte {
	var b strings.Builder
	b.WriteString("FIRST=1\n" + bad + "\n")
	for i := 3; i <= n; i++ {
		fmt.Fprintf(&b, "KEY_%d=value %d\n", i, i)
	}
	return []byte(b.String())
}

// The line of an error is found in one pass: a bad line near the top of
// 100,000 took hours when each prefix was parsed again.
func TestEnvFileErrorInALargeFile(t *testing.T) {
	tests := []struct{ bad, want string }{
		{"BAD-KEY=1", `.env:2: expected KEY=value: unexpected character "-" in variable name`},
		{"JUSTAWORD", `.env:2: expected KEY=value: no "=" on the line`},
		{"OPEN='never closed", `.env:2: expected KEY=value: unterminated quoted value`},
		{"TWO WORDS=1", `.env:2: expected KEY=value, got "TWO WORDS"`},
		{"NUL=a\x00b", `.env:2: the value of NUL contains a NUL byte, which no environment variable can hold`},
	}
	for _, tt := range tests {
		src := largeEnv(100_000, tt.bad)
		start := time.Now()
		_, err := parseEnvFile(".env", src)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: error %v, want %s", tt.bad, err, tt.want)
		}
		// Generous: this takes milliseconds, and took hours.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%q: finding the line took %v", tt.bad, d)
		}
	}
}

func BenchmarkEnvFileError(b *testing.B) {
	for _, n := range []int{8_000, 32_000, 100_000} {
		src := largeEnv(n, "BAD-KEY=1")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseEnvFile(".env", src); err == nil {
					b.Fatal("no error")
				}
			}
		})
	}
}

// envStatements walks a file as godotenv does: it fails where godotenv
// fails, and finds the keys godotenv finds.
func FuzzEnvStatements(f *testing.F) {
	for _, seed := range []string{
		"A=1\nB=2", "export A=1", "exportA=1", "A:1", " A = 1 # c\n#c\nB='x'", "A=\"a\\\"b\"\nC=3",
		"A=\"multi\nline\"", "A='open", "A-B=1", "JUST\nA=1", "TWO WORDS=1", "A", "export ", "# only",
		"A=1\r\nB=2\r\n", "\xa0A=1", "A\x85=1", "é=1", "A=\x00", "A=1\rB=2", "\"A\"=1", "A=${B}\nB=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		vars, err := godotenv.UnmarshalBytes([]byte(src))
		stmts, failed := envStatements([]byte(src))
		if (err != nil) != (failed > 0) {
			t.Fatalf("%q: godotenv error %v, envStatements fails at line %d", src, err, failed)
		}
		if err != nil {
			return
		}
		var keys []string
		for _, s := range stmts {
			if !slices.Contains(keys, s.key) {
				keys = append(keys, s.key)
			}
		}
		if slices.Sort(keys); !slices.Equal(keys, slices.Sorted(maps.Keys(vars))) {
			t.Fatalf("%q: godotenv reads %q, envStatements %v", src, vars, stmts)
		}
	})
}

// A word without "=" says the same at the end of the file as anywhere.
func TestEnvFileWordAtTheEnd(t *testing.T) {
	for _, src := range []string{"A=1\nB=2\nJUST", "A=1\nB=2\nJUST\n"} {
		_, err := parseEnvFile(".env", []byte(src))
		if want := `.env:3: expected KEY=value: no "=" on the line`; err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}
