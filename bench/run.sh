#!/usr/bin/env bash
# Builds composer and the baselines, then measures them side by side.
# Flags are passed on: bench/run.sh -runs 9 -lines 200000
#   bench/run.sh -only headless    just the headless log stream
#   bench/run.sh -only tui         just the interactive view (needs tmux)
#   bench/run.sh -only bundle      just the markov example's bundle (needs redis-server)
#   bench/run.sh -only deps        just composer.yaml's dependencies and probes
#   bench/run.sh -only scale       composer against a bare spawner at 50, 200, 500 processes
#                                  (time until all run, PSS, SIGTERM to exit), fixed cost
#   bench/run.sh -only scale -runs 3 -scale-sizes 50,200,500 -scale-procs 200
#   bench/run.sh -only tui -runs 3 -keys 60 -flood 10s -tui-lines 50000
# Every flag is described at the top of bench/main.go and by -help.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
CGO_ENABLED=0 go build -o "$bin/composer" ./cmd/composer
go build -o "$bin/ptycat" ./bench/ptycat
go build -o "$bin/keyecho" ./bench/keyecho
go build -o "$bin/teaecho" ./bench/teaecho
CGO_ENABLED=0 go build -o "$bin/spawner" ./bench/spawner
go run ./bench -bin "$bin" "$@"
