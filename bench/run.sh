#!/usr/bin/env bash
# Builds composer and the baselines, then measures them side by side.
# Flags are passed on: bench/run.sh -runs 9 -lines 200000
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
CGO_ENABLED=0 go build -o "$bin/composer" ./cmd/composer
go build -o "$bin/ptycat" ./bench/ptycat
go run ./bench -bin "$bin" "$@"
