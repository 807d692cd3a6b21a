package reclamation

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(ReclamationWorkflow, workflow.RegisterOptions{Name: ReclamationWorkflowName})
}

// reclamation is the workflow's memory; handlers change it and return at
// once, timers and sends run in their own coroutines.
type reclamation struct {
	in  ReclamationInput
	st  ReclamationState
	loc *time.Location
	out *CaseMessages

	cancelReply workflow.CancelFunc
	cancelDue   workflow.CancelFunc
	dueGen      int // bumped to retire a superseded promised-date timer
	attrs       jobcore.Publisher

	// issue #13: set from the GetVersion change ids at the first escalation.
	versioned   bool
	slowDown    bool
	canEnabled  bool
	runEscals   int  // escalations in this run
	continueNow bool // an escalation loop asks the run to continue as new

	stageVersioned, stageTimers bool // reclamationStageChange, read at the first acknowledgement or resolution

	closing string // the action of the last status change (run result)
}

// ReclamationWorkflow runs one complaint from its opening to its approval
// or rejection.
func ReclamationWorkflow(ctx workflow.Context, in ReclamationInput) (ReclamationResult, error) {
	now := workflow.Now(ctx)
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	c := &reclamation{in: in, loc: in.Job.Market.Location()}
	carry := in.Carry
	c.in.Carry = nil // the state lives in c.st; the next run gets a fresh carry
	if carry != nil {
		c.st = carry.State
		c.st.Run++
	} else {
		c.st = ReclamationState{
			ID: id, Job: in.Job, OpenedBy: in.OpenedBy, Complaint: in.Complaint, Language: in.Customer.Language,
			Status: ReclamationWaiting, OpenedAt: now, ReplyDeadline: now.Add(in.Policy.ReclamationReply),
			Escalations: []Escalation{}, Log: []CaseEntry{}, Messages: []CaseMessage{}, Run: 1,
		}
	}
	c.out = NewCaseMessages(id, in.Customer, in.Job, &c.st.Messages,
		map[string]string{"reclamation_id": id, "job_id": in.Job.ID})
	if err := workflow.SetQueryHandler(ctx, QueryReclamation, func() (ReclamationState, error) { return c.st, nil }); err != nil {
		return c.end(), err
	}
	if err := c.registerUpdates(ctx); err != nil {
		return c.end(), err
	}
	if carry != nil {
		c.resume(ctx, carry)
	} else {
		c.logEntry(ctx, "open", in.OpenedBy, "", "waiting for the service manager; reply due "+c.clock(c.st.ReplyDeadline)+" (C-1, C-2)")
		c.publish(ctx)

		// C-2: the reply clock runs from the opening until the customer hears.
		replyCtx, cancel := workflow.WithCancel(ctx)
		c.cancelReply = cancel
		workflow.Go(replyCtx, c.watchReply)
	}

	for {
		if err := workflow.Await(ctx, func() bool { return c.st.Status.Closed() || c.continueNow }); err != nil {
			return c.end(), err
		}
		// Let the last messages and handlers finish before the run closes
		// or continues as new.
		if err := workflow.Await(ctx, func() bool { return c.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
			return c.end(), err
		}
		if c.st.Status.Closed() {
			return c.end(), nil
		}
		if c.continueNow {
			return c.end(), workflow.NewContinueAsNewError(ctx, ReclamationWorkflowName, c.carryOver())
		}
	}
}

// resume restarts, in a new run, the timers the state says are running:
// the reply clock's escalations (C-2) or the promised date's (C-3), each
// at its next level and time (issue #13).
func (c *reclamation) resume(ctx workflow.Context, carry *ReclamationCarry) {
	c.out.Seq = carry.Seq
	c.versioned, c.slowDown, c.canEnabled = true, true, true // a carried run is already on the new behaviour
	c.logEntry(ctx, "continue", jobcore.Actor{Role: names.RoleSystem}, string(c.st.Status),
		fmt.Sprintf("run %d continues the reclamation (%d older log entries kept as a count)", c.st.Run, c.st.LogDropped))
	c.publish(ctx)
	next := workflow.Now(ctx)
	if c.st.NextEscalationAt != nil {
		next = *c.st.NextEscalationAt
	}
	switch {
	case c.st.Status.Closed():
	case c.st.AnsweredAt == nil:
		replyCtx, cancel := workflow.WithCancel(ctx)
		c.cancelReply = cancel
		level := c.st.EscalationLevel + 1
		at := next
		if c.st.EscalationLevel == 0 {
			at = c.st.ReplyDeadline
		}
		workflow.Go(replyCtx, func(ctx workflow.Context) { c.replyEscalations(ctx, level, at) })
	case c.st.Status == ReclamationPlanned && c.st.Plan != nil:
		if c.st.EscalationLevel == 0 {
			c.watchDue(ctx)
			return
		}
		c.watchDueFrom(ctx, c.st.EscalationLevel+1, next)
	case c.st.Status == ReclamationAcknowledged, c.st.Status == ReclamationResolved:
		c.stageVersioned, c.stageTimers = true, true
		if c.st.EscalationLevel == 0 {
			c.watchStage(ctx, 1, c.stageDue())
			return
		}
		c.watchStage(ctx, c.st.EscalationLevel+1, next)
	}
}

// stageOn reports whether acknowledged and resolved reclamations get a
// timer (reclamationStageChange, read once per run).
func (c *reclamation) stageOn(ctx workflow.Context) bool {
	if !c.stageVersioned {
		c.stageVersioned = true
		c.stageTimers = workflow.GetVersion(ctx, reclamationStageChange, workflow.DefaultVersion, 1) == 1
	}
	return c.stageTimers
}

// stageDue is when the current stage's next step is due (C-3): the
// assessment after the acknowledgement, the approval after the resolution.
func (c *reclamation) stageDue() time.Time {
	p := c.in.Policy.WithDefaults()
	if c.st.Status == ReclamationResolved && c.st.ResolvedAt != nil {
		return c.st.ResolvedAt.Add(p.ReclamationApprove)
	}
	if c.st.AnsweredAt != nil {
		return c.st.AnsweredAt.Add(p.ReclamationAssess)
	}
	return c.st.ReplyDeadline
}

// watchStage escalates an acknowledged reclamation not assessed, or
// resolved work not approved, from `at` with level, on the schedule, while
// the status stays what it is now (C-3, issue #13). It shares the promised
// date's slot: a plan, a rejection or an approval retires it.
func (c *reclamation) watchStage(ctx workflow.Context, level int, at time.Time) {
	c.endDue()
	gen := c.dueGen
	status := c.st.Status
	due := c.stageDue()
	reason, template, what := "assess-overdue", "ops.reclamation_assess_overdue", "reclamation not assessed (C-3)"
	if status == ReclamationResolved {
		reason, template, what = "approval-overdue", "ops.reclamation_approval_overdue", "reclamation not approved (C-3)"
	}
	stageCtx, cancel := workflow.WithCancel(ctx)
	c.cancelDue = cancel
	workflow.Go(stageCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), fmt.Sprintf("%s, level %d (C-3)", reason, level)) {
			return
		}
		for ; c.dueGen == gen && c.st.Status == status; level++ {
			c.escalate(ctx, level, reason, due, template, what)
			wait, more := c.nextEscalation(ctx, due)
			if !more {
				return
			}
			if !jobcore.Sleep(ctx, wait, fmt.Sprintf("%s, level %d (C-3)", reason, level+1)) {
				return
			}
		}
	})
}

