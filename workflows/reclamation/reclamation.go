package reclamation

import (
	"errors"
	"fmt"
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"strings"
	"time"
	"unicode/utf8"
)

// Reclamation workflow: one per customer complaint about a visit or a task
// (C-1..C-3), id "reclamation-<jobId>" (opened by the customer or ops,
// ReclamationCaseID) or "reclamation-<jobId>-rating" (opened from a 1-2
// star rating with a comment, R-2). Every step is an Update with a
// validator answering a small ReclamationUpdateResult (results.go); the
// Query returns the state with the
// whole exchange.
//
// Decisions the seeds leave open, written down here:
//
//   - The reply clock (C-2) is wall-clock time from the opening, the policy's
//     ReclamationReply (default 2 h, P-1). Any message to the customer
//     answers it: the acknowledgement, a plan, extra work or a rejection.
//   - Unanswered, it escalates to ops at level 1, then one level more every
//     ReclamationEscalation until answered. EscalationLevel is the level of
//     what is overdue now: it drops to 0 once answered, so the UI filter
//     `EscalationLevel > 0` lists exactly what needs ops now. Every
//     escalation stays in the query's log.
//   - A plan's promised date (Due) is a timer the same way: overdue work
//     escalates at level 1 and on, until the work is marked resolved or the
//     manager re-plans (a new plan tells the customer again).
//   - A resolution the manager does not approve is re-planned (plan again).
//   - A rejection is possible until a plan exists; once planned within the
//     service plan, the complaint is accepted.
//   - Extra work outside the plan needs the customer's agreement, runs like
//     a plan (assignee, due date, resolve, approve) and is marked Extra.
//   - One open reclamation per job for complaints: the customer's link and
//     ops open it with update-with-start (api.StartReclamation) under
//     ReclamationCaseID, id conflict USE_EXISTING and the note Update, so a
//     further complaint while it is open is added to it as a note in the
//     same single call, and a complaint after it closed starts a new run
//     under the same id (id reuse ALLOW_DUPLICATE; the closed one stays in
//     the id's run history). The note that came with the start is the
//     opening complaint itself and is not logged twice.
//   - The rating's reclamation stays separate (reclamation-<jobId>-rating):
//     it is opened by the RatingFollowUp workflow as a child, once per
//     rating (a rating happens once), and the R-2 follow-up names it; a
//     child cannot update-with-start, and folding it into the complaints'
//     case would make the follow-up fail whenever a complaint is open. A
//     job therefore has at most two open reclamations: the complaints' and
//     the low rating's. Ids reclamation-<jobId>-<n> are those of cases
//     opened before ReclamationCaseID; they keep working.
//   - Free text (complaint, notes, plan, reason) is at most
//     MaxReclamationText characters, the same bound the API checks, so the
//     API refuses what a validator would (422) and never starts a case for it.
//   - The customer's contact travels in the input only; search attributes,
//     alerts and logs carry ids (V-14).
//   - Escalation slows down on a bounded schedule (issue #13, change id
//     reclamationScheduleChange): every ReclamationEscalation (1 h) while
//     overdue less than ReclamationSlowAfter (24 h), then every
//     ReclamationSlowEscalation (24 h), for as long as it stays overdue
//     (C-2: never ignored). About 24 + 365 escalations a year.
//   - A long-running reclamation continues as new (issue #13, change id
//     reclamationContinueAsNewChange) after reclamationEscalationsPerRun
//     escalations, or when the server suggests it, or past
//     reclamationHistoryLimit events, once every handler and send has
//     finished. The next run gets the state in ReclamationInput.Carry:
//     status, level, plan, due dates, the next escalation's time and the
//     send counter (step ids stay unique); the log, escalations and messages
//     are capped to the newest reclamationKeep each, with counts of what was
//     dropped. A run stays around 1,000 events and well under 2 MB.
//     Reclamations already escalating when this shipped keep their old
//     hourly schedule (GetVersion pins them to DefaultVersion).
//   - No stage waits without a timer (issue #13, change id
//     reclamationStageChange): an acknowledged complaint not assessed
//     (planned or rejected) within ReclamationAssess (24 h) of the
//     acknowledgement escalates ("assess-overdue"), and resolved work not
//     approved within ReclamationApprove (24 h) escalates
//     ("approval-overdue"), on the same bounded schedule, until acted on.
const (
	ReclamationWorkflowName = "Reclamation"

	UpdateReclamationAcknowledge = "acknowledge" // C-2: seen and being acted on
	UpdateReclamationPlan        = "plan"        // C-3: within the plan: how, when, assignee
	UpdateReclamationPlanExtra   = "plan-extra"  // C-3: outside the plan, extra work as agreed
	UpdateReclamationReject      = "reject"      // C-3: outside the plan, with a reason
	UpdateReclamationResolve     = "resolve"     // C-3: the assignee marks the work done
	UpdateReclamationApprove     = "approve"     // C-3: the manager approves the resolution
	UpdateReclamationNote        = "note"        // a call with the customer, a further complaint

	QueryReclamation = "reclamation"
)

