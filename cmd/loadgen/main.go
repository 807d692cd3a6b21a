// Command loadgen puts load on a running jobflow (./scripts/up.sh, or any
// Temporal + worker + `starter serve`) and prints the figures as Markdown,
// the same drivers as the `go test -bench` benchmarks in bench/:
//
//	loadgen -mode intake    -concurrency 1,8,32 -api http://127.0.0.1:8080 -partner acme -secret-env PARTNER_ACME_SECRET
//	loadgen -mode lifecycle -n 100 -concurrency 20 -token <buddy token>
//	loadgen -mode scale     -n 10000 -concurrency 64 -worker-pid <worker pid>
//
// Temporal is reached as the worker reaches it (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*; -temporal overrides
// the address). The ceiling and the baseline workflows run on a worker this
// command starts on its own task queue (-bench-queue, "jobflow-bench"); the
// visits run on your worker(s) on "jobflow". Every loop is bounded in
// count and time.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/bench"
	"github.com/jobflow/jobflow/internal/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	mode := flag.String("mode", "intake", "intake | lifecycle | scale")
	n := flag.Int("n", 0, "lifecycles per variant (lifecycle, default 100) or open visits (scale, default 10000); intake: requests per level (default max(100, 40 x concurrency))")
	conc := flag.String("concurrency", "", "intake: levels, e.g. 1,8,32 (default); lifecycle: drivers (default 20); scale: parallel starts (default 64)")
	apiURL := flag.String("api", "http://127.0.0.1:8080", "booking API base URL (starter serve)")
	partner := flag.String("partner", "acme", "partner id (X-Partner-Id)")
	secret := flag.String("secret", "", "partner secret for X-Signature (prefer -secret-env)")
	secretEnv := flag.String("secret-env", "", "environment variable holding the partner secret, e.g. PARTNER_ACME_SECRET")
	token := flag.String("token", os.Getenv("LOADGEN_BUDDY_TOKEN"), "buddy bearer token for the visit actions (lifecycle visit-api)")
	temporalAddr := flag.String("temporal", "", "Temporal frontend host:port (default: TEMPORAL_ADDRESS or 127.0.0.1:7233)")
	benchQueue := flag.String("bench-queue", "jobflow-bench", "task queue of the ceiling and baseline workflows (a worker on it runs in this process)")
	variants := flag.String("variants", "", "lifecycle variants, comma-separated (default baseline,baseline+sa,visit-sdk,visit-api)")
	workerPID := flag.Int("worker-pid", 0, "pid of the visit worker on this machine: its CPU counts with loadgen's (lifecycle); scale measures its CPU and RSS")
	serverPID := flag.Int("server-pid", 0, "pid of the Temporal server on this machine, to read its CPU (optional)")
	out := flag.String("out", "", "append the Markdown tables to this file")
	maxTime := flag.Duration("max-time", 20*time.Minute, "stop after this long")
	flag.Parse()

	log, err := config.Logger()
	if err != nil {
		return err
	}
	if *temporalAddr != "" {
		os.Setenv("TEMPORAL_ADDRESS", *temporalAddr)
	}
	sec := []byte(*secret)
	if *secretEnv != "" {
		sec = []byte(os.Getenv(*secretEnv))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxTime)
	defer cancel()

	c, opts, err := config.DialCodec(ctx, log, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()

	bn := bench.NewNotifier()
	w := worker.New(c, *benchQueue, worker.Options{})
	bench.Register(w, bn)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	e := &bench.Env{
		Client: c, Namespace: opts.Namespace, APIURL: strings.TrimRight(*apiURL, "/"),
		Partner: *partner, Secret: sec, BuddyToken: *token,
		BenchQueue: *benchQueue, BenchNotifier: bn, ServerPID: *serverPID, WorkerPID: *workerPID,
		HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: time.Minute},
		Log:  func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) },
	}
	levels := ints(*conc)
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	var title, table string
	switch *mode {
	case "intake":
		if len(sec) == 0 {
			return fmt.Errorf("intake needs the partner secret: -secret-env NAME or -secret")
		}
		if len(levels) == 0 {
			levels = []int{1, 8, 32}
		}
		cfg := bench.IntakeConfig{Concurrency: levels, RunID: runID}
		if *n > 0 {
			cfg.MinN, cfg.PerWorker = *n, 1
		}
		title, table = "Intake (loadgen)", bench.IntakeTable(bench.RunIntake(ctx, e, cfg))
	case "lifecycle":
		cfg := bench.LifecycleConfig{N: or(*n, 100), Concurrency: 20, RunID: runID}
		if len(levels) > 0 {
			cfg.Concurrency = levels[0]
		}
		if *variants != "" {
			cfg.Variants = strings.Split(*variants, ",")
		}
		for _, v := range cfg.Variants {
			if v == bench.VariantVisitAPI && (*token == "" || len(sec) == 0) {
				return fmt.Errorf("variant visit-api needs -token (a buddy's bearer token) and the partner secret")
			}
		}
		if len(cfg.Variants) == 0 && (*token == "" || len(sec) == 0) {
			slog.Warn("no -token or partner secret: skipping visit-api")
			cfg.Variants = []string{bench.VariantBaseline, bench.VariantBaselineSA, bench.VariantBaselineLocal, bench.VariantVisitSDK}
		}
		title, table = "Lifecycle (loadgen)", bench.LifecycleTable(bench.RunLifecycle(ctx, e, cfg))
	case "scale":
		if *workerPID == 0 {
			return fmt.Errorf("scale needs -worker-pid: the worker's process on this machine (its RSS and CPU are what scale measures)")
		}
		cfg := bench.ScaleConfig{N: or(*n, 10000), WorkerPID: *workerPID, RunID: runID}
		cfg.FireN = cfg.N / 10
		if len(levels) > 0 {
			cfg.Concurrency = levels[0]
		}
		res, err := bench.RunScale(ctx, e, cfg)
		if err != nil {
			return err
		}
		title, table = fmt.Sprintf("Scale (loadgen, %d visits)", cfg.N), bench.ScaleTable(cfg, res)
	default:
		return fmt.Errorf("-mode must be intake, lifecycle or scale, not %q", *mode)
	}
	fmt.Printf("### %s\n\n%s\n", title, table)
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(f, "### %s (%s, against %s)\n\n%s\n", title, time.Now().UTC().Format(time.RFC3339), opts.HostPort, table)
	}
	return nil
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
