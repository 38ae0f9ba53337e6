#!/usr/bin/env bash
# Writes OUT: one executable file holding composer, this Procfile, the
# markov service and redis-server (with the libraries it needs).
#   examples/markov/build-bundle.sh /tmp/markov && /tmp/markov
set -euo pipefail
out=${1:?usage: build-bundle.sh OUT}
case $out in /*) ;; *) out=$PWD/$out ;; esac
here=$(cd "$(dirname "$0")" && pwd)
redis=$(command -v redis-server) || { echo "build-bundle.sh: redis-server is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$here/../.."
CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$work/composer" ./cmd/composer
CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$work/markov" ./examples/markov
cd "$here"
"$work/composer" bundle -o "$out" -f Procfile -e .env.example --include "$redis" --include "$work/markov"
