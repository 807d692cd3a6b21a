package absence

import (
	"fmt"
	"slices"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- accept-substitute ----------------------------------------------

func (a *absence) validateAcceptSubstitute(ctx workflow.Context, r AcceptSubstituteRequest) error {
	j := a.job(r.JobID)
	if j == nil {
		return jobcore.Refuse("job %s is not part of this absence", r.JobID)
	}
	if r.Substitute == "" || r.Substitute == a.in.WorkerID {
		return jobcore.Refuse("name the substitute (not the absent worker)")
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	switch j.Cover {
	case CoverOpen, CoverEscalated:
	case CoverAssigning, CoverCovered:
		return jobcore.Refuse("%s already took job %s; the first to accept gets it (A-1)", j.Substitute, r.JobID)
	case CoverWaiting:
		return jobcore.Refuse("the customer chose to wait for %s; job %s needs no substitute (A-4)", a.in.WorkerID, r.JobID)
	default:
		return jobcore.Refuse("job %s needs no substitute (%s)", r.JobID, j.Cover)
	}
	if r.By.Role != names.RoleOps && !slices.Contains(j.OfferedTo, r.Substitute) {
		return jobcore.Refuse("job %s was not offered to %s; ops can assign anyone", r.JobID, r.Substitute)
	}
	if r.By.Role != names.RoleOps && r.By.ID != "" && r.By.ID != r.Substitute {
		return jobcore.Refuse("a colleague accepts for themself")
	}
	return nil
}

func (a *absence) acceptSubstitute(ctx workflow.Context, r AcceptSubstituteRequest) (AbsenceUpdateResult, error) {
	j := a.job(r.JobID)
	now := workflow.Now(ctx)
	j.Cover, j.Substitute, j.AcceptedAt = CoverAssigning, r.Substitute, &now
	a.stopJob(r.JobID)
	by := r.By
	if by.Role == "" {
		by = jobcore.Actor{Role: substituteRole(j.Kind), ID: r.Substitute}
	}
	a.log(ctx, "accept-substitute", by, fmt.Sprintf("%s takes %s (A-1)", r.Substitute, r.JobID))
	a.publish(ctx)
	id, sub := r.JobID, r.Substitute
	a.out.Go(ctx, func(ctx workflow.Context) { a.assign(ctx, id, sub) })
	return a.result(r.JobID), nil
}

// assign runs the job's reassign Update and plans the hand-over.
func (a *absence) assign(ctx workflow.Context, id, sub string) {
	j := a.job(id)
	var res activities.ReassignJobResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("reassign to the substitute (A-1)")),
		absences.ReassignAbsenceJob, activities.ReassignJobRequest{
			UpdateID: fmt.Sprintf("%s/%s/%s", a.st.ID, id, sub), JobID: id, Kind: j.Kind,
			From: a.in.WorkerID, To: sub, Reason: fmt.Sprintf("%s absence %s", a.in.Kind, a.st.ID), By: a.st.ID,
		}).Get(ctx, &res)
	j = a.job(id)
	switch {
	case err == nil && res.Done:
		j.Cover, j.Holder = CoverCovered, sub
		if res.Status != "" {
			j.Status = res.Status
		}
		a.planHandover(ctx, id)
		a.log(ctx, "covered", jobcore.Actor{Role: names.RoleSystem}, id+" now held by "+sub+" (A-1)")
		if !a.wantsCover(ctx, *j) && j.CustomerChoice != ChoiceBackup {
			a.handBack(ctx, id) // the period changed while it moved
		}
	case err == nil && res.Closed:
		j.Cover, j.NeedsCover, j.Note = CoverClosed, false, res.Note
		a.log(ctx, "job-closed", jobcore.Actor{Role: names.RoleSystem}, id+": "+res.Note)
	default:
		why := res.Note
		if err != nil {
			why = "reassignment failed: " + jobcore.FailureOutcome(err)
		}
		j.Cover, j.Substitute = CoverOpen, ""
		a.escalate(ctx, id, why)
	}
	a.publish(ctx)
}

// planHandover sets the hand-over time and tells the substitute (and, for a
// planned absence still ahead, the worker).
func (a *absence) planHandover(ctx workflow.Context, id string) {
	j := a.job(id)
	now := workflow.Now(ctx)
	by := j.StartsAt.Add(-a.in.Policy.SubstituteLead)
	if a.st.Period.From.After(now) {
		by = a.st.Period.From // the worker briefs the substitute before leaving
	}
	if by.Before(now) {
		by = now
	}
	if by.After(j.StartsAt) {
		by = j.StartsAt
	}
	j.HandoverBy = &by
	data := map[string]string{"job_id": id, "worker_id": a.in.WorkerID, "substitute": j.Substitute, "due": a.iso(by)}
	a.textWorker(ctx, j.Substitute, "handover", "absence.handover", "hand-over note (A-4)", data)
	if a.in.Kind != AbsenceSick && a.st.Period.From.After(now) {
		a.textWorker(ctx, a.in.WorkerID, "handover", "absence.handover", "hand-over note (A-4)", data)
	}
}
