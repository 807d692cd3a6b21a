package absence

import (
	"fmt"
	"slices"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
	"go.temporal.io/sdk/workflow"
)

// --- finding the work and covering it --------------------------

// startCover begins the search for substitutes (once).
func (a *absence) startCover(ctx workflow.Context, note string) {
	a.coverStarted = true
	now := workflow.Now(ctx)
	a.st.CoverStarted = &now
	if note != "" {
		a.log(ctx, "cover-started", jobcore.Actor{Role: names.RoleSystem}, note)
	}
	a.recomputeAsked++
}

// coverLoop runs the recomputations one at a time, in order.
func (a *absence) coverLoop(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return a.recomputeDone < a.recomputeAsked }); err != nil {
			return
		}
		asked := a.recomputeAsked
		a.recompute(ctx)
		a.recomputeDone = asked
	}
}

func lookupOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            jobcore.SendRetryPolicy(),
	}
}

// recompute finds the worker's work for the current period and settles
// every job: new ones get offers, ones no longer in the period stop or go
// back to the worker, customers of long absences are told.
func (a *absence) recompute(ctx workflow.Context) {
	p := a.st.Period
	var found []activities.AbsenceJob
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("find the worker's jobs (A-1)")),
		absences.FindAbsenceJobs, activities.FindJobsRequest{WorkerID: a.in.WorkerID, Role: a.in.Role, From: p.From, To: p.To}).Get(ctx, &found)
	if err != nil {
		a.log(ctx, "find-jobs-failed", jobcore.Actor{Role: names.RoleSystem}, jobcore.FailureOutcome(err))
		a.alertOps(ctx, "absence_lookup_failed", "ops.absence_lookup_failed", "jobs could not be looked up (A-1)",
			map[string]string{"error_type": jobcore.FailureOutcome(err)})
		return
	}
	now := workflow.Now(ctx)
	var added []int
	for _, j := range found {
		if i := a.jobIndex(j.ID); i >= 0 {
			if a.st.Jobs[i].Holder == a.in.WorkerID {
				a.st.Jobs[i].StartsAt, a.st.Jobs[i].Status = j.StartsAt, j.Status // e.g. rescheduled (V-6)
			}
			continue
		}
		a.st.Jobs = append(a.st.Jobs, AbsenceJobState{AbsenceJob: j, Cover: CoverInformed, OfferedTo: []string{}})
		added = append(added, len(a.st.Jobs)-1)
	}

	// Settle every job against the current period.
	var acute []int
	for i := range a.st.Jobs {
		j := &a.st.Jobs[i]
		want := a.wantsCover(ctx, *j)
		switch {
		case want && !j.NeedsCover && j.Cover != CoverClosed:
			if j.CustomerChoice == ChoiceWait {
				j.Cover = CoverWaiting
				continue
			}
			j.NeedsCover = true
			a.openCover(ctx, i)
			if a.inPeriod(ctx, *j) && j.StartsAt.Sub(now) <= a.in.Policy.AcuteAbsenceLead {
				acute = append(acute, i)
			}
		case !want && j.NeedsCover:
			a.release(ctx, i)
		case !want && j.Cover == CoverWaiting:
			j.Cover, j.Note = CoverReleased, "after the absence: with the worker as the customer wished (A-4)"
		}
	}

	// work starting soon goes to the manager at once.
	if len(acute) > 0 {
		first := a.st.Jobs[acute[0]].StartsAt
		for _, i := range acute {
			if a.st.Jobs[i].StartsAt.Before(first) {
				first = a.st.Jobs[i].StartsAt
			}
		}
		a.st.Acute = true
		a.log(ctx, "acute", jobcore.Actor{Role: names.RoleSystem}, fmt.Sprintf("%d job(s) start within %s; manager alerted (A-3)", len(acute), a.in.Policy.AcuteAbsenceLead))
		a.alertOps(ctx, "absence_acute", "ops.absence_acute", "acute absence to the manager (A-3)",
			map[string]string{"worker_id": a.in.WorkerID, "shift_start": a.iso(first)})
	}

	// customers of a long absence hear of it as early as possible.
	a.st.Long = a.isLong()
	if a.st.Long {
		for i := range a.st.Jobs {
			j := a.st.Jobs[i]
			if j.CustomerNotified == nil && (j.NeedsCover || j.Cover == CoverInformed) {
				a.noticeCustomer(ctx, i)
			}
		}
	}
	if len(added) > 0 {
		a.log(ctx, "jobs-found", jobcore.Actor{Role: names.RoleSystem}, fmt.Sprintf("%d job(s) touched by %s", len(added), a.period()))
	}
	a.publish(ctx)
}

// inPeriod: does the job need the worker during the period? A booked
// visit or a task when its appointment or deadline falls in it; a claimed
// visit when the absence begins before the claim could lapse (V-2).
func (a *absence) inPeriod(ctx workflow.Context, j AbsenceJobState) bool {
	p := a.st.Period
	now := workflow.Now(ctx)
	if j.Kind == names.JobVisit && j.Status == string(visit.StatusClaimed) {
		return !p.From.After(now.Add(a.in.Policy.ClaimLock)) && p.To.After(now)
	}
	return !j.StartsAt.Before(p.From) && !j.StartsAt.After(p.To)
}

// wantsCover: the job needs a substitute now: in the period, or work due
// after a long absence whose customer asked for a backup.
func (a *absence) wantsCover(ctx workflow.Context, j AbsenceJobState) bool {
	if a.inPeriod(ctx, j) {
		return true
	}
	return j.CustomerChoice == ChoiceBackup && a.isLong() && j.StartsAt.After(a.st.Period.From)
}

