package visit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// piiOf lists what a visit's Update results must never carry (V-14): the
// customer's data from testBooking and the free text the tests type.
func piiOf(in VisitInput) []string {
	b := in.Booking
	return []string{b.Customer.Name, b.Customer.Phone, b.Customer.Email, b.Address, b.Problem,
		"router reboots", "car broke", "sick", "unsafe", "test over", "slow"}
}

// checkSmall asserts one Update's answer is a small result (issue #13):
// its JSON is under MaxUpdateResultBytes, names the visit, and carries no
// personal data.
func checkSmall(t *testing.T, h *visitHarness, name string, r *result) []byte {
	t.Helper()
	accepted(t, r)
	b, err := json.Marshal(r.Result)
	require.NoError(t, err)
	t.Logf("%-16s %4d bytes %s", name, len(b), b)
	assert.Less(t, len(b), jobcore.MaxUpdateResultBytes, "%s: an Update's result stays under %d bytes", name, jobcore.MaxUpdateResultBytes)
	assert.NotEmpty(t, r.Result.ID, "%s: the result names the visit", name)
	for _, s := range piiOf(h.in) {
		assert.NotContains(t, string(b), s, "%s: no personal data or typed text in a result (V-14)", name)
	}
	var keys map[string]any
	require.NoError(t, json.Unmarshal(b, &keys))
	for _, whole := range []string{"log", "deliveries", "booking", "completion", "customer"} {
		assert.NotContains(t, keys, whole, "%s: the whole state stays with the Query", name)
	}
	return b
}