// ReclamationCaseID is the workflow id of the complaints' reclamation about
// a job (its visit or task workflow id): one open at a time, the id reused
// after it closed. Ids carry no personal data (V-14).
func ReclamationCaseID(jobID string) string { return "reclamation-" + jobID }

// ReclamationID is the id of the n-th reclamation about a job under the
// scheme before ReclamationCaseID (ids were probed as -1, -2, ...); open
// ones keep it, nothing new starts under it.
func ReclamationID(jobID string, n int) string { return fmt.Sprintf("reclamation-%s-%d", jobID, n) }

// MaxReclamationText is the most characters (Unicode code points) of any
// free text in a reclamation: the complaint, a note, a plan, a reason. The
// API checks the same bound before anything reaches Temporal.
const MaxReclamationText = 2000

// ErrTypeReclamationClosed is the error type of a note refused because the
// reclamation is closed (its run is still finishing): the caller waits for
// the run to end and opens a new one.
const ErrTypeReclamationClosed = "ReclamationClosed"

// RatingReclamationID is the id of the reclamation a low rating with a
// complaint opens; a rating happens once, so the id is unique.
func RatingReclamationID(jobID string) string { return "reclamation-" + jobID + "-rating" }

// ReclamationInput opens a reclamation (C-1). Customer is personal data:
// it travels encrypted in the input and never reaches search attributes,
// memos, alerts or logs.
type ReclamationInput struct {
	Job       jobcore.JobRef   `json:"job"`
	Customer  jobcore.Customer `json:"customer"`
	OpenedBy  jobcore.Actor    `json:"opened_by"` // customer, ops or system
	Complaint string           `json:"complaint"`
	Policy    rules.Policy     `json:"policy"`
	// Carry is set only by the workflow itself when it continues as new:
	// the previous run's state to resume from (issue #13).
	Carry *ReclamationCarry `json:"carry,omitempty"`
}

// ReclamationCarry is what one run of a reclamation hands the next when it
// continues as new.
type ReclamationCarry struct {
	State ReclamationState `json:"state"`
	Seq   int              `json:"seq"` // the last send step number, so step ids never repeat
}

// Continue-as-new thresholds (issue #13). Technical bounds on one run's
// history, not business numbers: the schedule itself is policy (P-1).
const (
	// reclamationEscalationsPerRun escalations (~9 events each) keep a run
	// near 1,000 events.
	reclamationEscalationsPerRun = 100
	// reclamationHistoryLimit events: continue as new earlier when notes and
	// re-plans fill a run.
	reclamationHistoryLimit = 5000
	// reclamationKeep is how many of the newest log entries, escalations and
	// messages a new run carries over; older ones are counted.
	reclamationKeep = 50
)

// GetVersion change ids of the reclamation (issue #13).
const (
	// reclamationScheduleChange: escalations slow down after
	// ReclamationSlowAfter (rules.Policy.ReclamationInterval). Before it,
	// every ReclamationEscalation forever.
	reclamationScheduleChange = "reclamation-escalation-schedule"
	// reclamationContinueAsNewChange: continue as new every
	// reclamationEscalationsPerRun escalations with a capped state.
	reclamationContinueAsNewChange = "reclamation-continue-as-new"
	// reclamationStageChange: acknowledged and resolved reclamations get a
	// timer (assess-overdue, approval-overdue). Before it, both waited for
	// the manager without one.
	reclamationStageChange = "reclamation-stage-timers"
)

// ReclamationStatus is where a reclamation is.
type ReclamationStatus string

const (
	ReclamationWaiting      ReclamationStatus = "waiting"      // C-1: "venter på reklamation"
	ReclamationAcknowledged ReclamationStatus = "acknowledged" // C-2: customer told it is seen
	ReclamationPlanned      ReclamationStatus = "planned"      // C-3: plan and assignee set
	ReclamationResolved     ReclamationStatus = "resolved"     // C-3: waiting for the manager's approval
	ReclamationApproved     ReclamationStatus = "approved"     // C-3: closed, fixed
	ReclamationRejected     ReclamationStatus = "rejected"     // C-3: closed, outside the plan
)

// Closed reports whether the reclamation is over.
func (s ReclamationStatus) Closed() bool {
	return s == ReclamationApproved || s == ReclamationRejected
}

// Assignee roles (C-3: "1. assistent eller serviceassistent").
const (
	AssigneeFirstAssistant   = "first-assistant"
	AssigneeServiceAssistant = "service-assistant"
)

// ReclamationAckRequest: the service manager saw the complaint (C-2).
type ReclamationAckRequest struct {
	Manager string `json:"manager"`
	Note    string `json:"note,omitempty"` // e.g. "called the customer"
}

