package outreach

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
	"go.temporal.io/sdk/activity"

	"github.com/jobflow/jobflow/activities"
)

// rewriteTransport sends every request to base instead of the host the SDK
// chose: twilio-go has no base-URL option, so this is how it reaches the
// sandbox or Prism. A path in base is prefixed to the request path.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = strings.TrimSuffix(t.base.Path, "/") + req.URL.Path
	r.URL.RawPath = ""
	r.Host = t.base.Host
	return t.next.RoundTrip(r)
}

// newHTTPClient returns a client with a timeout that never follows redirects
// (as twilio-go's default), optionally rewriting to base.
func newHTTPClient(base string, timeout time.Duration) (*http.Client, error) {
	c := &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     http.DefaultTransport,
	}
	if base != "" {
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		c.Transport = rewriteTransport{base: u, next: http.DefaultTransport}
	}
	return c, nil
}

// taggedClient adds the template id and language as request headers when
// the adapter talks to the sandbox (or Prism), so the outbox can show them;
// real Twilio traffic carries no such headers. Neither value is personal.
type taggedClient struct {
	*twclient.Client
	template, language string
}

func (c *taggedClient) SendRequest(method, rawURL string, data url.Values, headers map[string]interface{}, body ...byte) (*http.Response, error) {
	if headers == nil {
		headers = map[string]interface{}{}
	}
	headers["X-Jobflow-Template"] = c.template
	headers["X-Jobflow-Language"] = c.language
	return c.Client.SendRequest(method, rawURL, data, headers, body...)
}

// Twilio sends SMS and places reminder calls through twilio-go.
type Twilio struct {
	api                 *twapi.ApiService
	client              *twclient.Client
	tag                 bool
	from                string
	messagingServiceSID string
	publicBaseURL       string
	ringSeconds         int
	callTimeout         time.Duration
	pollInterval        time.Duration
	ledger              Ledger
}

// NewTwilio builds the adapter from cfg (validated by the caller).
func NewTwilio(cfg Config, ledger Ledger) (*Twilio, error) {
	hc, err := newHTTPClient(cfg.TwilioAPIBase, cfg.HTTPTimeout)
	if err != nil {
		return nil, fmt.Errorf("TWILIO_API_BASE: %w", err)
	}
	c := &twclient.Client{Credentials: twclient.NewCredentials(cfg.TwilioAccountSID, cfg.TwilioAuthToken), HTTPClient: hc}
	c.SetAccountSid(cfg.TwilioAccountSID)
	return &Twilio{
		api:                 twapi.NewApiServiceWithClient(c),
		client:              c,
		tag:                 cfg.TwilioAPIBase != "",
		from:                cfg.TwilioFrom,
		messagingServiceSID: cfg.TwilioMessagingServiceSID,
		publicBaseURL:       strings.TrimSuffix(cfg.PublicBaseURL, "/"),
		ringSeconds:         cfg.CallRingSeconds,
		callTimeout:         cfg.CallTimeout,
		pollInterval:        cfg.CallPollInterval,
		ledger:              ledger,
	}, nil
}

// apiFor returns the API service to send r with: tagged for the sandbox.
func (t *Twilio) apiFor(r Rendered) *twapi.ApiService {
	if !t.tag {
		return t.api
	}
	return twapi.NewApiServiceWithClient(&taggedClient{Client: t.client, template: r.Template, language: string(r.Language)})
}

// StatusCallbackPath is where Twilio posts status changes, below
// PUBLIC_BASE_URL; the step key travels in the query (it holds no personal
// data) so the receiver can attribute the event.
const StatusCallbackPath = "/twilio/status"

func (t *Twilio) statusCallback(step activities.Step) string {
	if t.publicBaseURL == "" {
		return ""
	}
	return t.publicBaseURL + StatusCallbackPath + "?" + url.Values{"step": {step.Key()}}.Encode()
}

// SendSMS renders and sends one text message, once per step.
func (t *Twilio) SendSMS(ctx context.Context, req activities.SMSRequest) (activities.SMSResult, error) {
	r, err := RenderSMS(req.Message)
	if err != nil {
		return activities.SMSResult{}, err
	}
	s, _, err := once(ctx, t.ledger, req.Step.Key(), "sms",
		func(since time.Time) (Sent, bool, error) { return t.findMessage(req.To, r.Text, since) },
		func() (Sent, error) {
			p := &twapi.CreateMessageParams{}
			p.SetTo(req.To).SetBody(r.Text)
			if t.messagingServiceSID != "" {
				p.SetMessagingServiceSid(t.messagingServiceSID)
			} else {
				p.SetFrom(t.from)
			}
			if cb := t.statusCallback(req.Step); cb != "" {
				p.SetStatusCallback(cb)
			}
			m, err := t.apiFor(r).CreateMessage(p)
			if err != nil {
				return Sent{}, classifyTwilio("create message", err)
			}
			if m.Sid == nil || *m.Sid == "" {
				return Sent{}, transient(nil, "twilio create message: no sid in answer")
			}
			return Sent{SID: *m.Sid}, nil
		})
	if err != nil {
		return activities.SMSResult{}, err
	}
	return activities.SMSResult{SID: s.SID}, nil
}

