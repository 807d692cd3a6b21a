package task

import (
	"testing"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

// --- T-1, T-2 -------------------------------------------------------------------

func TestT1_AckNamesTheReviewDeadline(t *testing.T) {
	start := berlin("2026-03-09 10:00") // Monday
	h := newTaskHarness(t, start)
	del := h.update(berlin("2026-03-09 11:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer, Reason: "created by mistake"})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	ack := oneSend(t, h.ch, "task.ack")
	sameTime(t, "ack", ack.At, start)
	if got, want := ack.Data["review_deadline"], "2026-03-09T18:00:00+01:00"; got != want {
		t.Fatalf("ack names review deadline %q, want %q", got, want)
	}
	if ack.To != "erika@example.test" || ack.Step != "task-42/ack-1" {
		t.Fatalf("ack to %q step %q", ack.To, ack.Step)
	}
	mustAccept(t, "delete", del)
	if st.Status != TaskDeleted {
		t.Fatalf("status %s, want deleted", st.Status)
	}
	sameTime(t, "review deadline", st.ReviewDeadline, berlin("2026-03-09 18:00"))
	if len(st.Log) != 2 || st.Log[1].Action != "deleted" || st.Log[1].By != taskCustomer || st.Log[1].From != TaskReview {
		t.Fatalf("log %+v", st.Log)
	}
}

// The example: Thursday before Easter, 15:00, Germany -> Tuesday 12:00;
// nobody reviews, so ops hear of it at that moment.
func TestT2_ReviewDeadlineOverEasterAndOverdueEscalates(t *testing.T) {
	start := berlin("2026-04-02 15:00")
	h := newTaskHarness(t, start)
	q := h.query(berlin("2026-04-02 15:01"))
	del := h.update(berlin("2026-04-07 13:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskOps, Reason: "duplicate"})
	st := h.runTask(newTaskInput(start, berlin("2026-04-20 17:00")))

	sameTime(t, "review deadline", q.ReviewDeadline, berlin("2026-04-07 12:00"))
	if got := oneSend(t, h.ch, "task.ack").Data["review_deadline"]; got != "2026-04-07T12:00:00+02:00" {
		t.Fatalf("ack names %q", got)
	}
	alert := oneSend(t, h.ch, "ops.task_review_overdue")
	sameTime(t, "review overdue alert", alert.At, berlin("2026-04-07 12:00"))
	if _, leaked := alert.Data["name"]; leaked {
		t.Fatal("ops alert carries the customer's name")
	}
	mustAccept(t, "delete", del)
	if !st.ReviewOverdue {
		t.Fatal("review not marked overdue")
	}
}

func TestT1_QuestionsInTimeAreAReaction(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	ask := h.update(berlin("2026-03-09 11:00"), TaskUpdateAskQuestions, TaskQuestionsRequest{Assistant: "vpa-7", Questions: "Welche Region?"})
	del := h.update(berlin("2026-03-10 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))
	mustAccept(t, "ask", ask)
	mustAccept(t, "delete after questions (still review)", del)
	if len(h.ch.of("ops.task_review_overdue")) != 0 || st.ReviewOverdue {
		t.Fatal("questions asked in time, yet the review escalated")
	}
	if len(st.Chat) != 1 || st.Notifications[0].Kind != NoteChat {
		t.Fatalf("questions not in chat/notifications: %+v %+v", st.Chat, st.Notifications)
	}
}

// --- T-3 ------------------------------------------------------------------------

func TestT3_SpecialistAreaNeedsOpsRelease(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	early := h.update(berlin("2026-03-09 10:10"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaDesign})
	wrongArea := h.update(berlin("2026-03-09 10:20"), TaskUpdateRelease, TaskReleaseRequest{Ops: "ops-1", Area: rules.AreaMarketing})
	rel := h.update(berlin("2026-03-09 10:30"), TaskUpdateRelease, TaskReleaseRequest{Ops: "ops-1", Area: rules.AreaDesign})
	otherSpecialist := h.update(berlin("2026-03-09 10:35"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaSales})
	acc := h.update(berlin("2026-03-09 10:40"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaDesign})
	accepted := h.query(berlin("2026-03-09 10:41"))
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 11:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustRefuse(t, "design before release", early, "ops must release it")
	mustRefuse(t, "release marketing", wrongArea, "not a specialist area")
	mustAccept(t, "release", rel)
	mustRefuse(t, "sales after a design release", otherSpecialist, "ops must release it")
	mustAccept(t, "accept design", acc)
	if acc.res.Status != TaskAccepted {
		t.Fatalf("accept answered %+v", acc.res)
	}
	if accepted.WorkArea != rules.AreaDesign || accepted.CustomerFactor != "2.0" || accepted.AssistantFactor != "1.8" || accepted.CustomerBudgetMinutes != 360 {
		t.Fatalf("accepted state %+v", accepted)
	}
	if len(h.ch.of("task.marketing_factor")) != 0 {
		t.Fatal("design sent the marketing message")
	}
	if st.Status != TaskRated {
		t.Fatalf("status %s", st.Status)
	}
}

func TestT3_MarketingTellsFactorAndBudget(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	acc := h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaMarketing})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 11:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 4})
	h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustAccept(t, "accept marketing", acc)
	m := oneSend(t, h.ch, "task.marketing_factor")
	sameTime(t, "marketing message", m.At, berlin("2026-03-09 10:30"))
	for k, want := range map[string]string{"factor": "1.3", "work_minutes": "180", "customer_minutes": "234", "customer_time": "3:54", "work_time": "3:00"} {
		if m.Data[k] != want {
			t.Errorf("%s = %q, want %q", k, m.Data[k], want)
		}
	}
}

// --- T-4 ------------------------------------------------------------------------

func TestT4_DeleteRefusedOnceAccepted(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	byAssistant := h.update(berlin("2026-03-09 10:10"), TaskUpdateDelete, TaskDeleteRequest{By: taskAssistant})
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	del := h.update(berlin("2026-03-09 11:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.update(berlin("2026-03-09 12:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 12:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustRefuse(t, "delete by assistant", byAssistant, "only the customer or ops")
	mustRefuse(t, "delete after accept", del, "deleted only while in review; once accepted it can only be handed over (T-4)")
	if st.Status != TaskRated {
		t.Fatalf("status %s", st.Status)
	}
}
