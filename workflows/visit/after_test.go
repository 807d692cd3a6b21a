package visit

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

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
	re := h.do(3*time.Minute, UpdateReassign, ReassignRequest{From: "b-1", To: "b-9", Reason: "sick",
		By: jobcore.Actor{Role: names.RoleSystem, ID: "absence-b-1-sick-SE-2026-11-23"}})
	oldBuddy := h.do(4*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	h.cancelAt(appointment.Sub(flowtest.T0) - 30*time.Minute)
	st := h.run()
	accepted(t, re)
	refused(t, oldBuddy, "not held by b-1")
	assert.Equal(t, "b-9", st.Holder)
	assert.Len(t, deliveries(st, "call"), 1, "the substitute's appointment keeps its reminder")
	for _, e := range st.Log {
		if e.Action == "reassign" {
			assert.Equal(t, jobcore.Actor{Role: names.RoleSystem, ID: "absence-b-1-sick-SE-2026-11-23"}, e.By, "the log names who reassigned (issue #16)")
		}
	}
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
