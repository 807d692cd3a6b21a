package visit

import (
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
)

// VisitUpdateResult answers every Update of the visit workflow
// (V-2..V-13, R-1, A-1).
type VisitUpdateResult struct {
	jobcore.UpdateResult[VisitStatus]
	// Holder is the buddy holding the visit (claimed, booked, started, done).
	Holder string `json:"holder,omitempty"`
	// ClaimLapsesAt: a claim must be booked before then (V-2).
	ClaimLapsesAt *time.Time `json:"claim_lapses_at,omitempty"`
	// AppointmentAt and ReminderAt: the agreed time (V-3, V-6) and the
	// reminder call 1 h before it (V-7).
	AppointmentAt *time.Time `json:"appointment_at,omitempty"`
	ReminderAt    *time.Time `json:"reminder_at,omitempty"`
	// HelpDeadline: the help promise (V-5), while the visit is not started.
	HelpDeadline *time.Time `json:"help_deadline,omitempty"`
	// RatingClosesAt: a completed visit's rating window.
	RatingClosesAt *time.Time `json:"rating_closes_at,omitempty"`
	// RatingFollowUpID: the R-2 follow-up a rating of 3 stars or fewer
	// starts (GET /v1/ratings/{id}).
	RatingFollowUpID string `json:"rating_followup_id,omitempty"`
	// MileagePending: mileage was reported and awaits ops (V-13).
	MileagePending bool `json:"mileage_pending,omitempty"`
}

// result is the visit's answer to an Update, from its current state.
func (v *visit) result() VisitUpdateResult {
	st := &v.st
	r := VisitUpdateResult{UpdateResult: jobcore.UpdateResult[VisitStatus]{ID: st.ID, Status: st.Status}, Holder: st.Holder}
	switch st.Status {
	case StatusClaimed:
		r.ClaimLapsesAt = jobcore.CopyTime(st.ClaimLapsesAt)
	case StatusBooked:
		r.AppointmentAt, r.ReminderAt = jobcore.CopyTime(st.AppointmentAt), jobcore.CopyTime(st.ReminderAt)
	case StatusStarted:
		r.AppointmentAt = jobcore.CopyTime(st.AppointmentAt)
	}
	switch st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
		d := st.HelpDeadline
		r.HelpDeadline = &d
	}
	if st.Status == StatusCompleted {
		r.RatingClosesAt = jobcore.CopyTime(st.RatingClosesAt)
		if r.RatingClosesAt == nil && st.CompletedAt != nil {
			// The complete handler answers before the main loop opens the
			// window; it opens at the completion (same workflow time).
			closes := st.CompletedAt.Add(v.in.Policy.RatingWindow)
			r.RatingClosesAt = &closes
		}
	}
	r.MileagePending = st.Completion != nil && st.Completion.MileageKm > 0 && !st.MileageOK
	return r
}

// Run results (issue #13). A flow's run returns a small typed result too:
// its last Update result (the final status and ids) and the action that
// closed it. The run's result is written into the history once, with the
// run's completion, so a run returning its whole state was one more copy
// of the log and the deliveries per history. The whole state stays with
// the Query, which answers after the run has closed as well. Same rules as
// for an Update's result: under MaxUpdateResultBytes, no personal data.

// VisitResult is what a visit's run returns.
type VisitResult struct {
	VisitUpdateResult
	// Closing is the action that put the visit in its final status (e.g.
	// "rate", "cancel", "rating-window-closed"); never free text.
	Closing string `json:"closing,omitempty"`
}

// end is the visit's run result.
func (v *visit) end() VisitResult {
	r := VisitResult{VisitUpdateResult: v.result(), Closing: v.closing}
	if v.followUp {
		r.RatingFollowUpID = rating.RatingFollowUpID(v.st.ID)
	}
	return r
}
