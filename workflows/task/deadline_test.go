package task

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// --- T-5 ------------------------------------------------------------------------

func TestT5_DeadlineWarningThenRefundFlagAndOpsAlert(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00") // Friday
	h := newTaskHarness(t, start)
	rating.Register(h.env) // 2 stars start the follow-up child (rating.go)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	before := h.query(berlin("2026-03-13 14:59"))
	after := h.query(berlin("2026-03-13 15:01"))
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	rated := h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 2})
	decided := h.decideFollowUp(berlin("2026-03-16 11:00"), TaskWorkflowID("42"))
	st := h.runTask(newTaskInput(start, deadline))

	warn := oneSend(t, h.ch, "assistant.deadline_warning")
	sameTime(t, "deadline warning", warn.At, berlin("2026-03-11 15:00")) // 48 h ahead, inside the e-mail window
	if warn.To != "vpa7@example.test" || warn.Data["deadline"] != "2026-03-13T15:00:00+01:00" {
		t.Fatalf("warning %+v", warn)
	}
	if before.RefundEligible || !after.RefundEligible || !after.DeadlineMissed {
		t.Fatalf("refund flag before %v after %v", before.RefundEligible, after.RefundEligible)
	}
	missed := firstAlert(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed alert", missed.At, deadline)
	if missed.Data["refund_eligible"] != "true" || missed.Data["task_id"] != "task-42" {
		t.Fatalf("alert data %+v", missed.Data)
	}
	if !st.RefundEligible {
		t.Fatal("refund flag lost")
	}
	// 2 stars start the follow-up, which alerts the team lead once; the
	// task itself sends nothing of its own about the rating.
	mustAccept(t, "rate", rated)
	low := oneSend(t, h.ch, "ops.rating_low")
	sameTime(t, "team lead alert", low.At, berlin("2026-03-16 10:10"))
	if low.Data["job_id"] != "task-42" || low.Data["stars"] != "2" {
		t.Fatalf("alert data %+v", low.Data)
	}
	if len(h.ch.of("ops.task_low_rating")) != 0 {
		t.Fatal("the task alerted the team lead itself besides the follow-up")
	}
	if !*decided {
		t.Fatal("the team lead could not decide on the follow-up")
	}
	if !hasLog(st, "rating-followup") {
		t.Fatalf("no rating-followup line in the log %+v", st.Log)
	}
}

// decideFollowUp records the team lead's decision on the task's R-2
// follow-up at `when` (the follow-up outlives the task; the decision ends it).
func (h *taskHarness) decideFollowUp(when time.Time, taskWorkflowID string) *bool {
	ok := new(bool)
	h.at(when, func() {
		err := h.env.UpdateWorkflowByID(rating.RatingFollowUpID(taskWorkflowID), rating.UpdateRatingDecide, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(_ any, err error) { *ok = err == nil },
		}, rating.RatingDecideRequest{TeamLead: "tl-1", Decision: "talk to vpa-7", Answer: "Entschuldigung"})
		if err != nil {
			h.t.Errorf("decide: %v", err)
		}
	})
	return ok
}

func hasLog(st TaskState, action string) bool {
	for _, l := range st.Log {
		if l.Action == action {
			return true
		}
	}
	return false
}

func TestT5_HandoverInTimeNoRefund(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-12 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	st := h.runTask(newTaskInput(start, berlin("2026-03-13 15:00")))
	if st.RefundEligible || len(h.ch.of("ops.task_deadline_missed")) != 0 {
		t.Fatal("handed over in time, yet flagged")
	}
	if st.Status != TaskClosed {
		t.Fatalf("unrated task: status %s, want closed after the rating window", st.Status)
	}
}

// --- T-6 ------------------------------------------------------------------------

