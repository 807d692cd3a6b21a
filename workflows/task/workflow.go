package task

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(TaskWorkflow, workflow.RegisterOptions{Name: names.TaskWorkflowName})
}

// task is the workflow's memory; handlers change it and return at once,
// timers and sends run in coroutines.
type task struct {
	in  TaskInput
	st  TaskState
	loc *time.Location
	asg TaskAssistant // the current assistant's contact

	deadlineGen    int
	cancelDeadline workflow.CancelFunc
	// out numbers and tracks the sends; its Pending also counts the other
	// coroutines the run must finish (account signals, the rating follow-up).
	out jobcore.Outbox
	// unreadWatch counts the unread-notification e-mails waiting (N-1, N-2):
	// a continued run re-arms them from the notifications; inflight counts
	// those whose send is under way (continue-as-new waits for it).
	unreadWatch int
	inflight    int
	attrs       jobcore.Publisher

	bounded bool // taskChangeBoundedState: no chat text, capped lists
	canOK   bool // taskChangeContinueAsNew
	escOK   bool // taskChangeReviewEscalation
	stallOK bool // taskChangeStallTimers
	updates int  // Updates handled in this run
	// seen holds the Update ids taken by earlier runs and this one, newest
	// last in updateIDs (carried, TaskCarriedUpdateIDs).
	seen      map[string]bool
	updateIDs []string
}

// Change ids of the Task workflow (workflow.GetVersion); histories recorded
// before a change replay the old behaviour.
const (
	// taskChangeBoundedState (issue #13): chat messages are ids and refs
	// without text; notifications, chat, log, deliveries and time entries
	// keep their newest entries (TaskChatKeep...).
	taskChangeBoundedState = "task-bounded-state"
	// taskChangeContinueAsNew (issue #13): a long task continues as new
	// (TaskContinueAsNewEvents, TaskContinueAsNewUpdates), carrying its state.
	taskChangeContinueAsNew = "task-continue-as-new"
	// taskChangeReviewEscalation (issue #13, T-1): after the review-overdue
	// alert ops are alerted again every ReviewEscalation; ReviewGiveUp after
	// the reaction time the task closes unreviewed (TaskClosedReviewNotDone).
	taskChangeReviewEscalation = "task-review-escalation"
	// taskChangeStallTimers (issue #13, T-1, T-5): a review answered with
	// questions or delegated closes ReviewGiveUp after the reaction time if
	// still not accepted; a missed deadline is alerted again every
	// OverdueEscalation and the task closes OverdueGiveUp after it
	// (TaskClosedDeadlineMissed).
	taskChangeStallTimers = "task-stall-timers"
)

// TaskClosedReviewNotDone is the ClosedReason of a task closed because
// nobody reviewed it (T-1). Ops filter on it in the Temporal UI:
// TaskStatus = 'closed:review_not_done' (the status list holds "closed"
// and "closed:<reason>").
const TaskClosedReviewNotDone = "review_not_done"

// TaskClosedDeadlineMissed is the ClosedReason of a task closed because it
// was not handed over OverdueGiveUp after its missed deadline (T-5, issue
// #13): TaskStatus = 'closed:deadline_missed'.
const TaskClosedDeadlineMissed = "deadline_missed"

