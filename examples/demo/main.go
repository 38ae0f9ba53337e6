// Command demo plays the processes of composer's demo Procfile: a web
// server on $PORT, a worker that logs in colour, a flaky job that runs
// batches with a progress bar and fails (soon after the demo starts, then
// now and then), and a pretend migration that web waits for.
package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: demo web|worker|flaky|migrate")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "web":
		web()
	case "worker":
		worker()
	case "flaky":
		flaky()
	case "migrate":
		migrate()
	default:
		fmt.Fprintf(os.Stderr, "demo: unknown role %q (expected web, worker, flaky or migrate)\n", os.Args[1])
		os.Exit(2)
	}
}

func web() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "5000"
	}
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	// composer.yaml's readiness probe asks this.
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("%s %s from %s\n", r.Method, r.URL.Path, r.RemoteAddr)
		fmt.Fprintf(w, "%s from %s (pid %d)\n", greeting, os.Getenv("PS"), os.Getpid())
	})
	srv := &http.Server{Addr: ":" + port}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		sig := <-stop
		fmt.Printf("received %v, shutting down\n", sig)
		srv.Close()
	}()
	l, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://localhost:%s\n", port)
	if err := srv.Serve(l); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func worker() {
	// Asked to stop, it finishes the job in hand first.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	colors := []string{"\x1b[32m", "\x1b[33m", "\x1b[36m"}
	for job := 1; ; job++ {
		took := time.Duration(200+rand.IntN(800)) * time.Millisecond
		stopping := false
		select {
		case <-stop:
			fmt.Printf("stopping after job %d\n", job)
			stopping = true
			time.Sleep(took)
		case <-time.After(took):
		}
		fmt.Printf("%sprocessed\x1b[0m job \x1b[1m%d\x1b[0m in %v\n", colors[job%len(colors)], job, took.Round(time.Millisecond))
		if stopping {
			return
		}
	}
}

// failedMark is touched when the flaky job fails: its time tells a job
// composer restarted from one a new demo started.
const failedMark = ".bin/flaky.failed"

func flaky() {
	// Batches run one after another. A new demo's job fails in its
	// second batch, about 7 s in, so that a restart and its backoff are
	// seen at once; a job restarted soon after a failure fails at random,
	// in one batch of four on average, and exits for composer to restart
	// it.
	st, err := os.Stat(failedMark)
	restarted := err == nil && time.Since(st.ModTime()) < time.Minute
	for batch := 1; ; batch++ {
		failAt := -1
		switch {
		case !restarted && batch == 2:
			failAt = 60
		case restarted && rand.IntN(4) == 0:
			failAt = 5 * (2 + rand.IntN(18)) // 10% to 95%
		}
		fmt.Println("starting a batch")
		for pct := 0; pct <= 100; pct += 5 {
			bar := fmt.Sprintf("%-20s", strings.Repeat("#", pct/5))
			fmt.Printf("\r[%s] %3d%%", bar, pct)
			time.Sleep(150 * time.Millisecond)
			if pct == failAt {
				fmt.Println("\n\x1b[31merror:\x1b[0m lost the connection, giving up")
				now := time.Now()
				if os.Chtimes(failedMark, now, now) != nil {
					_ = os.WriteFile(failedMark, nil, 0o644) // without it, the next run fails at random
				}
				os.Exit(1)
			}
		}
		fmt.Println("\nbatch done")
		time.Sleep(2 * time.Second)
	}
}

// migrate pretends to migrate a database, and exits 0: a one-shot that
// web waits for (composer.yaml).
func migrate() {
	for i, step := range []string{"create table users", "add column email", "create index users_email"} {
		time.Sleep(300 * time.Millisecond)
		fmt.Printf("migration %d/3: %s\n", i+1, step)
	}
	fmt.Println("database is up to date")
}
