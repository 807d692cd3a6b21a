// Command sandbox serves the local Twilio/SendGrid stand-in (package
// outreach/sandbox) so jobflow runs offline: the run script starts it when
// no provider credentials are configured and points TWILIO_API_BASE and
// SENDGRID_API_BASE at it. The outbox is at http://SANDBOX_ADDR/.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/jobflow/jobflow/outreach/sandbox"
)

type config struct {
	Addr             string        `env:"SANDBOX_ADDR" envDefault:"127.0.0.1:8025"`
	AccountSID       string        `env:"SANDBOX_ACCOUNT_SID"`  // empty = accept any account
	AuthToken        string        `env:"SANDBOX_AUTH_TOKEN"`   // empty = accept any token; also signs callbacks
	SendGridKey      string        `env:"SANDBOX_SENDGRID_KEY"` // empty = accept any bearer key
	OutboxFile       string        `env:"SANDBOX_OUTBOX_FILE"`  // optional JSON mirror of the outbox
	StepDelay        time.Duration `env:"SANDBOX_STEP_DELAY" envDefault:"1s"`
	ErrorRate        float64       `env:"SANDBOX_ERROR_RATE"`
	ErrorStatus      int           `env:"SANDBOX_ERROR_STATUS"`
	LostResponseRate float64       `env:"SANDBOX_LOST_RESPONSE_RATE"`
	Latency          time.Duration `env:"SANDBOX_LATENCY"`
	CallOutcome      string        `env:"SANDBOX_CALL_OUTCOME"` // completed | no-answer | busy | failed
	// ControlToken guards the outbox and /_control (empty: loopback only).
	ControlToken string `env:"SANDBOX_CONTROL_TOKEN"`
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var cfg config
	if err := env.Parse(&cfg); err != nil {
		log.Error("sandbox config", "error", err)
		os.Exit(2)
	}
	if cfg.ErrorRate < 0 || cfg.ErrorRate > 1 || cfg.LostResponseRate < 0 || cfg.LostResponseRate > 1 {
		log.Error("sandbox config: SANDBOX_ERROR_RATE and SANDBOX_LOST_RESPONSE_RATE must be within 0..1")
		os.Exit(2)
	}
	srv := sandbox.New(sandbox.Config{
		AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken, SendGridKey: cfg.SendGridKey,
		OutboxFile: cfg.OutboxFile, StepDelay: cfg.StepDelay, ControlToken: cfg.ControlToken,
		Faults: sandbox.Faults{
			ErrorRate: cfg.ErrorRate, ErrorStatus: cfg.ErrorStatus, LostResponseRate: cfg.LostResponseRate,
			Latency: sandbox.Duration(cfg.Latency), CallOutcome: cfg.CallOutcome,
		},
	})
	hs := &http.Server{Addr: cfg.Addr, Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("sandbox listening", "addr", cfg.Addr, "outbox", "http://"+cfg.Addr+"/")
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("sandbox", "error", err)
		os.Exit(1)
	}
}