// ReclamationPlanRequest: within the service plan, how and by when it is
// fixed, and by whom (C-3). Also the body of plan-extra, which needs the
// customer's agreement.
type ReclamationPlanRequest struct {
	Manager        string    `json:"manager"`
	How            string    `json:"how"`
	Due            time.Time `json:"due"`
	Assignee       string    `json:"assignee"`
	AssigneeRole   string    `json:"assignee_role"`             // first-assistant or service-assistant
	CustomerAgreed bool      `json:"customer_agreed,omitempty"` // plan-extra only: agreed with the customer
}

// ReclamationRejectRequest: outside the service plan, with the reason the
// customer always receives (C-3).
type ReclamationRejectRequest struct {
	Manager string `json:"manager"`
	Reason  string `json:"reason"`
}

// ReclamationResolveRequest: the assignee marks the work done (C-3).
type ReclamationResolveRequest struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note,omitempty"`
}

// ReclamationApproveRequest: the manager approves the resolution (C-3).
type ReclamationApproveRequest struct {
	Manager string `json:"manager"`
}

// ReclamationNoteRequest adds to the exchange: a phone call with the
// customer, or a further complaint while this one is open.
type ReclamationNoteRequest struct {
	By   jobcore.Actor `json:"by"`
	Text string        `json:"text"`
}

// ReclamationPlan is how and when the complaint is fixed (C-3).
type ReclamationPlan struct {
	How          string    `json:"how"`
	Due          time.Time `json:"due"`
	Assignee     string    `json:"assignee"`
	AssigneeRole string    `json:"assignee_role"`
	Extra        bool      `json:"extra,omitempty"` // extra work outside the plan, agreed with the customer
	By           string    `json:"by"`
	At           time.Time `json:"at"`
}

// Escalation is one alert to ops about an overdue reclamation.
type Escalation struct {
	At     time.Time `json:"at"`
	Level  int       `json:"level"`
	Reason string    `json:"reason"` // reply (C-2) or plan-overdue (C-3)
	Due    time.Time `json:"due"`
}

// CaseEntry is one line of a reclamation's or a rating follow-up's log:
// who did what, when, and what they wrote.
type CaseEntry struct {
	At     time.Time     `json:"at"`
	Action string        `json:"action"`
	By     jobcore.Actor `json:"by"`
	From   string        `json:"from,omitempty"`
	To     string        `json:"to"`
	Note   string        `json:"note,omitempty"`
}

// CaseMessage is one message sent for a reclamation or a rating
// follow-up: who caused it, to whom, which template in which language, what
// it said besides the customer's name, and whether it went out. Together
// with the log it is the exchange ops show in a dispute.
type CaseMessage struct {
	At       time.Time         `json:"at"`
	By       jobcore.Actor     `json:"by"`
	To       string            `json:"to"`      // customer or ops
	Channel  string            `json:"channel"` // email, ops
	Template string            `json:"template"`
	Language string            `json:"language"`
	Said     map[string]string `json:"said,omitempty"`
	Step     string            `json:"step"`
	Outcome  string            `json:"outcome"` // sent, failed: <type>
}

// ReclamationState is the reclamation as the Query returns it.
type ReclamationState struct {
	ID              string            `json:"id"`
	Job             jobcore.JobRef    `json:"job"`
	OpenedBy        jobcore.Actor     `json:"opened_by"`
	Complaint       string            `json:"complaint"`
	Language        rules.Language    `json:"language"`
	Status          ReclamationStatus `json:"status"`
	OpenedAt        time.Time         `json:"opened_at"`
	ReplyDeadline   time.Time         `json:"reply_deadline"`
	AnsweredAt      *time.Time        `json:"answered_at,omitempty"`
	EscalationLevel int               `json:"escalation_level"`
	Escalations     []Escalation      `json:"escalations"`
	Plan            *ReclamationPlan  `json:"plan,omitempty"`
	ResolvedAt      *time.Time        `json:"resolved_at,omitempty"`
	Rejection       string            `json:"rejection,omitempty"`
	ClosedAt        *time.Time        `json:"closed_at,omitempty"`
	Log             []CaseEntry       `json:"log"`
	Messages        []CaseMessage     `json:"messages"`

	// Continue-as-new (issue #13): the run number (1 for the first run; 0
	// in states from before runs were counted), when the running escalation
	// loop fires next, and how many older entries earlier runs dropped.
	Run                int        `json:"run,omitempty"`
	NextEscalationAt   *time.Time `json:"next_escalation_at,omitempty"`
	EscalationsDropped int        `json:"escalations_dropped,omitempty"`
	LogDropped         int        `json:"log_dropped,omitempty"`
	MessagesDropped    int        `json:"messages_dropped,omitempty"`
}

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
	upserted    reclamationAttrs
	published   bool

	// issue #13: set from the GetVersion change ids at the first escalation.
	versioned   bool
	slowDown    bool
	canEnabled  bool
	runEscals   int  // escalations in this run
	continueNow bool // an escalation loop asks the run to continue as new

	stageVersioned, stageTimers bool // reclamationStageChange, read at the first acknowledgement or resolution

	closing string // the action of the last status change (run result)
}

