package task

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// --- sends ------------------------------------------------------------------------

func (t *task) customerLanguage() string {
	if t.in.Customer.Language != "" {
		return string(t.in.Customer.Language)
	}
	return string(t.in.Language)
}

func (t *task) data(extra map[string]string) map[string]string {
	d := map[string]string{"task_id": t.st.ID, "title": t.st.Title, "task_title": t.st.Title, "timezone": t.in.Market.TimeZone(), "market": string(t.in.Market)}
	jobcore.MergeFields(d, extra)
	return d
}

// emailCustomer sends an e-mail to the customer at the next e-mail slot
// (N-3: working days, EmailWindowStart..EmailWindowEnd, market zone). The
// wait ends early, and nothing is sent, when needed (if given) turns false;
// sent (if given) learns when the mail left.
func (t *task) emailCustomer(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool, sent func(time.Time)) {
	var settle func(*time.Time)
	if sent != nil {
		settle = func(at *time.Time) {
			if at != nil {
				sent(*at)
			}
		}
	}
	t.deferredEmail(ctx, name, summary, t.customerEmail(template, extra), needed, false, settle)
}

// emailCustomerCarried is emailCustomer for an unread-notification e-mail
// (watchUnread): its wait counts in unreadWatch, its send in inflight, and
// settle learns every outcome (with the time the mail left, nil otherwise).
func (t *task) emailCustomerCarried(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool, settle func(*time.Time)) {
	t.deferredEmail(ctx, name, summary, t.customerEmail(template, extra), needed, true, settle)
}

func (t *task) customerEmail(template string, extra map[string]string) activities.EmailRequest {
	d := t.data(extra)
	d["name"] = t.in.Customer.Name
	return activities.EmailRequest{To: t.in.Customer.Email, ToName: t.in.Customer.Name,
		Message: activities.Message{Template: template, Language: t.customerLanguage(), Data: d}, Categories: []string{"task", template}}
}

// emailAssistant e-mails the current assistant, also within the window
// (N-3 applies to every e-mail notification); without an address the
// message is only recorded.
func (t *task) emailAssistant(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool) {
	lang := string(t.asg.Language)
	if lang == "" {
		lang = string(t.in.Language)
	}
	d := t.data(extra)
	d["assistant_id"] = t.asg.ID
	req := activities.EmailRequest{To: t.asg.Email, Message: activities.Message{Template: template, Language: lang, Data: d},
		Categories: []string{"task", template}}
	t.deferredEmail(ctx, name, summary, req, needed, false, nil)
}

// deferredEmail waits for the e-mail window (N-3), then sends unless the
// mail is no longer needed; carried mails count in unreadWatch while they
// wait and in inflight while they send (continue-as-new waits for those).
func (t *task) deferredEmail(ctx workflow.Context, name, summary string, req activities.EmailRequest, needed func() bool, carried bool, settle func(*time.Time)) {
	template := req.Message.Template
	if carried {
		t.unreadWatch++
	}
	t.out.Go(ctx, func(ctx workflow.Context) {
		defer func() {
			if carried {
				t.unreadWatch--
			}
		}()
		if settle == nil {
			settle = func(*time.Time) {}
		}
		if needed == nil {
			needed = func() bool { return true }
		}
		if !jobcore.AwaitEmailWindow(ctx, t.in.Market, t.in.Policy, summary, needed) {
			return
		}
		s := jobcore.Send{Step: t.out.Step(name), Channel: "email", Template: template, Summary: summary}
		if !needed() {
			t.record(ctx, s, "not needed")
			settle(nil)
			return
		}
		if req.To == "" {
			t.record(ctx, s, "no address")
			settle(nil)
			return
		}
		if carried {
			t.inflight++
			defer func() { t.inflight-- }()
		}
		if !t.out.Email(ctx, s, req) {
			settle(nil)
			return
		}
		at := workflow.Now(ctx)
		settle(&at)
	})
}

func (t *task) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	t.out.Go(ctx, func(ctx workflow.Context) { t.alertOpsNow(ctx, kind, template, summary, data) })
}

// alertOpsNow: alerts carry ids and reasons only, never customer data (V-14).
func (t *task) alertOpsNow(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	s := jobcore.Send{Step: t.out.Step("ops-" + kind), Channel: "ops", Template: template, Summary: summary}
	d := map[string]string{"task_id": t.st.ID, "kind": kind, "market": string(t.in.Market), "partner": t.in.Partner,
		"timezone": t.in.Market.TimeZone(), "status": string(t.st.Status)}
	jobcore.MergeFields(d, data)
	t.out.Alert(ctx, s, activities.OpsAlert{Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}})
}

