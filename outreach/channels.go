package outreach

import (
	"context"
	"fmt"
	"io"

	"github.com/jobflow/jobflow/activities"
)

// Channels is the production activities.Channels: SMS and calls through
// Twilio, e-mail through SendGrid, ops alerts through either.
type Channels struct {
	Twilio   *Twilio
	SendGrid *SendGrid
	opsVia   string
	opsTo    string
	opsLang  string
	closer   io.Closer
}

var _ activities.Channels = (*Channels)(nil)

// NewChannels validates cfg and wires both adapters over one ledger. Close
// the result when the worker stops.
func NewChannels(cfg Config) (*Channels, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var ledger Ledger = NewMemoryLedger()
	var closer io.Closer
	if cfg.LedgerPath != "" {
		fl, err := OpenFileLedger(cfg.LedgerPath)
		if err != nil {
			return nil, fmt.Errorf("OUTREACH_LEDGER_PATH: %w", err)
		}
		ledger, closer = fl, fl
	}
	return NewChannelsWithLedger(cfg, ledger, closer)
}

// NewChannelsWithLedger is NewChannels with a given ledger (tests).
func NewChannelsWithLedger(cfg Config, ledger Ledger, closer io.Closer) (*Channels, error) {
	tw, err := NewTwilio(cfg, ledger)
	if err != nil {
		return nil, err
	}
	sg, err := NewSendGrid(cfg, ledger)
	if err != nil {
		return nil, err
	}
	return &Channels{Twilio: tw, SendGrid: sg, opsVia: cfg.OpsAlertChannel, opsTo: cfg.OpsAlertTo, opsLang: cfg.OpsAlertLanguage, closer: closer}, nil
}

// Close releases the ledger file.
func (c *Channels) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer.Close()
}

func (c *Channels) SendSMS(ctx context.Context, req activities.SMSRequest) (activities.SMSResult, error) {
	return c.Twilio.SendSMS(ctx, req)
}

func (c *Channels) ReminderCall(ctx context.Context, req activities.CallRequest) (activities.CallResult, error) {
	return c.Twilio.ReminderCall(ctx, req)
}

func (c *Channels) SendEmail(ctx context.Context, req activities.EmailRequest) (activities.EmailResult, error) {
	return c.SendGrid.SendEmail(ctx, req)
}

// AlertOps sends the alert to the person on duty by the configured channel
// (OPS_ALERT_CHANNEL, OPS_ALERT_TO), in OPS_ALERT_LANGUAGE: the reader is the
// person on duty, whose language is configured here, so the setting wins
// over the language the alert carries (the workflows build every alert with
// "en"; before this, OPS_ALERT_LANGUAGE did nothing). Only an empty setting
// keeps the alert's own language. The step key keeps alerts idempotent like
// any send.
func (c *Channels) AlertOps(ctx context.Context, req activities.OpsAlert) (activities.AlertResult, error) {
	msg := req.Message
	if c.opsLang != "" || msg.Language == "" {
		msg.Language = c.opsLang
	}
	if c.opsVia == "sms" {
		r, err := c.Twilio.SendSMS(ctx, activities.SMSRequest{Step: req.Step, To: c.opsTo, Message: msg})
		return activities.AlertResult{ID: r.SID}, err
	}
	r, err := c.SendGrid.SendEmail(ctx, activities.EmailRequest{Step: req.Step, To: c.opsTo, Message: msg, Categories: []string{"ops", "ops." + req.Kind}})
	return activities.AlertResult{ID: r.MessageID}, err
}
