package visit

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV5_NeverClaimedVisitKeepsEscalatingThenExpires(t *testing.T) {
	h := newVisitHarness(t)
	// The help promise ends at 48 h; a breach, then ops again every 24 h,
	// then closed 72 h after the breach.
	day1 := h.query(48*time.Hour + 24*time.Hour + time.Minute)
	beforeExpiry := h.query(48*time.Hour + 72*time.Hour - time.Minute)
	st := h.run() // no update ends it: the visit must close by itself

	assert.Equal(t, StatusOpen, day1.Status)
	assert.Equal(t, rules.SLABreached, day1.SLA)
	assert.Equal(t, StatusOpen, beforeExpiry.Status, "still open until the expiry")
	assert.Equal(t, StatusExpired, st.Status, "V-5: an unstarted visit closes with a recorded reason")
	assert.Equal(t, flowtest.T0.Add(48*time.Hour+72*time.Hour), h.env.Now().UTC(), "closed exactly breach_expiry after the breach")
	assert.Equal(t, []string{"sla_warning", "sla_breach", "sla_breach_open", "sla_breach_open", "sla_expired"}, h.fake.Kinds("ops"),
		"V-5: ops alerted again every day after the breach, and at the expiry")
	last := st.Log[len(st.Log)-1]
	assert.Equal(t, "expire", last.Action)
	assert.Contains(t, last.Note, "ops take over the customer")
}

func TestV5_BreachFollowUpIsPolicy(t *testing.T) {
	h := newVisitHarness(t)
	h.in.Policy.BreachEscalation = 4 * time.Hour // P-1
	h.in.Policy.BreachExpiry = 12 * time.Hour
	h.do(48*time.Hour+time.Hour, UpdateClaim, ClaimRequest{Buddy: "b-1"}) // claimed after the breach, never booked
	st := h.run()
	assert.Equal(t, StatusExpired, st.Status)
	assert.Equal(t, flowtest.T0.Add(48*time.Hour+12*time.Hour), h.env.Now().UTC())
	assert.Equal(t, []string{"sla_warning", "sla_breach", "sla_breach_open", "sla_breach_open", "sla_expired"}, h.fake.Kinds("ops"))
}

func TestV5_BookedForAnAgreedLaterTimeIsNotExpiredBeforeIt(t *testing.T) {
	h := newVisitHarness(t)
	later := flowtest.T0.Add(48*time.Hour + 100*time.Hour) // past the breach and past breach_expiry
	book := goodBook("b-1")
	book.At, book.CustomerAgreed = later, true
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, book)
	h.do(later.Sub(flowtest.T0)+5*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	done := h.do(later.Sub(flowtest.T0)+time.Hour, UpdateComplete, goodComplete("b-1"))
	st := h.run()
	accepted(t, done)
	assert.NotContains(t, h.fake.Kinds("ops"), "sla_expired", "a visit booked for a time still ahead is left to happen")
	assert.NotContains(t, h.fake.Kinds("ops"), "sla_breach_open", "no re-alerts while the agreed time is ahead")
	require.NotNil(t, st.StartedAt)
	assert.Equal(t, StatusCompleted, st.Status)
}

func TestV5_MissedAppointmentAfterTheBreachExpires(t *testing.T) {
	h := newVisitHarness(t)
	later := flowtest.T0.Add(48*time.Hour + 30*time.Hour)
	book := goodBook("b-1")
	book.At, book.CustomerAgreed = later, true
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, book) // booked, never started
	st := h.run()
	assert.Equal(t, StatusExpired, st.Status)
	assert.False(t, h.env.Now().Before(later.Add(24*time.Hour)), "not before a day's grace past the appointment")
	assert.Contains(t, h.fake.Kinds("ops"), "sla_expired")
}