// openCover offers the job to colleagues and arms its escalation.
func (a *absence) openCover(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	j.Cover, j.Note = CoverOpen, ""
	now := workflow.Now(ctx)
	escalateAt := j.StartsAt.Add(-a.in.Policy.SubstituteLead)
	if !j.StartsAt.Before(a.st.Period.To) && a.st.Period.From.After(now) {
		escalateAt = a.st.Period.From // due after the absence: covered from its start
	}
	if escalateAt.Before(now) {
		escalateAt = now
	}
	j.EscalateAt = &escalateAt
	id := j.ID
	a.stopJob(id)
	jobCtx, cancel := workflow.WithCancel(ctx)
	a.cancelJob[id] = cancel

	workflow.Go(jobCtx, func(ctx workflow.Context) {
		job := a.job(id)
		var candidates []string
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("substitute candidates (A-1)")),
			absences.AbsenceCandidates, activities.CandidatesRequest{
				AbsenceID: a.st.ID, WorkerID: a.in.WorkerID, Role: substituteRole(job.Kind), Market: job.Market,
				Region: job.Region, Competences: append(slices.Clone(a.in.Competences), job.WorkArea),
				From: a.st.Period.From, To: a.st.Period.To,
			}).Get(ctx, &candidates)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.log(ctx, "candidates-failed", jobcore.Actor{Role: names.RoleSystem}, id+": "+jobcore.FailureOutcome(err))
		}
		for _, c := range candidates {
			if c == a.in.WorkerID || slices.Contains(a.job(id).OfferedTo, c) {
				continue
			}
			a.job(id).OfferedTo = append(a.job(id).OfferedTo, c)
			a.textWorker(ctx, c, "offer", "absence.substitute_offer", "substitute offer (A-1)", map[string]string{
				"job_id": id, "due": a.iso(job.StartsAt), "absence_id": a.st.ID,
			})
		}
		if len(a.job(id).OfferedTo) == 0 {
			a.escalate(ctx, id, "no eligible colleague to offer the job to")
			return
		}
		a.log(ctx, "offered", jobcore.Actor{Role: names.RoleSystem}, fmt.Sprintf("%s offered to %d colleague(s)", id, len(a.job(id).OfferedTo)))
		if !jobcore.Sleep(ctx, escalateAt.Sub(workflow.Now(ctx)), "substitute needed by (A-1): "+id) {
			return
		}
		if a.job(id).Cover == CoverOpen {
			a.escalate(ctx, id, "nobody accepted by the job's start minus the substitute lead")
		}
	})
}

// substituteRole: buddies stand in for visits, assistants for tasks.
func substituteRole(kind string) string {
	if kind == names.JobTask {
		return names.RoleAssistant
	}
	return names.RoleBuddy
}

func (a *absence) escalate(ctx workflow.Context, id, why string) {
	j := a.job(id)
	if j.Cover != CoverOpen {
		return
	}
	now := workflow.Now(ctx)
	j.Cover, j.EscalatedAt, j.Note = CoverEscalated, &now, why
	a.log(ctx, "escalated", jobcore.Actor{Role: names.RoleSystem}, id+": "+why+" (A-1)")
	a.alertOps(ctx, "substitute_missing", "ops.substitute_missing", "no substitute (A-1)",
		map[string]string{"job_id": id, "worker_id": a.in.WorkerID, "due": a.iso(j.StartsAt)})
	a.publish(ctx)
}

// release: the job no longer falls in the period (A-1 settled differently).
func (a *absence) release(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	a.stopJob(j.ID)
	switch j.Cover {
	case CoverCovered:
		if j.CustomerChoice == ChoiceBackup {
			j.Note = "after the absence, but the customer chose the backup: stays with " + j.Substitute + " (A-4)"
			return
		}
		a.handBack(ctx, j.ID)
	case CoverAssigning:
		// The reassignment in flight settles it; handBack runs when it lands.
		j.Note = "hand back when the reassignment lands"
	default:
		j.NeedsCover, j.Cover, j.Note = false, CoverReleased, "after the absence: stays with the worker"
	}
}

// handBack returns a job from its substitute to the worker, if unstarted.
func (a *absence) handBack(ctx workflow.Context, id string) {
	j := a.job(id)
	sub := j.Substitute
	var res activities.ReassignJobResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("hand the job back to the worker")),
		absences.ReassignAbsenceJob, activities.ReassignJobRequest{
			UpdateID: fmt.Sprintf("%s/%s/back-%d", a.st.ID, id, a.periodGen), JobID: id, Kind: j.Kind,
			From: sub, To: a.in.WorkerID, Reason: "absence cut short: back to the worker", By: a.st.ID, OnlyUnstarted: true,
		}).Get(ctx, &res)
	j = a.job(id)
	switch {
	case err != nil:
		j.Note = "hand-back failed: " + jobcore.FailureOutcome(err) + "; stays with " + sub
	case res.Done:
		j.Cover, j.NeedsCover, j.Holder = CoverReturned, false, a.in.WorkerID
		j.Note = "back to the worker from " + sub + ": unstarted and after the new end"
		a.textWorker(ctx, sub, "returned", "absence.job_returned", "job handed back", map[string]string{"job_id": id, "worker_id": a.in.WorkerID})
	default:
		j.Note = "stays with " + sub + ": " + res.Note
	}
	a.log(ctx, "hand-back", jobcore.Actor{Role: names.RoleSystem}, id+": "+j.Note)
}

func (a *absence) stopJob(id string) {
	if cancel, ok := a.cancelJob[id]; ok {
		cancel()
		delete(a.cancelJob, id)
	}
}
