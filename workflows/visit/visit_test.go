package visit

import (
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"testing"
	"time"
)

func testBooking() Booking {
	return Booking{
		Partner: "acme", BookingRef: "B-1", Market: rules.Sweden, Region: "stockholm",
		Customer: jobcore.Customer{Name: "Anna", Phone: "+46701234567", Email: "anna@example.com", Language: rules.Swedish},
		Address:  "Storgatan 1", Product: "router", Problem: "wifi drops",
		WishedTimes: []rules.Window{{From: flowtest.T0.Add(24 * time.Hour), To: flowtest.T0.Add(30 * time.Hour)}},
		BookedAt:    flowtest.T0,
	}
}

// visitHarness runs one visit in the time-skipping test environment.
type visitHarness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	fake *flowtest.FakeChannels
	in   VisitInput
}

func newVisitHarness(t *testing.T) *visitHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(flowtest.QuietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(flowtest.T0)
	fake := &flowtest.FakeChannels{}
	env.RegisterActivity(&activities.Outreach{Channels: fake})
	Register(env)
	return &visitHarness{t: t, env: env, fake: fake,
		in: VisitInput{Booking: testBooking(), Policy: rules.DefaultPolicy(), RatingLink: "https://jobflow.test/r/abc"}}
}

// result is filled when an update scheduled by do has been answered.
type result struct {
	Result   VisitUpdateResult // the Update's small answer (issue #13)
	Err      error
	Rejected bool
	Done     bool
}

func (h *visitHarness) do(at time.Duration, name string, arg any) *result {
	r := &result{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.Err, r.Rejected, r.Done = err, true, true },
			OnComplete: func(v any, err error) {
				r.Err, r.Done = err, true
				switch s := v.(type) {
				case VisitUpdateResult:
					r.Result = s
				case converter.EncodedValue:
					_ = s.Get(&r.Result)
				}
			},
		}, arg)
	}, at)
	return r
}

// query captures the visit's state at an offset.
func (h *visitHarness) query(at time.Duration) *VisitState {
	st := &VisitState{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryVisit)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, at)
	return st
}

func (h *visitHarness) run() VisitState {
	h.env.ExecuteWorkflow(VisitWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res VisitResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := flowtest.FinalState[VisitState](h.t, h.env, QueryVisit)
	flowtest.CheckRunResult(h.t, res, res.ID, string(res.Status), st.ID, string(st.Status), piiOf(h.in)...)
	h.fake.Rendered(h.t)
	return st
}

func accepted(t *testing.T, r *result) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.NoError(t, r.Err)
}

func refused(t *testing.T, r *result, contains string) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.True(t, r.Rejected, "update should be refused by its validator, got err=%v", r.Err)
	assert.Contains(t, r.Err.Error(), contains)
}

// A booking inside the wished window: Tuesday 10:00 Stockholm.
var appointment = flowtest.T0.Add(25 * time.Hour)

func goodBook(buddy string) BookRequest {
	return BookRequest{Buddy: buddy, At: appointment, ClarifiedProblem: "router reboots", ProductsAtHome: true, Recording: RecordingAccepted}
}

func goodComplete(buddy string) CompleteRequest {
	return CompleteRequest{Buddy: buddy, Checklist: []ChecklistItem{{"wifi works", true}, {"customer shown", true}},
		SatisfactionAsked: true, CustomerSatisfied: true}
}

// cancelAt ends a scenario that would otherwise wait for its promises.
func (h *visitHarness) cancelAt(at time.Duration) *result {
	return h.do(at, UpdateCancel, CancelRequest{By: jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}, Reason: "test over"})
}

