package bench

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// ScaleConfig shapes a scale run: N open visits waiting on their timers,
// FireN of which have their help-promise warning (V-5) fall inside one
// minute, FireAfter after the last start.
type ScaleConfig struct {
	N, FireN    int
	Concurrency int           // starts in parallel (default 64)
	MaxStart    time.Duration // stop starting after this (default 15m)
	Settle      time.Duration // after the starts, before measuring idle (default 15s)
	Idle        time.Duration // idle measurement (default 30s)
	FireWindow  time.Duration // the firing visits' warnings spread over this (default 1m)
	// FireLead is how long after the last start the first warning comes due
	// (default 4m): time for the worker to run every visit's first task
	// (the server takes starts faster than one worker runs them), then the
	// idle window.
	FireLead time.Duration
	RunID    string
	// WorkerPID is the worker's process when it is not this one (loadgen);
	// 0 means this process runs the worker.
	WorkerPID int
}

// ScaleResult is what a scale run measured.
type ScaleResult struct {
	Started, Fired       int
	StartWall            time.Duration
	StartRate            float64       // visits started per second
	Drain                time.Duration // after the last start, until every first workflow task ran
	Idle, Fire           Usage
	IdleWorkerRSS        int64 // bytes, at the end of the idle window
	PeakWorkerRSS        int64 // during the firing minute
	IdleServerRSS        int64
	PeakServerRSS        int64
	HeapIdle             uint64 // Go heap in use at idle (this process)
	Goroutines           int
	LateP50, LateP99     time.Duration // alert time minus the warning's due time
	WorkerCPUIsProcessOf string
}