// reclamationAttrs mirrors the search attributes last written.
type reclamationAttrs struct {
	status, assignee string
	level            int
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
	c.out.seq = carry.Seq
	c.versioned, c.slowDown, c.canEnabled = true, true, true // a carried run is already on the new behaviour
	c.logEntry(ctx, "continue", jobcore.Actor{Role: jobcore.RoleSystem}, string(c.st.Status),
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
	in.Carry = &ReclamationCarry{State: st, Seq: c.out.seq}
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

// --- C-2: reply within 2 h ------------------------------------------------

func (c *reclamation) validateAcknowledge(ctx workflow.Context, r ReclamationAckRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager acknowledging the reclamation")
	}
	if c.st.Status != ReclamationWaiting {
		return jobcore.Refuse("the customer has already been answered; this reclamation is %s (C-2)", c.st.Status)
	}
	return MaxText("note", r.Note)
}

func (c *reclamation) acknowledge(ctx workflow.Context, r ReclamationAckRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: jobcore.RoleOps, ID: r.Manager}
	c.answered(ctx)
	c.setStatus(ctx, UpdateReclamationAcknowledge, by, ReclamationAcknowledged, joinNote("customer told it is seen and acted on (C-2)", r.Note))
	c.out.Email(ctx, by, "ack", "reclamation.ack", "reclamation acknowledged (C-2)", nil)
	return c.result(), nil
}

// watchReply escalates an unanswered reclamation at the reply deadline and
// one level more every ReclamationEscalation until it is answered (C-2).
func (c *reclamation) watchReply(ctx workflow.Context) {
	c.replyEscalations(ctx, 1, c.st.ReplyDeadline)
}

// replyEscalations escalates at `at` with level, then on the schedule, while
// the customer has had no answer (C-2).
func (c *reclamation) replyEscalations(ctx workflow.Context, level int, at time.Time) {
	summary := "reclamation reply within 2 h (C-2)"
	if level > 1 {
		summary = fmt.Sprintf("reclamation escalation level %d (C-2)", level)
	}
	if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), summary) {
		return
	}
	for ; c.st.AnsweredAt == nil && !c.st.Status.Closed(); level++ {
		c.escalate(ctx, level, "reply", c.st.ReplyDeadline, "ops.reclamation_escalation", "reclamation unanswered (C-2)")
		wait, more := c.nextEscalation(ctx, c.st.ReplyDeadline)
		if !more {
			return
		}
		if !jobcore.Sleep(ctx, wait, fmt.Sprintf("reclamation escalation level %d (C-2)", level+1)) {
			return
		}
	}
}

// nextEscalation is the wait before the next escalation of something
// overdue since due, and whether this run goes on escalating (false: it
// continues as new, the next run resumes at NextEscalationAt). The change
// ids are read at the first escalation, so a reclamation that had not
// escalated yet when this shipped takes the new behaviour (issue #13).
func (c *reclamation) nextEscalation(ctx workflow.Context, due time.Time) (time.Duration, bool) {
	if !c.versioned {
		c.versioned = true
		c.slowDown = workflow.GetVersion(ctx, reclamationScheduleChange, workflow.DefaultVersion, 1) == 1
		c.canEnabled = workflow.GetVersion(ctx, reclamationContinueAsNewChange, workflow.DefaultVersion, 1) == 1
	}
	now := workflow.Now(ctx)
	wait := c.in.Policy.ReclamationEscalation
	if c.slowDown {
		wait = c.in.Policy.ReclamationInterval(now.Sub(due))
	}
	if !c.canEnabled {
		return wait, true
	}
	next := now.Add(wait)
	c.st.NextEscalationAt = &next
	c.runEscals++
	info := workflow.GetInfo(ctx)
	if c.runEscals >= reclamationEscalationsPerRun || info.GetContinueAsNewSuggested() ||
		info.GetCurrentHistoryLength() >= reclamationHistoryLimit {
		c.continueNow = true
		return wait, false
	}
	return wait, true
}

// answered stops the reply clock: the customer has heard from us.
func (c *reclamation) answered(ctx workflow.Context) {
	if c.st.AnsweredAt != nil {
		return
	}
	now := workflow.Now(ctx)
	c.st.AnsweredAt = &now
	if c.cancelReply != nil {
		c.cancelReply()
		c.cancelReply = nil
	}
	c.st.EscalationLevel = 0
}

func (c *reclamation) escalate(ctx workflow.Context, level int, reason string, due time.Time, template, summary string) {
	c.st.EscalationLevel = level
	c.st.Escalations = append(c.st.Escalations, Escalation{At: workflow.Now(ctx), Level: level, Reason: reason, Due: due})
	c.logEntry(ctx, "escalate", jobcore.Actor{Role: jobcore.RoleSystem}, string(c.st.Status), fmt.Sprintf("%s overdue since %s: level %d", reason, c.clock(due), level))
	c.publish(ctx)
	data := map[string]string{"deadline": due.Format(time.RFC3339), "level": fmt.Sprint(level), "reason": reason}
	if c.st.Plan != nil {
		data["due"] = c.st.Plan.Due.Format(time.RFC3339)
		data["assignee"] = c.st.Plan.Assignee
	}
	c.out.Alert(ctx, jobcore.Actor{Role: jobcore.RoleSystem}, "reclamation_"+strings.ReplaceAll(reason, "-", "_"), template, summary, data)
}

