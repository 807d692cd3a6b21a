package visit

import (
	"fmt"
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// Sends of the visit workflow. Customer messages and alerts run in their own
// coroutines (counted in v.pending) so a handler returns at once; the
// reminder coroutine calls the blocking variants because it must learn the
// call's outcome (V-7).

func (v *visit) step(name string) activities.Step {
	v.sendSeq++
	return activities.Step{JobID: v.st.ID, Name: fmt.Sprintf("%s-%d", name, v.sendSeq)}
}

func (v *visit) message(template string, data map[string]string) activities.Message {
	d := map[string]string{
		"job_id":   v.st.ID,
		"name":     v.in.Booking.Customer.Name,
		"timezone": v.in.Booking.Market.TimeZone(),
		"region":   v.st.Region,
		"partner":  v.st.Partner,
	}
	jobcore.MergeFields(d, data)
	return activities.Message{Template: template, Language: string(v.in.Booking.Customer.Language), Data: d}
}

func (v *visit) spawn(ctx workflow.Context, send func(workflow.Context)) {
	v.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { v.pending-- }()
		send(ctx)
	})
}

func (v *visit) record(ctx workflow.Context, step activities.Step, channel, template, outcome string) {
	v.st.Deliveries = append(v.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: step.Name, Channel: channel, Template: template, Outcome: outcome})
}

// failed records a delivery that will not happen and tells ops, so a wrong
// number ends as a recorded failure, not a retry loop.
func (v *visit) failed(ctx workflow.Context, step activities.Step, channel, template string, err error) {
	outcome := jobcore.FailureOutcome(err)
	v.record(ctx, step, channel, template, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	if channel != "ops" {
		v.alertOpsNow(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"step": step.Name, "channel": channel, "error_type": outcome})
	}
}

func (v *visit) sendEmail(ctx workflow.Context, name, template, summary string, data map[string]string) {
	step, msg := v.step(name), v.message(template, data)
	v.spawn(ctx, func(ctx workflow.Context) {
		req := activities.EmailRequest{Step: step, To: v.in.Booking.Customer.Email, ToName: v.in.Booking.Customer.Name,
			Message: msg, Categories: []string{"visit", template}}
		var res activities.EmailResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)), jobcore.Outreach.SendEmail, req).Get(ctx, &res)
		if err != nil {
			v.failed(ctx, step, "email", template, err)
			return
		}
		v.record(ctx, step, "email", template, "sent")
	})
}

func (v *visit) sendSMS(ctx workflow.Context, name, template, summary string, data map[string]string) {
	v.spawn(ctx, func(ctx workflow.Context) { v.sendSMSNow(ctx, name, template, summary, data) })
}

func (v *visit) sendSMSNow(ctx workflow.Context, name, template, summary string, data map[string]string) {
	step := v.step(name)
	req := activities.SMSRequest{Step: step, To: v.in.Booking.Customer.Phone, Message: v.message(template, data)}
	var res activities.SMSResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)), jobcore.Outreach.SendSMS, req).Get(ctx, &res)
	if err != nil {
		v.failed(ctx, step, "sms", template, err)
		return
	}
	v.record(ctx, step, "sms", template, "sent")
}

// call places the reminder call and returns how it ended; a call that could
// not be placed counts as not answered, so the SMS fallback still goes.
func (v *visit) call(ctx workflow.Context, name, template, summary string, data map[string]string) activities.CallOutcome {
	step := v.step(name)
	req := activities.CallRequest{Step: step, To: v.in.Booking.Customer.Phone, Message: v.message(template, data)}
	var res activities.CallResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.CallOptions(summary)), jobcore.Outreach.ReminderCall, req).Get(ctx, &res)
	if err != nil {
		if ctx.Err() == nil {
			v.failed(ctx, step, "call", template, err)
		}
		return activities.CallFailed
	}
	v.record(ctx, step, "call", template, string(res.Outcome))
	return res.Outcome
}

func (v *visit) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	v.spawn(ctx, func(ctx workflow.Context) { v.alertOpsNow(ctx, kind, template, summary, data) })
}

func (v *visit) alertOpsNow(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	step := v.step("ops-" + kind)
	d := map[string]string{"job_id": v.st.ID, "kind": kind, "region": v.st.Region, "partner": v.st.Partner,
		"timezone": v.in.Booking.Market.TimeZone(), "status": string(v.st.Status)}
	jobcore.MergeFields(d, data)
	// Alerts carry ids and reasons only, never customer data (V-14).
	req := activities.OpsAlert{Step: step, Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}}
	var res activities.AlertResult
	// Alerts survive a cancelled visit: ops must still hear of an abort.
	actx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res)
	if err != nil {
		v.failed(actx, step, "ops", template, err)
		return
	}
	v.record(actx, step, "ops", template, "sent")
}