// carryOver is the next run's input: the state with its lists capped to the
// newest reclamationKeep entries, the older ones counted (issue #13).
func (c *reclamation) carryOver() ReclamationInput {
	st := c.st
	st.Escalations, st.EscalationsDropped = jobcore.KeepNewestCounted(st.Escalations, reclamationKeep, st.EscalationsDropped)
	st.Log, st.LogDropped = jobcore.KeepNewestCounted(st.Log, reclamationKeep, st.LogDropped)
	st.Messages, st.MessagesDropped = jobcore.KeepNewestCounted(st.Messages, reclamationKeep, st.MessagesDropped)
	in := c.in
	in.Carry = &ReclamationCarry{State: st, Seq: c.out.Seq}
	return in
}

func (c *reclamation) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name      string
		handler   any
		validator any
	}
	regs := []reg{
		{UpdateReclamationAcknowledge, c.acknowledge, c.validateAcknowledge},
		{UpdateReclamationPlan, c.plan, c.validatePlan},
		{UpdateReclamationPlanExtra, c.planExtra, c.validatePlanExtra},
		{UpdateReclamationReject, c.reject, c.validateReject},
		{UpdateReclamationResolve, c.resolve, c.validateResolve},
		{UpdateReclamationApprove, c.approve, c.validateApprove},
		{UpdateReclamationNote, c.note, c.validateNote},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}
