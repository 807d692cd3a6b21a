package visit

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV7_ReminderCallOneHourBefore(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	before := h.query(appointment.Sub(flowtest.T0) - time.Hour - time.Minute)
	h.do(appointment.Sub(flowtest.T0), UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(appointment.Sub(flowtest.T0)+time.Hour, UpdateComplete, goodComplete("b-1"))
	h.do(appointment.Sub(flowtest.T0)+2*time.Hour, UpdateRate, jobcore.RateRequest{Stars: 4})
	st := h.run()

	assert.Empty(t, deliveries(*before, "call"), "no call before its time")
	require.NotNil(t, before.ReminderAt)
	assert.Equal(t, appointment.Add(-time.Hour), *before.ReminderAt)
	calls := deliveries(st, "call")
	require.Len(t, calls, 1)
	assert.Equal(t, appointment.Add(-time.Hour), calls[0].At, "V-7: the call goes exactly 1 h before")
	assert.Equal(t, "answered", calls[0].Outcome)
	assert.Empty(t, deliveries(st, "sms", "visit.reminder_sms"), "V-7: an answered call needs no SMS")
}

func TestV7_UnansweredCallSendsSMS(t *testing.T) {
	h := newVisitHarness(t)
	h.fake.CallOutcome = activities.CallNoAnswer
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.cancelAt(appointment.Sub(flowtest.T0) - 30*time.Minute)
	st := h.run()
	sms := deliveries(st, "sms", "visit.reminder_sms")
	require.Len(t, sms, 1, "V-7: no answer means a text message instead")
	assert.Equal(t, appointment.Add(-time.Hour), sms[0].At)
}

func TestV7_RescheduleMovesTheReminder(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Booking.WishedTimes = append(h.in.Booking.WishedTimes, rules.Window{From: flowtest.T0.Add(30 * time.Hour), To: flowtest.T0.Add(34 * time.Hour)})
	newAt := flowtest.T0.Add(32 * time.Hour)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	noReason := h.do(3*time.Minute, UpdateReschedule, RescheduleRequest{Buddy: "b-1", At: newAt})
	re := h.do(4*time.Minute, UpdateReschedule, RescheduleRequest{Buddy: "b-1", At: newAt, Reason: "car broke"})
	h.cancelAt(newAt.Sub(flowtest.T0) - 10*time.Minute)
	st := h.run()
	refused(t, noReason, "reason")
	accepted(t, re)
	calls := deliveries(st, "call")
	require.Len(t, calls, 1, "V-7: only the new time's reminder is called")
	assert.Equal(t, newAt.Add(-time.Hour), calls[0].At)
	assert.Contains(t, h.fake.Templates("sms"), "visit.rescheduled", "V-6: the customer hears of the new time")
}

func TestV7_NoReminderAfterCancel(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	c := h.cancelAt(3 * time.Hour)
	st := h.run()
	accepted(t, c)
	assert.Equal(t, StatusCancelled, st.Status)
	assert.Empty(t, h.fake.Templates("call"), "V-7: never a reminder for a cancelled visit")
	assert.Contains(t, h.fake.Templates("sms"), "visit.cancelled")
}

func TestV8_StartRepeatsRecordingNotice(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	silent := h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1"})
	ok := h.do(4*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(5*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1", Reason: "test over"})
	h.run()
	refused(t, silent, "recorded")
	accepted(t, ok)
	assert.Contains(t, h.fake.Templates("sms"), "visit.start_notice")
	assert.Empty(t, h.fake.Templates("call"), "starting early retires the reminder")
}

func TestV9_PanicButtonAlertsOps(t *testing.T) {
	h := newVisitHarness(t)
	unheld := h.do(30*time.Second, UpdatePanic, PanicRequest{Buddy: "b-1"})
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	early := h.do(2*time.Minute+30*time.Second, UpdatePanic, PanicRequest{Buddy: "b-1"})
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	p := h.do(4*time.Minute, UpdatePanic, PanicRequest{Buddy: "b-1"})
	after := h.query(4*time.Minute + time.Second)
	h.do(5*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1", Reason: "test over"})
	h.run()
	refused(t, unheld, "not held by b-1") // V-2 first: a non-holder learns nothing of the visit
	refused(t, early, "V-9")
	accepted(t, p)
	assert.Equal(t, StatusStarted, p.Result.Status, "V-9: the visit goes on")
	assert.Equal(t, 1, after.Panics)
	assert.Contains(t, h.fake.Templates("ops"), "ops.panic")
}

func TestV10_AbortTellsOpsAtOnce(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	noReason := h.do(4*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1"})
	ab := h.do(5*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1", Reason: "unsafe"})
	st := h.run()
	refused(t, noReason, "V-10")
	accepted(t, ab)
	assert.Equal(t, StatusAborted, st.Status)
	assert.Equal(t, []string{"ops.abort"}, h.fake.Templates("ops"))
	assert.NotContains(t, h.fake.Templates("email"), "visit.rating_request", "an aborted visit is not rated")
}

func TestV11_CompleteNeedsChecklistAndSatisfaction(t *testing.T) {
	undone := goodComplete("b-1")
	undone.Checklist[1].Done = false
	unasked := goodComplete("b-1")
	unasked.SatisfactionAsked = false
	empty := goodComplete("b-1")
	empty.Checklist = nil

	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(appointment.Sub(flowtest.T0), UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	rUndone := h.do(appointment.Sub(flowtest.T0)+10*time.Minute, UpdateComplete, undone)
	rUnasked := h.do(appointment.Sub(flowtest.T0)+11*time.Minute, UpdateComplete, unasked)
	rEmpty := h.do(appointment.Sub(flowtest.T0)+12*time.Minute, UpdateComplete, empty)
	done := h.do(appointment.Sub(flowtest.T0)+20*time.Minute, UpdateComplete, goodComplete("b-1"))
	st := h.run() // never rated: ends when the rating window closes

	refused(t, rUndone, `"customer shown" is not done`)
	refused(t, rUnasked, "satisfied")
	refused(t, rEmpty, "checklist")
	accepted(t, done)
	assert.Equal(t, 20, st.Completion.WorkedMinutes, "V-11: the duration is recorded")
	assert.Equal(t, 60, st.BillableMin, "V-11: the customer always pays at least one hour")
	assert.Equal(t, int64(25000), st.Pay.TotalOre, "V-13: SEK 250 minimum")
	assert.Contains(t, h.fake.Templates("email"), "visit.rating_request", "V-11: the rating e-mail follows")
	assert.Equal(t, StatusCompleted, st.Status)
	assert.Equal(t, "rating-window-closed", st.Log[len(st.Log)-1].Action, "R-1: the workflow ends when the window closes")
}

func TestV13_MileagePaidOnlyWhenOpsConfirm(t *testing.T) {
	c := goodComplete("b-1")
	c.WorkedMinutes = 150
	c.MileageKm = 20
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(appointment.Sub(flowtest.T0), UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	done := h.do(appointment.Sub(flowtest.T0)+time.Hour, UpdateComplete, c)
	completed := h.query(appointment.Sub(flowtest.T0) + time.Hour + time.Second)
	h.do(appointment.Sub(flowtest.T0)+2*time.Hour, UpdateRate, jobcore.RateRequest{Stars: 5})
	rated := h.query(appointment.Sub(flowtest.T0) + 3*time.Hour) // still open: mileage awaits ops
	conf := h.do(appointment.Sub(flowtest.T0)+4*time.Hour, UpdateMileage, MileageRequest{Ops: "ops-1"})
	st := h.run()
	accepted(t, done)
	// 150 min: 250 + 1.5 h x 150 = 475 SEK; mileage not yet confirmed.
	assert.True(t, done.Result.MileagePending, "V-13: the mileage awaits ops")
	assert.Equal(t, int64(47500), completed.Pay.TotalOre)
	assert.Equal(t, StatusRated, rated.Status)
	accepted(t, conf)
	// + 20 km = 2 mil x 18.50 = 37 SEK.
	assert.Equal(t, int64(47500+3700), st.Pay.TotalOre, "V-13: mileage paid once ops confirm")
}

// V-11, issue #13: a started visit never completed does not wait without a
// timer: ops are alerted CompletionDue after the start, again every
// BreachEscalation, and CompletionGiveUp after the first alert it closes
// "unfinished" with a last alert.
func TestV11_StartedNeverCompletedEscalatesThenClosesUnfinished(t *testing.T) {
	h := newVisitHarness(t)
	p := h.in.Policy.WithDefaults()
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	start := appointment.Sub(flowtest.T0)
	h.do(start, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	before := h.query(start + p.CompletionDue - time.Minute)
	st := h.run()

	assert.Equal(t, StatusStarted, before.Status)
	assert.Equal(t, StatusUnfinished, st.Status)
	alerts := 0
	for _, d := range st.Deliveries {
		if d.Template == "ops.visit_not_completed" {
			alerts++
		}
	}
	levels := int(p.CompletionGiveUp/p.BreachEscalation) + 1 // the last level is the closing alert
	assert.Equal(t, levels, alerts, "alerts at due, every BreachEscalation, and at the close")
	last := st.Log[len(st.Log)-1]
	assert.Equal(t, "unfinished", last.Action)
	require.NotNil(t, st.StartedAt)
	closedAt := st.StartedAt.Add(p.CompletionDue + p.CompletionGiveUp)
	assert.True(t, last.At.Equal(closedAt), "closed at %s, want %s", last.At, closedAt)
}

// V-11: a visit completed in time raises no completion alert.
func TestV11_CompletedInTimeRaisesNoCompletionAlert(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	start := appointment.Sub(flowtest.T0)
	h.do(start, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(start+2*time.Hour, UpdateComplete, goodComplete("b-1"))
	h.run()
	assert.NotContains(t, h.fake.Templates("ops"), "ops.visit_not_completed")
}
