package rating

import (
	"github.com/jobflow/jobflow/workflows/jobcore"
	"time"
)

// RatingUpdateResult answers every Update of the rating follow-up.
// The answer, report and decision texts stay in the state.
type RatingUpdateResult struct {
	jobcore.UpdateResult[RatingStatus]
	JobID string `json:"job_id"`
	// ReportDueAt: the worker's report is due (1-2 stars), until it is in.
	ReportDueAt *time.Time `json:"report_due_at,omitempty"`
	// ReclamationID: the reclamation a low rating's comment opened (C-1).
	ReclamationID string `json:"reclamation_id,omitempty"`
}

// result is the follow-up's answer to an Update.
func (f *ratingFollowUp) result() RatingUpdateResult {
	st := &f.st
	r := RatingUpdateResult{UpdateResult: jobcore.UpdateResult[RatingStatus]{ID: st.ID, Status: st.Status},
		JobID: st.Job.ID, ReclamationID: st.ReclamationID}
	if st.Status == RatingAwaitingReport {
		r.ReportDueAt = jobcore.CopyTime(st.ReportDueAt)
	}
	return r
}

// RatingFollowUpResult is what a rating follow-up's run returns. The
// comment, answer, report and decision texts stay in the state.
type RatingFollowUpResult struct {
	RatingUpdateResult
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	Closing  string     `json:"closing,omitempty"`
}

// end is the follow-up's run result.
func (f *ratingFollowUp) end() RatingFollowUpResult {
	return RatingFollowUpResult{RatingUpdateResult: f.result(), ClosedAt: jobcore.CopyTime(f.st.ClosedAt), Closing: f.closing}
}