// TaskWorkflow runs one task from its creation to the rating (or deletion),
// in one run or, for a long task, in several (continue-as-new, issue #13).
func TaskWorkflow(ctx workflow.Context, in TaskInput) (TaskState, error) {
	t := &task{in: in, loc: rules.Location(in.Market), asg: in.Assistant}
	t.bounded = workflow.GetVersion(ctx, taskChangeBoundedState, workflow.DefaultVersion, 1) >= 1
	t.canOK = workflow.GetVersion(ctx, taskChangeContinueAsNew, workflow.DefaultVersion, 1) >= 1
	t.escOK = workflow.GetVersion(ctx, taskChangeReviewEscalation, workflow.DefaultVersion, 1) >= 1
	t.stallOK = workflow.GetVersion(ctx, taskChangeStallTimers, workflow.DefaultVersion, 1) >= 1
	carried := in.Carry != nil
	if carried {
		t.st, t.asg, t.out.Seq = in.Carry.State, in.Carry.Assistant, in.Carry.SendSeq
		t.updateIDs = append([]string(nil), in.Carry.UpdateIDs...)
		t.in.Carry = nil // the next hand-over builds its own
	} else {
		now := workflow.Now(ctx)
		created := in.CreatedAt
		if created.IsZero() {
			created = now
		}
		t.st = TaskState{
			ID: workflow.GetInfo(ctx).WorkflowExecution.ID, AccountID: in.AccountID, Partner: in.Partner,
			Market: in.Market, Status: TaskReview, Title: in.Title, Description: in.Description,
			AssistantID: in.Assistant.ID, CreatedBy: in.CreatedBy, CreatedAt: created,
			ReviewDeadline:   rules.ReactionDeadline(in.Market, created, in.Policy), // T-2
			BudgetMinutes:    in.BudgetMinutes,
			RemainingMinutes: in.BudgetMinutes,
			Deadline:         in.Deadline, OriginalDeadline: in.Deadline,
			TimeEntries: []TaskTimeEntry{}, Extensions: []TaskExtension{}, Handovers: []TaskHandover{},
			Notifications: []TaskNotification{}, Chat: []TaskChatMessage{}, Log: []TaskTransition{}, Deliveries: []jobcore.Delivery{},
		}
	}
	t.out.JobID, t.out.Record, t.out.OnFailure = t.st.ID, t.record, t.failed
	if err := workflow.SetQueryHandler(ctx, TaskQuery, func() (TaskState, error) { return t.st, nil }); err != nil {
		return t.st, err
	}
	if err := workflow.SetQueryHandler(ctx, activities.TaskDigestQuery, t.digestView); err != nil {
		return t.st, err
	}
	if err := t.registerUpdates(ctx); err != nil {
		return t.st, err
	}
	if carried {
		t.resume(ctx)
	} else {
		t.log(ctx, "created", in.CreatedBy, TaskReview, "review by "+t.clock(t.st.ReviewDeadline)+" (T-1, T-2)")
		t.publish(ctx)

		// T-1: the customer learns by when the task will be reviewed.
		t.emailCustomer(ctx, "ack", "task.ack", "task acknowledgement (T-1)",
			map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline)},
			func() bool { return t.st.Status.InReview() }, nil)
		if in.CreatedBy.Role != names.RoleCustomer { // the assistant or ops created it on the customer's behalf
			t.notify(ctx, NoteCreated, "a new task was created for you", 0, "")
		}

		// T-1: a review not done within the reaction time escalates.
		workflow.Go(ctx, t.watchReview)
	}

	handedOver := func() bool { return t.st.Status == TaskHandedOver || t.st.Status.Terminal() }
	if err := workflow.Await(ctx, func() bool { return handedOver() || t.continueNow(ctx) }); err != nil {
		return t.st, err
	}
	if !handedOver() {
		return t.continueAsNew(ctx)
	}
	t.stopDeadline()

	if t.st.Status == TaskHandedOver {
		// the customer may rate within the rating window (a continued
		// run keeps the carried closing time).
		if t.st.RatingClosesAt == nil {
			closes := workflow.Now(ctx).Add(in.Policy.RatingWindow)
			t.st.RatingClosesAt = &closes
		}
		window := t.st.RatingClosesAt.Sub(workflow.Now(ctx))
		rated := t.st.Status == TaskRated
		if window > 0 || !t.canOK {
			var err error
			rated, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      window,
				TimerOptions: workflow.TimerOptions{Summary: "rating window (R-1)"},
			}, func() bool { return t.st.Status == TaskRated })
			if err != nil {
				return t.st, err
			}
		}
		if !rated && t.st.Status != TaskRated {
			t.setStatus(ctx, "rating-window-closed", jobcore.Actor{Role: names.RoleSystem}, TaskClosed, "")
		}
	}

	if err := workflow.Await(ctx, func() bool { return t.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return t.st, err
	}
	return t.st, nil
}

// continueNow: the run is long enough to continue as new (the server's
// suggestion, TaskContinueAsNewEvents, TaskContinueAsNewUpdates) and it is
// quiet: no handler runs, no send is under way and every coroutine still
// running is one the next run re-arms (unread e-mails; timers).
func (t *task) continueNow(ctx workflow.Context) bool {
	if !t.canOK {
		return false
	}
	info := workflow.GetInfo(ctx)
	long := info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= TaskContinueAsNewEvents ||
		t.updates >= TaskContinueAsNewUpdates
	return long && t.out.Pending == t.unreadWatch && t.inflight == 0 && workflow.AllHandlersFinished(ctx)
}

