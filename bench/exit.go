package main

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// The benchmarks start tmux servers and floods that must not outlive
// them, however they end: a failure, Ctrl-C, a closed pipe.
var (
	spawnMu   sync.Mutex // held by spawn, and for good once the end begins
	exitMu    sync.Mutex // guards exitFuncs
	exitFuncs []func()
	ending    atomic.Bool
)

// atExit registers f to run when the benchmarks end, fail or are
// interrupted, latest first.
func atExit(f func()) {
	exitMu.Lock()
	defer exitMu.Unlock()
	exitFuncs = append(exitFuncs, f)
}

// spawn runs start, which starts processes and registers with atExit what
// ends them, so that the end never falls between the two. Once the end
// has begun, spawn blocks until the process exits. start must not fail.
func spawn(start func()) {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	start()
}

// cleanUp runs the atExit functions, once; nothing is spawned after it.
func cleanUp() {
	spawnMu.Lock() // never released: the process is ending
	exitMu.Lock()
	fs := exitFuncs
	exitFuncs = nil
	exitMu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
}

// fail reports err, cleans up and exits. Errors that follow the first,
// typically from the tmux servers it kills, are not reported.
func fail(err error) {
	if ending.Swap(true) {
		select {} // the first failure exits
	}
	fmt.Fprintln(os.Stderr, "bench:", err)
	cleanUp()
	os.Exit(1)
}