// RunScale starts the visits, measures the worker idle, then while the
// firing visits' warnings come due.
func RunScale(ctx context.Context, e *Env, cfg ScaleConfig) (ScaleResult, error) {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.MaxStart == 0 {
		cfg.MaxStart = 15 * time.Minute
	}
	if cfg.Settle == 0 {
		cfg.Settle = 15 * time.Second
	}
	if cfg.Idle == 0 {
		cfg.Idle = 30 * time.Second
	}
	if cfg.FireWindow == 0 {
		cfg.FireWindow = time.Minute
	}
	if cfg.FireLead == 0 {
		cfg.FireLead = 4 * time.Minute
	}
	var res ScaleResult
	if e.Notifier == nil && cfg.WorkerPID == 0 {
		return res, fmt.Errorf("scale: the worker is another process; give its pid to read its CPU and memory")
	}
	workerPID := cfg.WorkerPID
	res.WorkerCPUIsProcessOf = "this process (worker + client)"
	if workerPID != 0 {
		res.WorkerCPUIsProcessOf = fmt.Sprintf("worker pid %d", workerPID)
	}
	workerCPU := func() time.Duration {
		if workerPID != 0 {
			return ProcCPU(workerPID)
		}
		return SelfCPU()
	}

	// Due times of the firing visits' warnings, and when they arrived.
	var mu sync.Mutex
	due := map[string]time.Time{}
	var late Latencies
	var fired atomic.Int64
	if e.Notifier != nil {
		e.Notifier.OnAlert = func(id, kind string, at time.Time) {
			if kind != "sla_warning" {
				return
			}
			mu.Lock()
			d, ok := due[id]
			mu.Unlock()
			if ok {
				fired.Add(1)
				late.Add(at.Sub(d))
			}
		}
	}

	// Start the idle visits, then the firing ones, whose warnings fall in
	// [fireAt, fireAt+FireWindow).
	idleN := cfg.N - cfg.FireN
	t0 := time.Now()
	deadline := t0.Add(cfg.MaxStart)
	var startedN atomic.Int64
	var firstErr atomic.Value
	start := func(i int, fireAt time.Time) {
		ref := fmt.Sprintf("SC-%s-%d", cfg.RunID, i)
		now := time.Now().UTC().Truncate(time.Second)
		p := VisitPolicy()
		if !fireAt.IsZero() {
			// V-5: the warning comes SLAWarningLead before the deadline,
			// which is BookedAt + HelpPromise: put it at fireAt.
			p.SLAWarningLead = time.Hour
			p.HelpPromise = fireAt.Sub(now) + p.SLAWarningLead
			mu.Lock()
			due[visit.VisitID(e.Partner, ref)] = fireAt
			mu.Unlock()
		}
		_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: visit.VisitID(e.Partner, ref), TaskQueue: names.TaskQueue,
		}, visit.VisitWorkflowName, visit.VisitInput{Booking: benchBooking(e.Partner, ref, now), Policy: p})
		if err != nil {
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		startedN.Add(1)
	}
	parallel := func(from, to int, fire func(i int) time.Time) {
		var next atomic.Int64
		next.Store(int64(from))
		var wg sync.WaitGroup
		for g := 0; g < cfg.Concurrency; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= to || time.Now().After(deadline) || ctx.Err() != nil {
						return
					}
					var at time.Time
					if fire != nil {
						at = fire(i)
					}
					start(i, at)
					if n := startedN.Load(); n%1000 == 0 && n > 0 {
						e.logf("scale: %d started in %v", n, time.Since(t0).Round(time.Second))
					}
				}
			}()
		}
		wg.Wait()
	}
	parallel(0, idleN, nil)
	// The firing visits: their batch takes about FireN / rate; the warnings
	// come due after the settle and idle windows that follow it.
	rate := float64(startedN.Load()) / time.Since(t0).Seconds()
	batch := time.Duration(float64(cfg.FireN)/max(rate, 1)*float64(time.Second)) + 5*time.Second
	fireAt := time.Now().Add(batch + cfg.FireLead)
	parallel(idleN, cfg.N, func(i int) time.Time {
		return fireAt.Add(time.Duration(i-idleN) * cfg.FireWindow / time.Duration(max(cfg.FireN, 1)))
	})
	res.Started = int(startedN.Load())
	res.StartWall = time.Since(t0)
	res.StartRate = float64(res.Started) / res.StartWall.Seconds()
	e.logf("scale: %d visits started in %v (%.0f/s); first error: %v; warnings due from %s", res.Started, res.StartWall.Round(time.Second), res.StartRate, firstErr.Load(), fireAt.Format(time.TimeOnly))

	// Wait until every visit ran its first workflow task (its search
	// attributes are in visibility), then settle: idle means idle.
	q := fmt.Sprintf("%s = '%s' AND %s = 'open'", names.PartnerKey.GetName(), e.Partner, names.VisitStatusKey.GetName())
	drainBy := fireAt.Add(-cfg.Idle - cfg.Settle - 5*time.Second)
	for time.Now().Before(drainBy) && ctx.Err() == nil {
		c, err := e.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: e.Namespace, Query: q})
		if err == nil && c.GetCount() >= int64(res.Started) {
			break
		}
		sleepCtx(ctx, 2*time.Second)
	}
	res.Drain = time.Since(t0) - res.StartWall
	e.logf("scale: first workflow tasks done %v after the last start", res.Drain.Round(time.Second))
	sleepCtx(ctx, min(cfg.Settle, time.Until(fireAt.Add(-cfg.Idle-3*time.Second))))
	runtime.GC()
	m := &Meter{serverPID: e.ServerPID, start: time.Now(), selfCPU: workerCPU(), serverCPU: ProcCPU(e.ServerPID)} // worker CPU: see workerCPU
	sleepCtx(ctx, min(cfg.Idle, time.Until(fireAt.Add(-3*time.Second))))
	res.Idle = m.Stop()
	res.Idle.SelfCPU = workerCPU() - m.selfCPU
	res.IdleWorkerRSS = ProcRSS(workerPID)
	res.IdleServerRSS = ProcRSS(e.ServerPID)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapIdle = ms.HeapInuse
	res.Goroutines = runtime.NumGoroutine()
	e.logf("scale idle: worker CPU %v over %v, RSS %d MiB, heap %d MiB, goroutines %d; server CPU %v RSS %d MiB",
		res.Idle.SelfCPU.Round(time.Millisecond), res.Idle.Wall.Round(time.Second), res.IdleWorkerRSS>>20, res.HeapIdle>>20, res.Goroutines,
		res.Idle.ServerCPU.Round(time.Millisecond), res.IdleServerRSS>>20)

	// Firing: from a few seconds before the first due time until all have
	// fired (or a minute after the window).
	if d := time.Until(fireAt.Add(-2 * time.Second)); d > 0 {
		sleepCtx(ctx, d)
	}
	m = &Meter{serverPID: e.ServerPID, start: time.Now(), selfCPU: workerCPU(), serverCPU: ProcCPU(e.ServerPID)}
	end := fireAt.Add(cfg.FireWindow + time.Minute)
	fireN := int64(res.Started - min(res.Started, idleN))
	for time.Now().Before(end) && ctx.Err() == nil {
		res.PeakWorkerRSS = max(res.PeakWorkerRSS, ProcRSS(workerPID))
		res.PeakServerRSS = max(res.PeakServerRSS, ProcRSS(e.ServerPID))
		if e.Notifier != nil && fired.Load() >= fireN && time.Now().After(fireAt.Add(cfg.FireWindow)) {
			break
		}
		sleepCtx(ctx, time.Second)
	}
	res.Fire = m.Stop()
	res.Fire.SelfCPU = workerCPU() - m.selfCPU
	res.Fired = int(fired.Load())
	if e.Notifier == nil {
		// The worker is elsewhere: count the warned visits in visibility.
		q := fmt.Sprintf("WorkflowType = '%s' AND %s = 'warning' AND %s = '%s'", visit.VisitWorkflowName,
			names.SLAStateKey.GetName(), names.PartnerKey.GetName(), e.Partner)
		if c, err := e.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: e.Namespace, Query: q}); err == nil {
			res.Fired = int(c.GetCount())
		}
	}
	st := late.Stats()
	res.LateP50, res.LateP99 = st.P50, st.P99
	e.logf("scale fire: %d/%d warnings, worker CPU %v over %v, peak RSS %d MiB, lateness p50 %v p99 %v; server CPU %v peak RSS %d MiB",
		res.Fired, fireN, res.Fire.SelfCPU.Round(time.Millisecond), res.Fire.Wall.Round(time.Second), res.PeakWorkerRSS>>20,
		res.LateP50.Round(time.Millisecond), res.LateP99.Round(time.Millisecond), res.Fire.ServerCPU.Round(time.Millisecond), res.PeakServerRSS>>20)
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// ScaleTable renders a scale run as Markdown.
func ScaleTable(cfg ScaleConfig, r ScaleResult) string {
	var b strings.Builder
	pct := func(cpu, wall time.Duration) string {
		if wall <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f %%", 100*cpu.Seconds()/wall.Seconds())
	}
	fmt.Fprintf(&b, "Open visits: %d started in %.0f s (%.0f starts/s at concurrency %d); the worker finished their first workflow tasks %.0f s after the last start; %d of them with their help-promise warning due within one %v window.\n\n",
		r.Started, r.StartWall.Seconds(), r.StartRate, cfg.Concurrency, r.Drain.Seconds(), cfg.FireN, cfg.FireWindow)
	b.WriteString("| phase | wall s | worker CPU s (% of one core) | worker RSS MiB | server CPU s (% of one core) | server RSS MiB |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| idle | %.0f | %.2f (%s) | %d | %.2f (%s) | %d |\n", r.Idle.Wall.Seconds(), r.Idle.SelfCPU.Seconds(), pct(r.Idle.SelfCPU, r.Idle.Wall),
		r.IdleWorkerRSS>>20, r.Idle.ServerCPU.Seconds(), pct(r.Idle.ServerCPU, r.Idle.Wall), r.IdleServerRSS>>20)
	fmt.Fprintf(&b, "| %d fire | %.0f | %.2f (%s) | %d (peak) | %.2f (%s) | %d (peak) |\n", r.Fired, r.Fire.Wall.Seconds(), r.Fire.SelfCPU.Seconds(), pct(r.Fire.SelfCPU, r.Fire.Wall),
		r.PeakWorkerRSS>>20, r.Fire.ServerCPU.Seconds(), pct(r.Fire.ServerCPU, r.Fire.Wall), r.PeakServerRSS>>20)
	if cfg.WorkerPID == 0 {
		fmt.Fprintf(&b, "\nWorker = %s; Go heap in use at idle %d MiB, %d goroutines. Warning lateness (alert sent minus due time): p50 %v, p99 %v.\n",
			r.WorkerCPUIsProcessOf, r.HeapIdle>>20, r.Goroutines, r.LateP50.Round(time.Millisecond), r.LateP99.Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "\nWorker = %s; warned visits counted in visibility (SlaState = warning).\n", r.WorkerCPUIsProcessOf)
	}
	return b.String()
}
