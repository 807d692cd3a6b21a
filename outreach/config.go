package outreach

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is everything the adapters need, read from the environment with
// caarlos0/env. With no credentials at all the run script starts the sandbox
// and points TWILIO_API_BASE and SENDGRID_API_BASE at it.
type Config struct {
	TwilioAccountSID          string `env:"TWILIO_ACCOUNT_SID,required"`
	TwilioAuthToken           string `env:"TWILIO_AUTH_TOKEN,required"`
	TwilioFrom                string `env:"TWILIO_FROM"`                  // E.164 caller id; required for calls
	TwilioMessagingServiceSID string `env:"TWILIO_MESSAGING_SERVICE_SID"` // preferred for SMS when set
	TwilioAPIBase             string `env:"TWILIO_API_BASE"`              // e.g. http://127.0.0.1:8025 (sandbox) or Prism; empty = api.twilio.com

	SendGridAPIKey string `env:"SENDGRID_API_KEY,required"`
	SendGridFrom   string `env:"SENDGRID_FROM,required"` // "Jobflow <noreply@jobflow.example>" or a bare address
	// SendGridReplyTo is where a customer's reply goes (issue #14: texts
	// that say "just reply to this message" are sent from a no-reply
	// address); empty: no Reply-To.
	SendGridReplyTo string `env:"SENDGRID_REPLY_TO"`
	SendGridAPIBase string `env:"SENDGRID_API_BASE" envDefault:"https://api.sendgrid.com"`
	// SendGridTemplates maps catalogue ids to SendGrid dynamic template ids,
	// e.g. "visit.rating_request:d-123,visit.booking_confirmation:d-456".
	SendGridTemplates map[string]string `env:"SENDGRID_TEMPLATES"`

	// PublicBaseURL is where Twilio reaches our status callbacks
	// (<base>/twilio/status?step=...); empty = no callbacks.
	PublicBaseURL string `env:"PUBLIC_BASE_URL"`

	OpsAlertChannel  string `env:"OPS_ALERT_CHANNEL" envDefault:"email"` // sms | email
	OpsAlertTo       string `env:"OPS_ALERT_TO,required"`                // E.164 or e-mail address per channel
	OpsAlertLanguage string `env:"OPS_ALERT_LANGUAGE" envDefault:"en"`   // used when an alert carries no language

	// CallTimeout bounds how long ReminderCall waits for the call to be
	// answered or end (V-7); CallPollInterval is how often it asks Twilio.
	CallTimeout      time.Duration `env:"CALL_TIMEOUT" envDefault:"2m"`
	CallPollInterval time.Duration `env:"CALL_POLL_INTERVAL" envDefault:"2s"`
	CallRingSeconds  int           `env:"CALL_RING_SECONDS" envDefault:"30"`
	// HTTPTimeout bounds every request to Twilio and SendGrid.
	HTTPTimeout time.Duration `env:"OUTREACH_HTTP_TIMEOUT" envDefault:"10s"`
	// LedgerPath is the file that records the provider id sent per step, so
	// a retried or restarted worker does not send twice; empty = memory only.
	LedgerPath string `env:"OUTREACH_LEDGER_PATH" envDefault:".data/outreach-ledger.jsonl"`
}

// LoadConfig reads the environment and validates it. The error names each
// missing or malformed variable.
func LoadConfig() (Config, error) {
	var cfg Config
	if err := env.Parse(&cfg); err != nil {
		return Config{}, fmt.Errorf("outreach config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var (
	e164         = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	alnum        = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	accountSID   = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	messagingSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// Validate checks every value the providers would otherwise reject later,
// at a worse time.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if !accountSID.MatchString(c.TwilioAccountSID) {
		bad("TWILIO_ACCOUNT_SID", "must be AC followed by 32 hex digits")
	}
	if !alnum.MatchString(c.TwilioAuthToken) {
		bad("TWILIO_AUTH_TOKEN", "must be letters and digits only (twilio-go rejects anything else)")
	}
	if c.TwilioFrom == "" {
		bad("TWILIO_FROM", "required: reminder calls need a caller id (E.164)")
	} else if !e164.MatchString(c.TwilioFrom) {
		bad("TWILIO_FROM", "not an E.164 number")
	}
	if c.TwilioMessagingServiceSID != "" && !messagingSID.MatchString(c.TwilioMessagingServiceSID) {
		bad("TWILIO_MESSAGING_SERVICE_SID", "must be MG followed by 32 hex digits")
	}
	for name, base := range map[string]string{"TWILIO_API_BASE": c.TwilioAPIBase, "SENDGRID_API_BASE": c.SendGridAPIBase, "PUBLIC_BASE_URL": c.PublicBaseURL} {
		if base == "" {
			continue
		}
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(name, "not an http(s) URL: %q", base)
		}
	}
	if c.SendGridAPIBase == "" {
		bad("SENDGRID_API_BASE", "must not be empty")
	}
	if strings.TrimSpace(c.SendGridAPIKey) == "" {
		bad("SENDGRID_API_KEY", "required")
	}
	if _, err := mail.ParseAddress(c.SendGridFrom); err != nil {
		bad("SENDGRID_FROM", "not an e-mail address")
	}
	for id, tpl := range c.SendGridTemplates {
		if _, ok := catalogue[id]; !ok {
			bad("SENDGRID_TEMPLATES", "unknown catalogue id %q", id)
		}
		if tpl == "" {
			bad("SENDGRID_TEMPLATES", "empty template id for %q", id)
		}
	}
	switch c.OpsAlertChannel {
	case "sms":
		if !e164.MatchString(c.OpsAlertTo) {
			bad("OPS_ALERT_TO", "OPS_ALERT_CHANNEL=sms needs an E.164 number")
		}
	case "email":
		if _, err := mail.ParseAddress(c.OpsAlertTo); err != nil {
			bad("OPS_ALERT_TO", "OPS_ALERT_CHANNEL=email needs an e-mail address")
		}
	default:
		bad("OPS_ALERT_CHANNEL", "must be sms or email, not %q", c.OpsAlertChannel)
	}
	if c.CallTimeout <= 0 {
		bad("CALL_TIMEOUT", "must be positive")
	}
	if c.CallPollInterval <= 0 {
		bad("CALL_POLL_INTERVAL", "must be positive")
	}
	if c.CallRingSeconds < 5 || c.CallRingSeconds > 600 {
		bad("CALL_RING_SECONDS", "must be 5..600")
	}
	if c.HTTPTimeout <= 0 {
		bad("OUTREACH_HTTP_TIMEOUT", "must be positive")
	}
	if len(errs) > 0 {
		return fmt.Errorf("outreach config: %w", errors.Join(errs...))
	}
	return nil
}
