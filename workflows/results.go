package workflows

import "time"

// Update results (issue #13). Every Update of a flow answers with a small
// typed result: the workflow's id, its new status, and what the caller
// needs for its next step (ids, deadlines). The whole state, with its log
// and deliveries, stays with the flow's Query (and the API's GET routes):
// an Update's result is written into the workflow's history with every
// completed Update, so a result carrying the whole state made a visit's
// history three times a bare workflow's (BENCHMARKS.md).
//
// Rules for a result, whatever the flow (the task workflow can mirror them
// with a TaskUpdateResult embedding UpdateResult[TaskStatus]):
//
//   - well under MaxUpdateResultBytes as JSON;
//   - no personal data (V-14): ids, statuses and times only, never the
//     customer's name, contact, address, problem text or any free text a
//     person typed (complaints, plans, reasons, answers);
//   - optional fields are omitempty, so a result carries only what the
//     status makes relevant.

// MaxUpdateResultBytes bounds the JSON of one Update's result. Tests hold
// every visit Update to it; the history budget (bench) reports the largest
// completed Update per recorded history against it.
const MaxUpdateResultBytes = 1024

// UpdateResult is what every flow's Update result starts with: the
// workflow id acted on and the status it is in after the Update. S is the
// flow's status type.
type UpdateResult[S ~string] struct {
	ID     string `json:"id"`
	Status S      `json:"status"`
}

// VisitUpdateResult answers every Update of the visit workflow
// (V-2..V-13, R-1, A-1).
type VisitUpdateResult struct {
	UpdateResult[VisitStatus]
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
	r := VisitUpdateResult{UpdateResult: UpdateResult[VisitStatus]{ID: st.ID, Status: st.Status}, Holder: st.Holder}
	switch st.Status {
	case StatusClaimed:
		r.ClaimLapsesAt = copyTime(st.ClaimLapsesAt)
	case StatusBooked:
		r.AppointmentAt, r.ReminderAt = copyTime(st.AppointmentAt), copyTime(st.ReminderAt)
	case StatusStarted:
		r.AppointmentAt = copyTime(st.AppointmentAt)
	}
	switch st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
		d := st.HelpDeadline
		r.HelpDeadline = &d
	}
	if st.Status == StatusCompleted {
		r.RatingClosesAt = copyTime(st.RatingClosesAt)
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

// ReclamationUpdateResult answers every Update of the reclamation workflow
// (C-2, C-3). The plan's text and the rejection's reason stay in the state.
type ReclamationUpdateResult struct {
	UpdateResult[ReclamationStatus]
	// ReplyDeadline: the reply clock (C-2), until the customer is answered.
	ReplyDeadline *time.Time `json:"reply_deadline,omitempty"`
	// Assignee, AssigneeRole, Due: who fixes it by when (C-3), while open.
	Assignee     string     `json:"assignee,omitempty"`
	AssigneeRole string     `json:"assignee_role,omitempty"`
	Due          *time.Time `json:"due,omitempty"`
	Extra        bool       `json:"extra,omitempty"`
	// EscalationLevel: what is overdue now (0: nothing).
	EscalationLevel int        `json:"escalation_level,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
}

// result is the reclamation's answer to an Update.
func (c *reclamation) result() ReclamationUpdateResult {
	st := &c.st
	r := ReclamationUpdateResult{UpdateResult: UpdateResult[ReclamationStatus]{ID: st.ID, Status: st.Status},
		EscalationLevel: st.EscalationLevel, ClosedAt: copyTime(st.ClosedAt)}
	if st.AnsweredAt == nil && !st.Status.Closed() {
		d := st.ReplyDeadline
		r.ReplyDeadline = &d
	}
	if p := st.Plan; p != nil && !st.Status.Closed() {
		due := p.Due
		r.Assignee, r.AssigneeRole, r.Due, r.Extra = p.Assignee, p.AssigneeRole, &due, p.Extra
	}
	return r
}

// RatingUpdateResult answers every Update of the rating follow-up.
// The answer, report and decision texts stay in the state.
type RatingUpdateResult struct {
	UpdateResult[RatingStatus]
	JobID string `json:"job_id"`
	// ReportDueAt: the worker's report is due (1-2 stars), until it is in.
	ReportDueAt *time.Time `json:"report_due_at,omitempty"`
	// ReclamationID: the reclamation a low rating's comment opened (C-1).
	ReclamationID string `json:"reclamation_id,omitempty"`
}

// result is the follow-up's answer to an Update.
func (f *ratingFollowUp) result() RatingUpdateResult {
	st := &f.st
	r := RatingUpdateResult{UpdateResult: UpdateResult[RatingStatus]{ID: st.ID, Status: st.Status},
		JobID: st.Job.ID, ReclamationID: st.ReclamationID}
	if st.Status == RatingAwaitingReport {
		r.ReportDueAt = copyTime(st.ReportDueAt)
	}
	return r
}

// AbsenceUpdateResult answers every Update of the absence workflow
// (A-1..A-4). Job is the job an Update was about (accept-substitute,
// customer-choice).
type AbsenceUpdateResult struct {
	UpdateResult[AbsenceStatus]
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
	r := AbsenceUpdateResult{UpdateResult: UpdateResult[AbsenceStatus]{ID: st.ID, Status: st.Status},
		Period: st.Period, ApprovedBy: st.ApprovedBy, Uncovered: a.uncovered()}
	if j := a.job(jobID); jobID != "" && j != nil {
		r.Job = &AbsenceJobResult{JobID: j.ID, Cover: j.Cover, Substitute: j.Substitute,
			CustomerChoice: j.CustomerChoice, PlannedAfter: copyTime(j.PlannedAfter)}
	}
	return r
}

// copyTime keeps a result from sharing a pointer with the state.
func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
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
		r.RatingFollowUpID = RatingFollowUpID(v.st.ID)
	}
	return r
}

// ReclamationResult is what a reclamation's run returns. The rejection's
// reason and the plan's text stay in the state.
type ReclamationResult struct {
	ReclamationUpdateResult
	JobID   string `json:"job_id"`
	Closing string `json:"closing,omitempty"`
}

// end is the reclamation's run result.
func (c *reclamation) end() ReclamationResult {
	return ReclamationResult{ReclamationUpdateResult: c.result(), JobID: c.st.Job.ID, Closing: c.closing}
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
	return RatingFollowUpResult{RatingUpdateResult: f.result(), ClosedAt: copyTime(f.st.ClosedAt), Closing: f.closing}
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