func (t *task) record(ctx workflow.Context, s jobcore.Send, outcome string) {
	t.st.Deliveries = append(t.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: s.Step.Name, Channel: s.Channel, Template: s.Template, Outcome: outcome})
	t.st.DeliveriesTotal++
	if t.bounded {
		t.st.Deliveries = jobcore.KeepNewest(t.st.Deliveries, TaskDeliveriesKeep)
	}
}

// failed tells ops of a message that will not go out. The template names
// the job, the step, the channel and the error type (issue 14: "outcome"
// and no job_id never rendered).
func (t *task) failed(ctx workflow.Context, s jobcore.Send, outcome string) {
	if s.Channel != "ops" {
		t.alertOpsNow(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"job_id": t.st.ID, "step": s.Step.Name, "channel": s.Channel, "error_type": outcome})
	}
}

// --- helpers ------------------------------------------------------------------------

func taskRefuse(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), "TransitionRefused")
}

// taskSleep waits d on a durable timer; false when the context was cancelled.
func taskSleep(ctx workflow.Context, d time.Duration, summary string) bool {
	if d > 0 {
		if err := workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary}).Get(ctx, nil); err != nil {
			return false
		}
	}
	return ctx.Err() == nil
}

func (t *task) mustBeAssistant(id string) error {
	if id == "" {
		return taskRefuse("name the assistant acting on the task")
	}
	if id != t.st.AssistantID {
		return taskRefuse("%s is not the task's assistant (%s works on it)", id, t.st.AssistantID)
	}
	return nil
}

func (t *task) clock(at time.Time) string { return at.In(t.loc).Format("Mon 2 Jan 2006 15:04 MST") }

// iso renders a time for templates: RFC 3339 in the market's zone.
func (t *task) iso(at time.Time) string { return at.In(t.loc).Format(time.RFC3339) }

func (t *task) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to TaskStatus, note string) {
	from := t.st.Status
	t.st.Status = to
	t.log(ctx, action, by, from, note)
	t.publish(ctx)
}

func (t *task) log(ctx workflow.Context, action string, by jobcore.Actor, from TaskStatus, note string) {
	t.st.Log = append(t.st.Log, jobcore.NewTransition(ctx, action, by, from, t.st.Status, note))
	t.st.LogTotal++
	if t.bounded {
		t.st.Log = jobcore.KeepNewest(t.st.Log, TaskLogKeep)
	}
}

// publish upserts the search attributes that changed (ids, codes, times:
// no personal data, V-14) and the current details.
func (t *task) publish(ctx workflow.Context) {
	statuses := []string{string(t.st.Status)}
	if t.st.ClosedReason != "" {
		statuses = append(statuses, string(t.st.Status)+":"+t.st.ClosedReason) // T-1: TaskStatus = 'closed:review_not_done'
	}
	t.attrs.Publish(ctx, t.details(),
		jobcore.Keyword(names.MarketKey, string(t.st.Market)),
		jobcore.Keyword(names.PartnerKey, t.st.Partner),
		jobcore.Keywords(names.TaskStatusKey, statuses).First(),
		jobcore.Int(names.EscalationLevelKey, t.st.ReviewEscalations), // T-1: EscalationLevel > 0
		jobcore.Keyword(names.AssistantIDKey, t.st.AssistantID),
		jobcore.Time(names.ReviewDeadlineKey, t.st.ReviewDeadline),
		jobcore.Time(names.TaskDeadlineKey, t.st.Deadline),
	)
}

func (t *task) details() string {
	s := fmt.Sprintf("**%s** · %s · assistant %s", t.st.Status, t.in.Market, t.st.AssistantID)
	if t.st.Status.InReview() {
		s += " · review by " + t.clock(t.st.ReviewDeadline)
		if t.st.ReviewOverdue {
			s += " (overdue)"
		}
	}
	if t.st.WorkArea != "" {
		s += fmt.Sprintf(" · %s (customer factor %s)", t.st.WorkArea, t.st.CustomerFactor)
	}
	if !t.st.Deadline.IsZero() {
		s += " · deadline " + t.clock(t.st.Deadline)
	}
	s += fmt.Sprintf(" · budget %d/%d min", t.st.UsedMinutes, t.st.BudgetMinutes)
	if t.st.RefundEligible {
		s += " · **deadline missed: refund eligible**"
	}
	if t.st.ClosedReason != "" {
		s += " · closed: " + t.st.ClosedReason
	}
	return s
}
