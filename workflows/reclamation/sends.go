package reclamation

import (
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- sends ----------------------------------------------------------------

// CaseMessages sends the messages of a reclamation or a rating follow-up
// through the shared outbox: each in a coroutine counted in Pending, a
// permanent failure recorded and handed to ops. Every message is recorded
// with who caused it and what it said (the exchange, C-3).
type CaseMessages struct {
	jobcore.Outbox
	customer jobcore.Customer
	job      jobcore.JobRef
	log      *[]CaseMessage
	ids      map[string]string // ids every message carries
}

// caseMeta is what a case message's record keeps besides the outcome.
type caseMeta struct {
	by   jobcore.Actor
	to   string // customer or ops
	lang string
	said map[string]string
}

// NewCaseMessages sends for the workflow id (step ids and alerts carry it,
// never personal data) into log.
func NewCaseMessages(id string, customer jobcore.Customer, job jobcore.JobRef, log *[]CaseMessage, ids map[string]string) *CaseMessages {
	m := &CaseMessages{customer: customer, job: job, log: log, ids: ids}
	m.Outbox = jobcore.Outbox{JobID: id, Record: m.record, OnFailure: m.failed}
	return m
}

func (m *CaseMessages) data(extra map[string]string) map[string]string {
	d := map[string]string{"timezone": m.job.Market.TimeZone(), "partner": m.job.Partner, "region": m.job.Region}
	jobcore.MergeFields(d, m.ids)
	jobcore.MergeFields(d, extra)
	return d
}

func (m *CaseMessages) record(ctx workflow.Context, s jobcore.Send, outcome string) {
	meta := s.Meta.(caseMeta)
	*m.log = append(*m.log, CaseMessage{At: workflow.Now(ctx), By: meta.by, To: meta.to, Channel: s.Channel, Template: s.Template,
		Language: meta.lang, Said: meta.said, Step: s.Step.Name, Outcome: outcome})
}

// Email sends a customer e-mail in the customer's language; said is what
// it carries besides the ids and the customer's name (plan, reason...).
func (m *CaseMessages) Email(ctx workflow.Context, by jobcore.Actor, name, template, summary string, said map[string]string) {
	d := m.data(said)
	d["name"] = m.customer.Name
	msg := activities.Message{Template: template, Language: string(m.customer.Language), Data: d}
	s := jobcore.Send{Step: m.Step(name), Channel: "email", Template: template, Summary: summary,
		Meta: caseMeta{by: by, to: "customer", lang: msg.Language, said: said}}
	m.Go(ctx, func(ctx workflow.Context) {
		if m.customer.Email == "" {
			m.Fail(ctx, s, "failed: no_email")
			return
		}
		m.Outbox.Email(ctx, s, activities.EmailRequest{To: m.customer.Email, ToName: m.customer.Name,
			Message: msg, Categories: []string{m.job.Kind, template}})
	})
}

// failed tells ops of a customer message that will not go out, so someone
// reaches the customer another way.
func (m *CaseMessages) failed(ctx workflow.Context, s jobcore.Send, outcome string) {
	if s.Channel != "ops" {
		m.alertNow(ctx, jobcore.Actor{Role: names.RoleSystem}, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"step": s.Step.Name, "channel": s.Channel, "error_type": outcome, "outcome": outcome})
	}
}

// Alert tells ops in its own coroutine.
func (m *CaseMessages) Alert(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	m.Go(ctx, func(ctx workflow.Context) { m.alertNow(ctx, by, kind, template, summary, data) })
}

// alertNow reaches the person on duty; alerts carry ids and reasons only
// (V-14), and survive a cancelled scope.
func (m *CaseMessages) alertNow(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	s := jobcore.Send{Step: m.Step("ops-" + kind), Channel: "ops", Template: template, Summary: summary,
		Meta: caseMeta{by: by, to: "ops", lang: "en", said: data}}
	d := m.data(data)
	d["kind"] = kind
	if d["job_id"] == "" {
		d["job_id"] = m.job.ID
	}
	m.Outbox.Alert(ctx, s, activities.OpsAlert{Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}})
}
