package visit

import (
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// Sends of the visit workflow, through the shared outbox. Customer messages
// and alerts run in their own coroutines (counted in v.out.Pending) so a
// handler returns at once; the reminder coroutine calls the blocking
// variants because it must learn the call's outcome (V-7).

func (v *visit) message(template string, data map[string]string) activities.Message {
	d := map[string]string{
		"job_id":   v.st.ID,
		"name":     v.in.Booking.Customer.Name,
		"timezone": v.in.Booking.Market.TimeZone(),
		"region":   v.st.Region,
		"partner":  v.st.Partner,
	}
	if phone := v.in.Policy.ServicePhone; phone != "" {
		d["service_phone"] = phone // V-7, P-1: the policy's number, the texts that give one use it
	}
	jobcore.MergeFields(d, data)
	return activities.Message{Template: template, Language: string(v.in.Booking.Customer.Language), Data: d}
}

func (v *visit) send(name, channel, template, summary string) jobcore.Send {
	return jobcore.Send{Step: v.out.Step(name), Channel: channel, Template: template, Summary: summary}
}

func (v *visit) record(ctx workflow.Context, s jobcore.Send, outcome string) {
	v.st.Deliveries = append(v.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: s.Step.Name, Channel: s.Channel, Template: s.Template, Outcome: outcome})
}

// failed tells ops of a customer message that will not go out.
func (v *visit) failed(ctx workflow.Context, s jobcore.Send, outcome string) {
	if s.Channel != "ops" {
		v.alertOpsNow(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"step": s.Step.Name, "channel": s.Channel, "error_type": outcome})
	}
}

func (v *visit) sendEmail(ctx workflow.Context, name, template, summary string, data map[string]string) {
	s, msg := v.send(name, "email", template, summary), v.message(template, data)
	v.out.Go(ctx, func(ctx workflow.Context) {
		v.out.Email(ctx, s, activities.EmailRequest{To: v.in.Booking.Customer.Email, ToName: v.in.Booking.Customer.Name,
			Message: msg, Categories: []string{"visit", template}})
	})
}

func (v *visit) sendSMS(ctx workflow.Context, name, template, summary string, data map[string]string) {
	v.out.Go(ctx, func(ctx workflow.Context) { v.sendSMSNow(ctx, name, template, summary, data) })
}

func (v *visit) sendSMSNow(ctx workflow.Context, name, template, summary string, data map[string]string) {
	s := v.send(name, "sms", template, summary)
	v.out.SMS(ctx, s, activities.SMSRequest{To: v.in.Booking.Customer.Phone, Message: v.message(template, data)})
}

// call places the reminder call and returns how it ended (V-7).
func (v *visit) call(ctx workflow.Context, name, template, summary string, data map[string]string) activities.CallOutcome {
	s := v.send(name, "call", template, summary)
	return v.out.Call(ctx, s, activities.CallRequest{To: v.in.Booking.Customer.Phone, Message: v.message(template, data)})
}

func (v *visit) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	v.out.Go(ctx, func(ctx workflow.Context) { v.alertOpsNow(ctx, kind, template, summary, data) })
}

// alertOpsNow: alerts carry ids and reasons only, never customer data (V-14).
func (v *visit) alertOpsNow(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	s := v.send("ops-"+kind, "ops", template, summary)
	d := map[string]string{"job_id": v.st.ID, "kind": kind, "region": v.st.Region, "partner": v.st.Partner,
		"timezone": v.in.Booking.Market.TimeZone(), "status": string(v.st.Status)}
	jobcore.MergeFields(d, data)
	v.out.Alert(ctx, s, activities.OpsAlert{Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}})
}
