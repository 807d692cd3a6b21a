package task

import (
	"fmt"
	"strings"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- T-1 review ------------------------------------------------------------

func (t *task) watchReview(ctx workflow.Context) {
	t.reviewDeadline(ctx)
	if t.stallOK {
		t.watchStalledReview(ctx)
	}
}

// watchStalledReview: questions asked or the review delegated in time are
// a reaction (T-1), but the task still waits to be accepted; ReviewGiveUp
// after the reaction time it closes unreviewed (issue #13: no task waits
// without a timer), and ops are told.
func (t *task) watchStalledReview(ctx workflow.Context) {
	if !t.st.Status.InReview() {
		return
	}
	p := t.in.Policy.WithDefaults()
	end := t.st.ReviewDeadline.Add(p.ReviewGiveUp)
	if wait := end.Sub(workflow.Now(ctx)); wait > 0 {
		ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait,
			TimerOptions: workflow.TimerOptions{Summary: "task not accepted: closes (T-1)"}}, func() bool { return !t.st.Status.InReview() })
		if err != nil || ok {
			return
		}
	}
	if !t.st.Status.InReview() {
		return
	}
	t.st.ClosedReason = TaskClosedReviewNotDone
	t.stopDeadline()
	t.setStatus(ctx, "closed-unreviewed", jobcore.Actor{Role: names.RoleSystem}, TaskClosed,
		fmt.Sprintf("still %s %s after the reaction time, not accepted: closed (%s, T-1)", t.st.Status, p.ReviewGiveUp, TaskClosedReviewNotDone))
	t.alertOps(ctx, "task_review_closed", "ops.task_review_overdue", "task not accepted closed (T-1)",
		map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline), "deadline": t.iso(t.st.ReviewDeadline),
			"assistant_id": t.st.AssistantID, "closed": "true", "closed_reason": TaskClosedReviewNotDone})
}

// reviewDeadline alerts a review not reacted to by the reaction time and,
// with escOK, escalates it until it is reviewed or closes (T-1, T-2).
func (t *task) reviewDeadline(ctx workflow.Context) {
	wait := t.st.ReviewDeadline.Sub(workflow.Now(ctx))
	reacted := func() bool { return t.st.Status != TaskReview }
	if !t.st.ReviewOverdue { // a continued run: alerted before, go on escalating
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "review deadline (T-2)"},
			}, reacted)
			if err != nil || ok {
				return
			}
		}
		if reacted() {
			return
		}
		t.st.ReviewOverdue = true
		t.log(ctx, "review-overdue", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, "not reviewed by "+t.clock(t.st.ReviewDeadline)+" (T-1)")
		t.publish(ctx)
		t.alertOps(ctx, "task_review_overdue", "ops.task_review_overdue", "review overdue (T-1)",
			map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline), "deadline": t.iso(t.st.ReviewDeadline), "assistant_id": t.st.AssistantID})
	}
	if t.escOK {
		t.escalateReview(ctx, reacted)
	}
}

// escalateReview: an unreviewed task never just waits (T-1). Ops are
// alerted again ReviewEscalation, 2×ReviewEscalation, ... after the
// reaction time ran out; ReviewGiveUp after it the task closes unreviewed
// with ClosedReason TaskClosedReviewNotDone, and ops are told. The times
// follow from the review deadline and the count, so a continued run goes on
// where the last one stopped.
func (t *task) escalateReview(ctx workflow.Context, reacted func() bool) {
	every, giveUp := t.in.Policy.ReviewEscalation, t.in.Policy.ReviewGiveUp
	if every <= 0 || giveUp <= 0 { // a policy from before these numbers (P-1)
		every, giveUp = rules.DefaultPolicy().ReviewEscalation, rules.DefaultPolicy().ReviewGiveUp
	}
	end := t.st.ReviewDeadline.Add(giveUp)
	for !reacted() {
		next := t.st.ReviewDeadline.Add(time.Duration(t.st.ReviewEscalations+1) * every)
		closing := !next.Before(end)
		if closing {
			next = end
		}
		summary := fmt.Sprintf("review escalation %d (T-1)", t.st.ReviewEscalations+1)
		if closing {
			summary = "unreviewed task closes (T-1)"
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: summary},
			}, reacted)
			if err != nil || ok {
				return
			}
		}
		if reacted() {
			return
		}
		data := map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline), "deadline": t.iso(t.st.ReviewDeadline),
			"assistant_id": t.st.AssistantID}
		if closing {
			t.st.ClosedReason = TaskClosedReviewNotDone
			t.stopDeadline()
			t.setStatus(ctx, "closed-unreviewed", jobcore.Actor{Role: names.RoleSystem}, TaskClosed,
				fmt.Sprintf("not reviewed %s after the reaction time, %d escalations: closed (%s, T-1)", giveUp, t.st.ReviewEscalations, TaskClosedReviewNotDone))
			data["closed"], data["closed_reason"] = "true", TaskClosedReviewNotDone
			t.alertOps(ctx, "task_review_closed", "ops.task_review_overdue", "unreviewed task closed (T-1)", data)
			return
		}
		t.st.ReviewEscalations++
		t.log(ctx, "review-escalated", jobcore.Actor{Role: names.RoleSystem}, t.st.Status,
			fmt.Sprintf("escalation %d: still not reviewed since %s (T-1)", t.st.ReviewEscalations, t.clock(t.st.ReviewDeadline)))
		t.publish(ctx)
		data["escalation"] = fmt.Sprint(t.st.ReviewEscalations)
		t.alertOps(ctx, fmt.Sprintf("task_review_escalation_%d", t.st.ReviewEscalations), "ops.task_review_overdue",
			fmt.Sprintf("review escalation %d (T-1)", t.st.ReviewEscalations), data)
	}
}