// --- C-3: assess against the service plan -----------------------------------

func (c *reclamation) validatePlan(ctx workflow.Context, r ReclamationPlanRequest) error {
	switch c.st.Status {
	case ReclamationWaiting, ReclamationAcknowledged, ReclamationPlanned, ReclamationResolved:
	default:
		return jobcore.Refuse("a %s reclamation cannot be planned (C-3)", c.st.Status)
	}
	if c.st.Plan != nil && c.st.Plan.Extra {
		return jobcore.Refuse("this reclamation runs as extra work agreed with the customer; re-plan it with plan-extra (C-3)")
	}
	return c.checkPlan(ctx, r)
}

func (c *reclamation) validatePlanExtra(ctx workflow.Context, r ReclamationPlanRequest) error {
	switch c.st.Status {
	case ReclamationWaiting, ReclamationAcknowledged:
	case ReclamationPlanned, ReclamationResolved:
		if !c.st.Plan.Extra {
			return jobcore.Refuse("this reclamation is planned within the service plan; re-plan it with plan (C-3)")
		}
	default:
		return jobcore.Refuse("a %s reclamation cannot get extra work (C-3)", c.st.Status)
	}
	if !r.CustomerAgreed {
		return jobcore.Refuse("extra work outside the service plan needs the customer's agreement (set customer_agreed) (C-3)")
	}
	return c.checkPlan(ctx, r)
}

func (c *reclamation) checkPlan(ctx workflow.Context, r ReclamationPlanRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager making the plan")
	}
	if strings.TrimSpace(r.How) == "" {
		return jobcore.Refuse("write how the problem will be fixed (C-3)")
	}
	if err := MaxText("how", r.How); err != nil {
		return err
	}
	if r.Due.IsZero() {
		return jobcore.Refuse("give the date by which it will be fixed (C-3)")
	}
	if !r.Due.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the promised date %s is in the past (C-3)", c.clock(r.Due))
	}
	if r.Assignee == "" {
		return jobcore.Refuse("assign the work to an employee (C-3)")
	}
	if r.AssigneeRole != AssigneeFirstAssistant && r.AssigneeRole != AssigneeServiceAssistant {
		return jobcore.Refuse("the assignee is a first assistant or a service assistant: assignee_role %s or %s (C-3)",
			AssigneeFirstAssistant, AssigneeServiceAssistant)
	}
	return nil
}

func (c *reclamation) plan(ctx workflow.Context, r ReclamationPlanRequest) (ReclamationUpdateResult, error) {
	c.setPlan(ctx, UpdateReclamationPlan, r, false, "reclamation.plan", "within the service plan")
	return c.result(), nil
}

func (c *reclamation) planExtra(ctx workflow.Context, r ReclamationPlanRequest) (ReclamationUpdateResult, error) {
	c.setPlan(ctx, UpdateReclamationPlanExtra, r, true, "reclamation.extra_work", "extra work agreed with the customer")
	return c.result(), nil
}

func (c *reclamation) setPlan(ctx workflow.Context, action string, r ReclamationPlanRequest, extra bool, template, what string) {
	by := jobcore.Actor{Role: jobcore.RoleOps, ID: r.Manager}
	replan := c.st.Plan != nil
	c.answered(ctx)
	c.st.Plan = &ReclamationPlan{How: r.How, Due: r.Due, Assignee: r.Assignee, AssigneeRole: r.AssigneeRole,
		Extra: extra, By: r.Manager, At: workflow.Now(ctx)}
	c.st.ResolvedAt = nil
	c.st.EscalationLevel = 0
	note := fmt.Sprintf("%s: %s by %s, due %s (C-3)", what, r.AssigneeRole, r.Assignee, c.clock(r.Due))
	if replan {
		note = "re-planned, " + note
	}
	c.setStatus(ctx, action, by, ReclamationPlanned, note)
	c.out.Email(ctx, by, action, template, "reclamation "+action+" to customer (C-3)",
		map[string]string{"plan": r.How, "due": r.Due.Format(time.RFC3339)})
	c.watchDue(ctx)
}

// watchDue (re)starts the promised date's timer: overdue work escalates
// at the due date and one level more every ReclamationEscalation (C-3).
func (c *reclamation) watchDue(ctx workflow.Context) {
	c.watchDueFrom(ctx, 1, c.st.Plan.Due)
}

