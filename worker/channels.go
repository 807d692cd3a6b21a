package main

import (
	"log/slog"

	"github.com/jobflow/jobflow/activities"
)

// newChannels chooses how customers and ops are reached.
//
// >>> OUTREACH ADAPTERS ARE WIRED HERE. <<<
// Replace the logging channels with outreach.NewChannels(...) (Twilio and
// SendGrid, or the local sandbox when TWILIO_API_BASE / SENDGRID_API_BASE
// point at it; ./scripts/up.sh exports those). Parse the adapters' settings
// with config.Load so a missing or malformed variable stops the worker with
// a clear message.
func newChannels(log *slog.Logger) (activities.Channels, error) {
	log.Warn("outreach: using LogChannels; SMS, calls, e-mails and ops alerts are only logged")
	return activities.LogChannels{}, nil
}
