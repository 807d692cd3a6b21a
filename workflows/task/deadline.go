package task

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- T-5 deadline ---------------------------------------------------------------

// armDeadline (re)starts the deadline coroutine for the current deadline;
// a moved deadline cancels the old timers first (T-6).
func (t *task) armDeadline(ctx workflow.Context) {
	t.stopDeadline()
	t.deadlineGen++
	dctx, cancel := workflow.WithCancel(ctx)
	t.cancelDeadline = cancel
	gen, deadline := t.deadlineGen, t.st.Deadline
	workflow.Go(dctx, func(ctx workflow.Context) { t.watchDeadline(ctx, gen, deadline) })
}

func (t *task) stopDeadline() {
	if t.cancelDeadline != nil {
		t.cancelDeadline()
		t.cancelDeadline = nil
	}
}

// watchDeadline warns the assistant DeadlineWarningLead ahead (T-5; skipped
// when the deadline is already that close when armed: the assistant just
// accepted or agreed it) and flags a missed deadline: refund eligible, ops
// alerted.
func (t *task) watchDeadline(ctx workflow.Context, gen int, deadline time.Time) {
	current := func() bool { return gen == t.deadlineGen && t.st.Status.Working() }
	warnAt := deadline.Add(-t.in.Policy.DeadlineWarningLead)
	warned := t.st.DeadlineWarnedAt != nil // a continued run: sent before (a moved deadline clears it)
	if warnAt.After(workflow.Now(ctx)) && !warned {
		if !taskSleep(ctx, warnAt.Sub(workflow.Now(ctx)), "deadline warning (T-5)") {
			return
		}
		if current() {
			now := workflow.Now(ctx)
			t.st.DeadlineWarnedAt = &now
			t.log(ctx, "deadline-warning", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, "deadline "+t.clock(deadline)+" (T-5)")
			t.emailAssistant(ctx, "deadline-warning", "assistant.deadline_warning", "deadline warning to the assistant (T-5)",
				map[string]string{"deadline": t.iso(deadline)}, current)
		}
	}
	if !taskSleep(ctx, deadline.Sub(workflow.Now(ctx)), "task deadline (T-5)") {
		return
	}
	if !current() {
		return
	}
	t.st.DeadlineMissed, t.st.RefundEligible = true, true
	t.log(ctx, "deadline-missed", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, "no hand-over by "+t.clock(deadline)+": full refund eligible (T-5)")
	t.publish(ctx)
	t.alertOps(ctx, "task_deadline_missed", "ops.task_deadline_missed", "deadline missed (T-5)",
		map[string]string{"deadline": t.iso(deadline), "assistant_id": t.st.AssistantID, "refund_eligible": "true"})
	if t.stallOK {
		t.watchOverdue(ctx, gen, deadline)
	}
}

// armOverdue restarts the escalations of a deadline missed in an earlier
// run (continue-as-new carries the count).
func (t *task) armOverdue(ctx workflow.Context) {
	t.stopDeadline()
	t.deadlineGen++
	dctx, cancel := workflow.WithCancel(ctx)
	t.cancelDeadline = cancel
	gen, deadline := t.deadlineGen, t.st.Deadline
	workflow.Go(dctx, func(ctx workflow.Context) { t.watchOverdue(ctx, gen, deadline) })
}

