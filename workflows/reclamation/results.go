package reclamation

import (
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
)

// ReclamationUpdateResult answers every Update of the reclamation workflow
// (C-2, C-3). The plan's text and the rejection's reason stay in the state.
type ReclamationUpdateResult struct {
	jobcore.UpdateResult[ReclamationStatus]
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
	r := ReclamationUpdateResult{UpdateResult: jobcore.UpdateResult[ReclamationStatus]{ID: st.ID, Status: st.Status},
		EscalationLevel: st.EscalationLevel, ClosedAt: jobcore.CopyTime(st.ClosedAt)}
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