// watchDueFrom escalates overdue work at `at` with level, then on the
// schedule, until resolved or re-planned (C-3).
func (c *reclamation) watchDueFrom(ctx workflow.Context, level int, at time.Time) {
	c.endDue()
	gen := c.dueGen
	due := c.st.Plan.Due
	dueCtx, cancel := workflow.WithCancel(ctx)
	c.cancelDue = cancel
	summary := "reclamation promised date (C-3)"
	if level > 1 {
		summary = fmt.Sprintf("overdue reclamation level %d (C-3)", level)
	}
	workflow.Go(dueCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), summary) {
			return
		}
		for ; c.dueGen == gen && c.st.Status == ReclamationPlanned; level++ {
			c.escalate(ctx, level, "plan-overdue", due, "ops.reclamation_overdue", "reclamation work overdue (C-3)")
			wait, more := c.nextEscalation(ctx, due)
			if !more {
				return
			}
			if !jobcore.Sleep(ctx, wait, fmt.Sprintf("overdue reclamation level %d (C-3)", level+1)) {
				return
			}
		}
	})
}

func (c *reclamation) endDue() {
	c.dueGen++
	if c.cancelDue != nil {
		c.cancelDue()
		c.cancelDue = nil
	}
}

func (c *reclamation) validateReject(ctx workflow.Context, r ReclamationRejectRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager rejecting the reclamation")
	}
	if c.st.Status != ReclamationWaiting && c.st.Status != ReclamationAcknowledged {
		return jobcore.Refuse("a %s reclamation can no longer be rejected; only before it is planned (C-3)", c.st.Status)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return jobcore.Refuse("a rejection needs a reason; the customer always receives it (C-3)")
	}
	return MaxText("reason", r.Reason)
}

func (c *reclamation) reject(ctx workflow.Context, r ReclamationRejectRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: jobcore.RoleOps, ID: r.Manager}
	c.answered(ctx)
	c.st.Rejection = r.Reason
	c.close(ctx, UpdateReclamationReject, by, ReclamationRejected, "outside the service plan: "+r.Reason+" (C-3)")
	c.out.Email(ctx, by, "rejected", "reclamation.rejected", "reclamation rejected with reason (C-3)",
		map[string]string{"reason": r.Reason})
	return c.result(), nil
}

func (c *reclamation) validateResolve(ctx workflow.Context, r ReclamationResolveRequest) error {
	if c.st.Status != ReclamationPlanned {
		return jobcore.Refuse("only planned work can be marked resolved; this reclamation is %s (C-3)", c.st.Status)
	}
	if r.Assignee == "" || r.Assignee != c.st.Plan.Assignee {
		return jobcore.Refuse("the work is assigned to %s; only the assignee marks it resolved (C-3)", c.st.Plan.Assignee)
	}
	return MaxText("note", r.Note)
}

func (c *reclamation) resolve(ctx workflow.Context, r ReclamationResolveRequest) (ReclamationUpdateResult, error) {
	now := workflow.Now(ctx)
	c.st.ResolvedAt = &now
	c.endDue()
	c.st.EscalationLevel = 0
	c.setStatus(ctx, UpdateReclamationResolve, jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Assignee}, ReclamationResolved,
		joinNote("resolved; waiting for the manager's approval (C-3)", r.Note))
	return c.result(), nil
}

func (c *reclamation) validateApprove(ctx workflow.Context, r ReclamationApproveRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager approving the resolution")
	}
	if c.st.Status != ReclamationResolved {
		return jobcore.Refuse("only resolved work can be approved; this reclamation is %s (C-3)", c.st.Status)
	}
	return nil
}

func (c *reclamation) approve(ctx workflow.Context, r ReclamationApproveRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: jobcore.RoleOps, ID: r.Manager}
	c.close(ctx, UpdateReclamationApprove, by, ReclamationApproved, "resolution approved; customer told (C-3)")
	c.out.Email(ctx, by, "approved", "reclamation.approved", "reclamation approved to customer (C-3)", nil)
	return c.result(), nil
}

func (c *reclamation) validateNote(ctx workflow.Context, r ReclamationNoteRequest) error {
	if r.By.Role == "" {
		return jobcore.Refuse("say who adds the note")
	}
	if strings.TrimSpace(r.Text) == "" {
		return jobcore.Refuse("a note needs a text")
	}
	if c.st.Status.Closed() {
		return temporal.NewApplicationError(fmt.Sprintf("this reclamation is %s; open a new one", c.st.Status), ErrTypeReclamationClosed)
	}
	return MaxText("text", r.Text)
}

func (c *reclamation) note(ctx workflow.Context, r ReclamationNoteRequest) (ReclamationUpdateResult, error) {
	// The note of the update-with-start that opened this run is the opening
	// complaint, already logged as "open" (api.StartReclamation).
	if len(c.st.Log) <= 1 && r.By == c.in.OpenedBy && r.Text == c.in.Complaint &&
		workflow.GetVersion(ctx, "reclamation-opening-note", workflow.DefaultVersion, 1) == 1 {
		return c.result(), nil
	}
	c.logEntry(ctx, UpdateReclamationNote, r.By, string(c.st.Status), r.Text)
	return c.result(), nil
}

// --- helpers ----------------------------------------------------------------

// maxText bounds free text written into a reclamation (MaxReclamationText).
func MaxText(field, s string) error {
	if utf8.RuneCountInString(s) > MaxReclamationText {
		return jobcore.Refuse("%s is at most %d characters", field, MaxReclamationText)
	}
	return nil
}

