package absence

import (
	"fmt"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// --- sends -----------------------------------------------------------------

func (a *absence) step(name string) activities.Step {
	a.sendSeq++
	return activities.Step{JobID: a.st.ID, Name: fmt.Sprintf("%s-%d", name, a.sendSeq)}
}

func (a *absence) spawn(ctx workflow.Context, f func(workflow.Context)) {
	a.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { a.pending-- }()
		f(ctx)
	})
}

func (a *absence) record(ctx workflow.Context, step activities.Step, channel, template, outcome string) {
	a.st.Deliveries = append(a.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: step.Name, Channel: channel, Template: template, Outcome: outcome})
}

func (a *absence) failed(ctx workflow.Context, step activities.Step, channel, template string, err error) {
	outcome := jobcore.FailureOutcome(err)
	a.record(ctx, step, channel, template, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	if channel == "email" {
		a.alertOps(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"job_id": a.st.ID, "step": step.Name, "channel": channel, "error_type": outcome})
	}
}

// textWorker sends an SMS to a colleague through the roster (no phone
// numbers in this history).
func (a *absence) textWorker(ctx workflow.Context, worker, name, template, summary string, data map[string]string) {
	step := a.step(name + "-" + worker)
	d := map[string]string{"timezone": a.in.Market.TimeZone(), "absence_id": a.st.ID}
	jobcore.MergeFields(d, data)
	msg := activities.Message{Template: template, Data: d}
	a.spawn(ctx, func(ctx workflow.Context) {
		var res activities.SMSResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)),
			absences.SendWorkerMessage, activities.WorkerMessageRequest{Step: step, WorkerID: worker, Message: msg}).Get(ctx, &res)
		if err != nil {
			a.failed(ctx, step, "sms", template, err)
			return
		}
		a.record(ctx, step, "sms", template, "sent")
	})
}

func (a *absence) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	step := a.step("ops-" + kind)
	d := map[string]string{"absence_id": a.st.ID, "kind": kind, "worker_id": a.in.WorkerID,
		"timezone": a.in.Market.TimeZone(), "status": string(a.st.Status)}
	jobcore.MergeFields(d, data)
	req := activities.OpsAlert{Step: step, Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}}
	a.spawn(ctx, func(ctx workflow.Context) {
		actx, _ := workflow.NewDisconnectedContext(ctx)
		var res activities.AlertResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res)
		if err != nil {
			a.failed(actx, step, "ops", template, err)
			return
		}
		a.record(actx, step, "ops", template, "sent")
	})
}
