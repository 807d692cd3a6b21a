package jobcore

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
)

// Outbox is the send plumbing every flow shares, written once (issue #13):
// numbered step keys (the adapters' idempotency keys, so a retry or a
// replay sends once), sends in coroutines counted in Pending (a flow waits
// for them before it closes or continues as new), one recorded delivery per
// send, and a failed send recorded and handed to the flow's ops alert.
//
// A flow builds its requests (the fields its templates need) and keeps its
// own delivery list through Record; what differs between flows is said by
// the hooks, not by another copy of the send code.
type Outbox struct {
	JobID   string // step keys carry it; never personal data (V-14)
	Seq     int    // the last step number
	Pending int    // sends still running
	// Record stores what a send ended with (required).
	Record func(ctx workflow.Context, s Send, outcome string)
	// OnFailure runs after a failed send was recorded: the flow tells ops
	// (nil: the failure is only recorded and logged).
	OnFailure func(ctx workflow.Context, s Send, outcome string)
}

// Send names one message: its step, channel and template, the activity
// summary the UI shows, and Meta, what the flow's Record keeps besides the
// outcome (a reclamation: who caused it and what it said, C-3).
type Send struct {
	Step     activities.Step
	Channel  string // email, sms, call, ops
	Template string
	Summary  string
	Meta     any
}

// Step numbers the next send of the job.
func (o *Outbox) Step(name string) activities.Step {
	o.Seq++
	return activities.Step{JobID: o.JobID, Name: fmt.Sprintf("%s-%d", name, o.Seq)}
}

// Go runs a send in its own coroutine, counted in Pending, so an update
// handler returns at once.
func (o *Outbox) Go(ctx workflow.Context, send func(workflow.Context)) {
	o.Pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { o.Pending-- }()
		send(ctx)
	})
}

// Fail records a send that will not happen (a wrong number ends as a
// recorded failure, not a retry loop), logs it and runs OnFailure.
func (o *Outbox) Fail(ctx workflow.Context, s Send, outcome string) {
	o.Record(ctx, s, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", s.Step.Key(), "outcome", outcome)
	if o.OnFailure != nil {
		o.OnFailure(ctx, s, outcome)
	}
}

// run executes one send activity and records its outcome; it reports
// whether the send went out.
func (o *Outbox) run(ctx workflow.Context, s Send, opts workflow.ActivityOptions, activity, req, res any) bool {
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activity, req).Get(ctx, res)
	if err != nil {
		o.Fail(ctx, s, FailureOutcome(err))
		return false
	}
	o.Record(ctx, s, "sent")
	return true
}

// Email sends an e-mail now, in the calling coroutine.
func (o *Outbox) Email(ctx workflow.Context, s Send, req activities.EmailRequest) bool {
	req.Step = s.Step
	var res activities.EmailResult
	return o.run(ctx, s, MessageOptions(s.Summary), Outreach.SendEmail, req, &res)
}

// SMS sends a text now, in the calling coroutine.
func (o *Outbox) SMS(ctx workflow.Context, s Send, req activities.SMSRequest) bool {
	req.Step = s.Step
	var res activities.SMSResult
	return o.run(ctx, s, MessageOptions(s.Summary), Outreach.SendSMS, req, &res)
}

// Message runs another message activity with the send options (a worker's
// SMS through the roster, A-1; an absence notice with choice links, A-4);
// the request carries s.Step.
func (o *Outbox) Message(ctx workflow.Context, s Send, activity, req, res any) bool {
	return o.run(ctx, s, MessageOptions(s.Summary), activity, req, res)
}

// Call places a call and returns how it ended; a call that could not be
// placed counts as not answered, so a fallback still goes (V-7). A call cut
// off by the flow's own cancellation is not a failure.
func (o *Outbox) Call(ctx workflow.Context, s Send, req activities.CallRequest) activities.CallOutcome {
	req.Step = s.Step
	var res activities.CallResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, CallOptions(s.Summary)), Outreach.ReminderCall, req).Get(ctx, &res)
	if err != nil {
		if ctx.Err() == nil {
			o.Fail(ctx, s, FailureOutcome(err))
		}
		return activities.CallFailed
	}
	o.Record(ctx, s, string(res.Outcome))
	return res.Outcome
}

// Alert tells ops now. Alerts survive a cancelled scope (ops must still
// hear of an abort) and carry ids and reasons only (V-14). It returns the
// outcome; a failed alert is handed to Fail like any send.
func (o *Outbox) Alert(ctx workflow.Context, s Send, req activities.OpsAlert) string {
	req.Step = s.Step
	var res activities.AlertResult
	actx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, AlertOptions(s.Summary)), Outreach.AlertOps, req).Get(actx, &res)
	if err != nil {
		outcome := FailureOutcome(err)
		o.Fail(actx, s, outcome)
		return outcome
	}
	o.Record(actx, s, "sent")
	return "sent"
}

// AwaitEmailWindow waits for the market's next e-mail slot (N-3: working
// days, EmailWindowStart..EmailWindowEnd, the market's zone, the flow's
// policy, P-1); the wait ends early when needed turns false (the caller
// checks needed again). It returns false only when the scope was cancelled.
func AwaitEmailWindow(ctx workflow.Context, m rules.Market, p rules.Policy, summary string, needed func() bool) bool {
	now := workflow.Now(ctx)
	slot := rules.NextEmailSlot(m, now, p)
	if !slot.After(now) {
		return true
	}
	_, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      slot.Sub(now),
		TimerOptions: workflow.TimerOptions{Summary: "e-mail window (N-3): " + summary},
	}, func() bool { return !needed() })
	return err == nil
}
