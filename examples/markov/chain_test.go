package main

import (
	"fmt"
	"testing"
	"time"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"", "[]"},
		{"one", "[[ one]]"},
		{"a b. c d", "[[ a] [a b.] [ c] [c d]]"},
		{"  hi,\tthere!\nyou ", "[[ hi,] [ there!] [ you]]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(links(tc.text)); got != tc.want {
			t.Errorf("links(%q) = %s, want %s", tc.text, got, tc.want)
		}
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    config
		wantErr string
	}{
		{env: nil, want: config{"localhost:8000", 720 * time.Hour, "localhost:6379"}},
		{env: map[string]string{"MARKOV_LISTEN_ADDR": ":9000", "MARKOV_TIMEOUT": "1.5", "MARKOV_REDIS_PORT": "7000"},
			want: config{":9000", 90 * time.Minute, "localhost:7000"}},
		{env: map[string]string{"MARKOV_TIMEOUT": "soon"}, wantErr: `MARKOV_TIMEOUT="soon": expected a number of hours above 0`},
		{env: map[string]string{"MARKOV_REDIS_PORT": "70000"}, wantErr: `MARKOV_REDIS_PORT="70000": expected a port number`},
	}
	for _, tc := range tests {
		got, err := configure(func(k string) string { return tc.env[k] })
		switch {
		case tc.wantErr != "":
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("configure(%v) error = %v, want %q", tc.env, err, tc.wantErr)
			}
		case err != nil || got != tc.want:
			t.Errorf("configure(%v) = %+v, %v, want %+v", tc.env, got, err, tc.want)
		}
	}
}
