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
	"go.temporal.io/sdk/temporal"
)

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
	for _, s := range h.fake.Sent {
		if s.Template == "ops.sla_warning" {
			assert.Equal(t, "48", s.Data["promise_hours"], "P-1: the warning names the partner's promise, from the policy")
		}
	}
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

// V-2, issue #18: a buddy who does not hold the visit is refused with the
// NotHolder type before any other rule (the API answers it 403 not_holder
// in one round trip, and the refusal says nothing of the visit's state).
func TestV2_NonHolderIsRefusedFirstWithItsOwnType(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	start := h.do(2*time.Minute, UpdateStart, StartRequest{Buddy: "b-2", RecordingNoticeGiven: true}) // not booked yet either
	rel := h.do(3*time.Minute, UpdateRelease, ReleaseRequest{Buddy: "b-2"})
	h.cancelAt(4 * time.Minute)
	h.run()
	for _, r := range []*result{start, rel} {
		refused(t, r, "not held by b-2")
		var app *temporal.ApplicationError
		require.ErrorAs(t, r.Err, &app)
		assert.Equal(t, jobcore.ErrTypeNotHolder, app.Type())
	}
}

// V-7, P-1 (issue #14): the reminder gives the customer service number of
// the policy, and the booking confirmation the policy's reminder lead.
func TestV7_ReminderGivesThePolicysServicePhoneAndLead(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Policy.ServicePhone = "010-17 77 307"
	h.in.Policy.ReminderLead = 90 * time.Minute
	h.fake.CallOutcome = activities.CallNoAnswer
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.cancelAt(appointment.Sub(flowtest.T0) - 30*time.Minute)
	h.run()
	var saw []string
	for _, s := range h.fake.Sent {
		switch s.Template {
		case "visit.reminder_call", "visit.reminder_sms":
			assert.Equal(t, "010-17 77 307", s.Data["service_phone"], s.Template)
			saw = append(saw, s.Template)
		case "visit.booking_confirmation":
			assert.Equal(t, "90", s.Data["reminder_lead_minutes"])
			saw = append(saw, s.Template)
		}
	}
	assert.ElementsMatch(t, []string{"visit.booking_confirmation", "visit.reminder_call", "visit.reminder_sms"}, saw)
}

// Issue #14: a reminder lead under a minute (the fault suite's 3 s) still
// renders the booking confirmation (the render check fails otherwise).
func TestV7_ShortReminderLeadStillRendersTheConfirmation(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Policy.ReminderLead = 3 * time.Second
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.cancelAt(3 * time.Minute)
	h.run() // renders every message in every language (flowtest.RenderErrors)
	assert.Contains(t, h.fake.Templates("email"), "visit.booking_confirmation")
}
