package outreach

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/jobflow/jobflow/activities"
)

// SendGrid sends e-mail through SendGrid's v3 mail send.
type SendGrid struct {
	key       string
	host      string
	from      *mail.Email
	replyTo   *mail.Email // nil: no Reply-To
	templates map[string]string
	client    *rest.Client
	ledger    Ledger
}

// NewSendGrid builds the adapter from cfg (validated by the caller).
func NewSendGrid(cfg Config, ledger Ledger) (*SendGrid, error) {
	from, err := netmail.ParseAddress(cfg.SendGridFrom)
	if err != nil {
		return nil, fmt.Errorf("SENDGRID_FROM: %w", err)
	}
	var replyTo *mail.Email
	if cfg.SendGridReplyTo != "" {
		a, err := netmail.ParseAddress(cfg.SendGridReplyTo)
		if err != nil {
			return nil, fmt.Errorf("SENDGRID_REPLY_TO: %w", err)
		}
		replyTo = mail.NewEmail(a.Name, a.Address)
	}
	// sendgrid-go's default client has no timeout; ours has.
	hc := &http.Client{Timeout: cfg.HTTPTimeout}
	return &SendGrid{
		key:       cfg.SendGridAPIKey,
		host:      strings.TrimSuffix(cfg.SendGridAPIBase, "/"),
		from:      mail.NewEmail(from.Name, from.Address),
		replyTo:   replyTo,
		templates: cfg.SendGridTemplates,
		client:    &rest.Client{HTTPClient: hc},
		ledger:    ledger,
	}, nil
}

// buildMail is the v3 mail send body: rendered subject, text and HTML (text
// first, as SendGrid requires), categories, and custom args carrying only the
// workflow id, step name, template id and language (V-14: no personal data). With a dynamic template configured for
// the id, SendGrid renders instead, from the same data.
func (s *SendGrid) buildMail(req activities.EmailRequest, r Rendered) *mail.SGMailV3 {
	m := mail.NewV3Mail()
	m.SetFrom(s.from)
	if s.replyTo != nil {
		m.SetReplyTo(s.replyTo)
	}
	p := mail.NewPersonalization()
	p.AddTos(mail.NewEmail(req.ToName, req.To))
	m.AddPersonalizations(p)
	// custom_args go on the personalization: the spec types the top-level
	// custom_args as a string, the personalization's as an object.
	p.SetCustomArg("job_id", req.Step.JobID)
	p.SetCustomArg("step", req.Step.Name)
	p.SetCustomArg("template", req.Message.Template)
	p.SetCustomArg("language", string(r.Language))
	cats := append([]string{req.Message.Template}, req.Categories...)
	if len(cats) > 10 { // SendGrid's limit
		cats = cats[:10]
	}
	m.AddCategories(cats...)
	if tpl, ok := s.templates[req.Message.Template]; ok {
		m.SetTemplateID(tpl)
		for k, v := range req.Message.Data {
			p.SetDynamicTemplateData(k, v)
		}
		p.SetDynamicTemplateData("subject", r.Subject)
		p.SetDynamicTemplateData("text", r.Text)
		p.SetDynamicTemplateData("language", string(r.Language))
		return m
	}
	m.Subject = r.Subject
	m.AddContent(mail.NewContent("text/plain", r.Text), mail.NewContent("text/html", r.HTML))
	return m
}

// SendEmail renders and sends one e-mail, once per step. SendGrid offers no
// cheap way to ask whether an earlier attempt's mail was accepted, so only
// the ledger and heartbeats guard retries (see doc.go).
func (s *SendGrid) SendEmail(ctx context.Context, req activities.EmailRequest) (activities.EmailResult, error) {
	r, err := Render(req.Message)
	if err != nil {
		return activities.EmailResult{}, err
	}
	sent, _, err := once(ctx, s.ledger, req.Step.Key(), "email",
		func(time.Time) (Sent, bool, error) { return s.findMail(ctx, req.Step) },
		func() (Sent, error) {
			rq := sendgrid.GetRequest(s.key, "/v3/mail/send", s.host)
			rq.Method = rest.Post
			rq.Body = mail.GetRequestBody(s.buildMail(req, r))
			resp, err := s.client.SendWithContext(ctx, rq)
			if err := classifySendGrid(resp, err); err != nil {
				return Sent{}, err
			}
			id := headerValue(resp.Headers, "X-Message-Id")
			if id == "" {
				id = "sg-" + req.Step.Key()
			}
			return Sent{SID: id}, nil
		})
	if err != nil {
		return activities.EmailResult{}, err
	}
	return activities.EmailResult{MessageID: sent.SID}, nil
}

// findMail asks SendGrid's Email Activity API whether this step's mail
// already went out (its custom args carry job_id and step), so a retry after
// a lost answer or a killed worker does not send it twice. The API is a paid
// add-on: where it answers 401/403/404 the retry sends again (at least once)
// rather than never; the sandbox implements it.
func (s *SendGrid) findMail(ctx context.Context, step activities.Step) (Sent, bool, error) {
	rq := sendgrid.GetRequest(s.key, "/v3/messages", s.host)
	rq.Method = rest.Get
	rq.QueryParams = map[string]string{
		"limit": "1",
		"query": fmt.Sprintf(`unique_args['job_id']="%s" AND unique_args['step']="%s"`, step.JobID, step.Name),
	}
	resp, err := s.client.SendWithContext(ctx, rq)
	if err != nil {
		return Sent{}, false, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusNotFound:
		return Sent{}, false, nil
	case resp.StatusCode >= 300:
		return Sent{}, false, fmt.Errorf("sendgrid email activity: HTTP %d", resp.StatusCode)
	}
	var found struct {
		Messages []struct {
			MsgID string `json:"msg_id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &found); err != nil {
		return Sent{}, false, fmt.Errorf("sendgrid email activity: %w", err)
	}
	if len(found.Messages) == 0 {
		return Sent{}, false, nil
	}
	return Sent{SID: found.Messages[0].MsgID}, true, nil
}

func headerValue(h map[string][]string, name string) string {
	return http.Header(h).Get(name)
}

// sendGridFields lists the fields SendGrid's error body blames; its
// messages can quote addresses, so they are left out.
func sendGridFields(body string) string {
	var e struct {
		Errors []struct {
			Field *string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	var fields []string
	for _, x := range e.Errors {
		if x.Field != nil && *x.Field != "" {
			fields = append(fields, *x.Field)
		}
	}
	if len(fields) == 0 {
		return ""
	}
	return " (fields: " + strings.Join(fields, ", ") + ")"
}
