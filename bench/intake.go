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
		ceil := runPhase(ctx, "ceiling", c, n, cfg.MaxPhase, e, func(ctx context.Context, i int) error {
			return e.startEmpty(ctx, fmt.Sprintf("empty-%s-c%d-%d", cfg.RunID, c, i))
		})
		e.logf("intake c=%d ceiling: %d in %v (%.0f/s) p50 %sms p99 %sms errors %d", c, ceil.Stats.N, ceil.Usage.Wall.Round(time.Millisecond), ceil.Throughput(), ms(ceil.Stats.P50), ms(ceil.Stats.P99), ceil.Errors)
		in := runPhase(ctx, "intake", c, n, cfg.MaxPhase, e, func(ctx context.Context, i int) error {
			return e.Book(ctx, fmt.Sprintf("IN-%s-c%d-%d", cfg.RunID, c, i), time.Now())
		})
		e.logf("intake c=%d bookings: %d in %v (%.0f/s) p50 %sms p99 %sms errors %d %s", c, in.Stats.N, in.Usage.Wall.Round(time.Millisecond), in.Throughput(), ms(in.Stats.P50), ms(in.Stats.P99), in.Errors, in.FirstError)
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