func joinNote(note, extra string) string {
	if extra == "" {
		return note
	}
	return note + ": " + extra
}

func (c *reclamation) close(ctx workflow.Context, action string, by jobcore.Actor, to ReclamationStatus, note string) {
	now := workflow.Now(ctx)
	c.st.ClosedAt = &now
	c.endDue()
	if c.cancelReply != nil {
		c.cancelReply()
	}
	c.st.EscalationLevel = 0
	c.setStatus(ctx, action, by, to, note)
}

func (c *reclamation) clock(t time.Time) string { return t.In(c.loc).Format("Mon 2 Jan 15:04 MST") }

func (c *reclamation) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to ReclamationStatus, note string) {
	from := c.st.Status
	c.st.Status = to
	c.closing = action
	c.logEntry(ctx, action, by, string(from), note)
	c.publish(ctx)
	// C-3, issue #13: an acknowledged complaint is to be assessed next,
	// resolved work approved next; both have a timer (watchStage).
	if (to == ReclamationAcknowledged || to == ReclamationResolved) && from != to && c.stageOn(ctx) {
		c.watchStage(ctx, 1, c.stageDue())
	}
}

func (c *reclamation) logEntry(ctx workflow.Context, action string, by jobcore.Actor, from, note string) {
	c.st.Log = append(c.st.Log, CaseEntry{At: workflow.Now(ctx), Action: action, By: by, From: from, To: string(c.st.Status), Note: note})
}

// publish writes what changed to the search attributes ops filter on
// (ReclamationStatus, ReplyDeadline, Assignee, EscalationLevel) and the
// current details. No personal data goes here (V-14).
func (c *reclamation) publish(ctx workflow.Context) {
	var ups []temporal.SearchAttributeUpdate
	want := reclamationAttrs{status: string(c.st.Status), level: c.st.EscalationLevel}
	if c.st.Plan != nil && !c.st.Status.Closed() {
		want.assignee = c.st.Plan.Assignee
	}
	first := !c.published
	if first {
		ups = append(ups, jobcore.PartnerKey.ValueSet(c.st.Job.Partner), jobcore.MarketKey.ValueSet(string(c.st.Job.Market)),
			jobcore.ReplyDeadlineKey.ValueSet(c.st.ReplyDeadline))
		if c.st.Job.Region != "" {
			ups = append(ups, jobcore.RegionKey.ValueSet(c.st.Job.Region))
		}
	}
	if first || want.status != c.upserted.status {
		ups = append(ups, jobcore.ReclamationStatusKey.ValueSet(want.status))
	}
	if first || want.level != c.upserted.level {
		ups = append(ups, jobcore.EscalationLevelKey.ValueSet(int64(want.level)))
	}
	if want.assignee != c.upserted.assignee {
		if want.assignee == "" {
			ups = append(ups, jobcore.AssigneeKey.ValueUnset())
		} else {
			ups = append(ups, jobcore.AssigneeKey.ValueSet(want.assignee))
		}
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	c.upserted, c.published = want, true
	workflow.SetCurrentDetails(ctx, c.details())
}

func (c *reclamation) details() string {
	s := fmt.Sprintf("**%s** · %s %s · %s", c.st.Status, c.st.Job.Kind, c.st.Job.ID, c.st.Job.Partner)
	if c.st.AnsweredAt == nil && !c.st.Status.Closed() {
		s += " · reply due " + c.clock(c.st.ReplyDeadline)
	}
	if p := c.st.Plan; p != nil && !c.st.Status.Closed() {
		s += fmt.Sprintf(" · %s %s · due %s", p.AssigneeRole, p.Assignee, c.clock(p.Due))
	}
	if c.st.EscalationLevel > 0 {
		s += fmt.Sprintf(" · **escalated, level %d**", c.st.EscalationLevel)
	}
	return s
}

// --- input ----------------------------------------------------------------

// Check refuses an input a reclamation cannot work with.
func (in ReclamationInput) Check() error {
	var errs []error
	if in.Job.ID == "" || (in.Job.Kind != jobcore.JobVisit && in.Job.Kind != jobcore.JobTask) {
		errs = append(errs, errors.New("reclamation: the job id and kind (visit or task) are required"))
	}
	if in.Job.Partner == "" || in.Job.Market == "" {
		errs = append(errs, errors.New("reclamation: the job's partner and market are required"))
	}
	if in.Customer.Email == "" {
		errs = append(errs, errors.New("reclamation: the customer's e-mail is required to answer them (C-2)"))
	}
	if strings.TrimSpace(in.Complaint) == "" || utf8.RuneCountInString(in.Complaint) > MaxReclamationText {
		errs = append(errs, fmt.Errorf("reclamation: the complaint text is required (at most %d characters)", MaxReclamationText))
	}
	switch in.OpenedBy.Role {
	case jobcore.RoleCustomer, jobcore.RoleOps, jobcore.RoleSystem:
	default:
		errs = append(errs, errors.New("reclamation: opened_by.role is customer, ops or system"))
	}
	if in.Policy.ReclamationReply <= 0 || in.Policy.ReclamationEscalation <= 0 {
		errs = append(errs, errors.New("reclamation: the policy's reclamation_reply and reclamation_escalation must be positive (P-1)"))
	}
	return errors.Join(errs...)
}

// --- sends ----------------------------------------------------------------

// caseMessages sends the messages of a reclamation or a rating follow-up the
// way the visit sends its own: each in a coroutine counted in pending, a
// permanent failure recorded and handed to ops. Every message is recorded
// with who caused it and what it said (the exchange, C-3).
type CaseMessages struct {
	id       string // the workflow id: step ids and alerts carry it, never personal data
	customer jobcore.Customer
	job      jobcore.JobRef
	log      *[]CaseMessage
	ids      map[string]string // ids every message carries
	seq      int
	Pending  int
}

func NewCaseMessages(id string, customer jobcore.Customer, job jobcore.JobRef, log *[]CaseMessage, ids map[string]string) *CaseMessages {
	return &CaseMessages{id: id, customer: customer, job: job, log: log, ids: ids}
}

func (m *CaseMessages) step(name string) activities.Step {
	m.seq++
	return activities.Step{JobID: m.id, Name: fmt.Sprintf("%s-%d", name, m.seq)}
}

func (m *CaseMessages) data(extra map[string]string) map[string]string {
	d := map[string]string{"timezone": m.job.Market.TimeZone(), "partner": m.job.Partner, "region": m.job.Region}
	jobcore.MergeFields(d, m.ids)
	jobcore.MergeFields(d, extra)
	return d
}

func (m *CaseMessages) spawn(ctx workflow.Context, send func(workflow.Context)) {
	m.Pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { m.Pending-- }()
		send(ctx)
	})
}

