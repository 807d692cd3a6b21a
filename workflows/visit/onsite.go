package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- V-8..V-11: on the visit ---------------------------------------------

func (v *visit) validateStart(ctx workflow.Context, r StartRequest) error {
	if v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked visit can start; this one is %s", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if !r.RecordingNoticeGiven {
		return jobcore.Refuse("tell the customer again that the visit is recorded, then start (V-8)")
	}
	return nil
}

func (v *visit) start(ctx workflow.Context, r StartRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	v.st.StartedAt = &now
	v.endReminder()
	if v.cancelPromise != nil {
		v.cancelPromise() // V-5: started in time, no warning or breach follows
	}
	v.setStatus(ctx, "start", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusStarted, "recording notice repeated (V-8)")
	v.sendSMS(ctx, "start-notice", "visit.start_notice", "start notice (V-8)", nil)
	if workflow.GetVersion(ctx, visitCompletionChange, workflow.DefaultVersion, 1) == 1 {
		workflow.Go(ctx, v.watchCompletion)
	}
	return v.result(), nil
}

// visitCompletionChange is the GetVersion change id of the completion
// watch (issue #13). Before it, a visit started and never completed waited
// without a timer.
const visitCompletionChange = "visit-completion-watch"

// watchCompletion keeps a started visit on a timer (V-11, issue #13): ops
// are alerted CompletionDue after the start and again every
// BreachEscalation; CompletionGiveUp after the first alert the visit closes
// "unfinished" with a last alert. Completing or aborting ends the watch.
func (v *visit) watchCompletion(ctx workflow.Context) {
	p := v.in.Policy.WithDefaults()
	started := *v.st.StartedAt
	due := started.Add(p.CompletionDue)
	giveUp := due.Add(p.CompletionGiveUp)
	done := func() bool { return v.st.Status != StatusStarted }
	for level, next := 1, due; ; level++ {
		closing := !next.Before(giveUp)
		if closing {
			next = giveUp
		}
		summary := fmt.Sprintf("started visit not completed, level %d (V-11)", level)
		if closing {
			summary = "started visit never completed: closes (V-11)"
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait,
				TimerOptions: workflow.TimerOptions{Summary: summary}}, done)
			if err != nil || ok {
				return
			}
		}
		if done() {
			return
		}
		data := map[string]string{"started_at": started.Format(time.RFC3339), "level": fmt.Sprint(level)}
		if v.st.Holder != "" {
			data["buddy"] = v.st.Holder
		}
		if closing {
			data["closed"] = "true"
			v.setStatus(ctx, "unfinished", jobcore.Actor{Role: names.RoleSystem}, StatusUnfinished,
				fmt.Sprintf("started %s, not completed %s after the first alert: closed, ops settle it (V-11)", v.clock(started), p.CompletionGiveUp))
			v.alertOps(ctx, "visit_unfinished", "ops.visit_not_completed", "started visit closed unfinished (V-11)", data)
			return
		}
		v.logTransition(ctx, "not-completed", jobcore.Actor{Role: names.RoleSystem}, v.st.Status,
			fmt.Sprintf("level %d: started %s, not completed (V-11)", level, v.clock(started)))
		v.alertOps(ctx, "visit_not_completed", "ops.visit_not_completed", "started visit not completed (V-11)", data)
		next = next.Add(p.BreachEscalation)
	}
}

func (v *visit) validatePanic(ctx workflow.Context, r PanicRequest) error {
	if v.st.Status != StatusStarted {
		return jobcore.Refuse("the panic button works during a started visit (V-9)")
	}
	return v.mustHold(r.Buddy)
}

func (v *visit) panicButton(ctx workflow.Context, r PanicRequest) (VisitUpdateResult, error) {
	v.st.Panics++
	v.logTransition(ctx, "panic", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, v.st.Status, "the person on duty calls back within a minute (V-9)")
	v.alertOps(ctx, "panic", "ops.panic", "panic button: call the buddy back (V-9)", map[string]string{"buddy_id": r.Buddy})
	return v.result(), nil
}

func (v *visit) validateAbort(ctx workflow.Context, r AbortRequest) error {
	if v.st.Status != StatusStarted && v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked or started visit can be aborted; this one is %s (V-10)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Reason == "" {
		return jobcore.Refuse("say why you left (unsafe, illegal, other) so ops can act (V-10)")
	}
	return nil
}

func (v *visit) abort(ctx workflow.Context, r AbortRequest) (VisitUpdateResult, error) {
	v.endTimers()
	v.setStatus(ctx, "abort", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusAborted, "buddy left; ops told at once (V-10)")
	v.alertOps(ctx, "abort", "ops.abort", "abort alert (V-10)", map[string]string{"buddy": r.Buddy, "reason": r.Reason})
	return v.result(), nil
}

func (v *visit) validateComplete(ctx workflow.Context, r CompleteRequest) error {
	if v.st.Status != StatusStarted {
		return jobcore.Refuse("only a started visit can be completed; this one is %s (V-11)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if len(r.Checklist) == 0 {
		return jobcore.Refuse("go through the checklist before ending the visit (V-11)")
	}
	for _, item := range r.Checklist {
		if !item.Done {
			return jobcore.Refuse("checklist item %q is not done (V-11)", item.Item)
		}
	}
	if !r.SatisfactionAsked {
		return jobcore.Refuse("ask the customer whether they are satisfied before ending the visit (V-11)")
	}
	if r.WorkedMinutes < 0 || r.MileageKm < 0 {
		return jobcore.Refuse("worked minutes and mileage cannot be negative")
	}
	return nil
}

func (v *visit) complete(ctx workflow.Context, r CompleteRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	worked := now.Sub(*v.st.StartedAt)
	if r.WorkedMinutes > 0 {
		worked = time.Duration(r.WorkedMinutes) * time.Minute
	}
	done := r
	done.WorkedMinutes = int(worked / time.Minute)
	v.st.Completion, v.st.CompletedAt = &done, &now
	v.st.BillableMin = rules.BillableMinutes(worked) // V-11: at least one hour
	pay := rules.BuddyPay(v.st.BillableMin, r.MileageKm, false)
	v.st.Pay = &pay // V-13: mileage counts once ops confirm it
	v.setStatus(ctx, "complete", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusCompleted,
		fmt.Sprintf("worked %d min, billed %d min (V-11)", done.WorkedMinutes, v.st.BillableMin))
	return v.result(), nil
}
