package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// bundleCost: the size of composer and of the markov example's bundle,
// and the time from starting that bundle to its API answering: cold (the
// first start, which unpacks it) and warm, against composer up run on the
// same project unbundled.
func bundleCost(composer string) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		fmt.Println("bundle: skipped, redis-server is not installed")
		return
	}
	app := filepath.Join(workDir, "markov-bundle")
	build := exec.Command("examples/markov/build-bundle.sh", app)
	if out, err := build.CombinedOutput(); err != nil {
		fail(fmt.Errorf("build-bundle.sh: %v\n%s", err, out))
	}
	service := filepath.Join(workDir, "bin", "markov")
	if out, err := exec.Command("go", "build", "-o", service, "./examples/markov").CombinedOutput(); err != nil {
		fail(fmt.Errorf("building the markov service: %v\n%s", err, out))
	}

	var cold, warm, plain []time.Duration
	for range *runs {
		cache := filepath.Join(workDir, fmt.Sprintf("cache-%d", len(cold)))
		run := func(name string, args []string, dir string, env ...string) time.Duration {
			cmd := exec.Command(name, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), env...)
			return untilAnswers(cmd)
		}
		data := filepath.Join(workDir, "data")
		os.MkdirAll(data, 0o755)
		cold = append(cold, run(app, []string{"--headless"}, data, "XDG_CACHE_HOME="+cache))
		warm = append(warm, run(app, []string{"--headless"}, data, "XDG_CACHE_HOME="+cache))
		plain = append(plain, run(composer, []string{"up", "--headless"}, "examples/markov",
			"PATH="+filepath.Dir(service)+string(os.PathListSeparator)+os.Getenv("PATH"), "MARKOV_DATA_DIR="+data))
		os.RemoveAll(cache)
	}
	size := func(path string) float64 {
		st, err := os.Stat(path)
		if err != nil {
			fail(err)
		}
		return float64(st.Size()) / 1e6
	}
	fmt.Printf("bundle: examples/markov/build-bundle.sh (composer, the service, redis-server and its libraries)\n")
	fmt.Printf("  composer binary (CGO_ENABLED=0)  %6.1f MB\n", size(composer))
	fmt.Printf("  markov bundle                    %6.1f MB  (the issue's reference: 89 MB for nix-bundle of circus + redis + markov)\n", size(app))
	fmt.Printf("  start until the API answers:\n")
	fmt.Printf("    bundle, first start (unpacks)  %6.1fms\n", ms(median(cold)))
	fmt.Printf("    bundle, later starts           %6.1fms   %5.2fx composer up unbundled\n", ms(median(warm)), ratio(median(warm), median(plain)))
	fmt.Printf("    composer up, unbundled         %6.1fms\n\n", ms(median(plain)))
}

// untilAnswers starts the markov example with cmd on free ports and
// returns the time until its API answers, then stops it.
func untilAnswers(cmd *exec.Cmd) time.Duration {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort())
	cmd.Env = append(cmd.Env, "MARKOV_LISTEN_ADDR="+addr, fmt.Sprintf("MARKOV_REDIS_PORT=%d", freePort()))
	client := &http.Client{Timeout: time.Second}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	for time.Since(began) < time.Minute {
		resp, err := client.Get("http://" + addr + "/generate?chainName=none")
		if err == nil {
			resp.Body.Close()
			return time.Since(began)
		}
		time.Sleep(time.Millisecond)
	}
	fail(fmt.Errorf("%s: the API did not answer within a minute", cmd.Path))
	return 0
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