func TestV2_ClaimLockLapsesAfterOneHour(t *testing.T) {
	h := newVisitHarness(t)
	claim := h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	second := h.do(59*time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-2"})
	held := h.query(60 * time.Minute) // t+59m after the claim
	back := h.query(62 * time.Minute) // t+61m after the claim
	other := h.do(63*time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-2"})
	h.cancelAt(64 * time.Minute)
	h.run()

	accepted(t, claim)
	assert.Equal(t, StatusClaimed, claim.Result.Status)
	refused(t, second, "second claim is refused (V-2)")
	assert.Equal(t, StatusClaimed, held.Status)
	assert.Equal(t, "b-1", held.Holder)
	assert.Equal(t, StatusOpen, back.Status, "V-2: the claim lapses after 1 h")
	assert.Empty(t, back.Holder)
	accepted(t, other)
	assert.Equal(t, "b-2", other.Result.Holder, "V-2: back in the pool, claimable by anyone")
}

func TestV2_ClaimLockIsPolicy(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Policy.ClaimLock = 15 * time.Minute // P-1: a partner's shorter lock
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	held := h.query(15 * time.Minute)
	back := h.query(17 * time.Minute)
	h.cancelAt(20 * time.Minute)
	h.run()
	assert.Equal(t, StatusClaimed, held.Status)
	assert.Equal(t, StatusOpen, back.Status)
}

func TestV2_BookingEndsTheLockAndOnlyTheHolderActs(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	stranger := h.do(2*time.Minute, UpdateBook, goodBook("b-2"))
	book := h.do(3*time.Minute, UpdateBook, goodBook("b-1"))
	later := h.query(3 * time.Hour)
	h.cancelAt(4 * time.Hour)
	h.run()
	refused(t, stranger, "only its holder")
	accepted(t, book)
	assert.Equal(t, StatusBooked, later.Status, "V-2: a booked job does not lapse")
	assert.Equal(t, "b-1", later.Holder)
}

func TestV2_Release(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	rel := h.do(2*time.Minute, UpdateRelease, ReleaseRequest{Buddy: "b-1"})
	claim := h.do(3*time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-2"})
	h.cancelAt(4 * time.Minute)
	h.run()
	accepted(t, rel)
	assert.Equal(t, StatusOpen, rel.Result.Status)
	accepted(t, claim)
}

func TestV3_BookingRules(t *testing.T) {
	outside := goodBook("b-1")
	outside.At = flowtest.T0.Add(40 * time.Hour)
	agreed := outside
	agreed.CustomerAgreed = true
	noProblem := goodBook("b-1")
	noProblem.ClarifiedProblem = ""
	hw := goodBook("b-1")
	hw.HardwareFault = true
	noProducts := goodBook("b-1")
	noProducts.ProductsAtHome = false
	noAnswer := goodBook("b-1")
	noAnswer.Recording = ""
	past := goodBook("b-1")
	past.At = flowtest.T0

	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	rOutside := h.do(2*time.Minute, UpdateBook, outside)
	rNoProblem := h.do(3*time.Minute, UpdateBook, noProblem)
	rHW := h.do(4*time.Minute, UpdateBook, hw)
	rNoProducts := h.do(5*time.Minute, UpdateBook, noProducts)
	rNoAnswer := h.do(6*time.Minute, UpdateBook, noAnswer)
	rPast := h.do(7*time.Minute, UpdateBook, past)
	rAgreed := h.do(8*time.Minute, UpdateBook, agreed)
	h.cancelAt(9 * time.Minute)
	h.run()

	refused(t, rOutside, "outside the customer's wished times")
	refused(t, rNoProblem, "clarified problem")
	refused(t, rHW, "cannot be guaranteed")
	refused(t, rNoProducts, "products at home")
	refused(t, rNoAnswer, "recording notice")
	refused(t, rPast, "in the past")
	accepted(t, rAgreed)
	assert.Equal(t, StatusBooked, rAgreed.Result.Status, "V-3: outside the wishes with the customer's agreement")
	assert.Contains(t, h.fake.Templates("email"), "visit.booking_confirmation")
}

func TestV4_RecordingRefusedCancelsAndAlertsOps(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	refusedRec := goodBook("b-1")
	refusedRec.Recording = RecordingRefused
	r := h.do(2*time.Minute, UpdateBook, refusedRec)
	st := h.run()
	accepted(t, r)
	assert.Equal(t, StatusCancelled, st.Status)
	assert.Contains(t, h.fake.Templates("ops"), "ops.recording_refused")
	assert.NotContains(t, h.fake.Templates("call"), "visit.reminder_call", "V-4: no reminder for a cancelled visit")
}

func TestV5_HelpPromiseWarningThenBreach(t *testing.T) {
	h := newVisitHarness(t)
	before := h.query(43 * time.Hour)
	warned := h.query(44*time.Hour + time.Minute)
	breached := h.query(48*time.Hour + time.Minute)
	h.cancelAt(49 * time.Hour)
	h.run()
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), before.HelpDeadline)
	assert.Equal(t, rules.SLAOk, before.SLA)
	assert.Equal(t, rules.SLAWarning, warned.SLA, "V-5: ops warned before the breach")
	assert.Equal(t, rules.SLABreached, breached.SLA, "V-5: breach at 48 h")
	assert.Equal(t, []string{"ops.sla_warning", "ops.sla_breach"}, h.fake.Templates("ops"))
}

func TestV5_StartedInTimeRaisesNoAlert(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(25*time.Hour, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(26*time.Hour, UpdateComplete, goodComplete("b-1"))
	h.do(27*time.Hour, UpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.run()
	assert.Equal(t, rules.SLAOk, st.SLA)
	assert.Empty(t, h.fake.Templates("ops"), "V-5: no warning or breach for a visit started in time")
}

func TestV5_LaterWishMovesThePromise(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Booking.WishedTimes = []rules.Window{{From: flowtest.T0.Add(72 * time.Hour), To: flowtest.T0.Add(76 * time.Hour)}}
	at48 := h.query(49 * time.Hour)
	h.cancelAt(50 * time.Hour)
	h.run()
	assert.Equal(t, flowtest.T0.Add(76*time.Hour), at48.HelpDeadline, "V-5: the promise runs to the customer's later wish")
	assert.Equal(t, rules.SLAOk, at48.SLA)
	assert.Empty(t, h.fake.Templates("ops"))
}

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
	early := h.do(30*time.Second, UpdatePanic, PanicRequest{Buddy: "b-1"})
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	p := h.do(4*time.Minute, UpdatePanic, PanicRequest{Buddy: "b-1"})
	after := h.query(4*time.Minute + time.Second)
	h.do(5*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1", Reason: "test over"})
	h.run()
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

func TestR1_RatingOnceAndWithinRange(t *testing.T) {
	h := newVisitHarness(t)
	rating.Register(h.env) // 3 stars start the follow-up child (rating.go)
	early := h.do(30*time.Second, UpdateRate, jobcore.RateRequest{Stars: 5})
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(4*time.Minute, UpdateComplete, goodComplete("b-1"))
	six := h.do(5*time.Minute, UpdateRate, jobcore.RateRequest{Stars: 6})
	ok := h.do(6*time.Minute, UpdateRate, jobcore.RateRequest{Stars: 3, Comment: "slow"})
	st := h.run()
	refused(t, early, "once it is completed")
	refused(t, six, "1 to 5")
	accepted(t, ok)
	assert.Equal(t, StatusRated, st.Status)
	assert.Contains(t, h.fake.Templates("email"), "visit.rating_followup", "R-2: 3 stars get a kind follow-up")
	assert.Equal(t, 1, countOf(h.fake.Templates("email"), "visit.rating_followup"), "R-2: sent once, from the follow-up")
}

func TestR2_LowRatingAlertsTeamLead(t *testing.T) {
	h := newVisitHarness(t)
	rating.Register(h.env) // 1 star starts the follow-up child (rating.go)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(4*time.Minute, UpdateComplete, goodComplete("b-1"))
	h.do(5*time.Minute, UpdateRate, jobcore.RateRequest{Stars: 1})
	// The follow-up outlives the visit; the team lead's decision ends it.
	h.env.RegisterDelayedCallback(func() {
		var st VisitState
		v, err := h.env.QueryWorkflow(QueryVisit)
		require.NoError(t, err)
		require.NoError(t, v.Get(&st))
		require.NoError(t, h.env.UpdateWorkflowByID(rating.RatingFollowUpID(st.ID),
			rating.UpdateRatingDecide, "", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}},
			rating.RatingDecideRequest{TeamLead: "tl-1", Decision: "talk to b-1", Answer: "sorry"}))
	}, 6*time.Minute)
	h.run()
	assert.Contains(t, h.fake.Templates("ops"), "ops.rating_low")
	assert.Equal(t, 1, countOf(h.fake.Templates("ops"), "ops.rating_low"), "R-2: the team lead is alerted once, from the follow-up")
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestA1_ReassignKeepsTheAppointmentAndReminder(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	re := h.do(3*time.Minute, UpdateReassign, ReassignRequest{From: "b-1", To: "b-9", Reason: "sick"})
	oldBuddy := h.do(4*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.cancelAt(appointment.Sub(flowtest.T0) - 30*time.Minute)
	st := h.run()
	accepted(t, re)
	refused(t, oldBuddy, "not held by b-1")
	assert.Equal(t, "b-9", st.Holder)
	assert.Len(t, deliveries(st, "call"), 1, "the substitute's appointment keeps its reminder")
}

func TestDeliveryFailureIsRecordedAndOpsAlerted(t *testing.T) {
	h := newVisitHarness(t)
	h.fake.SmsErr = temporal.NewNonRetryableApplicationError("invalid number", activities.ErrInvalidRecipient, nil)
	h.fake.CallOutcome = activities.CallNoAnswer
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.cancelAt(appointment.Sub(flowtest.T0) - 30*time.Minute)
	st := h.run()
	sms := deliveries(st, "sms", "visit.reminder_sms")
	require.Len(t, sms, 1)
	assert.Equal(t, "failed: "+activities.ErrInvalidRecipient, sms[0].Outcome)
	assert.Contains(t, h.fake.Templates("ops"), "ops.delivery_failed")
}

func deliveries(st VisitState, channel string, template ...string) []jobcore.Delivery {
	var out []jobcore.Delivery
	for _, d := range st.Deliveries {
		if d.Channel == channel && (len(template) == 0 || d.Template == template[0]) {
			out = append(out, d)
		}
	}
	return out
}

func TestV3_HolderGetsTheCustomerContact(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	var c VisitContact
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryContact)
		require.NoError(t, err)
		require.NoError(t, v.Get(&c))
	}, 2*time.Minute)
	h.cancelAt(3 * time.Minute)
	h.run()
	assert.Equal(t, "+46701234567", c.Customer.Phone, "V-3: the holder calls the customer")
	assert.Equal(t, "b-1", c.Holder)
	assert.Len(t, c.WishedTimes, 1)
}

// V-12: anything bigger than a phone question after the visit goes to a
// reclamation; the rating e-mail carries the customer's complaint link.
func TestC1_V12_RatingEmailCarriesTheComplaintLink(t *testing.T) {
	h := newVisitHarness(t)
	h.in.ComplaintLink = "https://jobflow.test/v1/visits/visit-acme-B-1/complaint?token=t"
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.do(4*time.Minute, UpdateComplete, goodComplete("b-1"))
	h.do(5*time.Minute, UpdateRate, jobcore.RateRequest{Stars: 5})
	h.run()
	var found bool
	for _, s := range h.fake.Sent {
		if s.Template == "visit.rating_request" {
			found = true
			assert.Equal(t, h.in.ComplaintLink, s.Data["complaint_url"])
			assert.Equal(t, h.in.RatingLink, s.Data["rating_url"])
		}
	}
	assert.True(t, found, "R-1: the rating e-mail is sent")
}