// findMessage looks for an outbound message to `to` with the same body
// created since `since`: an earlier attempt whose answer was lost.
func (t *Twilio) findMessage(to, body string, since time.Time) (Sent, bool, error) {
	p := &twapi.ListMessageParams{}
	p.SetTo(to).SetPageSize(50).SetLimit(50)
	msgs, err := t.api.ListMessage(p)
	if err != nil {
		return Sent{}, false, err
	}
	for _, m := range msgs {
		if m.Sid == nil || m.Body == nil || *m.Body != body || !createdSince(m.DateCreated, since) {
			continue
		}
		if m.Direction != nil && !strings.HasPrefix(*m.Direction, "outbound") {
			continue
		}
		return Sent{SID: *m.Sid, At: parseTwilioTime(m.DateCreated)}, true, nil
	}
	return Sent{}, false, nil
}

// findCall looks for an outbound call to `to` created since `since`. Calls
// carry no body to compare, so any such call counts: a reminder step is the
// only call to that number within one activity's attempts.
func (t *Twilio) findCall(to string, since time.Time) (Sent, bool, error) {
	p := &twapi.ListCallParams{}
	p.SetTo(to).SetPageSize(20).SetLimit(20)
	calls, err := t.api.ListCall(p)
	if err != nil {
		return Sent{}, false, err
	}
	for _, c := range calls {
		if c.Sid == nil || !createdSince(c.DateCreated, since) {
			continue
		}
		if c.Direction != nil && !strings.HasPrefix(*c.Direction, "outbound") {
			continue
		}
		return Sent{SID: *c.Sid, At: parseTwilioTime(c.DateCreated)}, true, nil
	}
	return Sent{}, false, nil
}

func parseTwilioTime(s *string) time.Time {
	if s == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC1123Z, *s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func createdSince(s *string, since time.Time) bool {
	t := parseTwilioTime(s)
	return !t.IsZero() && !t.Before(since)
}

// twiml is the inline TwiML of a reminder call: the rendered text spoken in
// the customer's language.
func twiml(r Rendered) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Say language="`)
	_ = xml.EscapeText(&b, []byte(r.SayLanguage))
	b.WriteString(`">`)
	_ = xml.EscapeText(&b, []byte(r.Text))
	b.WriteString(`</Say></Response>`)
	return b.String()
}

// ReminderCall places the V-7 call once per step, then polls it (with
// heartbeats) until it is answered or ends, or CALL_TIMEOUT passes. A retry
// resumes polling the same call.
func (t *Twilio) ReminderCall(ctx context.Context, req activities.CallRequest) (activities.CallResult, error) {
	r, err := Render(req.Message)
	if err != nil {
		return activities.CallResult{}, err
	}
	s, _, err := once(ctx, t.ledger, req.Step.Key(), "call",
		func(since time.Time) (Sent, bool, error) { return t.findCall(req.To, since) },
		func() (Sent, error) {
			p := &twapi.CreateCallParams{}
			p.SetTo(req.To).SetFrom(t.from).SetTwiml(twiml(r)).SetTimeout(t.ringSeconds)
			// Only the final "completed" callback (Twilio's default): it carries
			// the outcome (CallStatus completed/no-answer/busy/failed), which is
			// all V-7 needs; polling below covers a missing callback.
			if cb := t.statusCallback(req.Step); cb != "" {
				p.SetStatusCallback(cb).SetStatusCallbackMethod("POST")
			}
			c, err := t.apiFor(r).CreateCall(p)
			if err != nil {
				return Sent{}, classifyTwilio("create call", err)
			}
			if c.Sid == nil || *c.Sid == "" {
				return Sent{}, transient(nil, "twilio create call: no sid in answer")
			}
			return Sent{SID: *c.Sid}, nil
		})
	if err != nil {
		return activities.CallResult{}, err
	}
	outcome, err := t.waitCall(ctx, s)
	if err != nil {
		return activities.CallResult{SID: s.SID}, err
	}
	return activities.CallResult{SID: s.SID, Outcome: outcome}, nil
}

// callOutcome maps a Twilio call status to the V-7 outcome; ok is false
// while the call is still queued or ringing. in-progress means the customer
// picked up, so there is no need to wait for the end of the call.
func callOutcome(status string) (activities.CallOutcome, bool) {
	switch status {
	case "in-progress", "completed":
		return activities.CallAnswered, true
	case "busy":
		return activities.CallBusy, true
	case "no-answer":
		return activities.CallNoAnswer, true
	case "failed", "canceled":
		return activities.CallFailed, true
	}
	return "", false
}

// waitCall polls until an outcome, the deadline (counted from when the call
// was placed, so retries do not extend it), or cancellation. A call still
// ringing at the deadline counts as not answered, so the fallback SMS goes.
func (t *Twilio) waitCall(ctx context.Context, s Sent) (activities.CallOutcome, error) {
	deadline := s.At.Add(t.callTimeout)
	var lastErr error
	for {
		c, err := t.api.FetchCall(s.SID, &twapi.FetchCallParams{})
		if err == nil && c.Status != nil {
			if o, done := callOutcome(*c.Status); done {
				return o, nil
			}
			lastErr = nil
		} else if err != nil {
			lastErr = classifyTwilio("fetch call", err)
			if _, permanent := activities.DeliveryFailure(lastErr); permanent {
				return "", lastErr
			}
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, s)
		}
		if !time.Now().Before(deadline) {
			if lastErr != nil {
				// Never learnt the status: let the retry resume polling.
				return "", lastErr
			}
			return activities.CallNoAnswer, nil
		}
		wait := t.pollInterval
		if rest := time.Until(deadline); rest < wait {
			wait = rest
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
}
