package main

import (
	"io"
	"log/slog"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/outreach"
)

// channelsConfig picks how customers and ops are reached. The default is
// the real adapters (Twilio, SendGrid), which reach the local sandbox when
// TWILIO_API_BASE / SENDGRID_API_BASE point at it (./scripts/up.sh does);
// OUTREACH=log only logs sends, for a worker with no outreach at all.
type channelsConfig struct {
	Mode string `env:"OUTREACH" envDefault:"providers"`
}

// newChannels builds the outreach channels; a missing or malformed Twilio
// or SendGrid setting stops the worker with a message naming it.
func newChannels(log *slog.Logger) (activities.Channels, io.Closer, error) {
	cfg, err := config.Load[channelsConfig]()
	if err != nil {
		return nil, nil, err
	}
	if cfg.Mode == "log" {
		log.Warn("outreach: OUTREACH=log; SMS, calls, e-mails and ops alerts are only logged")
		return activities.LogChannels{}, io.NopCloser(nil), nil
	}
	oc, err := outreach.LoadConfig()
	if err != nil {
		return nil, nil, err
	}
	ch, err := outreach.NewChannels(oc)
	if err != nil {
		return nil, nil, err
	}
	log.Info("outreach: providers configured", "twilio_base", oc.TwilioAPIBase, "sendgrid_base", oc.SendGridAPIBase)
	return ch, ch, nil
}
