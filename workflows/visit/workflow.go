package visit

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(VisitWorkflow, workflow.RegisterOptions{Name: VisitWorkflowName})
}

// visit is the workflow's memory. Update handlers change it and return at
// once; timers and sends run in their own coroutines, so an answer to the
// buddy's app never waits for an SMS.
type visit struct {
	in  VisitInput
	st  VisitState
	loc *time.Location

	claimGen, reminderGen       int // bumped to retire a superseded timer
	cancelClaim, cancelReminder workflow.CancelFunc
	cancelPromise               workflow.CancelFunc
	out                         jobcore.Outbox // numbered sends in flight; the workflow waits for them
	attrs                       jobcore.Publisher
	closing                     string // the action of the last status change (run result)
	followUp                    bool   // the R-2 follow-up child was started (run result)
}

// VisitWorkflow runs one visit from the partner's booking to the rating.
func VisitWorkflow(ctx workflow.Context, in VisitInput) (VisitResult, error) {
	v := &visit{in: in, loc: in.Booking.Market.Location()}
	info := workflow.GetInfo(ctx)
	b := in.Booking
	v.st = VisitState{
		ID: info.WorkflowExecution.ID, Partner: b.Partner, Market: b.Market, Region: b.Region,
		Status:       StatusOpen,
		HelpDeadline: rules.HelpDeadline(b.BookedAt, b.WishedTimes, in.Policy.HelpPromise), // V-5
		SLA:          rules.SLAOk,
		Log:          []Transition{},
		Deliveries:   []jobcore.Delivery{},
	}
	v.out = jobcore.Outbox{JobID: v.st.ID, Record: v.record, OnFailure: v.failed}
	if err := workflow.SetQueryHandler(ctx, QueryVisit, func() (VisitState, error) { return v.st, nil }); err != nil {
		return v.end(), err
	}
	if err := workflow.SetQueryHandler(ctx, QueryContact, func() (VisitContact, error) {
		return VisitContact{Customer: b.Customer, Address: b.Address, Product: b.Product, Problem: b.Problem,
			WishedTimes: b.WishedTimes, Holder: v.st.Holder, Status: v.st.Status}, nil
	}); err != nil {
		return v.end(), err
	}
	if err := v.registerUpdates(ctx); err != nil {
		return v.end(), err
	}
	v.logTransition(ctx, "booked-by-partner", jobcore.Actor{Role: names.RoleSystem, ID: b.Partner}, StatusOpen, "in the pool (V-1)")
	v.publish(ctx)

	// V-5: the help promise runs from the booking, whatever else happens.
	promiseCtx, cancelPromise := workflow.WithCancel(ctx)
	v.cancelPromise = cancelPromise
	workflow.Go(promiseCtx, v.watchHelpPromise)

	// Everything until the visit is completed or ended happens in handlers
	// and timer coroutines.
	if err := workflow.Await(ctx, func() bool {
		return v.st.Status == StatusCompleted || v.st.Status.Terminal()
	}); err != nil {
		return v.end(), err
	}

	if v.st.Status == StatusCompleted {
		// ask for the rating, then wait for it (and, when mileage was
		// reported, for ops to confirm it, V-13) until the window closes.
		fields := map[string]string{"rating_url": in.RatingLink}
		if in.ComplaintLink != "" {
			fields["complaint_url"] = in.ComplaintLink // C-1
		}
		v.sendEmail(ctx, "rating-request", "visit.rating_request", "rating e-mail (R-1)", fields)
		closed := workflow.Now(ctx).Add(in.Policy.RatingWindow)
		v.st.RatingClosesAt = &closed
		rated, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      in.Policy.RatingWindow,
			TimerOptions: workflow.TimerOptions{Summary: "rating window (R-1)"},
		}, func() bool {
			return v.st.Status == StatusRated && (v.st.Completion.MileageKm == 0 || v.st.MileageOK)
		})
		if err != nil {
			return v.end(), err
		}
		if !rated {
			v.logTransition(ctx, "rating-window-closed", jobcore.Actor{Role: names.RoleSystem}, v.st.Status, "")
			v.closing = "rating-window-closed"
		}
	}

	// Let sends in flight and update handlers finish before the run closes.
	if err := workflow.Await(ctx, func() bool { return v.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return v.end(), err
	}
	return v.end(), nil
}

func (v *visit) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name      string
		handler   any
		validator any
	}
	regs := []reg{
		{UpdateClaim, v.claim, v.validateClaim},
		{UpdateRelease, v.release, holderFirst(v, func(r ReleaseRequest) string { return r.Buddy }, v.validateRelease)},
		{UpdateBook, v.book, holderFirst(v, func(r BookRequest) string { return r.Buddy }, v.validateBook)},
		{UpdateReschedule, v.reschedule, holderFirst(v, func(r RescheduleRequest) string { return r.Buddy }, v.validateReschedule)},
		{UpdateStart, v.start, holderFirst(v, func(r StartRequest) string { return r.Buddy }, v.validateStart)},
		{UpdatePanic, v.panicButton, holderFirst(v, func(r PanicRequest) string { return r.Buddy }, v.validatePanic)},
		{UpdateAbort, v.abort, holderFirst(v, func(r AbortRequest) string { return r.Buddy }, v.validateAbort)},
		{UpdateComplete, v.complete, holderFirst(v, func(r CompleteRequest) string { return r.Buddy }, v.validateComplete)},
		{UpdateCancel, v.cancel, v.validateCancel},
		{UpdateRate, v.rate, v.validateRate},
		{UpdateReassign, v.reassign, v.validateReassign},
		{UpdateMileage, v.confirmMileage, v.validateMileage},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}