func (t *task) validateRelease(ctx workflow.Context, r TaskReleaseRequest) error {
	if r.Ops == "" {
		return taskRefuse("name the ops person releasing the task (T-3)")
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; a release is only needed while it is in review (T-3)", t.st.Status)
	}
	a, err := rules.ParseWorkArea(string(r.Area))
	if err != nil {
		return taskRefuse("%v", err)
	}
	if !a.NeedsOpsRelease() {
		return taskRefuse("%s is not a specialist area; only front desk, sales and design need a release (T-3)", a)
	}
	return nil
}

func (t *task) release(ctx workflow.Context, r TaskReleaseRequest) (TaskUpdateResult, error) {
	a, _ := rules.ParseWorkArea(string(r.Area))
	t.st.ReleasedArea, t.st.ReleasedBy = a, r.Ops
	t.log(ctx, "released", jobcore.Actor{Role: names.RoleOps, ID: r.Ops}, t.st.Status, string(a)+" released by ops (T-3)")
	t.publish(ctx)
	return t.result(), nil
}

// mayReview: the assistant, or the team lead the review was delegated to.
func (t *task) mayReview(by jobcore.Actor) error {
	switch {
	case by.ID == "":
		return taskRefuse("name who acts on the task")
	case by.ID == t.st.AssistantID:
		return nil
	case t.st.Status == TaskDelegated && by.ID == t.st.TeamLead:
		return nil
	}
	return taskRefuse("%s is neither the task's assistant nor the team lead it was delegated to", by.ID)
}

func (t *task) validateAccept(ctx workflow.Context, r TaskAcceptRequest) error {
	if err := t.mayReview(r.By); err != nil {
		return err
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; only a task in review can be accepted (T-1)", t.st.Status)
	}
	a, err := rules.ParseWorkArea(string(r.Area))
	if err != nil {
		return taskRefuse("%v (T-3)", err)
	}
	if a.NeedsOpsRelease() && t.st.ReleasedArea != a {
		return taskRefuse("%s is a specialist task: ops must release it before it is accepted (T-3)", a)
	}
	return nil
}

func (t *task) accept(ctx workflow.Context, r TaskAcceptRequest) (TaskUpdateResult, error) {
	a, _ := rules.ParseWorkArea(string(r.Area))
	t.st.WorkArea = a
	t.st.CustomerFactor, t.st.AssistantFactor = a.CustomerFactor().String(), a.AssistantFactor().String()
	t.st.CustomerBudgetMinutes = rules.CustomerMinutes(a, t.st.BudgetMinutes)
	t.setStatus(ctx, "accepted", r.By, TaskAccepted, "work area "+string(a)+" (T-3)")
	t.notify(ctx, NoteAccepted, "your task was accepted", 0, "")
	if a.TellsCustomerFactor() {
		// T-3: marketing tells the customer the factor and what the budget costs.
		t.emailCustomer(ctx, "marketing-factor", "task.marketing_factor", "marketing factor message (T-3)", map[string]string{
			"factor":           t.st.CustomerFactor,
			"work_minutes":     fmt.Sprint(t.st.BudgetMinutes),
			"work_time":        rules.FormatMinutes(t.st.BudgetMinutes),
			"customer_minutes": fmt.Sprint(t.st.CustomerBudgetMinutes),
			"budget_minutes":   fmt.Sprint(t.st.CustomerBudgetMinutes), // what the work costs the budget (T-3)
			"customer_time":    rules.FormatMinutes(t.st.CustomerBudgetMinutes),
		}, func() bool { return t.st.Status != TaskDeleted }, nil)
	}
	t.armDeadline(ctx) // T-5: the deadline is a contract from acceptance
	return t.result(), nil
}

func (t *task) validateAskQuestions(ctx workflow.Context, r TaskQuestionsRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; questions before acceptance belong to the review (T-1)", t.st.Status)
	}
	if strings.TrimSpace(r.Questions) == "" {
		return taskRefuse("write the questions for the customer (T-1)")
	}
	return nil
}

