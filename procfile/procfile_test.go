package procfile

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// dump renders a parse result the way the golden files hold it.
func dump(pf *Procfile, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.String()
	}
	for _, e := range pf.Entries {
		fmt.Fprintf(&b, "entry %d %q %q\n", e.Line, e.Name, e.Command)
	}
	for _, w := range pf.Warnings {
		fmt.Fprintf(&b, "warning: %v\n", w)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.Procfile")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := dump(Parse(f, "Procfile"))
			golden := strings.TrimSuffix(file, ".Procfile") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./procfile -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%s) =\n%s\nwant\n%s", file, got, want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"web: a", "entry 1 \"web\" \"a\"\n"},
		{"web:a", "entry 1 \"web\" \"a\"\n"},
		{"web:\t \tcmd --flag  \t\r\n", "entry 1 \"web\" \"cmd --flag\"\n"},
		{"Web_1-x: run", "entry 1 \"Web_1-x\" \"run\"\n"},
		{"web: echo a:b # c", "entry 1 \"web\" \"echo a:b # c\"\n"},
		{"\n\n# c\nweb: a", "entry 4 \"web\" \"a\"\n"},
		{"\uFEFFweb: a\r\n", "entry 1 \"web\" \"a\"\n"},
		{"web:\nx: y", "entry 2 \"x\" \"y\"\nwarning: Procfile:1: ignored: process \"web\" has no command\n"},
		{": a\nx: y", "entry 2 \"x\" \"y\"\nwarning: Procfile:1: ignored: not a \"name: command\" line\n"},
		{"", "error: Procfile: no processes defined (expected lines like \"web: command\")\n"},
		{"a: 1\nb: 2\na: 3", "error: Procfile:3: duplicate process \"a\" (first defined on line 1)\n"},
		{"a: " + strings.Repeat("x", maxLine), "error: Procfile:1: line longer than 1048576 bytes\n"},
		{"web.1: x\nweb: y", "entry 2 \"web\" \"y\"\nwarning: Procfile:1: ignored: invalid character \".\" in process name \"web.1\" (names are letters, digits, _ and -)\n"},
		{"bad name: x\nweb: y", "entry 2 \"web\" \"y\"\nwarning: Procfile:1: ignored: invalid character \" \" in process name \"bad name\" (names are letters, digits, _ and -)\n"},
		{"caf\u00e9: x\nweb: y", "entry 2 \"web\" \"y\"\nwarning: Procfile:1: ignored: invalid character \"\u00e9\" in process name \"caf\u00e9\" (names are letters, digits, _ and -)\n"},
		{"web: echo a\x00b\n", "error: Procfile:1: the command of \"web\" contains a NUL byte\n"},
		{"web: ok\nbig: " + strings.Repeat("x", MaxCommand), "entry 1 \"web\" \"ok\"\nentry 2 \"big\" \"" + strings.Repeat("x", MaxCommand) + "\"\n"},
		{"web: ok\nbig: " + strings.Repeat("x", MaxCommand+1), "error: Procfile:2: the command of \"big\" is 131067 bytes, longer than the 131066 a process can run (the kernel's limit for one argument)\n"},
	}
	for _, tt := range tests {
		got := dump(Parse(strings.NewReader(tt.in), "Procfile"))
		if got != tt.want {
			t.Errorf("Parse(%.40q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseFormation(t *testing.T) {
	tests := []struct {
		in      string
		want    Formation
		wantErr string
	}{
		{"", Formation{}, ""},
		{"web=2", Formation{"web": 2}, ""},
		{" web = 2 , worker=0,all=1 ", Formation{"web": 2, "worker": 0, "all": 1}, ""},
		{"web", nil, `formation "web": expected NAME=COUNT, got "web"`},
		{"web=x", nil, `formation "web=x": count for "web" must be a whole number ≥ 0, got "x"`},
		{"web=-1", nil, `formation "web=-1": count for "web" must be a whole number ≥ 0, got "-1"`},
		{"w b=1", nil, `formation "w b=1": expected NAME=COUNT, got "w b=1"`},
		{"web=1,web=2", nil, `formation "web=1,web=2": "web" given twice`},
		{"web=10000", Formation{"web": 10000}, ""},
		{"web=100000000", nil, `formation "web=100000000": 100000000 instances of "web", more than the 10000 allowed in all`},
		{"web=99999999999999999999", nil, `formation "web=99999999999999999999": 99999999999999999999 instances of "web", more than the 10000 allowed in all`},
	}
	for _, tt := range tests {
		got, err := ParseFormation(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseFormation(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFormation(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestPlan(t *testing.T) {
	entries := []Entry{{Name: "web", Command: "w", Line: 1}, {Name: "worker", Command: "k", Line: 2}, {Name: "css", Command: "c", Line: 4}}
	tests := []struct {
		formation  string
		base, step int
		want       []string // name ps port
		wantErr    string
	}{
		{"", 5000, 100, []string{"web web.1 5000", "worker worker.1 5100", "css css.1 5200"}, ""},
		{"web=2,worker=0", 3000, 100, []string{"web.1 web.1 3000", "web.2 web.2 3001", "css css.1 3200"}, ""},
		{"all=0,css=3", 5000, 100, []string{"css.1 css.1 5200", "css.2 css.2 5201", "css.3 css.3 5202"}, ""},
		{"wbe=1", 5000, 100, nil, `formation: unknown process "wbe" (valid: web, worker, css)`},
		{"", 5000, 0, []string{"web web.1 5000", "worker worker.1 5000", "css css.1 5000"}, ""},
		{"all=0,css=2", 65334, 100, []string{"css.1 css.1 65534", "css.2 css.2 65535"}, ""},
		{"all=0,css=3", 65334, 100, nil, `css.3: PORT 65536 is out of range (1 to 65535; base port 65334, port step 100)`},
		{"", 65535, 100, nil, `worker: PORT 65635 is out of range (1 to 65535; base port 65535, port step 100)`},
		{"", 5000, 100000, nil, `worker: PORT 105000 is out of range (1 to 65535; base port 5000, port step 100000)`},
		{"", 5000, -100, nil, `port step -100: expected 0 or more`},
		{"", 0, 100, nil, `web: PORT 0 is out of range (1 to 65535; base port 0, port step 100)`},
		{"web=10000", 1, 0, nil, `formation: 10002 instances in all, more than the 10000 allowed`},
		{"all=5000", 1, 0, nil, `formation: 15000 instances in all, more than the 10000 allowed`},
		{"web=100000000", 1, 0, nil, `formation: 10003 instances in all, more than the 10000 allowed`},
	}
	for _, tt := range tests {
		f, err := ParseFormation(tt.formation)
		if err != nil {
			f = Formation{"web": 100000000} // as a caller may build it, unparsed
		}
		got, err := Plan(entries, f, tt.base, tt.step)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Plan(%q) error = %v, want %q", tt.formation, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, in := range got {
			names = append(names, fmt.Sprintf("%s %s %d", in.Name, in.PS, in.Port))
		}
		if err != nil || !reflect.DeepEqual(names, tt.want) {
			t.Errorf("Plan(%q) = %v, %v, want %v", tt.formation, names, err, tt.want)
		}
	}
}

func TestSelect(t *testing.T) {
	entries := []Entry{{Name: "web", Command: "w"}, {Name: "worker", Command: "k"}}
	all, err := Plan(entries, Formation{"web": 2}, 5000, 100)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		names   []string
		want    []string
		wantErr string
	}{
		{nil, []string{"web.1", "web.2", "worker"}, ""},
		{[]string{"worker"}, []string{"worker"}, ""},
		{[]string{"web"}, []string{"web.1", "web.2"}, ""},
		{[]string{"web.2", "worker.1"}, []string{"web.2", "worker"}, ""},
		{[]string{"db"}, nil, `unknown process "db" (valid: web, web.1, web.2, worker)`},
	}
	for _, tt := range tests {
		got, err := Select(all, tt.names)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Select(%q) error = %v, want %q", tt.names, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, in := range got {
			names = append(names, in.Name)
		}
		if err != nil || !reflect.DeepEqual(names, tt.want) {
			t.Errorf("Select(%q) = %v, %v, want %v", tt.names, names, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.Procfile")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("web: a\r\nweb:b\n\xff\xfe: x")
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = ParseFormation(in) // must not panic on any text
		pf, err := Parse(strings.NewReader(in), "Procfile")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range pf.Entries {
			if !ValidName(e.Name) || e.Command == "" || seen[e.Name] {
				t.Fatalf("Parse(%q) gave bad entry %+v", in, e)
			}
			seen[e.Name] = true
		}
	})
}