// watchOverdue: a missed deadline does not leave the task waiting without a
// timer (T-5, issue #13). Ops are alerted again every OverdueEscalation
// after the deadline; OverdueGiveUp after it a task still not handed over
// closes (TaskClosedDeadlineMissed) with a last alert. A hand-over, an
// agreed extension (a new deadline) or a close ends the watch. The times
// follow from the deadline and the count, so a continued run goes on where
// the last one stopped.
func (t *task) watchOverdue(ctx workflow.Context, gen int, deadline time.Time) {
	p := t.in.Policy.WithDefaults()
	current := func() bool { return gen == t.deadlineGen && t.st.Status.Working() }
	end := deadline.Add(p.OverdueGiveUp)
	for current() {
		next := deadline.Add(time.Duration(t.st.OverdueEscalations+1) * p.OverdueEscalation)
		closing := !next.Before(end)
		summary := fmt.Sprintf("missed deadline, escalation %d (T-5)", t.st.OverdueEscalations+1)
		if closing {
			next, summary = end, "task not handed over: closes (T-5)"
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait,
				TimerOptions: workflow.TimerOptions{Summary: summary}}, func() bool { return !current() })
			if err != nil || ok {
				return
			}
		}
		if !current() {
			return
		}
		data := map[string]string{"deadline": t.iso(deadline), "assistant_id": t.st.AssistantID, "refund_eligible": "true"}
		if closing {
			t.st.ClosedReason = TaskClosedDeadlineMissed
			t.setStatus(ctx, "closed-overdue", jobcore.Actor{Role: names.RoleSystem}, TaskClosed,
				fmt.Sprintf("not handed over %s after the missed deadline: closed (%s, T-5)", p.OverdueGiveUp, TaskClosedDeadlineMissed))
			data["closed"], data["closed_reason"] = "true", TaskClosedDeadlineMissed
			t.alertOps(ctx, "task_overdue_closed", "ops.task_deadline_missed", "overdue task closed (T-5)", data)
			return
		}
		t.st.OverdueEscalations++
		t.log(ctx, "overdue-escalated", jobcore.Actor{Role: names.RoleSystem}, t.st.Status,
			fmt.Sprintf("escalation %d: not handed over since %s (T-5)", t.st.OverdueEscalations, t.clock(deadline)))
		data["escalation"] = fmt.Sprint(t.st.OverdueEscalations)
		t.alertOps(ctx, "task_deadline_missed", "ops.task_deadline_missed", "missed deadline escalated (T-5)", data)
	}
}

// extraMinutes is the budget request's extra_minutes: "" (the text asks
// for more time without a number) unless the assistant named it (T-7).
func extraMinutes(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// --- T-6 extension ----------------------------------------------------------------

func (t *task) pendingExtension() *TaskExtension {
	for i := range t.st.Extensions {
		if t.st.Extensions[i].Status == ExtensionPending {
			return &t.st.Extensions[i]
		}
	}
	return nil
}

func (t *task) validateRequestExtension(ctx workflow.Context, r TaskExtensionRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() && !t.st.Status.Working() {
		return taskRefuse("the task is %s; an extension can be asked while it is in review or being worked on (T-6)", t.st.Status)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return taskRefuse("give the customer the reason for the extension (T-6)")
	}
	if !r.NewDeadline.After(t.st.Deadline) {
		return taskRefuse("the proposed deadline %s is not after the current one %s (T-6)", t.clock(r.NewDeadline), t.clock(t.st.Deadline))
	}
	if p := t.pendingExtension(); p != nil {
		return taskRefuse("extension request %d is still waiting for the customer's answer (until %s) (T-6)", p.ID, t.clock(p.ExpiresAt))
	}
	if len(t.st.Extensions) >= MaxTaskExtensions {
		return taskRefuse("the task had %d extension requests; ops agree a new plan with the customer (T-6)", MaxTaskExtensions)
	}
	return nil
}

func (t *task) requestExtension(ctx workflow.Context, r TaskExtensionRequest) (TaskUpdateResult, error) {
	now := workflow.Now(ctx)
	id := len(t.st.Extensions) + 1
	consentURL := fmt.Sprintf("%s/tasks/%s/extensions/%d", strings.TrimRight(t.in.LinkBase, "/"), t.st.ID, id)
	if t.in.ConsentToken != "" {
		consentURL += "?token=" + url.QueryEscape(t.in.ConsentToken)
	}
	ext := TaskExtension{
		ID: id, RequestedBy: r.Assistant, RequestedAt: now, Reason: r.Reason,
		CurrentDeadline: t.st.Deadline, ProposedDeadline: r.NewDeadline,
		ExpiresAt:  now.Add(t.in.Policy.ExtensionAnswerWindow),
		ConsentURL: consentURL,
		Status:     ExtensionPending,
	}
	t.st.Extensions = append(t.st.Extensions, ext)
	t.log(ctx, "extension-requested", jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}, t.st.Status,
		fmt.Sprintf("request %d: %s -> %s (T-6)", id, t.clock(ext.CurrentDeadline), t.clock(ext.ProposedDeadline)))
	t.notify(ctx, NoteExtensionRequest, "your assistant asks to move the deadline", 0, "")
	pendingStill := func() bool { return t.extension(id).Status == ExtensionPending }
	t.emailCustomer(ctx, fmt.Sprintf("extension-request-%d", id), "task.extension_request", "extension request to the customer (T-6)", map[string]string{
		"extension_id":      fmt.Sprint(id),
		"reason":            r.Reason,
		"deadline":          t.iso(ext.CurrentDeadline),
		"proposed_deadline": t.iso(ext.ProposedDeadline),
		"expires_at":        t.iso(ext.ExpiresAt),
		"consent_url":       ext.ConsentURL,
	}, pendingStill, nil)
	t.watchExtension(ctx, id)
	res := t.result()
	res.ExtensionID, res.ExtensionStatus, res.ExtensionExpiresAt = id, ext.Status, ext.ExpiresAt
	return res, nil
}