func TestT6_ExtensionDeclinedKeepsOldDeadline(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	req := h.update(berlin("2026-03-10 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "Quelle fehlt", NewDeadline: berlin("2026-03-18 15:00")})
	second := h.update(berlin("2026-03-10 11:05"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "again", NewDeadline: berlin("2026-03-19 15:00")})
	dec := h.update(berlin("2026-03-10 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: false})
	again := h.update(berlin("2026-03-10 12:05"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 4})
	st := h.runTask(newTaskInput(start, deadline))

	mustAccept(t, "request", req)
	mustRefuse(t, "second request while pending", second, "still waiting")
	mustAccept(t, "decline", dec)
	mustRefuse(t, "answer twice", again, "already declined")
	mail := oneSend(t, h.ch, "task.extension_request")
	sameTime(t, "extension e-mail", mail.At, berlin("2026-03-10 11:00"))
	if mail.Data["consent_url"] != "https://app.example.test/tasks/task-42/extensions/1" ||
		mail.Data["proposed_deadline"] != "2026-03-18T15:00:00+01:00" || mail.Data["reason"] != "Quelle fehlt" {
		t.Fatalf("extension e-mail data %+v", mail.Data)
	}
	sameTime(t, "deadline", st.Deadline, deadline)
	missed := firstAlert(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed at the old deadline", missed.At, deadline)
	if st.Extensions[0].Status != ExtensionDeclined || !st.RefundEligible {
		t.Fatalf("extension %+v refund %v", st.Extensions[0], st.RefundEligible)
	}
}

func TestT6_ExtensionAgreedMovesDeadlineAndTimer(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	old, moved := berlin("2026-03-13 15:00"), berlin("2026-03-18 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-12 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "Kunde liefert später", NewDeadline: moved})
	agree := h.update(berlin("2026-03-12 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	atOld := h.query(berlin("2026-03-13 15:01"))
	h.update(berlin("2026-03-19 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-19 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, old))

	mustAccept(t, "agree", agree)
	sameTime(t, "deadline after agreement", agree.res.Deadline, moved)
	if atOld.RefundEligible {
		t.Fatal("the old deadline still fired after the customer agreed")
	}
	missed := firstAlert(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed at the new deadline", missed.At, moved)
	warns := h.ch.of("assistant.deadline_warning")
	if len(warns) != 2 {
		t.Fatalf("%d deadline warnings, want one per deadline", len(warns))
	}
	sameTime(t, "warning for the old deadline", warns[0].At, berlin("2026-03-11 15:00"))
	sameTime(t, "warning for the new deadline", warns[1].At, berlin("2026-03-16 15:00"))
	if st.OriginalDeadline != old && !st.OriginalDeadline.Equal(old) {
		t.Fatal("original deadline lost")
	}
}

func TestT6_UnansweredRequestExpiresAndASecondOneWorks(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	old := berlin("2026-03-27 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-10 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r1", NewDeadline: berlin("2026-03-30 15:00")})
	expired := h.query(berlin("2026-03-13 11:01")) // 72 h later
	late := h.update(berlin("2026-03-13 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	h.update(berlin("2026-03-16 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r2", NewDeadline: berlin("2026-04-01 15:00")})
	agree := h.update(berlin("2026-03-16 13:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 2, Agree: true})
	h.update(berlin("2026-03-17 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r3", NewDeadline: berlin("2026-04-08 15:00")})
	h.update(berlin("2026-03-17 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 3, Agree: true})
	h.update(berlin("2026-03-20 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-20 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, old))

	if expired.Extensions[0].Status != ExtensionExpired || !expired.Deadline.Equal(old) {
		t.Fatalf("after 72 h: %+v deadline %s", expired.Extensions[0], expired.Deadline)
	}
	mustRefuse(t, "answer after expiry", late, "already expired")
	mustAccept(t, "agree to the second", agree)
	sameTime(t, "deadline after the third", st.Deadline, berlin("2026-04-08 15:00"))
	if n := len(h.ch.of("task.extension_request")); n != 3 {
		t.Fatalf("%d extension e-mails, want 3", n)
	}
	if got := h.ch.of("task.extension_request")[2].Data["consent_url"]; got != "https://app.example.test/tasks/task-42/extensions/3" {
		t.Fatalf("third consent url %q", got)
	}
	if st.RefundEligible || len(h.ch.of("ops.task_deadline_missed")) != 0 {
		t.Fatal("deadline flagged")
	}
}

// T-6: the consent link carries the API's signed token (TaskInput.ConsentToken)
// for every request; the token is reusable, the answer is not: a second
// answer to the same request is refused, whatever it says.
func TestT6_ConsentLinkCarriesTheTokenAndAnswersOnce(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	in.ConsentToken = "tok.sig-_"
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	req := h.update(berlin("2026-03-10 10:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "more sources", NewDeadline: berlin("2026-03-27 15:00")})
	requested := h.query(berlin("2026-03-10 10:01"))
	agree := h.update(berlin("2026-03-10 11:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	again := h.update(berlin("2026-03-10 11:01"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: false})
	h.update(berlin("2026-03-11 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-11 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(in)

	mustAccept(t, "request", req)
	want := "https://app.example.test/tasks/task-42/extensions/1?token=tok.sig-_"
	if req.res.ExtensionID != 1 || req.res.ExtensionStatus != ExtensionPending || req.res.ExtensionExpiresAt.IsZero() {
		t.Fatalf("request answered %+v", req.res)
	}
	if got := requested.Extensions[0].ConsentURL; got != want {
		t.Fatalf("consent url %q, want %q", got, want)
	}
	if got := oneSend(t, h.ch, "task.extension_request").Data; got["consent_url"] != want || got["task_title"] != in.Title {
		t.Fatalf("e-mail data %+v", got)
	}
	mustAccept(t, "agree", agree)
	mustRefuse(t, "second answer", again, "already agreed")
	sameTime(t, "deadline", st.Deadline, berlin("2026-03-27 15:00"))
}

// --- T-7 ------------------------------------------------------------------------

func TestT7_BudgetRequestOncePerCrossingWithReason(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-27 15:00"))
	in.BudgetMinutes = 100 // threshold: less than 20 min left
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	e1 := h.update(berlin("2026-03-09 12:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 80})
	noReason := h.update(berlin("2026-03-09 13:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5})
	e2 := h.update(berlin("2026-03-09 13:05"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5, Reason: "Mehr Quellen als erwartet", ExtraMinutes: 60})
	e3 := h.update(berlin("2026-03-09 14:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 10})
	more := h.update(berlin("2026-03-09 15:00"), TaskUpdateChange, TaskChangeRequest{By: taskCustomer, BudgetMinutes: intp(200)})
	e4 := h.update(berlin("2026-03-10 10:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 70, Reason: "Zweite Runde"})
	h.update(berlin("2026-03-10 12:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	afterFinal := h.update(berlin("2026-03-10 12:30"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5})
	h.update(berlin("2026-03-10 13:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(in)

	mustAccept(t, "80 min", e1)
	mustRefuse(t, "crossing without reason", noReason, "give the reason")
	mustAccept(t, "crossing with reason", e2)
	mustAccept(t, "already low", e3)
	mustAccept(t, "customer adds budget", more)
	mustAccept(t, "crossing again", e4)
	mustRefuse(t, "after the final hand-over", afterFinal, "before the final hand-over")
	asks := h.ch.of("task.budget_request")
	if len(asks) != 2 {
		t.Fatalf("%d budget requests, want 2 (one per crossing)", len(asks))
	}
	sameTime(t, "first ask", asks[0].At, berlin("2026-03-09 13:05"))
	if asks[0].Data["extra_minutes"] != "60" || asks[1].Data["extra_minutes"] != "" {
		t.Fatalf("T-7: the ask says how much more time (issue #14): %q / %q", asks[0].Data["extra_minutes"], asks[1].Data["extra_minutes"])
	}
	if asks[0].Data["reason"] != "Mehr Quellen als erwartet" || asks[0].Data["remaining_minutes"] != "15" {
		t.Fatalf("first ask %+v", asks[0].Data)
	}
	if asks[1].Data["reason"] != "Zweite Runde" || asks[1].Data["remaining_minutes"] != "35" || asks[1].Data["budget_minutes"] != "200" {
		t.Fatalf("second ask %+v", asks[1].Data)
	}
	if st.UsedMinutes != 165 || st.RemainingMinutes != 35 || st.BudgetRequests != 2 {
		t.Fatalf("budget state used %d remaining %d requests %d", st.UsedMinutes, st.RemainingMinutes, st.BudgetRequests)
	}
}

func intp(i int) *int { return &i }

// T-5, issue #13: a missed deadline does not leave the task waiting without
// a timer: ops are alerted again every OverdueEscalation and OverdueGiveUp
// after the deadline a task still not handed over closes with ClosedReason
// deadline_missed (TaskStatus 'closed:deadline_missed') and a last alert.
func TestT5_MissedDeadlineEscalatesThenClosesWithReason(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	in := newTaskInput(start, deadline)
	p := in.Policy.WithDefaults()
	st := h.runTask(in)

	assert.Equal(t, TaskClosed, st.Status)
	assert.Equal(t, TaskClosedDeadlineMissed, st.ClosedReason)
	assert.True(t, st.RefundEligible)
	alerts := h.ch.of("ops.task_deadline_missed")
	escalations := int(p.OverdueGiveUp/p.OverdueEscalation) - 1
	require.Len(t, alerts, 1+escalations+1, "the first alert, the escalations, the closing alert")
	assert.Equal(t, "1", alerts[1].Data["escalation"])
	sameTime(t, "first escalation", alerts[1].At, deadline.Add(p.OverdueEscalation))
	last := alerts[len(alerts)-1]
	assert.Equal(t, "true", last.Data["closed"])
	sameTime(t, "closed", last.At, deadline.Add(p.OverdueGiveUp))
	assert.Equal(t, escalations, st.OverdueEscalations)
}

// T-1, issue #13: questions asked in time are a reaction, but a task never
// accepted does not wait without a timer: ReviewGiveUp after the reaction
// time it closes unreviewed (review_not_done) and ops are told.
func TestT1_QuestionsNeverAnsweredCloseAfterTheGiveUp(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 11:00"), TaskUpdateAskQuestions, TaskQuestionsRequest{Assistant: "vpa-7", Questions: "Welche Region?"})
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	p := in.Policy.WithDefaults()
	st := h.runTask(in)

	assert.Equal(t, TaskClosed, st.Status)
	assert.Equal(t, TaskClosedReviewNotDone, st.ClosedReason)
	closed := h.ch.of("ops.task_review_overdue")
	require.Len(t, closed, 1, "no overdue alert (the questions were a reaction), one closing alert")
	assert.Equal(t, "true", closed[0].Data["closed"])
	sameTime(t, "closed", closed[0].At, st.ReviewDeadline.Add(p.ReviewGiveUp))
}

// Issue #13: extensions and hand-overs are numbered, not trimmed, so their
// count is capped: past MaxTaskHandovers-1 intermediate results only the
// final one is taken, and extension requests past MaxTaskExtensions are
// refused.
func TestT6_T8_ExtensionsAndHandoversAreCapped(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	at := berlin("2026-03-09 11:00")
	for i := 1; i < MaxTaskHandovers; i++ {
		h.update(at.Add(time.Duration(i)*time.Second), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7"})
	}
	for i := 1; i <= MaxTaskExtensions; i++ {
		when := at.Add(time.Duration(i) * time.Minute)
		h.update(when, TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "Quelle fehlt", NewDeadline: berlin("2026-03-20 15:00").Add(time.Duration(i) * time.Hour)})
		h.update(when.Add(10*time.Second), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: i, Agree: false})
	}
	tooMany := h.update(at.Add(50*time.Minute), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "noch einmal", NewDeadline: berlin("2026-04-20 15:00")})
	over := h.update(at.Add(time.Hour), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7"})
	final := h.update(at.Add(time.Hour+time.Second), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustRefuse(t, "an extension request past the cap", tooMany, "extension requests")
	assert.Len(t, st.Extensions, MaxTaskExtensions)
	mustRefuse(t, "an intermediate result past the cap", over, "hand over the final one")
	mustAccept(t, "the final result", final)
	assert.Len(t, st.Handovers, MaxTaskHandovers)
}
