package reclamation

import (
	"fmt"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// --- sends ----------------------------------------------------------------

// caseMessages sends the messages of a reclamation or a rating follow-up the
// way the visit sends its own: each in a coroutine counted in pending, a
// permanent failure recorded and handed to ops. Every message is recorded
// with who caused it and what it said (the exchange, C-3).
type CaseMessages struct {
	id       string // the workflow id: step ids and alerts carry it, never personal data
	customer jobcore.Customer
	job      jobcore.JobRef
	log      *[]CaseMessage
	ids      map[string]string // ids every message carries
	seq      int
	Pending  int
}

func NewCaseMessages(id string, customer jobcore.Customer, job jobcore.JobRef, log *[]CaseMessage, ids map[string]string) *CaseMessages {
	return &CaseMessages{id: id, customer: customer, job: job, log: log, ids: ids}
}

func (m *CaseMessages) step(name string) activities.Step {
	m.seq++
	return activities.Step{JobID: m.id, Name: fmt.Sprintf("%s-%d", name, m.seq)}
}

func (m *CaseMessages) data(extra map[string]string) map[string]string {
	d := map[string]string{"timezone": m.job.Market.TimeZone(), "partner": m.job.Partner, "region": m.job.Region}
	jobcore.MergeFields(d, m.ids)
	jobcore.MergeFields(d, extra)
	return d
}

func (m *CaseMessages) spawn(ctx workflow.Context, send func(workflow.Context)) {
	m.Pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { m.Pending-- }()
		send(ctx)
	})
}

func (m *CaseMessages) record(ctx workflow.Context, by jobcore.Actor, to string, step activities.Step, channel string, msg activities.Message, said map[string]string, outcome string) {
	*m.log = append(*m.log, CaseMessage{At: workflow.Now(ctx), By: by, To: to, Channel: channel, Template: msg.Template,
		Language: msg.Language, Said: said, Step: step.Name, Outcome: outcome})
}

// email sends a customer e-mail in the customer's language; said is what
// it carries besides the ids and the customer's name (plan, reason...).
func (m *CaseMessages) Email(ctx workflow.Context, by jobcore.Actor, name, template, summary string, said map[string]string) {
	step := m.step(name)
	d := m.data(said)
	d["name"] = m.customer.Name
	msg := activities.Message{Template: template, Language: string(m.customer.Language), Data: d}
	m.spawn(ctx, func(ctx workflow.Context) {
		if m.customer.Email == "" {
			m.failed(ctx, by, step, "email", msg, said, "failed: no_email")
			return
		}
		req := activities.EmailRequest{Step: step, To: m.customer.Email, ToName: m.customer.Name,
			Message: msg, Categories: []string{m.job.Kind, template}}
		var res activities.EmailResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)), jobcore.Outreach.SendEmail, req).Get(ctx, &res)
		if err != nil {
			m.failed(ctx, by, step, "email", msg, said, jobcore.FailureOutcome(err))
			return
		}
		m.record(ctx, by, "customer", step, "email", msg, said, "sent")
	})
}

// failed records a customer message that will not go out and tells ops,
// so someone reaches the customer another way.
func (m *CaseMessages) failed(ctx workflow.Context, by jobcore.Actor, step activities.Step, channel string, msg activities.Message, said map[string]string, outcome string) {
	m.record(ctx, by, "customer", step, channel, msg, said, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	m.alertNow(ctx, jobcore.Actor{Role: jobcore.RoleSystem}, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
		map[string]string{"step": step.Name, "channel": channel, "error_type": outcome, "outcome": outcome})
}

func (m *CaseMessages) Alert(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	m.spawn(ctx, func(ctx workflow.Context) { m.alertNow(ctx, by, kind, template, summary, data) })
}

// alertNow reaches the person on duty; alerts carry ids and reasons only
// (V-14), and survive a cancelled scope.
func (m *CaseMessages) alertNow(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	step := m.step("ops-" + kind)
	d := m.data(data)
	d["kind"] = kind
	if d["job_id"] == "" {
		d["job_id"] = m.job.ID
	}
	msg := activities.Message{Template: template, Language: "en", Data: d}
	req := activities.OpsAlert{Step: step, Kind: kind, Message: msg}
	var res activities.AlertResult
	actx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res)
	outcome := "sent"
	if err != nil {
		outcome = jobcore.FailureOutcome(err)
		workflow.GetLogger(ctx).Warn("ops alert failed", "step", step.Key(), "outcome", outcome)
	}
	m.record(actx, by, "ops", step, "ops", msg, data, outcome)
}