func (m *CaseMessages) record(ctx workflow.Context, by jobcore.Actor, to string, step activities.Step, channel string, msg activities.Message, said map[string]string, outcome string) {
	*m.log = append(*m.log, CaseMessage{At: workflow.Now(ctx), By: by, To: to, Channel: channel, Template: msg.Template,
		Language: msg.Language, Said: said, Step: step.Name, Outcome: outcome})
}

// email sends a customer e-mail in the customer's language; said is what
// it carries besides the ids and the customer's name (plan, reason...).
func (m *CaseMessages) Email(ctx workflow.Context, by jobcore.Actor, name, template, summary string, said map[string]string) {
	step := m.step(name)
	d := m.data(said)
	d["name"] = m.customer.Name
	msg := activities.Message{Template: template, Language: string(m.customer.Language), Data: d}
	m.spawn(ctx, func(ctx workflow.Context) {
		if m.customer.Email == "" {
			m.failed(ctx, by, step, "email", msg, said, "failed: no_email")
			return
		}
		req := activities.EmailRequest{Step: step, To: m.customer.Email, ToName: m.customer.Name,
			Message: msg, Categories: []string{m.job.Kind, template}}
		var res activities.EmailResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)), jobcore.Outreach.SendEmail, req).Get(ctx, &res)
		if err != nil {
			m.failed(ctx, by, step, "email", msg, said, jobcore.FailureOutcome(err))
			return
		}
		m.record(ctx, by, "customer", step, "email", msg, said, "sent")
	})
}

// failed records a customer message that will not go out and tells ops,
// so someone reaches the customer another way.
func (m *CaseMessages) failed(ctx workflow.Context, by jobcore.Actor, step activities.Step, channel string, msg activities.Message, said map[string]string, outcome string) {
	m.record(ctx, by, "customer", step, channel, msg, said, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	m.alertNow(ctx, jobcore.Actor{Role: jobcore.RoleSystem}, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
		map[string]string{"step": step.Name, "channel": channel, "error_type": outcome, "outcome": outcome})
}

func (m *CaseMessages) Alert(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	m.spawn(ctx, func(ctx workflow.Context) { m.alertNow(ctx, by, kind, template, summary, data) })
}

// alertNow reaches the person on duty; alerts carry ids and reasons only
// (V-14), and survive a cancelled scope.
func (m *CaseMessages) alertNow(ctx workflow.Context, by jobcore.Actor, kind, template, summary string, data map[string]string) {
	step := m.step("ops-" + kind)
	d := m.data(data)
	d["kind"] = kind
	if d["job_id"] == "" {
		d["job_id"] = m.job.ID
	}
	msg := activities.Message{Template: template, Language: "en", Data: d}
	req := activities.OpsAlert{Step: step, Kind: kind, Message: msg}
	var res activities.AlertResult
	actx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res)
	outcome := "sent"
	if err != nil {
		outcome = jobcore.FailureOutcome(err)
		workflow.GetLogger(ctx).Warn("ops alert failed", "step", step.Key(), "outcome", outcome)
	}
	m.record(actx, by, "ops", step, "ops", msg, data, outcome)
}
