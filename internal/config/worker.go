package config

import "go.temporal.io/sdk/worker"

// DefaultStickyCacheSize caps the worker's cache of workflow executions.
// The SDK's 10,000 let 10,000 open visits hold 573 MiB of worker memory;
// 2,000 held 180 MiB with timer lateness unchanged (p99 223 ms vs 249 ms),
// at the price of ~10 % more server CPU when evicted visits wake up and
// replay their short histories (BENCHMARKS.md, "Tuning"). Memory is then
// bounded by the cap (~52 KiB per cached visit), not by open workflows.
const DefaultStickyCacheSize = 2000

// WorkerTuning is the worker's performance knobs; zero means the SDK
// default. worker/main.go and the benchmarks read the same struct, so a
// setting measured in bench/ is the one the worker runs with.
type WorkerTuning struct {
	MaxConcurrentActivities    int `env:"WORKER_MAX_CONCURRENT_ACTIVITIES"`
	MaxConcurrentWorkflowTasks int `env:"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS"`
	// 8 pollers, not the SDK's 2: BENCHMARKS.md "Tuning" measured the
	// lifecycle p99 halve (3.7 s -> 1.8 s) at unchanged CPU.
	WorkflowTaskPollers int `env:"WORKER_WORKFLOW_TASK_POLLERS" envDefault:"8"`
	ActivityTaskPollers int `env:"WORKER_ACTIVITY_TASK_POLLERS" envDefault:"8"`
	StickyCacheSize     int `env:"WORKER_STICKY_CACHE_SIZE" envDefault:"2000"`
}

// Apply sets the process-wide sticky cache size (it must run before the
// first worker.New) and returns the per-worker options.
func (t WorkerTuning) Apply() worker.Options {
	if t.StickyCacheSize > 0 {
		worker.SetStickyWorkflowCacheSize(t.StickyCacheSize)
	}
	return worker.Options{
		MaxConcurrentActivityExecutionSize:     t.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: t.MaxConcurrentWorkflowTasks,
		MaxConcurrentWorkflowTaskPollers:       t.WorkflowTaskPollers,
		MaxConcurrentActivityTaskPollers:       t.ActivityTaskPollers,
	}
}
