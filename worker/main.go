// Command worker runs jobflow's workflows and activities on the Temporal task
// queue. Configuration is environment only (see README "Configuration"):
// the Temporal connection (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE),
// logging (LOG_FORMAT, LOG_LEVEL) and the WORKER_* tuning below.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/names"
)

// Config is the worker's own configuration; zero values mean the SDK default.
type Config struct {
	TaskQueue string `env:"WORKER_TASK_QUEUE"`
	config.WorkerTuning
	RegisterSearchAttributes bool          `env:"WORKER_REGISTER_SEARCH_ATTRIBUTES" envDefault:"true"`
	ConnectTimeout           time.Duration `env:"TEMPORAL_CONNECT_TIMEOUT" envDefault:"30s"`
	// LinkSecret signs the customers' answer links in absence notices
	// without it the links are plain and need a signed-in customer.
	LinkSecret    string `env:"LINK_SECRET"`
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`
}

func main() {
	log, err := config.Logger()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), log, worker.InterruptCh()); err != nil {
		log.Error("worker stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, interrupt <-chan interface{}) error {
	cfg, err := config.Load[Config]()
	if err != nil {
		return err
	}
	if cfg.TaskQueue == "" {
		cfg.TaskQueue = names.TaskQueue
	}
	wopts := cfg.WorkerTuning.Apply() // the sticky cache size is process-wide: before worker.New
	channels, closer, err := newChannels(log)
	if err != nil {
		return err
	}
	defer closer.Close()

	c, opts, err := config.DialCodec(ctx, log, cfg.ConnectTimeout)
	if err != nil {
		return err
	}
	defer c.Close()

	if cfg.RegisterSearchAttributes {
		sactx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := temporalx.EnsureSearchAttributes(sactx, c, opts.Namespace)
		cancel()
		if err != nil {
			return err
		}
	}

	w := worker.New(c, cfg.TaskQueue, wopts)
	workflows.Register(w)
	w.RegisterActivity(&activities.Outreach{Channels: channels})
	w.RegisterActivity(&activities.Notifications{Tasks: activities.TemporalTasks{Client: c}, Channels: channels})

	// A-1..A-5: absences find and reassign work through this client; job
	// inputs are read from history with the same (encrypting) converter.
	absences := activities.NewAbsences(c, channels)
	absences.DataConverter = opts.DataConverter
	absences.PublicBaseURL = cfg.PublicBaseURL
	if cfg.LinkSecret != "" {
		absences.ChoiceLink = api.AbsenceChoiceLinker([]byte(cfg.LinkSecret), cfg.PublicBaseURL)
	}
	w.RegisterActivity(absences)

	// N-1: each customer's account workflow sends its own digest (issue
	// #13); the per-market digest schedules of earlier versions are retired:
	// removed if present, never created again.
	for _, m := range rules.Markets {
		if err := temporalx.RetireDigestSchedule(ctx, c, m); err != nil {
			log.Warn("digest schedule not removed", "schedule", account.DigestScheduleID(m), "error", err)
		}
	}

	if err := w.Start(); err != nil {
		return fmt.Errorf("starting worker on task queue %q: %w", cfg.TaskQueue, err)
	}
	log.Info("worker connected", "address", opts.HostPort, "namespace", opts.Namespace, "task_queue", cfg.TaskQueue)
	<-interrupt
	log.Info("worker stopping", "task_queue", cfg.TaskQueue)
	w.Stop()
	return nil
}