// watchExtension expires request id unanswered at its ExpiresAt (T-6);
// the old deadline stands.
func (t *task) watchExtension(ctx workflow.Context, id int) {
	pendingStill := func() bool { return t.extension(id).Status == ExtensionPending }
	wait := t.in.Policy.ExtensionAnswerWindow
	if t.canOK {
		wait = t.extension(id).ExpiresAt.Sub(workflow.Now(ctx)) // the same, or what is left of it in a continued run
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      wait,
				TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("extension %d answer window (T-6)", id)},
			}, func() bool { return !pendingStill() })
			if err != nil || ok {
				return
			}
		}
		if !pendingStill() {
			return
		}
		e := t.extension(id)
		e.Status = ExtensionExpired
		t.log(ctx, "extension-expired", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, fmt.Sprintf("request %d unanswered: deadline stays %s (T-6)", id, t.clock(t.st.Deadline)))
		t.emailAssistant(ctx, fmt.Sprintf("extension-expired-%d", id), "task.extension_answered", "extension expired (T-6)",
			map[string]string{"extension_id": fmt.Sprint(id), "outcome": ExtensionExpired, "deadline": t.iso(t.st.Deadline)}, nil)
	})
}

func (t *task) extension(id int) *TaskExtension { return &t.st.Extensions[id-1] }

func (t *task) validateRespondExtension(ctx workflow.Context, r TaskExtensionResponse) error {
	if r.ExtensionID < 1 || r.ExtensionID > len(t.st.Extensions) {
		return taskRefuse("there is no extension request %d (T-6)", r.ExtensionID)
	}
	if e := t.extension(r.ExtensionID); e.Status != ExtensionPending {
		return taskRefuse("extension request %d is already %s (T-6)", r.ExtensionID, e.Status)
	}
	if t.st.Status.Terminal() || t.st.Status == TaskHandedOver {
		return taskRefuse("the task is %s; its deadline no longer matters", t.st.Status)
	}
	return nil
}

