package runner

import "testing"

func TestShellCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"./server --port $PORT", "exec ./server --port $PORT"},
		{"  bundle exec puma -C config/puma.rb 2>&1 ", "exec bundle exec puma -C config/puma.rb 2>&1"},
		{"redis-server --port $PORT > redis.log", "exec redis-server --port $PORT > redis.log"},
		{"npm run dev", "exec npm run dev"},
		{"exec ./server", "exec ./server"},
		{"cd web && npm start", "cd web && npm start"},
		{"make css; make js", "make css; make js"},
		{"tail -f log | grep ERROR", "tail -f log | grep ERROR"},
		{"sleep 1 &", "sleep 1 &"},
		{"PORT=3000 node app.js", "PORT=3000 node app.js"},
		{"(cd web; npm start)", "(cd web; npm start)"},
		{"echo $(date)", "echo $(date)"},
		{"while :; do date; sleep 1; done", "while :; do date; sleep 1; done"},
		{"trap '' TERM; sleep 100", "trap '' TERM; sleep 100"},
		{"cmd &> log", "cmd &> log"},
		{"echo 'a;b'", "exec echo 'a;b'"}, // quoted: one command
		{`python3 -c 'import time; print(1)'`, `exec python3 -c 'import time; print(1)'`},
		{`sh -c "a; b | c"`, `exec sh -c "a; b | c"`},
		{`echo a\;b`, `exec echo a\;b`},
		{`echo "$(date)"`, `echo "$(date)"`},
		{"echo \"`date`\"", "echo \"`date`\""},
		{`echo 'unbalanced; x`, `echo 'unbalanced; x`},
		{`echo "it's"; next`, `echo "it's"; next`},
		{`redis-server --port "${PORT:-6379}" --dir "${DATA:-.}"`, `exec redis-server --port "${PORT:-6379}" --dir "${DATA:-.}"`},
		{"server --url ${URL:-${HOST:-localhost}:80}", "exec server --url ${URL:-${HOST:-localhost}:80}"},
		{"server ${A:-x}; other", "server ${A:-x}; other"},
		{"{ server; }", "{ server; }"},
		{"server ${unbalanced", "server ${unbalanced"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := shellCommand(tt.in); got != tt.want {
			t.Errorf("shellCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
