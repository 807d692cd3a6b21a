package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/names"
)

// The benchmarks below start a real dev server (internal/devtest) and run
// each measurement once: use -benchtime=1x. They never run in plain
// `go test ./...` (no -bench). Sizes come from the environment:
//
//	JOBFLOW_BENCH_INTAKE_C  concurrency levels, default "1,8,32"
//	JOBFLOW_BENCH_N         lifecycles per variant, default 100
//	JOBFLOW_BENCH_C         lifecycle drivers, default 20
//	JOBFLOW_SCALE_N         open visits for the scale run, default 10000
//	JOBFLOW_BENCH_OUT       append the Markdown tables to this file
//	JOBFLOW_BENCH_HISTORY_DIR  write each lifecycle variant's measured history there
//	WORKER_*                worker options, as worker/main.go reads them

const (
	benchSecret     = "bench-partner-secret-0123456789abcdef"
	benchLinkSecret = "bench-link-secret-0123456789abcdef-0123456789"
	benchBuddyToken = "bench-buddy-token-0123456789"
	benchOpsToken   = "bench-ops-token-0123456789ab"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// localEnv starts a dev server, one worker running the jobflow workflows
// and the bench workflows on workflows.TaskQueue, and the booking API on an
// httptest server, all in this process but the server.
func localEnv(b *testing.B) *Env {
	b.Helper()
	b.Setenv("JOBFLOW_BENCH_PARTNER_SECRET", benchSecret)
	srv := devtest.StartServer(b)
	_, port, _ := net.SplitHostPort(srv.HostPort)
	c := srv.Client
	if os.Getenv("TEMPORAL_GRPC_COMPRESSION") == "none" {
		// The binaries' setting (internal/config): no gzip on the gRPC
		// requests (the SDK's default compresses every request).
		var err error
		c, err = client.Dial(client.Options{HostPort: srv.HostPort, Namespace: srv.Namespace,
			ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
	}
	n := NewNotifier()
	opts := WorkerOptions()
	w := worker.New(c, names.TaskQueue, opts)
	workflows.Register(w)
	w.RegisterActivity(&activities.Outreach{Channels: n})
	Register(w, n)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)

	partners, err := BenchPartners()
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := api.LoadTokens("", fmt.Sprintf(`{%q:{"role":"buddy","id":"b-1"},%q:{"role":"ops","id":"o-1"}}`, benchBuddyToken, benchOpsToken))
	if err != nil {
		b.Fatal(err)
	}
	v := &api.Visits{Client: c, Namespace: srv.Namespace, Partners: partners,
		LinkSecret: []byte(benchLinkSecret), PublicBaseURL: "http://127.0.0.1", UIURL: "http://127.0.0.1:8233"}
	s := &api.Server{Visits: v, Partners: partners, Tokens: tokens, LinkSecret: []byte(benchLinkSecret),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: 30 * time.Second}
	hs := httptest.NewServer(s.Handler())
	b.Cleanup(hs.Close)
	e := &Env{
		Client: c, Namespace: srv.Namespace, APIURL: hs.URL,
		Partner: "bench", Secret: []byte(benchSecret), BuddyToken: benchBuddyToken, OpsToken: benchOpsToken,
		BenchQueue: names.TaskQueue, Notifier: n, BenchNotifier: n,
		ServerPID: FindDevServerPID(port),
		HTTP:      &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: time.Minute},
		Log:       b.Logf,
	}
	b.Logf("dev server %s pid %d; worker options: %s", srv.HostPort, e.ServerPID, DescribeWorkerOptions())
	return e
}

func report(b *testing.B, title, table string) {
	b.Helper()
	b.Logf("\n### %s\n\n%s", title, table)
	if f := os.Getenv("JOBFLOW_BENCH_OUT"); f != "" {
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		defer fh.Close()
		fmt.Fprintf(fh, "### %s (%s, worker: %s)\n\n%s\n", title, time.Now().UTC().Format(time.RFC3339), DescribeWorkerOptions(), table)
	}
}

func runID() string { return strconv.FormatInt(time.Now().UnixNano()%1e9, 36) }

// BenchmarkIntake: signed bookings through the HTTP API against the
// ceiling (ExecuteWorkflow of an empty workflow), at each concurrency.
func BenchmarkIntake(b *testing.B) {
	e := localEnv(b)
	var levels []int
	for _, s := range strings.Split(os.Getenv("JOBFLOW_BENCH_INTAKE_C"), ",") {
		if c, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && c > 0 {
			levels = append(levels, c)
		}
	}
	if len(levels) == 0 {
		levels = []int{1, 8, 32}
	}
	for b.Loop() {
		res := RunIntake(context.Background(), e, IntakeConfig{Concurrency: levels, RunID: runID(), PerWorker: envInt("JOBFLOW_BENCH_PER_WORKER", 40)})
		report(b, "Intake", IntakeTable(res))
		for _, l := range res {
			b.ReportMetric(l.Intake.Throughput()/l.Ceiling.Throughput(), fmt.Sprintf("tput-ratio@c%d", l.Ceiling.Concurrency))
		}
	}
}

// BenchmarkLifecycle: N visits from booking to rating against the bare
// baseline workflow.
func BenchmarkLifecycle(b *testing.B) {
	e := localEnv(b)
	var variants []string
	if v := os.Getenv("JOBFLOW_BENCH_VARIANTS"); v != "" {
		variants = strings.Split(v, ",")
	}
	for b.Loop() {
		res := RunLifecycle(context.Background(), e, LifecycleConfig{
			N: envInt("JOBFLOW_BENCH_N", 100), Concurrency: envInt("JOBFLOW_BENCH_C", 20), Variants: variants, RunID: runID(),
			HistoryDir: os.Getenv("JOBFLOW_BENCH_HISTORY_DIR")})
		report(b, "Lifecycle", LifecycleTable(res))
		if len(res) > 1 {
			base := res[0].Phase.Usage
			for _, r := range res[1:] {
				b.ReportMetric(r.Phase.Usage.Wall.Seconds()/base.Wall.Seconds(), "wall-ratio-"+r.Variant)
				b.ReportMetric(r.Phase.Usage.SelfCPU.Seconds()/base.SelfCPU.Seconds(), "cpu-ratio-"+r.Variant)
			}
		}
	}
}

// BenchmarkScale: JOBFLOW_SCALE_N open visits (default 10,000), 10 % of
// them with their help-promise warning due within the same minute.
func BenchmarkScale(b *testing.B) {
	e := localEnv(b)
	n := envInt("JOBFLOW_SCALE_N", 10000)
	cfg := ScaleConfig{N: n, FireN: n / 10, Concurrency: envInt("JOBFLOW_SCALE_C", 64),
		MaxStart:   time.Duration(envInt("JOBFLOW_SCALE_MAX_START_S", 900)) * time.Second,
		Settle:     time.Duration(envInt("JOBFLOW_SCALE_SETTLE_S", 15)) * time.Second,
		Idle:       time.Duration(envInt("JOBFLOW_SCALE_IDLE_S", 30)) * time.Second,
		FireWindow: time.Duration(envInt("JOBFLOW_SCALE_WINDOW_S", 60)) * time.Second,
		FireLead:   time.Duration(envInt("JOBFLOW_SCALE_LEAD_S", 240)) * time.Second}
	for b.Loop() {
		cfg.RunID = runID()
		res, err := RunScale(context.Background(), e, cfg)
		if err != nil {
			b.Fatal(err)
		}
		report(b, fmt.Sprintf("Scale (%d visits)", n), ScaleTable(cfg, res))
		b.ReportMetric(float64(res.IdleWorkerRSS>>20), "idle-RSS-MiB")
		b.ReportMetric(float64(res.PeakWorkerRSS>>20), "fire-RSS-MiB")
	}
}