func (t *task) respondExtension(ctx workflow.Context, r TaskExtensionResponse) (TaskUpdateResult, error) {
	now := workflow.Now(ctx)
	e := t.extension(r.ExtensionID)
	e.AnsweredAt, e.Note = &now, r.Note
	by := jobcore.Actor{Role: names.RoleCustomer, ID: t.st.AccountID}
	if r.Agree {
		e.Status = ExtensionAgreed
		t.st.Deadline = e.ProposedDeadline
		t.st.DeadlineWarnedAt = nil
		t.log(ctx, "extension-agreed", by, t.st.Status, fmt.Sprintf("request %d: deadline moved to %s (T-6)", e.ID, t.clock(t.st.Deadline)))
		if t.st.Status.Working() {
			t.armDeadline(ctx) // the deadline timer follows the new date
		}
		t.notify(ctx, NoteChanged, "the deadline was moved as you agreed", 0, "")
		t.publish(ctx)
	} else {
		e.Status = ExtensionDeclined
		t.log(ctx, "extension-declined", by, t.st.Status, fmt.Sprintf("request %d: deadline stays %s (T-6)", e.ID, t.clock(t.st.Deadline)))
	}
	t.emailAssistant(ctx, fmt.Sprintf("extension-answered-%d", e.ID), "task.extension_answered", "extension answer to the assistant (T-6)",
		map[string]string{"extension_id": fmt.Sprint(e.ID), "outcome": e.Status, "deadline": t.iso(t.st.Deadline)}, nil)
	res := t.result()
	res.ExtensionID, res.ExtensionStatus = e.ID, e.Status
	return res, nil
}

// --- T-7 budget -----------------------------------------------------------------------

// budgetLow: less than BudgetWarnPercent of the budget remains.
func (t *task) budgetLow(remaining int) bool {
	return remaining*100 < t.in.Policy.BudgetWarnPercent*t.st.BudgetMinutes
}

func (t *task) recomputeBudget() {
	t.st.RemainingMinutes = t.st.BudgetMinutes - t.st.UsedMinutes
	t.st.BudgetLow = t.budgetLow(t.st.RemainingMinutes) // a larger budget re-arms the request
}

func (t *task) validateLogTime(ctx workflow.Context, r TaskTimeEntryRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.Working() {
		return taskRefuse("the task is %s; time is recorded on an accepted task before the final hand-over (T-7)", t.st.Status)
	}
	if r.Minutes <= 0 {
		return taskRefuse("record a positive number of minutes (T-7)")
	}
	remaining := t.st.RemainingMinutes - r.Minutes
	if !t.st.BudgetLow && t.budgetLow(remaining) && strings.TrimSpace(r.Reason) == "" {
		return taskRefuse("this entry leaves %d of %d min (under %d %%): give the reason the customer is asked for more budget (T-7)",
			remaining, t.st.BudgetMinutes, t.in.Policy.BudgetWarnPercent)
	}
	return nil
}

func (t *task) logTime(ctx workflow.Context, r TaskTimeEntryRequest) (TaskUpdateResult, error) {
	t.st.TimeEntries = append(t.st.TimeEntries, TaskTimeEntry{At: workflow.Now(ctx), Assistant: r.Assistant, Minutes: r.Minutes, Note: r.Note})
	t.st.TimeEntriesTotal++
	if t.bounded {
		t.st.TimeEntries = jobcore.KeepNewest(t.st.TimeEntries, TaskTimeEntriesKeep)
	}
	t.st.UsedMinutes += r.Minutes
	wasLow := t.st.BudgetLow
	t.recomputeBudget()
	t.log(ctx, "time-logged", jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}, t.st.Status,
		fmt.Sprintf("%d min, %d of %d min left", r.Minutes, t.st.RemainingMinutes, t.st.BudgetMinutes))
	if !wasLow && t.st.BudgetLow {
		// T-7: once per crossing of the threshold, ask the customer for more.
		t.st.BudgetRequests++
		t.emailCustomer(ctx, fmt.Sprintf("budget-request-%d", t.st.BudgetRequests), "task.budget_request", "budget request to the customer (T-7)", map[string]string{
			"reason":            r.Reason,
			"budget_minutes":    fmt.Sprint(t.st.BudgetMinutes),
			"used_minutes":      fmt.Sprint(t.st.UsedMinutes),
			"remaining_minutes": fmt.Sprint(t.st.RemainingMinutes),
			"remaining_time":    rules.FormatMinutes(t.st.RemainingMinutes),
			"threshold_percent": fmt.Sprint(t.in.Policy.BudgetWarnPercent),
			"extra_minutes":     extraMinutes(r.ExtraMinutes),
		}, func() bool { return t.st.Status != TaskDeleted }, nil)
	}
	return t.result(), nil
}