// TestUpdateResultsAreSmall drives every Update of the visit workflow and
// holds each answer to MaxUpdateResultBytes, with what the caller needs
// next (V-2 lock, V-3/V-7 times, R-1 window, R-2 follow-up, V-13).
func TestUpdateResultsAreSmall(t *testing.T) {
	h := newVisitHarness(t)
	rating.Register(h.env) // 3 stars start the follow-up child
	h.in.Booking.WishedTimes = append(h.in.Booking.WishedTimes, rules.Window{From: flowtest.T0.Add(30 * time.Hour), To: flowtest.T0.Add(34 * time.Hour)})
	newAt := flowtest.T0.Add(32 * time.Hour)
	c := goodComplete("b-9")
	c.MileageKm = 20
	claim := h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	release := h.do(2*time.Minute, UpdateRelease, ReleaseRequest{Buddy: "b-1"})
	claim2 := h.do(3*time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	book := h.do(4*time.Minute, UpdateBook, goodBook("b-1"))
	re := h.do(5*time.Minute, UpdateReschedule, RescheduleRequest{Buddy: "b-1", At: newAt, Reason: "car broke"})
	reassign := h.do(6*time.Minute, UpdateReassign, ReassignRequest{From: "b-1", To: "b-9", Reason: "sick"})
	start := h.do(newAt.Sub(flowtest.T0), UpdateStart, StartRequest{Buddy: "b-9", RecordingNoticeGiven: true})
	panicked := h.do(newAt.Sub(flowtest.T0)+time.Minute, UpdatePanic, PanicRequest{Buddy: "b-9"})
	complete := h.do(newAt.Sub(flowtest.T0)+time.Hour, UpdateComplete, c)
	rate := h.do(newAt.Sub(flowtest.T0)+2*time.Hour, UpdateRate, jobcore.RateRequest{Stars: 3, Comment: "slow"})
	mileage := h.do(newAt.Sub(flowtest.T0)+3*time.Hour, UpdateMileage, MileageRequest{Ops: "ops-1"})
	st := h.run()

	checkSmall(t, h, UpdateClaim, claim)
	assert.Equal(t, st.ID, claim.Result.ID)
	require.NotNil(t, claim.Result.ClaimLapsesAt, "V-2: the claim's end")
	assert.Equal(t, flowtest.T0.Add(time.Minute+time.Hour), *claim.Result.ClaimLapsesAt)
	assert.Equal(t, "b-1", claim.Result.Holder)
	require.NotNil(t, claim.Result.HelpDeadline, "V-5: the promise, while not started")

	checkSmall(t, h, UpdateRelease, release)
	assert.Equal(t, StatusOpen, release.Result.Status)
	assert.Empty(t, release.Result.Holder)
	assert.Nil(t, release.Result.ClaimLapsesAt)

	checkSmall(t, h, UpdateClaim, claim2)
	checkSmall(t, h, UpdateBook, book)
	assert.Equal(t, StatusBooked, book.Result.Status)
	require.NotNil(t, book.Result.AppointmentAt)
	assert.Equal(t, appointment, *book.Result.AppointmentAt, "V-3: the agreed time")
	require.NotNil(t, book.Result.ReminderAt)
	assert.Equal(t, appointment.Add(-time.Hour), *book.Result.ReminderAt, "V-7: the reminder call")
	assert.Nil(t, book.Result.ClaimLapsesAt, "V-2: a booking ends the lock")

	checkSmall(t, h, UpdateReschedule, re)
	assert.Equal(t, newAt, *re.Result.AppointmentAt, "V-6: the new time")
	assert.Equal(t, newAt.Add(-time.Hour), *re.Result.ReminderAt, "V-7: the reminder follows")

	checkSmall(t, h, UpdateReassign, reassign)
	assert.Equal(t, "b-9", reassign.Result.Holder, "A-1: the substitute holds it")

	checkSmall(t, h, UpdateStart, start)
	assert.Equal(t, StatusStarted, start.Result.Status)
	assert.Nil(t, start.Result.HelpDeadline, "V-5: kept")

	checkSmall(t, h, UpdatePanic, panicked)
	assert.Equal(t, StatusStarted, panicked.Result.Status)

	checkSmall(t, h, UpdateComplete, complete)
	assert.Equal(t, StatusCompleted, complete.Result.Status)
	require.NotNil(t, complete.Result.RatingClosesAt, "R-1: the rating window")
	assert.Equal(t, newAt.Add(time.Hour).Add(h.in.Policy.RatingWindow), *complete.Result.RatingClosesAt)
	assert.True(t, complete.Result.MileagePending, "V-13")

	checkSmall(t, h, UpdateRate, rate)
	assert.Equal(t, StatusRated, rate.Result.Status)
	assert.Equal(t, rating.RatingFollowUpID(st.ID), rate.Result.RatingFollowUpID, "R-2: 3 stars: the follow-up's id")

	checkSmall(t, h, UpdateMileage, mileage)
	assert.False(t, mileage.Result.MileagePending, "V-13: confirmed")

	// The whole state stays with the Query and the workflow's result.
	assert.Equal(t, StatusRated, st.Status)
	assert.Equal(t, 1, st.Panics)
	assert.True(t, st.MileageOK)
}

// TestUpdateResultsAreSmall_AbortAndCancel covers the two Updates that end
// a visit early (V-10, cancel) and the V-4 refusal through book.
func TestUpdateResultsAreSmall_AbortAndCancel(t *testing.T) {
	h := newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	h.do(2*time.Minute, UpdateBook, goodBook("b-1"))
	h.do(3*time.Minute, UpdateStart, StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	abort := h.do(4*time.Minute, UpdateAbort, AbortRequest{Buddy: "b-1", Reason: "unsafe"})
	h.run()
	checkSmall(t, h, UpdateAbort, abort)
	assert.Equal(t, StatusAborted, abort.Result.Status)

	h = newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	cancel := h.cancelAt(2 * time.Minute)
	h.run()
	checkSmall(t, h, UpdateCancel, cancel)
	assert.Equal(t, StatusCancelled, cancel.Result.Status)
	assert.Nil(t, cancel.Result.HelpDeadline)

	h = newVisitHarness(t)
	h.do(time.Minute, UpdateClaim, ClaimRequest{Buddy: "b-1"})
	refusedRec := goodBook("b-1")
	refusedRec.Recording = RecordingRefused
	book := h.do(2*time.Minute, UpdateBook, refusedRec)
	h.run()
	checkSmall(t, h, UpdateBook, book)
	assert.Equal(t, StatusCancelled, book.Result.Status, "V-4: recording refused cancels")
}
