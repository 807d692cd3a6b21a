package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
)

// IntakeConfig shapes an intake run.
type IntakeConfig struct {
	Concurrency []int         // e.g. 1, 8, 32
	PerWorker   int           // requests per concurrent client at each level (default 40)
	MinN        int           // at least this many requests per level (default 100)
	MaxPhase    time.Duration // a phase stops starting requests after this (default 60s)
	RunID       string        // makes workflow ids unique across runs
	// Rounds per level (default 2): the ceiling and the intake alternate
	// (C I, then I C, ...) and each side's rounds are summed, so drift in
	// the server (a growing database, a neighbour's load) hits both alike.
	Rounds int
}

// Phase is one measured series of requests.
type Phase struct {
	Name        string
	Concurrency int
	Stats       Stats
	Errors      int64
	FirstError  string
	Usage       Usage
}

// Throughput is completed requests per second of wall time.
func (p Phase) Throughput() float64 {
	if p.Usage.Wall <= 0 {
		return 0
	}
	return float64(p.Stats.N) / p.Usage.Wall.Seconds()
}

// merge adds another round of the same phase (Stats are set by the caller).
func (p *Phase) merge(o Phase) {
	p.Errors += o.Errors
	if p.FirstError == "" {
		p.FirstError = o.FirstError
	}
	p.Usage.Wall += o.Usage.Wall
	p.Usage.SelfCPU += o.Usage.SelfCPU
	p.Usage.ServerCPU += o.Usage.ServerCPU
}

// IntakeLevel is the ceiling and our intake at one concurrency.
type IntakeLevel struct {
	Ceiling, Intake Phase
}

// run fires n calls of do with c goroutines; it stops starting new calls
// after max.
func runPhase(ctx context.Context, name string, c, n int, max time.Duration, e *Env, do func(ctx context.Context, i int) error) Phase {
	var next, errs atomic.Int64
	var lat Latencies
	var firstErr sync.Once
	ph := Phase{Name: name, Concurrency: c}
	deadline := time.Now().Add(max)
	m := StartMeter(e.ServerPID, e.WorkerPID)
	var wg sync.WaitGroup
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := do(ctx, i); err != nil {
					errs.Add(1)
					firstErr.Do(func() { ph.FirstError = err.Error() })
					continue
				}
				lat.Add(time.Since(t0))
			}
		}()
	}
	wg.Wait()
	ph.Usage = m.Stop()
	ph.Stats = lat.Stats()
	ph.Errors = errs.Load()
	return ph
}

// RunIntake measures, at each concurrency, the ceiling (ExecuteWorkflow of
// the empty workflow) and then our intake (signed POST /v1/bookings until
// the visit is started), back to back on the same server.
func RunIntake(ctx context.Context, e *Env, cfg IntakeConfig) []IntakeLevel {
	if cfg.PerWorker == 0 {
		cfg.PerWorker = 40
	}
	if cfg.MinN == 0 {
		cfg.MinN = 100
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 2
	}
	if cfg.MaxPhase == 0 {
		cfg.MaxPhase = 60 * time.Second
	}
	// Warm up both paths (connections, caches, first workflow tasks).
	runPhase(ctx, "warmup", 4, 20, 20*time.Second, e, func(ctx context.Context, i int) error {
		return e.startEmpty(ctx, fmt.Sprintf("warm-%s-%d", cfg.RunID, i))
	})
	runPhase(ctx, "warmup", 4, 20, 20*time.Second, e, func(ctx context.Context, i int) error {
		return e.Book(ctx, fmt.Sprintf("WARM-%s-%d", cfg.RunID, i), time.Now())
	})
	var out []IntakeLevel
	for _, c := range cfg.Concurrency {
		n := max(cfg.MinN, cfg.PerWorker*c)
		var ceilLat, inLat Latencies
		ceil, in := Phase{Name: "ceiling", Concurrency: c}, Phase{Name: "intake", Concurrency: c}
		runCeil := func(r int) {
			ph := runPhase(ctx, "ceiling", c, n, cfg.MaxPhase, e, func(ctx context.Context, i int) error {
				t0 := time.Now()
				err := e.startEmpty(ctx, fmt.Sprintf("empty-%s-c%d-r%d-%d", cfg.RunID, c, r, i))
				if err == nil {
					ceilLat.Add(time.Since(t0))
				}
				return err
			})
			ceil.merge(ph)
			e.logf("intake c=%d round %d ceiling: %d in %v (%.0f/s) p50 %sms p99 %sms errors %d", c, r, ph.Stats.N, ph.Usage.Wall.Round(time.Millisecond), ph.Throughput(), ms(ph.Stats.P50), ms(ph.Stats.P99), ph.Errors)
		}
		runIntake := func(r int) {
			ph := runPhase(ctx, "intake", c, n, cfg.MaxPhase, e, func(ctx context.Context, i int) error {
				t0 := time.Now()
				err := e.Book(ctx, fmt.Sprintf("IN-%s-c%d-r%d-%d", cfg.RunID, c, r, i), time.Now())
				if err == nil {
					inLat.Add(time.Since(t0))
				}
				return err
			})
			in.merge(ph)
			e.logf("intake c=%d round %d bookings: %d in %v (%.0f/s) p50 %sms p99 %sms errors %d %s", c, r, ph.Stats.N, ph.Usage.Wall.Round(time.Millisecond), ph.Throughput(), ms(ph.Stats.P50), ms(ph.Stats.P99), ph.Errors, ph.FirstError)
		}
		for r := 0; r < cfg.Rounds; r++ {
			if r%2 == 0 {
				runCeil(r)
				runIntake(r)
			} else {
				runIntake(r)
				runCeil(r)
			}
		}
		ceil.Stats, in.Stats = ceilLat.Stats(), inLat.Stats()
		out = append(out, IntakeLevel{Ceiling: ceil, Intake: in})
	}
	return out
}

func (e *Env) startEmpty(ctx context.Context, id string) error {
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.BenchQueue}, EmptyWorkflowName)
	return err
}

// IntakeTable renders the intake comparison as Markdown.
func IntakeTable(levels []IntakeLevel) string {
	var b strings.Builder
	b.WriteString("| concurrency | ceiling req/s | ceiling p50 / p99 ms | intake req/s | intake p50 / p99 ms | throughput ratio (goal ≥ 0.80) | p99 ratio (goal ≤ 1.5) | errors |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range levels {
		c, in := l.Ceiling, l.Intake
		fmt.Fprintf(&b, "| %d | %.0f | %s / %s | %.0f | %s / %s | %.2f | %s | %d / %d |\n",
			c.Concurrency, c.Throughput(), ms(c.Stats.P50), ms(c.Stats.P99),
			in.Throughput(), ms(in.Stats.P50), ms(in.Stats.P99),
			in.Throughput()/c.Throughput(), ratio(float64(in.Stats.P99), float64(c.Stats.P99)), c.Errors, in.Errors)
	}
	return b.String()
}
