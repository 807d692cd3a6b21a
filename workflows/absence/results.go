package absence

import (
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
)

// AbsenceUpdateResult answers every Update of the absence workflow
// (A-1..A-4). Job is the job an Update was about (accept-substitute,
// customer-choice).
type AbsenceUpdateResult struct {
	jobcore.UpdateResult[AbsenceStatus]
	Period     AbsencePeriod     `json:"period"`
	ApprovedBy string            `json:"approved_by,omitempty"`
	Uncovered  int               `json:"uncovered"` // jobs still without a substitute
	Job        *AbsenceJobResult `json:"job,omitempty"`
}

// AbsenceJobResult is one job's cover in an absence's Update result.
type AbsenceJobResult struct {
	JobID          string       `json:"job_id"`
	Cover          AbsenceCover `json:"cover"`
	Substitute     string       `json:"substitute,omitempty"`
	CustomerChoice string       `json:"customer_choice,omitempty"`
	PlannedAfter   *time.Time   `json:"planned_after,omitempty"`
}

// result is the absence's answer to an Update; jobID names the job the
// Update was about ("" for none).
func (a *absence) result(jobID string) AbsenceUpdateResult {
	st := &a.st
	r := AbsenceUpdateResult{UpdateResult: jobcore.UpdateResult[AbsenceStatus]{ID: st.ID, Status: st.Status},
		Period: st.Period, ApprovedBy: st.ApprovedBy, Uncovered: a.uncovered()}
	if j := a.job(jobID); jobID != "" && j != nil {
		r.Job = &AbsenceJobResult{JobID: j.ID, Cover: j.Cover, Substitute: j.Substitute,
			CustomerChoice: j.CustomerChoice, PlannedAfter: jobcore.CopyTime(j.PlannedAfter)}
	}
	return r
}

// AbsenceResult is what an absence's run returns: no job list, only the
// count still uncovered.
type AbsenceResult struct {
	AbsenceUpdateResult
	Closing string `json:"closing,omitempty"`
}

// end is the absence's run result.
func (a *absence) end() AbsenceResult {
	return AbsenceResult{AbsenceUpdateResult: a.result(""), Closing: a.closing}
}
