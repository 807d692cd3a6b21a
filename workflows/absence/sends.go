package absence

import (
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// --- sends -----------------------------------------------------------------

func (a *absence) record(ctx workflow.Context, s jobcore.Send, outcome string) {
	a.st.Deliveries = append(a.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: s.Step.Name, Channel: s.Channel, Template: s.Template, Outcome: outcome})
}

// failed tells ops of an e-mail that will not go out (a worker's SMS
// failure is in the deliveries; the manager escalation covers the job).
func (a *absence) failed(ctx workflow.Context, s jobcore.Send, outcome string) {
	if s.Channel == "email" {
		a.alertOps(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"job_id": a.st.ID, "step": s.Step.Name, "channel": s.Channel, "error_type": outcome})
	}
}

// textWorker sends an SMS to a colleague through the roster (no phone
// numbers in this history).
func (a *absence) textWorker(ctx workflow.Context, worker, name, template, summary string, data map[string]string) {
	s := jobcore.Send{Step: a.out.Step(name + "-" + worker), Channel: "sms", Template: template, Summary: summary}
	d := map[string]string{"timezone": a.in.Market.TimeZone(), "absence_id": a.st.ID}
	jobcore.MergeFields(d, data)
	msg := activities.Message{Template: template, Data: d}
	a.out.Go(ctx, func(ctx workflow.Context) {
		var res activities.SMSResult
		a.out.Message(ctx, s, absences.SendWorkerMessage, activities.WorkerMessageRequest{Step: s.Step, WorkerID: worker, Message: msg}, &res)
	})
}

// alertOps: alerts carry ids and reasons only, never customer data (V-14).
func (a *absence) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	s := jobcore.Send{Step: a.out.Step("ops-" + kind), Channel: "ops", Template: template, Summary: summary}
	d := map[string]string{"absence_id": a.st.ID, "kind": kind, "worker_id": a.in.WorkerID,
		"timezone": a.in.Market.TimeZone(), "status": string(a.st.Status)}
	jobcore.MergeFields(d, data)
	req := activities.OpsAlert{Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}}
	a.out.Go(ctx, func(ctx workflow.Context) { a.out.Alert(ctx, s, req) })
}
