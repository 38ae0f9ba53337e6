// Command demo plays the processes of composer's demo Procfile: a web
// server on $PORT, a worker that logs in colour, and a flaky job that
// runs batches with a progress bar and fails now and then.
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
		fmt.Fprintln(os.Stderr, "usage: demo web|worker|flaky")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "web":
		web()
	case "worker":
		worker()
	case "flaky":
		flaky()
	default:
		fmt.Fprintf(os.Stderr, "demo: unknown role %q (expected web, worker or flaky)\n", os.Args[1])
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

func flaky() {
	// Batches run one after another; now and then one fails and the job
	// exits, for composer to restart it.
	for {
		fmt.Println("starting a batch")
		for pct := 0; pct <= 100; pct += 5 {
			bar := fmt.Sprintf("%-20s", strings.Repeat("#", pct/5))
			fmt.Printf("\r[%s] %3d%%", bar, pct)
			time.Sleep(150 * time.Millisecond)
			if pct == 60 && rand.IntN(6) == 0 {
				fmt.Println("\n\x1b[31merror:\x1b[0m lost the connection, giving up")
				os.Exit(1)
			}
		}
		fmt.Println("\nbatch done")
		time.Sleep(2 * time.Second)
	}
}