func (t *task) askQuestions(ctx workflow.Context, r TaskQuestionsRequest) (TaskUpdateResult, error) {
	by := jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}
	t.setStatus(ctx, "asked-questions", by, TaskQuestions, "")
	res := t.result()
	// The review questions are the task's own text (T-1), not the partner
	// app's chat: they stay, bounded by the API's length limit and the cap.
	res.ChatMessageID, res.NotificationID = t.addChat(ctx, TaskChatMessage{From: by, Text: r.Questions})
	return res, nil
}

func (t *task) validateDelegate(ctx workflow.Context, r TaskDelegateRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() || t.st.Status == TaskDelegated {
		return taskRefuse("the task is %s; only a task in review can be delegated to the team lead (T-1)", t.st.Status)
	}
	if r.TeamLead == "" {
		return taskRefuse("name the team lead (T-1)")
	}
	return nil
}

func (t *task) delegate(ctx workflow.Context, r TaskDelegateRequest) (TaskUpdateResult, error) {
	t.st.TeamLead = r.TeamLead
	t.setStatus(ctx, "delegated", jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}, TaskDelegated, "to team lead "+r.TeamLead+": "+r.Reason)
	return t.result(), nil
}

// --- T-4 delete --------------------------------------------------------------

func (t *task) validateDelete(ctx workflow.Context, r TaskDeleteRequest) error {
	if r.By.Role != names.RoleCustomer && r.By.Role != names.RoleOps {
		return taskRefuse("only the customer or ops can delete a task (T-4)")
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s: a task can be deleted only while in review; once accepted it can only be handed over (T-4)", t.st.Status)
	}
	return nil
}

func (t *task) delete(ctx workflow.Context, r TaskDeleteRequest) (TaskUpdateResult, error) {
	t.setStatus(ctx, "deleted", r.By, TaskDeleted, r.Reason)
	t.accountForget(ctx) // N-1: its notifications leave the account's digest (account_notify.go)
	t.stopDeadline()
	return t.result(), nil
}

// --- work ---------------------------------------------------------------------

func (t *task) validateStart(ctx workflow.Context, r TaskStartRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if t.st.Status != TaskAccepted {
		return taskRefuse("the task is %s; only an accepted task can be started", t.st.Status)
	}
	return nil
}

func (t *task) start(ctx workflow.Context, r TaskStartRequest) (TaskUpdateResult, error) {
	t.setStatus(ctx, "started", jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}, TaskStarted, "")
	t.notify(ctx, NoteStarted, "work on your task has started", 0, "")
	return t.result(), nil
}

func (t *task) validateChange(ctx workflow.Context, r TaskChangeRequest) error {
	if r.By.ID == "" && r.By.Role != names.RoleCustomer {
		return taskRefuse("name who changes the task")
	}
	if r.By.Role == names.RoleAssistant && r.By.ID != t.st.AssistantID {
		return taskRefuse("%s is not the task's assistant", r.By.ID)
	}
	if t.st.Status.Terminal() || t.st.Status == TaskHandedOver {
		return taskRefuse("the task is %s and can no longer be changed", t.st.Status)
	}
	if r.Title == nil && r.Description == nil && r.BudgetMinutes == nil {
		return taskRefuse("nothing to change: give a title, description or budget (the deadline moves only by an agreed extension, T-6)")
	}
	if r.Title != nil && strings.TrimSpace(*r.Title) == "" {
		return taskRefuse("the title cannot be empty")
	}
	if r.BudgetMinutes != nil && *r.BudgetMinutes <= 0 {
		return taskRefuse("the budget must be positive minutes (T-7)")
	}
	return nil
}

func (t *task) change(ctx workflow.Context, r TaskChangeRequest) (TaskUpdateResult, error) {
	var what []string
	if r.Title != nil {
		t.st.Title = *r.Title
		what = append(what, "title")
	}
	if r.Description != nil {
		t.st.Description = *r.Description
		what = append(what, "description")
	}
	if r.BudgetMinutes != nil {
		t.st.BudgetMinutes = *r.BudgetMinutes
		if t.st.WorkArea != "" {
			t.st.CustomerBudgetMinutes = rules.CustomerMinutes(t.st.WorkArea, t.st.BudgetMinutes)
		}
		t.recomputeBudget()
		what = append(what, fmt.Sprintf("budget %d min", t.st.BudgetMinutes))
	}
	note := strings.Join(what, ", ")
	t.log(ctx, "changed", r.By, t.st.Status, note)
	if r.By.Role != names.RoleCustomer {
		t.notify(ctx, NoteChanged, "your task was changed: "+note, 0, "")
	}
	t.publish(ctx)
	return t.result(), nil
}