// continueAsNew hands the task to a new run (issue #13).
func (t *task) continueAsNew(ctx workflow.Context) (TaskState, error) {
	t.st.Runs++
	t.log(ctx, "continued-as-new", jobcore.Actor{Role: names.RoleSystem}, t.st.Status,
		fmt.Sprintf("run %d after %d updates, %d events", t.st.Runs, t.updates, workflow.GetInfo(ctx).GetCurrentHistoryLength()))
	next := t.in
	next.Carry = &TaskCarry{State: t.st, Assistant: t.asg, SendSeq: t.out.Seq,
		UpdateIDs: jobcore.KeepNewest(t.updateIDs, TaskCarriedUpdateIDs)}
	return t.st, workflow.NewContinueAsNewError(ctx, names.TaskWorkflowName, next)
}

// resume re-arms a continued run's timers from the carried state.
func (t *task) resume(ctx workflow.Context) {
	t.publish(ctx)
	now := workflow.Now(ctx)
	if t.st.Status.InReview() {
		workflow.Go(ctx, t.watchReview) // T-1: the carried deadline and escalations; an overdue review is not alerted twice
	}
	if t.st.Status.Working() && !(t.st.DeadlineMissed && !t.st.Deadline.After(now)) {
		t.armDeadline(ctx) // T-5: warning (unless sent) and miss from the carried deadline
	} else if t.st.Status.Working() && t.stallOK {
		t.armOverdue(ctx) // T-5: missed in an earlier run: its escalations go on
	}
	for _, e := range t.st.Extensions {
		if e.Status == ExtensionPending {
			t.watchExtension(ctx, e.ID) // T-6: expires at the carried time
		}
	}
	for _, n := range t.st.Notifications {
		if n.EmailTemplate != "" && !n.EmailDone && n.ReadAt == nil && n.EmailDueAt != nil {
			t.watchUnread(ctx, n.ID, n.EmailDueAt.Sub(now)) // N-1, N-2
		}
	}
}

// dedupe refuses an Update whose id an earlier run already took (the
// API's Idempotency-Key across continue-as-new, issue #13); within a run
// Temporal itself answers a repeated id with the first result.
func dedupe[R any](t *task, validate func(workflow.Context, R) error) func(workflow.Context, R) error {
	return func(ctx workflow.Context, r R) error {
		if info := workflow.GetCurrentUpdateInfo(ctx); info != nil && t.seenUpdate(info.ID) {
			return temporal.NewApplicationError("this request (Update id "+info.ID+") was already applied", ErrTypeDuplicateRequest)
		}
		return validate(ctx, r)
	}
}

// track remembers the id of every Update the run takes.
func track[R, S any](t *task, handle func(workflow.Context, R) (S, error)) func(workflow.Context, R) (S, error) {
	return func(ctx workflow.Context, r R) (S, error) {
		if info := workflow.GetCurrentUpdateInfo(ctx); info != nil && info.ID != "" {
			t.updateIDs = append(t.updateIDs, info.ID)
			if t.seen != nil {
				t.seen[info.ID] = true
			}
		}
		return handle(ctx, r)
	}
}

func (t *task) seenUpdate(id string) bool {
	if t.seen == nil {
		t.seen = make(map[string]bool, len(t.updateIDs))
		for _, u := range t.updateIDs {
			t.seen[u] = true
		}
	}
	return t.seen[id]
}

func (t *task) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name               string
		handler, validator any
	}
	regs := []reg{
		{TaskUpdateRelease, track(t, t.release), dedupe(t, t.validateRelease)},
		{TaskUpdateAccept, track(t, t.accept), dedupe(t, t.validateAccept)},
		{TaskUpdateAskQuestions, track(t, t.askQuestions), dedupe(t, t.validateAskQuestions)},
		{TaskUpdateDelegate, track(t, t.delegate), dedupe(t, t.validateDelegate)},
		{TaskUpdateDelete, track(t, t.delete), dedupe(t, t.validateDelete)},
		{TaskUpdateStart, track(t, t.start), dedupe(t, t.validateStart)},
		{TaskUpdateChange, track(t, t.change), dedupe(t, t.validateChange)},
		{TaskUpdateRequestExtension, track(t, t.requestExtension), dedupe(t, t.validateRequestExtension)},
		{TaskUpdateRespondExtension, track(t, t.respondExtension), dedupe(t, t.validateRespondExtension)},
		{TaskUpdateLogTime, track(t, t.logTime), dedupe(t, t.validateLogTime)},
		{TaskUpdateHandover, track(t, t.handover), dedupe(t, t.validateHandover)},
		{TaskUpdateRate, track(t, t.rate), dedupe(t, t.validateRate)},
		{TaskUpdateMarkRead, track(t, t.markRead), dedupe(t, t.validateMarkRead)},
		{TaskUpdateChat, track(t, t.chat), dedupe(t, t.validateChat)},
		{TaskUpdateReassign, track(t, t.reassign), dedupe(t, t.validateReassign)},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}
