package main

import (
	"encoding/json"
	"testing"

	"github.com/composer-dev/composer/config"
)

func TestSchema(t *testing.T) {
	r := composer(t, t.TempDir(), nil, "schema")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("schema: exit %d, stderr %q", r.code, r.stderr)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("schema prints what is not JSON:\n%s", r.stdout)
	}
	if r.stdout != string(config.Schema) {
		t.Errorf("schema prints %d bytes, not config.Schema's %d", len(r.stdout), len(config.Schema))
	}
	if r := composer(t, t.TempDir(), nil, "schema", "web"); r.code != exitUsage || r.stdout != "" {
		t.Errorf("schema web: exit %d, stdout %q; want %d and nothing", r.code, r.stdout, exitUsage)
	}
}
