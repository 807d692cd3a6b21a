package rating

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(RatingFollowUpWorkflow, workflow.RegisterOptions{Name: RatingFollowUpWorkflowName})
}

// startRatingFollowUp starts the R-2 follow-up of a rating as an abandoned
// child and returns once it has started (or failed to). 4-5 stars start
// nothing. Job workflows call it from a coroutine they track, so the rate
// handler answers at once and the job waits for the start, not for the
// follow-up, before it closes:
//
//	v.spawn(ctx, func(ctx workflow.Context) { err := startRatingFollowUp(ctx, in) ... })
func StartRatingFollowUp(ctx workflow.Context, in RatingFollowUpInput) error {
	if !NeedsRatingFollowUp(in.Stars) {
		return nil
	}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            RatingFollowUpID(in.Job.ID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         fmt.Sprintf("Rating follow-up: %d stars for %s %s (R-2)", in.Stars, in.Job.Kind, in.Job.ID),
	}
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), RatingFollowUpWorkflowName, in)
	return f.GetChildWorkflowExecution().Get(ctx, nil)
}

type ratingFollowUp struct {
	in  RatingFollowUpInput
	st  RatingFollowUpState
	loc *time.Location
	out *reclamation.CaseMessages

	closing string // the action of the last status change (run result)
}

// RatingFollowUpWorkflow acts on a rating of 3 stars or fewer.
func RatingFollowUpWorkflow(ctx workflow.Context, in RatingFollowUpInput) (RatingFollowUpResult, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	f := &ratingFollowUp{in: in, loc: in.Job.Market.Location()}
	f.st = RatingFollowUpState{ID: id, Job: in.Job, Worker: in.Worker, Stars: in.Stars, Comment: in.Comment,
		Language: in.Customer.Language, Log: []reclamation.CaseEntry{}, Messages: []reclamation.CaseMessage{}}
	f.out = reclamation.NewCaseMessages(id, in.Customer, in.Job, &f.st.Messages, map[string]string{"job_id": in.Job.ID})
	if err := workflow.SetQueryHandler(ctx, QueryRatingFollowUp, func() (RatingFollowUpState, error) { return f.st, nil }); err != nil {
		return f.end(), err
	}
	regs := []struct {
		name               string
		handler, validator any
	}{
		{UpdateRatingAnswer, f.answer, f.validateAnswer},
		{UpdateRatingReport, f.report, f.validateReport},
		{UpdateRatingDecide, f.decide, f.validateDecide},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return f.end(), err
		}
	}
	// Ops find follow-ups by partner and market; ids only (V-14).
	ups := []temporal.SearchAttributeUpdate{names.PartnerKey.ValueSet(in.Job.Partner), names.MarketKey.ValueSet(string(in.Job.Market))}
	if in.Job.Region != "" {
		ups = append(ups, names.RegionKey.ValueSet(in.Job.Region))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
	customer := jobcore.Actor{Role: names.RoleCustomer}
	system := jobcore.Actor{Role: names.RoleSystem}

	var err error
	switch {
	case in.Stars == 3:
		err = f.askWhatCouldBeBetter(ctx, customer, system)
	case in.Stars >= 1 && in.Stars <= 2:
		err = f.escalateLowRating(ctx, customer, system)
	default:
		f.setStatus(ctx, "rate", customer, RatingAnswered, fmt.Sprintf("%d stars: satisfied, nothing to do (R-2)", in.Stars))
	}
	if err != nil {
		return f.end(), err
	}
	now := workflow.Now(ctx)
	f.st.ClosedAt = &now
	if err := workflow.Await(ctx, func() bool { return f.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return f.end(), err
	}
	return f.end(), nil
}
