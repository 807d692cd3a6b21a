package task

import (
	"strings"
	"testing"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
)

// --- T-8, R-1 ---------------------------------------------------------------------

func TestT8_IntermediateThenFinalHandoverThenRating(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	rating.Register(h.env) // 3 stars start the follow-up child (rating.go)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 10:40"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	mid := h.update(berlin("2026-03-10 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Note: "erste fünf", ResultRef: "cloud://42/v1"})
	earlyRate := h.update(berlin("2026-03-10 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	final := h.update(berlin("2026-03-11 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true, ResultRef: "cloud://42/v2"})
	badStars := h.update(berlin("2026-03-11 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 6})
	rate := h.update(berlin("2026-03-12 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 3, Comment: "ok"})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "intermediate", mid)
	if mid.res.Status != TaskStarted {
		t.Fatalf("intermediate hand-over changed status to %s", mid.res.Status)
	}
	mustRefuse(t, "rate before final", earlyRate, "after the final hand-over")
	mustAccept(t, "final", final)
	if final.res.Status != TaskHandedOver {
		t.Fatalf("final hand-over: %s", final.res.Status)
	}
	mustRefuse(t, "6 stars", badStars, "1 to 5")
	mustAccept(t, "rate", rate)
	if st.Status != TaskRated || st.Rating.Stars != 3 || len(st.Handovers) != 2 || st.Handovers[0].Final || !st.Handovers[1].Final {
		t.Fatalf("final state %s %+v %+v", st.Status, st.Rating, st.Handovers)
	}
	// The workflow ended at the rating, not at the end of the window: the
	// last lines are the rating and the start of its R-2 follow-up.
	if got := st.Log[len(st.Log)-1]; got.Action != "rating-followup" || !got.At.Equal(berlin("2026-03-12 09:00")) {
		t.Fatalf("last log line %+v", got)
	}
	if got := st.Log[len(st.Log)-2]; got.Action != "rated" || !got.At.Equal(berlin("2026-03-12 09:00")) {
		t.Fatalf("rating log line %+v", got)
	}
	// 3 stars, the follow-up asks kindly what could be better (in the
	// customer's language, inside the e-mail window: Thursday 09:00 is).
	ask := oneSend(t, h.ch, "task.rating_followup")
	if ask.To != "erika@example.test" {
		t.Fatalf("follow-up to %q", ask.To)
	}
}

// --- N-1, N-2, N-3 ------------------------------------------------------------------

// With the account unreachable the task e-mails the hand-over itself
// (account_notify.go); the account's own e-mail is in account_digest_test.go.
func TestN1_UnreadHandoverEmailedAfter30Minutes(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.accountDown = true
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7"}) // read in time
	read := h.update(berlin("2026-03-09 11:20"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	h.update(berlin("2026-03-09 14:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true}) // left unread
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "mark read", read)
	mail := oneSend(t, h.ch, "task.handover")
	sameTime(t, "hand-over e-mail", mail.At, berlin("2026-03-09 14:30"))
	var kinds []string
	for _, n := range st.Notifications {
		kinds = append(kinds, n.Kind)
	}
	if strings.Join(kinds, ",") != "accepted,handed_over,handed_over" {
		t.Fatalf("notifications %v", kinds)
	}
	if st.Notifications[2].EmailedAt == nil || st.Notifications[1].EmailedAt != nil {
		t.Fatal("EmailedAt not tracked")
	}
}

func TestN2_UnreadChatEmailedAfter2Hours(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	sent := h.update(berlin("2026-03-09 11:00"), TaskUpdateChat, TaskChatRequest{From: taskAssistant, MessageRef: "msg-1", MessageURL: "https://app.partner.test/chat/42#msg-1"})
	h.update(berlin("2026-03-09 11:30"), TaskUpdateChat, TaskChatRequest{From: taskCustomer, MessageRef: "msg-2"})
	stranger := h.update(berlin("2026-03-09 11:40"), TaskUpdateChat, TaskChatRequest{From: jobcore.Actor{Role: names.RoleAssistant, ID: "vpa-9"}, MessageRef: "msg-3"})
	empty := h.update(berlin("2026-03-09 11:41"), TaskUpdateChat, TaskChatRequest{From: taskAssistant})
	textOnly := h.update(berlin("2026-03-09 11:42"), TaskUpdateChat, TaskChatRequest{From: taskAssistant, Text: "Kurze Frage"})
	h.update(berlin("2026-03-09 13:30"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 13:35"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	read := h.query(berlin("2026-03-09 13:36"))
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "chat", sent)
	if sent.res.ChatMessageID != 1 || sent.res.NotificationID == 0 {
		t.Fatalf("chat answered %+v", sent.res)
	}
	mustRefuse(t, "chat from another assistant", stranger, "not the task's assistant")
	mustRefuse(t, "chat without a message ref", empty, "message_ref")
	mustRefuse(t, "chat text without a message ref", textOnly, "stays in the app")
	mail := oneSend(t, h.ch, "task.chat_unread")
	sameTime(t, "chat e-mail", mail.At, berlin("2026-03-09 13:00"))
	// N-2: the e-mail says a message waits and links to it in the partner's app.
	if mail.Data["message_url"] != "https://app.partner.test/chat/42#msg-1" {
		t.Fatalf("chat e-mail data %+v", mail.Data)
	}
	if len(h.ch.of("task.handover")) != 0 {
		t.Fatal("hand-over read at once, yet e-mailed")
	}
	// Issue #13: the task keeps ids, authors, times and read state, no text.
	if len(read.Chat) != 2 || read.ChatTotal != 2 || read.Chat[0].Ref != "msg-1" || read.Chat[0].Text != "" || read.Chat[0].ReadAt == nil || read.Chat[1].From != taskCustomer {
		t.Fatalf("chat state %+v", read.Chat)
	}
}

// N-3: a task arriving on Saturday: its acknowledgement leaves Monday 08:00.
func TestN3_EmailDueSaturdayLeavesMonday0800(t *testing.T) {
	start := berlin("2026-03-14 10:00") // Saturday
	h := newTaskHarness(t, start)
	q := h.query(berlin("2026-03-14 10:01"))
	del := h.update(berlin("2026-03-16 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.runTask(newTaskInput(start, berlin("2026-03-27 15:00")))

	ack := oneSend(t, h.ch, "task.ack")
	sameTime(t, "ack", ack.At, berlin("2026-03-16 08:00"))
	sameTime(t, "review deadline (T-2: as if it arrived Monday)", q.ReviewDeadline, berlin("2026-03-16 18:00"))
	mustAccept(t, "delete", del)
}

// N-3: an unread hand-over due Friday 19:15 waits for Monday 08:00; one
// read over the weekend is not sent at all.
func TestN3_HandoverDueFridayEveningWaitsForMonday(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.accountDown = true // the task's own e-mail; the account's: account_digest_test.go
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-13 18:45"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 12:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))
	mail := oneSend(t, h.ch, "task.handover")
	sameTime(t, "hand-over e-mail", mail.At, berlin("2026-03-16 08:00"))
}

func TestN1_ReassignKeepsTimersAndNotifies(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	byAssistant := h.update(berlin("2026-03-10 09:00"), TaskUpdateReassign, TaskReassignRequest{By: taskAssistant, To: TaskAssistant{ID: "vpa-8"}})
	re := h.update(berlin("2026-03-10 10:00"), TaskUpdateReassign, TaskReassignRequest{By: taskOps, To: TaskAssistant{ID: "vpa-8", Email: "vpa8@example.test"}, Reason: "Krankheit"})
	oldOne := h.update(berlin("2026-03-10 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-8", Final: true})
	h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, deadline))

	mustRefuse(t, "reassign by assistant", byAssistant, "ops or the team lead")
	mustAccept(t, "reassign", re)
	mustRefuse(t, "old assistant hands over", oldOne, "not the task's assistant")
	warn := oneSend(t, h.ch, "assistant.deadline_warning")
	if warn.To != "vpa8@example.test" {
		t.Fatalf("warning went to %q, want the new assistant", warn.To)
	}
	sameTime(t, "deadline still fires", firstAlert(t, h.ch, "ops.task_deadline_missed").At, deadline)
	found := false
	for _, n := range st.Notifications {
		found = found || n.Kind == NoteNewAssistant
	}
	if !found || st.AssistantID != "vpa-8" {
		t.Fatalf("new assistant not notified: %+v", st.Notifications)
	}
}

// The digest's view: unread, not e-mailed on their own, inside the window.
func TestN1_DigestViewListsUnreadNotifications(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	in.CreatedBy = taskAssistant // "created" notification for the customer
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	h.update(berlin("2026-03-09 12:00"), TaskUpdateMarkRead, TaskMarkReadRequest{IDs: []int{2}})
	var view activities.TaskDigestView
	h.at(berlin("2026-03-10 08:00"), func() {
		v, err := h.env.QueryWorkflow(activities.TaskDigestQuery, berlin("2026-03-09 08:00"), berlin("2026-03-10 08:00"))
		if err != nil {
			t.Errorf("digest query: %v", err)
			return
		}
		_ = v.Get(&view)
	})
	h.update(berlin("2026-03-10 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.update(berlin("2026-03-10 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-10 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(in)

	var kinds []string
	for _, it := range view.Unread {
		kinds = append(kinds, it.Kind)
	}
	if strings.Join(kinds, ",") != "created,started" || view.AccountID != "acc-1" || view.Customer.Email != "erika@example.test" || view.TaskID != "task-42" {
		t.Fatalf("digest view %+v", view)
	}
}

// Issue #16, M1: the notifications-read link cannot drive Updates without
// bound: marking read when nothing (or nothing named) is unread is
// refused, so a script replaying the link leaves no trace in the history.
func TestN1_M1_MarkReadThatChangesNothingIsRefused(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.accountDown = true
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	first := h.update(berlin("2026-03-09 10:40"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	again := h.update(berlin("2026-03-09 10:41"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	named := h.update(berlin("2026-03-09 10:42"), TaskUpdateMarkRead, TaskMarkReadRequest{IDs: []int{1}})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	later := h.update(berlin("2026-03-09 11:05"), TaskUpdateMarkRead, TaskMarkReadRequest{IDs: []int{1, 2}})
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "first mark read", first)
	mustRefuse(t, "mark read again", again, "nothing unread")
	mustRefuse(t, "mark a read notification", named, "nothing unread")
	mustAccept(t, "mark read with one unread among the ids", later)
}
