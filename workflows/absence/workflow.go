package absence

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// absences names the absence activities (nil receiver, compile-time checks).
var absences *activities.Absences

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(AbsenceWorkflow, workflow.RegisterOptions{Name: AbsenceWorkflowName})
}

type absence struct {
	in  AbsenceInput
	st  AbsenceState
	loc *time.Location

	periodGen      int // bumped by every period change: wakes the main loop
	recomputeAsked int // cover recomputations asked for
	recomputeDone  int
	coverStarted   bool
	rejected       bool
	cancelJob      map[string]workflow.CancelFunc // per job: its offers and escalation timer
	coverCtx       workflow.Context
	out            jobcore.Outbox // numbered sends and the coroutines the run must finish
	attrs          jobcore.Publisher
	closing        string // the action of the last status change (run result)
}

// AbsenceWorkflow runs one absence from the report to the period's end.
func AbsenceWorkflow(ctx workflow.Context, in AbsenceInput) (AbsenceResult, error) {
	a := &absence{in: in, loc: in.Market.Location(), cancelJob: map[string]workflow.CancelFunc{}}
	if err := validateAbsenceInput(in); err != nil {
		return AbsenceResult{}, err
	}
	a.st = AbsenceState{
		ID: workflow.GetInfo(ctx).WorkflowExecution.ID, WorkerID: in.WorkerID, Role: in.Role,
		Market: in.Market, Region: in.Region, Kind: in.Kind, Period: in.Period, ReportedPeriod: in.Period,
		Status: AbsenceReported, ReportedBy: in.ReportedBy,
		Jobs: []AbsenceJobState{}, Log: []AbsenceLogEntry{}, Deliveries: []jobcore.Delivery{},
	}
	a.out = jobcore.Outbox{JobID: a.st.ID, Record: a.record, OnFailure: a.failed}
	a.st.Long = a.isLong()
	if err := workflow.SetQueryHandler(ctx, QueryAbsence, func() (AbsenceState, error) { return a.st, nil }); err != nil {
		return a.end(), err
	}
	if err := workflow.SetQueryHandler(ctx, QueryAutoReply, a.autoReply); err != nil {
		return a.end(), err
	}
	if err := a.registerUpdates(ctx); err != nil {
		return a.end(), err
	}
	a.log(ctx, "reported", in.ReportedBy, fmt.Sprintf("%s absence %s (A-1)", in.Kind, a.period()))
	a.coverCtx = ctx

	if in.ReportedBy.Role == names.RoleOps {
		a.approveNow(ctx, manager(in.ReportedBy, in.ReportedBy.ID), "reported by the manager: approved at once (A-1)")
	} else {
		a.publish(ctx)
		a.alertOps(ctx, "absence_approval", "ops.absence_approval", "absence to approve (A-1, A-2)",
			map[string]string{"absence_kind": string(in.Kind), "from": a.iso(in.Period.From), "to": a.iso(in.Period.To)})
	}
	if in.Kind == AbsenceSick || a.st.ApprovedAt != nil {
		a.startCover(ctx, "")
	}
	workflow.Go(ctx, a.coverLoop)

	// The main loop: activate at the start, end at the end; every period
	// change re-arms it.
	for {
		now := workflow.Now(ctx)
		if a.rejected {
			break
		}
		if !now.Before(a.st.Period.To) {
			break
		}
		if !now.Before(a.st.Period.From) && a.st.Status != AbsenceActive {
			if !a.coverStarted {
				a.startCover(ctx, "the period started before approval: cover cannot wait (A-1)")
			}
			a.setStatus(ctx, "active", jobcore.Actor{Role: names.RoleSystem}, AbsenceActive, "auto-reply on (A-5)")
			continue
		}
		next := a.st.Period.To
		summary := "absence ends"
		if a.st.Status != AbsenceActive {
			next, summary = a.st.Period.From, "absence starts"
		}
		gen := a.periodGen
		if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      next.Sub(now),
			TimerOptions: workflow.TimerOptions{Summary: summary},
		}, func() bool { return a.periodGen != gen || a.rejected }); err != nil {
			return a.end(), err
		}
	}

	// Let a pending recomputation (cut short, changed period) settle the
	// jobs first, then end.
	if err := workflow.Await(ctx, func() bool { return a.recomputeDone == a.recomputeAsked }); err != nil {
		return a.end(), err
	}
	for _, id := range a.jobIDs() {
		a.stopJob(id)
	}
	if !a.rejected {
		a.setStatus(ctx, "ended", jobcore.Actor{Role: names.RoleSystem}, AbsenceEnded,
			"the worker is back: jobs taken by substitutes in the period stay with them; waiting customers are served by the worker (A-4)")
	}
	if err := workflow.Await(ctx, func() bool { return a.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return a.end(), err
	}
	return a.end(), nil
}

func validateAbsenceInput(in AbsenceInput) error {
	switch {
	case in.WorkerID == "":
		return temporal.NewNonRetryableApplicationError("an absence needs the worker's id", "InvalidAbsence", nil)
	case in.Role != names.RoleBuddy && in.Role != names.RoleAssistant:
		return temporal.NewNonRetryableApplicationError("role must be buddy or assistant", "InvalidAbsence", nil)
	case in.Kind != AbsenceSick && in.Kind != AbsenceHoliday && in.Kind != AbsenceOther:
		return temporal.NewNonRetryableApplicationError("kind must be sick, holiday or other", "InvalidAbsence", nil)
	case !in.Period.To.After(in.Period.From):
		return temporal.NewNonRetryableApplicationError("the period must end after it starts", "InvalidAbsence", nil)
	}
	return nil
}

func (a *absence) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name      string
		handler   any
		validator any
	}
	regs := []reg{
		{UpdateAbsenceApprove, a.approve, a.validateApprove},
		{UpdateAbsenceReject, a.reject, a.validateReject},
		{UpdateAcceptSubstitute, a.acceptSubstitute, a.validateAcceptSubstitute},
		{UpdateCustomerChoice, a.customerChoice, a.validateCustomerChoice},
		{UpdateCutShort, a.cutShort, a.validateCutShort},
		{UpdateChangePeriod, a.changePeriod, a.validateChangePeriod},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}
