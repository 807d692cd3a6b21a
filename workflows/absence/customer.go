package absence

import (
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- the customer's answer ---------------------------------------------

// MaxCustomerChoices caps the answers a customer's choice links take per
// job (issue #16, M1): switching between backup and wait cannot drive
// Updates without bound; a refused answer leaves no trace in the history.
const MaxCustomerChoices = 4

func (a *absence) validateCustomerChoice(ctx workflow.Context, r CustomerChoiceRequest) error {
	j := a.job(r.JobID)
	if j == nil {
		return jobcore.Refuse("job %s is not part of this absence", r.JobID)
	}
	if r.Choice != ChoiceBackup && r.Choice != ChoiceWait {
		return jobcore.Refuse("choose backup or wait (A-4)")
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is over")
	}
	if j.CustomerChoice == r.Choice {
		return jobcore.Refuse("your answer %q is already recorded", r.Choice)
	}
	if j.CustomerChoices >= MaxCustomerChoices {
		return jobcore.Refuse("your answer can change %d times; please contact %s", MaxCustomerChoices-1, a.in.Contact)
	}
	if r.Choice == ChoiceWait && (j.Cover == CoverAssigning || j.Cover == CoverCovered) {
		return jobcore.Refuse("a substitute already took over; please contact %s to change that", a.in.Contact)
	}
	switch j.Cover {
	case CoverReleased, CoverReturned, CoverClosed:
		return jobcore.Refuse("this job is no longer affected by the absence")
	}
	return nil
}

func (a *absence) customerChoice(ctx workflow.Context, r CustomerChoiceRequest) (AbsenceUpdateResult, error) {
	i := a.jobIndex(r.JobID)
	j := &a.st.Jobs[i]
	j.CustomerChoice = r.Choice
	j.CustomerChoices++
	a.log(ctx, "customer-choice", jobcore.Actor{Role: names.RoleCustomer}, r.JobID+": "+r.Choice+" (A-4)")
	switch r.Choice {
	case ChoiceWait:
		a.stopJob(j.ID)
		end := a.st.Period.To
		j.PlannedAfter = &end
		if j.NeedsCover {
			j.Cover, j.NeedsCover, j.Note = CoverWaiting, false, "the customer waits; planned for after the absence"
			// V-6/T-6: the time inside the absence cannot be kept; a new one is agreed.
			a.alertOps(ctx, "absence_reschedule", "ops.absence_reschedule", "customer waits: plan after the absence (A-4, V-6)",
				map[string]string{"job_id": j.ID, "worker_id": a.in.WorkerID, "to": a.iso(end)})
		} else {
			j.Note = "the customer waits; the worker continues after the absence"
		}
	case ChoiceBackup:
		if !j.NeedsCover && a.wantsCover(ctx, *j) {
			j.NeedsCover = true
			a.openCover(ctx, i)
		}
	}
	a.publish(ctx)
	return a.result(r.JobID), nil
}

// noticeCustomer e-mails the customer of job i at the next e-mail slot (N-3).
func (a *absence) noticeCustomer(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	now := workflow.Now(ctx)
	j.CustomerNotified = &now // claimed now so a recompute does not send twice
	id := j.ID
	s := jobcore.Send{Step: a.out.Step("customer-notice"), Channel: "email", Template: "absence.customer_notice",
		Summary: "absence notice to the customer (A-4)"}
	p := a.st.Period
	msg := activities.Message{Template: "absence.customer_notice", Data: map[string]string{
		"job_id": id, "worker_name": a.in.WorkerName, "from": a.iso(p.From), "to": a.iso(p.To),
		"timezone": a.in.Market.TimeZone(), "contact": a.in.Contact,
	}}
	a.out.Go(ctx, func(ctx workflow.Context) {
		at := rules.NextEmailSlot(a.in.Market, workflow.Now(ctx), a.in.Policy)
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), "absence notice at the next e-mail slot (A-4, N-3)") {
			return
		}
		var res activities.CustomerNoticeResult
		if a.out.Message(ctx, s, absences.SendCustomerNotice, activities.CustomerNoticeRequest{Step: s.Step, AbsenceID: a.st.ID, JobID: id,
			Message: msg, ChoiceLinks: true, LinksExpire: a.st.Period.To}, &res) {
			sent := workflow.Now(ctx)
			a.job(id).CustomerNotified = &sent
		}
	})
}

// --- period changes --------------------------------------------------------

func (a *absence) validateCutShort(ctx workflow.Context, r CutShortRequest) error {
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	if r.By.ID == "" {
		return jobcore.Refuse("name who cuts the absence short")
	}
	if !r.End.IsZero() && r.End.After(a.st.Period.To) {
		return jobcore.Refuse("the new end %s is after the current end %s; use change-period to extend", a.clock(r.End), a.clock(a.st.Period.To))
	}
	return nil
}

func (a *absence) cutShort(ctx workflow.Context, r CutShortRequest) (AbsenceUpdateResult, error) {
	now := workflow.Now(ctx)
	end := r.End
	if end.IsZero() || end.Before(now) {
		end = now
	}
	from := a.st.Period.From
	if from.After(end) {
		from = end
	}
	a.setPeriod(ctx, AbsencePeriod{From: from, To: end}, r.By, "cut-short")
	return a.result(""), nil
}

func (a *absence) validateChangePeriod(ctx workflow.Context, r ChangePeriodRequest) error {
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	if r.By.ID == "" {
		return jobcore.Refuse("name who changes the period")
	}
	if !r.Period.To.After(r.Period.From) {
		return jobcore.Refuse("the period must end after it starts")
	}
	if !r.Period.To.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the new end is in the past; use cut-short to end the absence now")
	}
	if a.st.Status == AbsenceActive && !r.Period.From.Equal(a.st.Period.From) {
		return jobcore.Refuse("the absence has begun; its start stays %s", a.clock(a.st.Period.From))
	}
	return nil
}

func (a *absence) changePeriod(ctx workflow.Context, r ChangePeriodRequest) (AbsenceUpdateResult, error) {
	a.setPeriod(ctx, r.Period, r.By, "change-period")
	return a.result(""), nil
}

func (a *absence) setPeriod(ctx workflow.Context, p AbsencePeriod, by jobcore.Actor, action string) {
	old := a.period()
	a.st.Period = p
	a.periodGen++
	a.log(ctx, action, by, old+" -> "+a.period())
	if a.coverStarted {
		a.recomputeAsked++ // recompute affected jobs
	}
	a.publish(ctx)
}

// --- the automatic answer -------------------------------------------

func (a *absence) autoReply() (AbsenceAutoReply, error) {
	p := a.st.Period
	return AbsenceAutoReply{
		Active: a.st.Status == AbsenceActive, WorkerID: a.in.WorkerID, Period: p, Contact: a.in.Contact,
		Message: activities.Message{Template: "absence.auto_reply", Data: map[string]string{
			"worker_name": a.in.WorkerName, "from": a.iso(p.From), "to": a.iso(p.To),
			"timezone": a.in.Market.TimeZone(), "contact": a.in.Contact,
		}},
	}, nil
}
