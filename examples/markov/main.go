// Command markov is a markov-chain text service backed by redis: the
// example of a small multi-process app that composer runs, and ships as one
// file with `composer bundle`.
//
//	POST /build?chainName=NAME            the body's text is added to the chain
//	GET  /generate?numParts=N&chainName=NAME   text of N parts, each ending at . , ! ? : or ;
//
// Configuration, all optional:
//
//	MARKOV_LISTEN_ADDR   where to serve HTTP (default localhost:8000)
//	MARKOV_TIMEOUT       hours each link of a chain lives after it was last built (default 720)
//	MARKOV_REDIS_PORT    the port of redis on localhost (default 6379)
//
// MARKOV_DATA_DIR is read by the Procfile's redis, not by this program.
//
// Like many services, it exits at once when redis does not answer as it
// starts: composer.yaml has composer start it once redis listens.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

type config struct {
	listen    string
	ttl       time.Duration
	redisAddr string
}

func init() {
	// go-redis logs each failed dial itself; the service reports the
	// failures that matter.
	redis.SetLogger(&logging.VoidLogger{})
}

func main() {
	log.SetFlags(0)
	cfg, err := configure(os.Getenv)
	if err != nil {
		log.Fatalf("markov: %v", err)
	}
	if err := serve(cfg); err != nil {
		log.Fatalf("markov: %v", err)
	}
}

// configure reads the environment, with the defaults documented above.
func configure(getenv func(string) string) (config, error) {
	cfg := config{listen: "localhost:8000", ttl: 720 * time.Hour, redisAddr: "localhost:6379"}
	if v := getenv("MARKOV_LISTEN_ADDR"); v != "" {
		cfg.listen = v
	}
	if v := getenv("MARKOV_TIMEOUT"); v != "" {
		hours, err := strconv.ParseFloat(v, 64)
		if err != nil || hours <= 0 {
			return cfg, fmt.Errorf("MARKOV_TIMEOUT=%q: expected a number of hours above 0", v)
		}
		cfg.ttl = time.Duration(hours * float64(time.Hour))
	}
	if v := getenv("MARKOV_REDIS_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return cfg, fmt.Errorf("MARKOV_REDIS_PORT=%q: expected a port number", v)
		}
		cfg.redisAddr = net.JoinHostPort("localhost", v)
	}
	return cfg, nil
}

func serve(cfg config) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db := redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
	defer db.Close()
	if err := db.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", cfg.redisAddr, err)
	}
	log.Printf("redis at %s answers", cfg.redisAddr)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(&chains{db: db, ttl: cfg.ttl}), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("listening on http://%s", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Printf("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// maxBody bounds the text one /build takes.
const maxBody = 8 << 20

func handler(c *chains) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /build", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("chainName")
		if name == "" {
			http.Error(w, "chainName is required", http.StatusBadRequest)
			return
		}
		text, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		n, err := c.build(r.Context(), name, string(text))
		if err != nil {
			log.Printf("build %q: %v", name, err)
			http.Error(w, "storing the chain failed", http.StatusServiceUnavailable)
			return
		}
		log.Printf("build %q: %d links", name, n)
		fmt.Fprintf(w, "added %d links to %q\n", n, name)
	})
	mux.HandleFunc("GET /generate", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		name := q.Get("chainName")
		if name == "" {
			http.Error(w, "chainName is required", http.StatusBadRequest)
			return
		}
		parts := 1
		if v := q.Get("numParts"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxParts {
				http.Error(w, fmt.Sprintf("numParts must be a number from 1 to %d", maxParts), http.StatusBadRequest)
				return
			}
			parts = n
		}
		text, err := c.generate(r.Context(), name, parts)
		switch {
		case errors.Is(err, errNoChain):
			http.Error(w, fmt.Sprintf("no chain named %q", name), http.StatusNotFound)
			return
		case err != nil:
			log.Printf("generate %q: %v", name, err)
			http.Error(w, "reading the chain failed", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, text)
	})
	return mux
}
