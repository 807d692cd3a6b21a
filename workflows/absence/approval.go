package absence

import (
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// --- approval --------------------------------------------------

func (a *absence) validateApprove(ctx workflow.Context, r ApproveAbsenceRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the approving manager")
	}
	if a.st.ApprovedAt != nil {
		return jobcore.Refuse("the absence is already approved by %s", a.st.ApprovedBy)
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	return nil
}

func (a *absence) approve(ctx workflow.Context, r ApproveAbsenceRequest) (AbsenceUpdateResult, error) {
	a.approveNow(ctx, manager(r.By, r.Manager), "approved without questions (A-2)")
	if !a.coverStarted {
		a.startCover(ctx, "")
	}
	return a.result(""), nil
}

func (a *absence) approveNow(ctx workflow.Context, by jobcore.Actor, note string) {
	now := workflow.Now(ctx)
	a.st.ApprovedBy, a.st.ApprovedAt = by.ID, &now
	if a.st.Status == AbsenceReported {
		a.setStatus(ctx, "approve", by, AbsenceApproved, note)
		return
	}
	a.log(ctx, "approve", by, note)
}

func (a *absence) validateReject(ctx workflow.Context, r RejectAbsenceRequest) error {
	if a.in.Kind == AbsenceSick {
		return jobcore.Refuse("sick leave is not questioned: it cannot be rejected (A-2)")
	}
	if r.Manager == "" || r.Reason == "" {
		return jobcore.Refuse("name the manager and give the worker the reason")
	}
	if a.st.Status != AbsenceReported || a.coverStarted {
		return jobcore.Refuse("only a reported absence not yet under way can be rejected; use cut-short")
	}
	return nil
}

func (a *absence) reject(ctx workflow.Context, r RejectAbsenceRequest) (AbsenceUpdateResult, error) {
	a.rejected = true
	a.setStatus(ctx, "reject", manager(r.By, r.Manager), AbsenceRejected, r.Reason)
	return a.result(""), nil
}
