package task

import (
	"fmt"
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"net/url"
	"strings"
	"time"
)

// Task workflow: one per remote task of a virtual assistant, id
// "task-<id>" (T-1..T-8, R-1/R-2, N-1..N-3). Transitions that need an answer
// are Updates with validators, each returning a small TaskUpdateResult (new
// status, ids, deadlines; never the whole state, issue #13); the whole state
// is the TaskQuery; the digest reads unread notifications through
// activities.TaskDigestQuery.
//
// Issue #13, bounded history: chat messages are the partner app's refs
// without text; every list keeps its newest entries (TaskChatKeep...); a
// long task continues as new (TaskContinueAsNewEvents/Updates) carrying its
// state (TaskCarry); an unreviewed task escalates and then closes
// (TaskClosedReviewNotDone). Change ids: taskChangeBoundedState,
// taskChangeContinueAsNew, taskChangeReviewEscalation.
//
// Message templates used (the outreach catalogue renders them in sv, da, de,
// en; every customer e-mail waits for the e-mail window, N-3):
//
//	task.ack                    customer: task received, reviewed by {review_deadline} (T-1, T-2)
//	task.marketing_factor       customer: marketing factor {factor}, {work_time} of work cost {customer_time} (T-3)
//	task.extension_request      customer: assistant asks to move {deadline} to {proposed_deadline}, {reason}, {consent_url} (T-6)
//	task.extension_answered     assistant: the customer agreed/declined/let expire the request (T-6)
//	task.budget_request         customer: less than {threshold_percent} % budget left, {reason} (T-7)
//	task.handover               customer: a result was handed over and is still unread (N-1, T-8)
//	task.chat_unread            customer: a chat message is waiting, {message_url} opens it (N-2)
//	task.digest                 customer: the 08:00 digest of unread notifications (N-1, sent by the account: account_digest.go)
//	assistant.deadline_warning  assistant: the deadline {deadline} is near (T-5)
//	ops.task_review_overdue     ops: review not done by {review_deadline} (T-1/T-2); again every
//	                            review_escalation ({escalation}), and when the task closes
//	                            unreviewed after review_give_up ({closed}, review_not_done)
//	ops.task_deadline_missed    ops: deadline missed without hand-over, refund eligible (T-5)
//	1-3 stars start the rating follow-up workflow, workflows/rating.go,
//	 which sends task.rating_followup, ops.rating_low, ops.rating_decide)
//	ops.delivery_failed         ops: a message could not be delivered (shared with visits)
//	account.nudge               customer: friendly message after 3 weeks without activity (N-4, workflows/inactivity.go)
//	account.unused_hours        customer: unused hours after 7 weeks (N-4, workflows/inactivity.go)
const (
	TaskUpdateRelease          = "release"           // T-3: ops release a specialist area
	TaskUpdateAccept           = "accept"            // T-1, T-3: accept with a work area
	TaskUpdateAskQuestions     = "ask-questions"     // T-1
	TaskUpdateDelegate         = "delegate"          // T-1: hand the review to the team lead
	TaskUpdateDelete           = "delete"            // T-4: only while in review
	TaskUpdateStart            = "start"             // N-1: work started
	TaskUpdateChange           = "change"            // N-1: title, description, budget changed
	TaskUpdateRequestExtension = "request-extension" // T-6
	TaskUpdateRespondExtension = "respond-extension" // T-6: the customer's consent
	TaskUpdateLogTime          = "log-time"          // T-7
	TaskUpdateHandover         = "handover"          // T-8
	TaskUpdateRate             = "rate"
	TaskUpdateMarkRead         = "mark-read"         // N-1
	TaskUpdateChat             = "chat"              // N-2
	TaskUpdateReassign         = "reassign"          // new assistant (absence, A-1); timers keep running

	TaskQuery = "task"
)

// Roles of task actors beyond the visit roles (RoleOps, RoleCustomer,
// RoleSystem).
const ()

// TaskWorkflowID is the workflow id of a task: an opaque id, never personal data.
func TaskWorkflowID(taskID string) string { return "task-" + taskID }

// TaskAssistant is the virtual assistant working on the task. The e-mail is
// personal data of the worker: input and state only, never search attributes.
type TaskAssistant struct {
	ID       string         `json:"id"`
	Email    string         `json:"email,omitempty"`
	Language rules.Language `json:"language,omitempty"`
}

// TaskInput starts a task. Customer and assistant contacts are personal
// data: they stay in the input and state and never reach search attributes,
// logs or ops alerts (V-14).
type TaskInput struct {
	TaskID        string           `json:"task_id"`
	AccountID     string           `json:"account_id"` // the customer's account (N-1 digest, N-4)
	Partner       string           `json:"partner,omitempty"`
	Market        rules.Market     `json:"market"`
	Language      rules.Language   `json:"language"` // the task's language; customer messages use Customer.Language first
	Title         string           `json:"title"`
	Description   string           `json:"description"`
	BudgetMinutes int              `json:"budget_minutes"` // real working time the customer grants (T-3, T-7)
	Deadline      time.Time        `json:"deadline"`       // T-5
	Customer      jobcore.Customer `json:"customer"`
	Assistant     TaskAssistant    `json:"assistant"`
	CreatedBy     jobcore.Actor    `json:"created_by"` // RoleCustomer or RoleAssistant
	// CreatedAt is when the request arrived, for the reaction time (T-2);
	// zero means the workflow's start.
	CreatedAt time.Time `json:"created_at,omitempty"`
	// LinkBase is the base URL of the customer's links (T-6 consent); the
	// API fills it and signs what it serves, so the workflow mints no secrets.
	LinkBase string `json:"link_base,omitempty"`
	// ConsentToken is the signed link token the API mints when it starts
	// the task (api.SignLink over the workflow id and the action
	// "task-extension"), appended as ?token= to every consent link. One
	// token serves every extension request of the task: it proves that the
	// bearer is the customer of this task; which request may be answered,
	// and only once, is the respond-extension validator's (pending only).
	// It is a secret of the customer: the API hides it from assistants.
	ConsentToken string       `json:"consent_token,omitempty"`
	Policy       rules.Policy `json:"policy"` // P-1, fixed at start
	// Carry is set when a run continues as new (issue #13): the task so
	// far, which the new run takes over instead of starting afresh.
	Carry *TaskCarry `json:"carry,omitempty"`
}

// TaskCarry is what a run hands the next one when it continues as new: the
// state (bounded by the caps, so the new run's input stays small), the
// current assistant's contact and the send counter (step keys stay unique,
// so the adapters' deduplication never swallows a new message). The new
// run re-arms every timer from the carried times: the review deadline and
// its escalations (T-1), the deadline's warning and miss (T-5), pending
// extension requests (T-6), unread notifications' e-mails (N-1, N-2) and
// the rating window.
type TaskCarry struct {
	State     TaskState     `json:"state"`
	Assistant TaskAssistant `json:"assistant"`
	SendSeq   int           `json:"send_seq"`
}

// A run continues as new when the server suggests it, when its history
// reaches TaskContinueAsNewEvents events or when it has handled
// TaskContinueAsNewUpdates Updates (each Update is at least five events; the
// server takes at most 2,000 Updates per run), so a run stays far below
// Temporal's 10,240-event and 10 MB warnings and the 2,000-Update limit. It
// waits until no handler runs and no send is under way.
const (
	TaskContinueAsNewEvents  = 4000
	TaskContinueAsNewUpdates = 250
)

// TaskStatus is where a task is in its lifecycle.
type TaskStatus string

const (
	TaskReview     TaskStatus = "review"      // new, to be reviewed within the reaction time (T-1)
	TaskQuestions  TaskStatus = "questions"   // the assistant asked questions; still in review (T-1)
	TaskDelegated  TaskStatus = "delegated"   // with the team lead; still in review (T-1)
	TaskAccepted   TaskStatus = "accepted"    // the deadline is a contract now (T-5)
	TaskStarted    TaskStatus = "started"     // work under way
	TaskHandedOver TaskStatus = "handed_over" // final result handed over, waiting for the rating (T-8, R-1)
	TaskRated      TaskStatus = "rated"
	TaskClosed     TaskStatus = "closed"      // the rating window closed unrated
	TaskDeleted    TaskStatus = "deleted"     // T-4
)

// InReview reports whether the task is still in review (T-1, T-4).
func (s TaskStatus) InReview() bool {
	return s == TaskReview || s == TaskQuestions || s == TaskDelegated
}

// Working reports whether the task is accepted and not yet handed over.
func (s TaskStatus) Working() bool { return s == TaskAccepted || s == TaskStarted }

// Terminal reports whether no further work happens on the task.
func (s TaskStatus) Terminal() bool { return s == TaskRated || s == TaskClosed || s == TaskDeleted }

// --- requests --------------------------------------------------------------

// TaskReleaseRequest: ops release a specialist work area (T-3).
type TaskReleaseRequest struct {
	Ops  string         `json:"ops"`
	Area rules.WorkArea `json:"area"`
}

// TaskAcceptRequest: the assistant (or the team lead the review was
// delegated to) accepts the task in a work area (T-1, T-3).
type TaskAcceptRequest struct {
	By   jobcore.Actor  `json:"by"`
	Area rules.WorkArea `json:"area"`
}

// TaskQuestionsRequest: the assistant needs answers before accepting (T-1).
type TaskQuestionsRequest struct {
	Assistant string `json:"assistant"`
	Questions string `json:"questions"`
}

// TaskDelegateRequest: the assistant hands the review to the team lead (T-1).
type TaskDelegateRequest struct {
	Assistant string `json:"assistant"`
	TeamLead  string `json:"team_lead"`
	Reason    string `json:"reason"`
}

// TaskDeleteRequest: the customer or ops delete a task still in review (T-4).
type TaskDeleteRequest struct {
	By     jobcore.Actor `json:"by"`
	Reason string        `json:"reason,omitempty"`
}

// TaskStartRequest: the assistant starts working (N-1).
type TaskStartRequest struct {
	Assistant string `json:"assistant"`
}

// TaskChangeRequest changes what the task is about (N-1 "changed"). The
// deadline moves only through an extension the customer agreed to (T-6).
type TaskChangeRequest struct {
	By            jobcore.Actor `json:"by"`
	Title         *string       `json:"title,omitempty"`
	Description   *string       `json:"description,omitempty"`
	BudgetMinutes *int          `json:"budget_minutes,omitempty"`
}

// TaskExtensionRequest: the assistant asks to move the deadline (T-6).
type TaskExtensionRequest struct {
	Assistant   string    `json:"assistant"`
	Reason      string    `json:"reason"`
	NewDeadline time.Time `json:"new_deadline"`
}

// TaskExtensionResponse: the customer's answer (T-6).
type TaskExtensionResponse struct {
	ExtensionID int    `json:"extension_id"`
	Agree       bool   `json:"agree"`
	Note        string `json:"note,omitempty"`
}

// TaskTimeEntryRequest records working time (T-7). Reason is required when
// the entry takes the remaining budget under the policy threshold: it is
// what the customer is told when asked for more.
type TaskTimeEntryRequest struct {
	Assistant string `json:"assistant"`
	Minutes   int    `json:"minutes"`
	Note      string `json:"note,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// TaskHandoverRequest hands over a result (T-8); only a final one ends the work.
type TaskHandoverRequest struct {
	Assistant string `json:"assistant"`
	Final     bool   `json:"final"`
	Note      string `json:"note,omitempty"`
	ResultRef string `json:"result_ref,omitempty"` // where the result lies (chat attachment, cloud folder)
}

// TaskMarkReadRequest marks in-app notifications read (N-1); no ids: all.
type TaskMarkReadRequest struct {
	IDs []int `json:"ids,omitempty"`
}

// TaskChatRequest tells the task about one chat message (N-2). The
// message's text stays with the partner's app, where customer and assistant
// chat: the task gets the app's id of the message (MessageRef) and,
// optionally, the link that opens it (MessageURL, put into the N-2 e-mail).
// Text is only read from histories recorded before issue #13 (the API no
// longer accepts it); a task never stores the text of a chat message.
type TaskChatRequest struct {
	From       jobcore.Actor `json:"from"`
	MessageRef string        `json:"message_ref,omitempty"`
	MessageURL string        `json:"message_url,omitempty"`
	Text       string        `json:"text,omitempty"`
}

// TaskReassignRequest: a new assistant takes over (absence, A-1).
type TaskReassignRequest struct {
	By     jobcore.Actor `json:"by"`
	To     TaskAssistant `json:"to"`
	Reason string        `json:"reason,omitempty"`
}

// --- state -----------------------------------------------------------------

// TaskTransition is one line of the task's log: who did what, when.
type TaskTransition struct {
	At     time.Time     `json:"at"`
	Action string        `json:"action"`
	By     jobcore.Actor `json:"by"`
	From   TaskStatus    `json:"from"`
	To     TaskStatus    `json:"to"`
	Note   string        `json:"note,omitempty"`
}

// Kinds of in-app notifications (N-1, N-2).
const (
	NoteCreated          = "created"
	NoteChanged          = "changed"
	NoteAccepted         = "accepted"
	NoteStarted          = "started"
	NoteHandedOver       = "handed_over"
	NoteNewAssistant     = "new_assistant"
	NoteChat             = "chat"
	NoteExtensionRequest = "extension_request"
)

// TaskNotification is one in-app notification for the customer (N-1).
type TaskNotification struct {
	ID        int        `json:"id"`
	Kind      string     `json:"kind"`
	At        time.Time  `json:"at"`
	Text      string     `json:"text"` // a short summary without personal data
	ReadAt    *time.Time `json:"read_at,omitempty"`
	EmailedAt *time.Time `json:"emailed_at,omitempty"` // sent on its own (N-1 hand-over, N-2 chat)
	// Link opens what the notification is about (the chat message in the
	// partner's app, N-2); empty when there is none.
	Link string `json:"link,omitempty"`
	// EmailTemplate and EmailDueAt: the notification goes by e-mail if
	// still unread at EmailDueAt (N-1 hand-over, N-2 chat); EmailDone once
	// that e-mail was sent, found not needed or failed. A continued run
	// re-arms the e-mails not done from these times.
	EmailTemplate string     `json:"email_template,omitempty"`
	EmailDueAt    *time.Time `json:"email_due_at,omitempty"`
	EmailDone     bool       `json:"email_done,omitempty"`
}

// TaskChatMessage is one chat message as the task knows it: who wrote it
// when, the partner app's id and link, and whether the customer read it
// (N-2). The text lives in the partner's app (issue #13); only the review
// questions (ask-questions, T-1) and histories from before keep Text.
type TaskChatMessage struct {
	ID             int           `json:"id"`
	At             time.Time     `json:"at"`
	From           jobcore.Actor `json:"from"`
	Ref            string        `json:"ref,omitempty"`
	URL            string        `json:"url,omitempty"`
	NotificationID int           `json:"notification_id,omitempty"` // the customer's N-2 notification
	ReadAt         *time.Time    `json:"read_at,omitempty"`
	Text           string        `json:"text,omitempty"`
}

// Caps of the task's lists (issue #13): each keeps its newest entries and
// the state counts all of them (ChatTotal, NotificationsTotal, ...), so a
// long task's state and history stay bounded. Notifications drop read or
// settled ones first, so the unread ones the N-1 digest lists stay.
const (
	TaskChatKeep          = 50
	TaskNotificationsKeep = 100
	TaskLogKeep           = 200
	TaskDeliveriesKeep    = 100
	TaskTimeEntriesKeep   = 100
)

// Extension request states (T-6).
const (
	ExtensionPending  = "pending"
	ExtensionAgreed   = "agreed"
	ExtensionDeclined = "declined"
	ExtensionExpired  = "expired"
)

// TaskExtension is one deadline extension request and its outcome (T-6).
type TaskExtension struct {
	ID               int        `json:"id"`
	RequestedBy      string     `json:"requested_by"`
	RequestedAt      time.Time  `json:"requested_at"`
	Reason           string     `json:"reason"`
	CurrentDeadline  time.Time  `json:"current_deadline"`
	ProposedDeadline time.Time  `json:"proposed_deadline"`
	ExpiresAt        time.Time  `json:"expires_at"`
	ConsentURL       string     `json:"consent_url"`
	Status           string     `json:"status"`
	AnsweredAt       *time.Time `json:"answered_at,omitempty"`
	Note             string     `json:"note,omitempty"`
}

// TaskTimeEntry is recorded working time (T-7).
type TaskTimeEntry struct {
	At        time.Time `json:"at"`
	Assistant string    `json:"assistant"`
	Minutes   int       `json:"minutes"`
	Note      string    `json:"note,omitempty"`
}

// TaskHandover is one handed-over result (T-8).
type TaskHandover struct {
	ID             int       `json:"id"`
	At             time.Time `json:"at"`
	Assistant      string    `json:"assistant"`
	Final          bool      `json:"final"`
	Note           string    `json:"note,omitempty"`
	ResultRef      string    `json:"result_ref,omitempty"`
	NotificationID int       `json:"notification_id"`
}

// TaskState is the task as the Query returns it.
type TaskState struct {
	ID          string        `json:"id"`
	AccountID   string        `json:"account_id"`
	Partner     string        `json:"partner,omitempty"`
	Market      rules.Market  `json:"market"`
	Status      TaskStatus    `json:"status"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	AssistantID string        `json:"assistant_id"`
	TeamLead    string        `json:"team_lead,omitempty"`
	CreatedBy   jobcore.Actor `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`

	ReviewDeadline time.Time `json:"review_deadline"` // T-2
	ReviewOverdue  bool      `json:"review_overdue,omitempty"`
	// ReviewEscalations counts the alerts to ops after the first while the
	// task stays unreviewed (T-1, policy review_escalation).
	ReviewEscalations int `json:"review_escalations,omitempty"`
	// ClosedReason says why a task closed other than by its rating window:
	// TaskClosedReviewNotDone (T-1).
	ClosedReason string `json:"closed_reason,omitempty"`

	WorkArea        rules.WorkArea `json:"work_area,omitempty"`     // T-3
	ReleasedArea    rules.WorkArea `json:"released_area,omitempty"` // T-3: ops released this specialist area
	ReleasedBy      string         `json:"released_by,omitempty"`
	CustomerFactor  string         `json:"customer_factor,omitempty"`
	AssistantFactor string         `json:"assistant_factor,omitempty"`

	BudgetMinutes         int             `json:"budget_minutes"`                    // real working time (T-7)
	CustomerBudgetMinutes int             `json:"customer_budget_minutes,omitempty"` // charged to the customer's account (T-3)
	UsedMinutes           int             `json:"used_minutes"`
	RemainingMinutes      int             `json:"remaining_minutes"`
	BudgetLow             bool            `json:"budget_low,omitempty"`
	BudgetRequests        int             `json:"budget_requests,omitempty"`
	TimeEntries           []TaskTimeEntry `json:"time_entries"`

	Deadline         time.Time       `json:"deadline"` // T-5
	OriginalDeadline time.Time       `json:"original_deadline"`
	DeadlineWarnedAt *time.Time      `json:"deadline_warned_at,omitempty"`
	DeadlineMissed   bool            `json:"deadline_missed,omitempty"`
	RefundEligible   bool            `json:"refund_eligible,omitempty"` // T-5
	Extensions       []TaskExtension `json:"extensions"`                // T-6

	Handovers      []TaskHandover       `json:"handovers"` // T-8
	Rating         *jobcore.RateRequest `json:"rating,omitempty"`
	RatingClosesAt *time.Time           `json:"rating_closes_at,omitempty"`

	Notifications []TaskNotification `json:"notifications"` // N-1
	Chat          []TaskChatMessage  `json:"chat"`          // N-2
	Log           []TaskTransition   `json:"log"`
	Deliveries    []jobcore.Delivery `json:"deliveries"`

	// Totals of the capped lists: how many entries there ever were (the
	// lists keep the newest, see TaskChatKeep and the other caps).
	ChatTotal          int `json:"chat_total,omitempty"`
	NotificationsTotal int `json:"notifications_total,omitempty"`
	LogTotal           int `json:"log_total,omitempty"`
	DeliveriesTotal    int `json:"deliveries_total,omitempty"`
	TimeEntriesTotal   int `json:"time_entries_total,omitempty"`
	// Runs counts the continue-as-new hand-overs so far (issue #13).
	Runs int `json:"runs,omitempty"`
}

// TaskUpdateResult is what every task Update returns (issue #13): the new
// status and what the caller needs next (ids, deadlines, budget), never the
// whole state and never personal data or free text, so a task's history
// grows by a few hundred bytes per Update (well under 1 KB). The whole
// state is the TaskQuery (and the API's GET /v1/tasks/{id}).
//
// It follows the shape every flow's Update result has (issue #13, the
// visit's VisitUpdateResult): the workflow id and the new status first, so
// it can embed the shared UpdateResult[TaskStatus] once both meet.
type TaskUpdateResult struct {
	ID     string     `json:"id"`
	Status TaskStatus `json:"status"`
	// ReviewDeadline while the task is in review (T-1, T-2).
	ReviewDeadline time.Time `json:"review_deadline,omitzero"`
	// Deadline is the current deadline (T-5; moved only by an agreed extension, T-6).
	Deadline         time.Time `json:"deadline,omitzero"`
	RemainingMinutes int       `json:"remaining_minutes"` // T-7
	BudgetLow        bool      `json:"budget_low,omitempty"`
	// ExtensionID, ExtensionStatus, ExtensionExpiresAt: the extension
	// request this Update created or answered (T-6).
	ExtensionID        int       `json:"extension_id,omitempty"`
	ExtensionStatus    string    `json:"extension_status,omitempty"`
	ExtensionExpiresAt time.Time `json:"extension_expires_at,omitzero"`
	HandoverID         int       `json:"handover_id,omitempty"`     // T-8
	NotificationID     int       `json:"notification_id,omitempty"` // the in-app notification it created (N-1, N-2)
	ChatMessageID      int       `json:"chat_message_id,omitempty"` // N-2
	// Unread is the number of unread notifications after mark-read (N-1).
	Unread int `json:"unread,omitempty"`
	// RatingFollowUpID is the R-2 follow-up workflow a 1-3 star rating starts.
	RatingFollowUpID string `json:"rating_followup_id,omitempty"`
}

// result is the common part of every Update's answer; every handler
// answers through it once, so it also counts the run's Updates
// (TaskContinueAsNewUpdates).
func (t *task) result() TaskUpdateResult {
	t.updates++
	r := TaskUpdateResult{ID: t.st.ID, Status: t.st.Status, Deadline: t.st.Deadline,
		RemainingMinutes: t.st.RemainingMinutes, BudgetLow: t.st.BudgetLow}
	if t.st.Status.InReview() {
		r.ReviewDeadline = t.st.ReviewDeadline
	}
	return r
}

func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(TaskWorkflow, workflow.RegisterOptions{Name: jobcore.TaskWorkflowName})
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
	sendSeq        int
	pending        int // coroutines the run must finish (sends, alerts, the rating follow-up)
	// unreadWatch counts the unread-notification e-mails waiting (N-1, N-2):
	// a continued run re-arms them from the notifications; inflight counts
	// those whose send is under way (continue-as-new waits for it).
	unreadWatch int
	inflight    int
	upserted    taskAttrs

	bounded bool // taskChangeBoundedState: no chat text, capped lists
	canOK   bool // taskChangeContinueAsNew
	escOK   bool // taskChangeReviewEscalation
	updates int  // Updates handled in this run
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
)

// TaskClosedReviewNotDone is the ClosedReason of a task closed because
// nobody reviewed it (T-1). Ops filter on it in the Temporal UI:
// TaskStatus = 'closed:review_not_done' (the status list holds "closed"
// and "closed:<reason>").
const TaskClosedReviewNotDone = "review_not_done"

type taskAttrs struct {
	status, assistant, area string
	review, deadline        time.Time
	reason                  string // ClosedReason
	escalations             int    // ReviewEscalations
}

// TaskWorkflow runs one task from its creation to the rating (or deletion),
// in one run or, for a long task, in several (continue-as-new, issue #13).
func TaskWorkflow(ctx workflow.Context, in TaskInput) (TaskState, error) {
	t := &task{in: in, loc: rules.Location(in.Market), asg: in.Assistant}
	t.bounded = workflow.GetVersion(ctx, taskChangeBoundedState, workflow.DefaultVersion, 1) >= 1
	t.canOK = workflow.GetVersion(ctx, taskChangeContinueAsNew, workflow.DefaultVersion, 1) >= 1
	t.escOK = workflow.GetVersion(ctx, taskChangeReviewEscalation, workflow.DefaultVersion, 1) >= 1
	carried := in.Carry != nil
	if carried {
		t.st, t.asg, t.sendSeq = in.Carry.State, in.Carry.Assistant, in.Carry.SendSeq
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
		if in.CreatedBy.Role != jobcore.RoleCustomer { // the assistant or ops created it on the customer's behalf
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
			t.setStatus(ctx, "rating-window-closed", jobcore.Actor{Role: jobcore.RoleSystem}, TaskClosed, "")
		}
	}

	if err := workflow.Await(ctx, func() bool { return t.pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
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
	return long && t.pending == t.unreadWatch && t.inflight == 0 && workflow.AllHandlersFinished(ctx)
}

// continueAsNew hands the task to a new run (issue #13).
func (t *task) continueAsNew(ctx workflow.Context) (TaskState, error) {
	t.st.Runs++
	t.log(ctx, "continued-as-new", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status,
		fmt.Sprintf("run %d after %d updates, %d events", t.st.Runs, t.updates, workflow.GetInfo(ctx).GetCurrentHistoryLength()))
	next := t.in
	next.Carry = &TaskCarry{State: t.st, Assistant: t.asg, SendSeq: t.sendSeq}
	return t.st, workflow.NewContinueAsNewError(ctx, jobcore.TaskWorkflowName, next)
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

func (t *task) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name               string
		handler, validator any
	}
	regs := []reg{
		{TaskUpdateRelease, t.release, t.validateRelease},
		{TaskUpdateAccept, t.accept, t.validateAccept},
		{TaskUpdateAskQuestions, t.askQuestions, t.validateAskQuestions},
		{TaskUpdateDelegate, t.delegate, t.validateDelegate},
		{TaskUpdateDelete, t.delete, t.validateDelete},
		{TaskUpdateStart, t.start, t.validateStart},
		{TaskUpdateChange, t.change, t.validateChange},
		{TaskUpdateRequestExtension, t.requestExtension, t.validateRequestExtension},
		{TaskUpdateRespondExtension, t.respondExtension, t.validateRespondExtension},
		{TaskUpdateLogTime, t.logTime, t.validateLogTime},
		{TaskUpdateHandover, t.handover, t.validateHandover},
		{TaskUpdateRate, t.rate, t.validateRate},
		{TaskUpdateMarkRead, t.markRead, t.validateMarkRead},
		{TaskUpdateChat, t.chat, t.validateChat},
		{TaskUpdateReassign, t.reassign, t.validateReassign},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}

// --- T-1 review ------------------------------------------------------------

func (t *task) watchReview(ctx workflow.Context) {
	wait := t.st.ReviewDeadline.Sub(workflow.Now(ctx))
	reacted := func() bool { return t.st.Status != TaskReview }
	if !t.st.ReviewOverdue { // a continued run: alerted before, go on escalating
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: "review deadline (T-2)"},
			}, reacted)
			if err != nil || ok {
				return
			}
		}
		if reacted() {
			return
		}
		t.st.ReviewOverdue = true
		t.log(ctx, "review-overdue", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, "not reviewed by "+t.clock(t.st.ReviewDeadline)+" (T-1)")
		t.publish(ctx)
		t.alertOps(ctx, "task_review_overdue", "ops.task_review_overdue", "review overdue (T-1)",
			map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline), "deadline": t.iso(t.st.ReviewDeadline), "assistant_id": t.st.AssistantID})
	}
	if t.escOK {
		t.escalateReview(ctx, reacted)
	}
}

// escalateReview: an unreviewed task never just waits (T-1). Ops are
// alerted again ReviewEscalation, 2×ReviewEscalation, ... after the
// reaction time ran out; ReviewGiveUp after it the task closes unreviewed
// with ClosedReason TaskClosedReviewNotDone, and ops are told. The times
// follow from the review deadline and the count, so a continued run goes on
// where the last one stopped.
func (t *task) escalateReview(ctx workflow.Context, reacted func() bool) {
	every, giveUp := t.in.Policy.ReviewEscalation, t.in.Policy.ReviewGiveUp
	if every <= 0 || giveUp <= 0 { // a policy from before these numbers (P-1)
		every, giveUp = rules.DefaultPolicy().ReviewEscalation, rules.DefaultPolicy().ReviewGiveUp
	}
	end := t.st.ReviewDeadline.Add(giveUp)
	for !reacted() {
		next := t.st.ReviewDeadline.Add(time.Duration(t.st.ReviewEscalations+1) * every)
		closing := !next.Before(end)
		if closing {
			next = end
		}
		summary := fmt.Sprintf("review escalation %d (T-1)", t.st.ReviewEscalations+1)
		if closing {
			summary = "unreviewed task closes (T-1)"
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: summary},
			}, reacted)
			if err != nil || ok {
				return
			}
		}
		if reacted() {
			return
		}
		data := map[string]string{"review_deadline": t.iso(t.st.ReviewDeadline), "deadline": t.iso(t.st.ReviewDeadline),
			"assistant_id": t.st.AssistantID}
		if closing {
			t.st.ClosedReason = TaskClosedReviewNotDone
			t.stopDeadline()
			t.setStatus(ctx, "closed-unreviewed", jobcore.Actor{Role: jobcore.RoleSystem}, TaskClosed,
				fmt.Sprintf("not reviewed %s after the reaction time, %d escalations: closed (%s, T-1)", giveUp, t.st.ReviewEscalations, TaskClosedReviewNotDone))
			data["closed"], data["closed_reason"] = "true", TaskClosedReviewNotDone
			t.alertOps(ctx, "task_review_closed", "ops.task_review_overdue", "unreviewed task closed (T-1)", data)
			return
		}
		t.st.ReviewEscalations++
		t.log(ctx, "review-escalated", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status,
			fmt.Sprintf("escalation %d: still not reviewed since %s (T-1)", t.st.ReviewEscalations, t.clock(t.st.ReviewDeadline)))
		t.publish(ctx)
		data["escalation"] = fmt.Sprint(t.st.ReviewEscalations)
		t.alertOps(ctx, fmt.Sprintf("task_review_escalation_%d", t.st.ReviewEscalations), "ops.task_review_overdue",
			fmt.Sprintf("review escalation %d (T-1)", t.st.ReviewEscalations), data)
	}
}

func (t *task) validateRelease(ctx workflow.Context, r TaskReleaseRequest) error {
	if r.Ops == "" {
		return taskRefuse("name the ops person releasing the task (T-3)")
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; a release is only needed while it is in review (T-3)", t.st.Status)
	}
	a, err := rules.ParseWorkArea(string(r.Area))
	if err != nil {
		return taskRefuse("%v", err)
	}
	if !a.NeedsOpsRelease() {
		return taskRefuse("%s is not a specialist area; only front desk, sales and design need a release (T-3)", a)
	}
	return nil
}

func (t *task) release(ctx workflow.Context, r TaskReleaseRequest) (TaskUpdateResult, error) {
	a, _ := rules.ParseWorkArea(string(r.Area))
	t.st.ReleasedArea, t.st.ReleasedBy = a, r.Ops
	t.log(ctx, "released", jobcore.Actor{Role: jobcore.RoleOps, ID: r.Ops}, t.st.Status, string(a)+" released by ops (T-3)")
	t.publish(ctx)
	return t.result(), nil
}

// mayReview: the assistant, or the team lead the review was delegated to.
func (t *task) mayReview(by jobcore.Actor) error {
	switch {
	case by.ID == "":
		return taskRefuse("name who acts on the task")
	case by.ID == t.st.AssistantID:
		return nil
	case t.st.Status == TaskDelegated && by.ID == t.st.TeamLead:
		return nil
	}
	return taskRefuse("%s is neither the task's assistant nor the team lead it was delegated to", by.ID)
}

func (t *task) validateAccept(ctx workflow.Context, r TaskAcceptRequest) error {
	if err := t.mayReview(r.By); err != nil {
		return err
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; only a task in review can be accepted (T-1)", t.st.Status)
	}
	a, err := rules.ParseWorkArea(string(r.Area))
	if err != nil {
		return taskRefuse("%v (T-3)", err)
	}
	if a.NeedsOpsRelease() && t.st.ReleasedArea != a {
		return taskRefuse("%s is a specialist task: ops must release it before it is accepted (T-3)", a)
	}
	return nil
}

func (t *task) accept(ctx workflow.Context, r TaskAcceptRequest) (TaskUpdateResult, error) {
	a, _ := rules.ParseWorkArea(string(r.Area))
	t.st.WorkArea = a
	t.st.CustomerFactor, t.st.AssistantFactor = a.CustomerFactor().String(), a.AssistantFactor().String()
	t.st.CustomerBudgetMinutes = rules.CustomerMinutes(a, t.st.BudgetMinutes)
	t.setStatus(ctx, "accepted", r.By, TaskAccepted, "work area "+string(a)+" (T-3)")
	t.notify(ctx, NoteAccepted, "your task was accepted", 0, "")
	if a.TellsCustomerFactor() {
		// T-3: marketing tells the customer the factor and what the budget costs.
		t.emailCustomer(ctx, "marketing-factor", "task.marketing_factor", "marketing factor message (T-3)", map[string]string{
			"factor":           t.st.CustomerFactor,
			"work_minutes":     fmt.Sprint(t.st.BudgetMinutes),
			"work_time":        rules.FormatMinutes(t.st.BudgetMinutes),
			"customer_minutes": fmt.Sprint(t.st.CustomerBudgetMinutes),
			"budget_minutes":   fmt.Sprint(t.st.CustomerBudgetMinutes), // what the work costs the budget (T-3)
			"customer_time":    rules.FormatMinutes(t.st.CustomerBudgetMinutes),
		}, func() bool { return t.st.Status != TaskDeleted }, nil)
	}
	t.armDeadline(ctx) // T-5: the deadline is a contract from acceptance
	return t.result(), nil
}

func (t *task) validateAskQuestions(ctx workflow.Context, r TaskQuestionsRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s; questions before acceptance belong to the review (T-1)", t.st.Status)
	}
	if strings.TrimSpace(r.Questions) == "" {
		return taskRefuse("write the questions for the customer (T-1)")
	}
	return nil
}

func (t *task) askQuestions(ctx workflow.Context, r TaskQuestionsRequest) (TaskUpdateResult, error) {
	by := jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}
	t.setStatus(ctx, "asked-questions", by, TaskQuestions, "")
	res := t.result()
	// The review questions are the task's own text (T-1), not the partner
	// app's chat: they stay, bounded by the API's length limit and the cap.
	res.ChatMessageID, res.NotificationID = t.addChat(ctx, TaskChatMessage{From: by, Text: r.Questions})
	return res, nil
}

func (t *task) validateDelegate(ctx workflow.Context, r TaskDelegateRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() || t.st.Status == TaskDelegated {
		return taskRefuse("the task is %s; only a task in review can be delegated to the team lead (T-1)", t.st.Status)
	}
	if r.TeamLead == "" {
		return taskRefuse("name the team lead (T-1)")
	}
	return nil
}

func (t *task) delegate(ctx workflow.Context, r TaskDelegateRequest) (TaskUpdateResult, error) {
	t.st.TeamLead = r.TeamLead
	t.setStatus(ctx, "delegated", jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}, TaskDelegated, "to team lead "+r.TeamLead+": "+r.Reason)
	return t.result(), nil
}

// --- T-4 delete --------------------------------------------------------------

func (t *task) validateDelete(ctx workflow.Context, r TaskDeleteRequest) error {
	if r.By.Role != jobcore.RoleCustomer && r.By.Role != jobcore.RoleOps {
		return taskRefuse("only the customer or ops can delete a task (T-4)")
	}
	if !t.st.Status.InReview() {
		return taskRefuse("the task is %s: a task can be deleted only while in review; once accepted it can only be handed over (T-4)", t.st.Status)
	}
	return nil
}

func (t *task) delete(ctx workflow.Context, r TaskDeleteRequest) (TaskUpdateResult, error) {
	t.setStatus(ctx, "deleted", r.By, TaskDeleted, r.Reason)
	t.accountForget(ctx) // N-1: its notifications leave the account's digest (account_notify.go)
	t.stopDeadline()
	return t.result(), nil
}

// --- work ---------------------------------------------------------------------

func (t *task) validateStart(ctx workflow.Context, r TaskStartRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if t.st.Status != TaskAccepted {
		return taskRefuse("the task is %s; only an accepted task can be started", t.st.Status)
	}
	return nil
}

func (t *task) start(ctx workflow.Context, r TaskStartRequest) (TaskUpdateResult, error) {
	t.setStatus(ctx, "started", jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}, TaskStarted, "")
	t.notify(ctx, NoteStarted, "work on your task has started", 0, "")
	return t.result(), nil
}

func (t *task) validateChange(ctx workflow.Context, r TaskChangeRequest) error {
	if r.By.ID == "" && r.By.Role != jobcore.RoleCustomer {
		return taskRefuse("name who changes the task")
	}
	if r.By.Role == jobcore.RoleAssistant && r.By.ID != t.st.AssistantID {
		return taskRefuse("%s is not the task's assistant", r.By.ID)
	}
	if t.st.Status.Terminal() || t.st.Status == TaskHandedOver {
		return taskRefuse("the task is %s and can no longer be changed", t.st.Status)
	}
	if r.Title == nil && r.Description == nil && r.BudgetMinutes == nil {
		return taskRefuse("nothing to change: give a title, description or budget (the deadline moves only by an agreed extension, T-6)")
	}
	if r.Title != nil && strings.TrimSpace(*r.Title) == "" {
		return taskRefuse("the title cannot be empty")
	}
	if r.BudgetMinutes != nil && *r.BudgetMinutes <= 0 {
		return taskRefuse("the budget must be positive minutes (T-7)")
	}
	return nil
}

func (t *task) change(ctx workflow.Context, r TaskChangeRequest) (TaskUpdateResult, error) {
	var what []string
	if r.Title != nil {
		t.st.Title = *r.Title
		what = append(what, "title")
	}
	if r.Description != nil {
		t.st.Description = *r.Description
		what = append(what, "description")
	}
	if r.BudgetMinutes != nil {
		t.st.BudgetMinutes = *r.BudgetMinutes
		if t.st.WorkArea != "" {
			t.st.CustomerBudgetMinutes = rules.CustomerMinutes(t.st.WorkArea, t.st.BudgetMinutes)
		}
		t.recomputeBudget()
		what = append(what, fmt.Sprintf("budget %d min", t.st.BudgetMinutes))
	}
	note := strings.Join(what, ", ")
	t.log(ctx, "changed", r.By, t.st.Status, note)
	if r.By.Role != jobcore.RoleCustomer {
		t.notify(ctx, NoteChanged, "your task was changed: "+note, 0, "")
	}
	t.publish(ctx)
	return t.result(), nil
}

// --- T-5 deadline ---------------------------------------------------------------

// armDeadline (re)starts the deadline coroutine for the current deadline;
// a moved deadline cancels the old timers first (T-6).
func (t *task) armDeadline(ctx workflow.Context) {
	t.stopDeadline()
	t.deadlineGen++
	dctx, cancel := workflow.WithCancel(ctx)
	t.cancelDeadline = cancel
	gen, deadline := t.deadlineGen, t.st.Deadline
	workflow.Go(dctx, func(ctx workflow.Context) { t.watchDeadline(ctx, gen, deadline) })
}

func (t *task) stopDeadline() {
	if t.cancelDeadline != nil {
		t.cancelDeadline()
		t.cancelDeadline = nil
	}
}

// watchDeadline warns the assistant DeadlineWarningLead ahead (T-5; skipped
// when the deadline is already that close when armed: the assistant just
// accepted or agreed it) and flags a missed deadline: refund eligible, ops
// alerted.
func (t *task) watchDeadline(ctx workflow.Context, gen int, deadline time.Time) {
	current := func() bool { return gen == t.deadlineGen && t.st.Status.Working() }
	warnAt := deadline.Add(-t.in.Policy.DeadlineWarningLead)
	warned := t.st.DeadlineWarnedAt != nil // a continued run: sent before (a moved deadline clears it)
	if warnAt.After(workflow.Now(ctx)) && !warned {
		if !taskSleep(ctx, warnAt.Sub(workflow.Now(ctx)), "deadline warning (T-5)") {
			return
		}
		if current() {
			now := workflow.Now(ctx)
			t.st.DeadlineWarnedAt = &now
			t.log(ctx, "deadline-warning", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, "deadline "+t.clock(deadline)+" (T-5)")
			t.emailAssistant(ctx, "deadline-warning", "assistant.deadline_warning", "deadline warning to the assistant (T-5)",
				map[string]string{"deadline": t.iso(deadline)}, current)
		}
	}
	if !taskSleep(ctx, deadline.Sub(workflow.Now(ctx)), "task deadline (T-5)") {
		return
	}
	if !current() {
		return
	}
	t.st.DeadlineMissed, t.st.RefundEligible = true, true
	t.log(ctx, "deadline-missed", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, "no hand-over by "+t.clock(deadline)+": full refund eligible (T-5)")
	t.publish(ctx)
	t.alertOps(ctx, "task_deadline_missed", "ops.task_deadline_missed", "deadline missed (T-5)",
		map[string]string{"deadline": t.iso(deadline), "assistant_id": t.st.AssistantID, "refund_eligible": "true"})
}

// --- T-6 extension ----------------------------------------------------------------

func (t *task) pendingExtension() *TaskExtension {
	for i := range t.st.Extensions {
		if t.st.Extensions[i].Status == ExtensionPending {
			return &t.st.Extensions[i]
		}
	}
	return nil
}

func (t *task) validateRequestExtension(ctx workflow.Context, r TaskExtensionRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.InReview() && !t.st.Status.Working() {
		return taskRefuse("the task is %s; an extension can be asked while it is in review or being worked on (T-6)", t.st.Status)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return taskRefuse("give the customer the reason for the extension (T-6)")
	}
	if !r.NewDeadline.After(t.st.Deadline) {
		return taskRefuse("the proposed deadline %s is not after the current one %s (T-6)", t.clock(r.NewDeadline), t.clock(t.st.Deadline))
	}
	if p := t.pendingExtension(); p != nil {
		return taskRefuse("extension request %d is still waiting for the customer's answer (until %s) (T-6)", p.ID, t.clock(p.ExpiresAt))
	}
	return nil
}

func (t *task) requestExtension(ctx workflow.Context, r TaskExtensionRequest) (TaskUpdateResult, error) {
	now := workflow.Now(ctx)
	id := len(t.st.Extensions) + 1
	consentURL := fmt.Sprintf("%s/tasks/%s/extensions/%d", strings.TrimRight(t.in.LinkBase, "/"), t.st.ID, id)
	if t.in.ConsentToken != "" {
		consentURL += "?token=" + url.QueryEscape(t.in.ConsentToken)
	}
	ext := TaskExtension{
		ID: id, RequestedBy: r.Assistant, RequestedAt: now, Reason: r.Reason,
		CurrentDeadline: t.st.Deadline, ProposedDeadline: r.NewDeadline,
		ExpiresAt:  now.Add(t.in.Policy.ExtensionAnswerWindow),
		ConsentURL: consentURL,
		Status:     ExtensionPending,
	}
	t.st.Extensions = append(t.st.Extensions, ext)
	t.log(ctx, "extension-requested", jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}, t.st.Status,
		fmt.Sprintf("request %d: %s -> %s (T-6)", id, t.clock(ext.CurrentDeadline), t.clock(ext.ProposedDeadline)))
	t.notify(ctx, NoteExtensionRequest, "your assistant asks to move the deadline", 0, "")
	pendingStill := func() bool { return t.extension(id).Status == ExtensionPending }
	t.emailCustomer(ctx, fmt.Sprintf("extension-request-%d", id), "task.extension_request", "extension request to the customer (T-6)", map[string]string{
		"extension_id":      fmt.Sprint(id),
		"reason":            r.Reason,
		"deadline":          t.iso(ext.CurrentDeadline),
		"proposed_deadline": t.iso(ext.ProposedDeadline),
		"expires_at":        t.iso(ext.ExpiresAt),
		"consent_url":       ext.ConsentURL,
	}, pendingStill, nil)
	t.watchExtension(ctx, id)
	res := t.result()
	res.ExtensionID, res.ExtensionStatus, res.ExtensionExpiresAt = id, ext.Status, ext.ExpiresAt
	return res, nil
}

// watchExtension expires request id unanswered at its ExpiresAt (T-6);
// the old deadline stands.
func (t *task) watchExtension(ctx workflow.Context, id int) {
	pendingStill := func() bool { return t.extension(id).Status == ExtensionPending }
	wait := t.in.Policy.ExtensionAnswerWindow
	if t.canOK {
		wait = t.extension(id).ExpiresAt.Sub(workflow.Now(ctx)) // the same, or what is left of it in a continued run
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if wait > 0 {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      wait,
				TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("extension %d answer window (T-6)", id)},
			}, func() bool { return !pendingStill() })
			if err != nil || ok {
				return
			}
		}
		if !pendingStill() {
			return
		}
		e := t.extension(id)
		e.Status = ExtensionExpired
		t.log(ctx, "extension-expired", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, fmt.Sprintf("request %d unanswered: deadline stays %s (T-6)", id, t.clock(t.st.Deadline)))
		t.emailAssistant(ctx, fmt.Sprintf("extension-expired-%d", id), "task.extension_answered", "extension expired (T-6)",
			map[string]string{"extension_id": fmt.Sprint(id), "outcome": ExtensionExpired, "deadline": t.iso(t.st.Deadline)}, nil)
	})
}

func (t *task) extension(id int) *TaskExtension { return &t.st.Extensions[id-1] }

func (t *task) validateRespondExtension(ctx workflow.Context, r TaskExtensionResponse) error {
	if r.ExtensionID < 1 || r.ExtensionID > len(t.st.Extensions) {
		return taskRefuse("there is no extension request %d (T-6)", r.ExtensionID)
	}
	if e := t.extension(r.ExtensionID); e.Status != ExtensionPending {
		return taskRefuse("extension request %d is already %s (T-6)", r.ExtensionID, e.Status)
	}
	if t.st.Status.Terminal() || t.st.Status == TaskHandedOver {
		return taskRefuse("the task is %s; its deadline no longer matters", t.st.Status)
	}
	return nil
}

func (t *task) respondExtension(ctx workflow.Context, r TaskExtensionResponse) (TaskUpdateResult, error) {
	now := workflow.Now(ctx)
	e := t.extension(r.ExtensionID)
	e.AnsweredAt, e.Note = &now, r.Note
	by := jobcore.Actor{Role: jobcore.RoleCustomer, ID: t.st.AccountID}
	if r.Agree {
		e.Status = ExtensionAgreed
		t.st.Deadline = e.ProposedDeadline
		t.st.DeadlineWarnedAt = nil
		t.log(ctx, "extension-agreed", by, t.st.Status, fmt.Sprintf("request %d: deadline moved to %s (T-6)", e.ID, t.clock(t.st.Deadline)))
		if t.st.Status.Working() {
			t.armDeadline(ctx) // the deadline timer follows the new date
		}
		t.notify(ctx, NoteChanged, "the deadline was moved as you agreed", 0, "")
		t.publish(ctx)
	} else {
		e.Status = ExtensionDeclined
		t.log(ctx, "extension-declined", by, t.st.Status, fmt.Sprintf("request %d: deadline stays %s (T-6)", e.ID, t.clock(t.st.Deadline)))
	}
	t.emailAssistant(ctx, fmt.Sprintf("extension-answered-%d", e.ID), "task.extension_answered", "extension answer to the assistant (T-6)",
		map[string]string{"extension_id": fmt.Sprint(e.ID), "outcome": e.Status, "deadline": t.iso(t.st.Deadline)}, nil)
	res := t.result()
	res.ExtensionID, res.ExtensionStatus = e.ID, e.Status
	return res, nil
}

// --- T-7 budget -----------------------------------------------------------------------

// budgetLow: less than BudgetWarnPercent of the budget remains.
func (t *task) budgetLow(remaining int) bool {
	return remaining*100 < t.in.Policy.BudgetWarnPercent*t.st.BudgetMinutes
}

func (t *task) recomputeBudget() {
	t.st.RemainingMinutes = t.st.BudgetMinutes - t.st.UsedMinutes
	t.st.BudgetLow = t.budgetLow(t.st.RemainingMinutes) // a larger budget re-arms the request
}

func (t *task) validateLogTime(ctx workflow.Context, r TaskTimeEntryRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.Working() {
		return taskRefuse("the task is %s; time is recorded on an accepted task before the final hand-over (T-7)", t.st.Status)
	}
	if r.Minutes <= 0 {
		return taskRefuse("record a positive number of minutes (T-7)")
	}
	remaining := t.st.RemainingMinutes - r.Minutes
	if !t.st.BudgetLow && t.budgetLow(remaining) && strings.TrimSpace(r.Reason) == "" {
		return taskRefuse("this entry leaves %d of %d min (under %d %%): give the reason the customer is asked for more budget (T-7)",
			remaining, t.st.BudgetMinutes, t.in.Policy.BudgetWarnPercent)
	}
	return nil
}

func (t *task) logTime(ctx workflow.Context, r TaskTimeEntryRequest) (TaskUpdateResult, error) {
	t.st.TimeEntries = append(t.st.TimeEntries, TaskTimeEntry{At: workflow.Now(ctx), Assistant: r.Assistant, Minutes: r.Minutes, Note: r.Note})
	t.st.TimeEntriesTotal++
	if t.bounded {
		t.st.TimeEntries = jobcore.KeepNewest(t.st.TimeEntries, TaskTimeEntriesKeep)
	}
	t.st.UsedMinutes += r.Minutes
	wasLow := t.st.BudgetLow
	t.recomputeBudget()
	t.log(ctx, "time-logged", jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}, t.st.Status,
		fmt.Sprintf("%d min, %d of %d min left", r.Minutes, t.st.RemainingMinutes, t.st.BudgetMinutes))
	if !wasLow && t.st.BudgetLow {
		// T-7: once per crossing of the threshold, ask the customer for more.
		t.st.BudgetRequests++
		t.emailCustomer(ctx, fmt.Sprintf("budget-request-%d", t.st.BudgetRequests), "task.budget_request", "budget request to the customer (T-7)", map[string]string{
			"reason":            r.Reason,
			"budget_minutes":    fmt.Sprint(t.st.BudgetMinutes),
			"used_minutes":      fmt.Sprint(t.st.UsedMinutes),
			"remaining_minutes": fmt.Sprint(t.st.RemainingMinutes),
			"remaining_time":    rules.FormatMinutes(t.st.RemainingMinutes),
			"threshold_percent": fmt.Sprint(t.in.Policy.BudgetWarnPercent),
		}, func() bool { return t.st.Status != TaskDeleted }, nil)
	}
	return t.result(), nil
}

// --- T-8 hand-over, R-1 rating ----------------------------------------------------------

func (t *task) validateHandover(ctx workflow.Context, r TaskHandoverRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.Working() {
		return taskRefuse("the task is %s; results are handed over on an accepted task (T-8)", t.st.Status)
	}
	return nil
}

func (t *task) handover(ctx workflow.Context, r TaskHandoverRequest) (TaskUpdateResult, error) {
	id := len(t.st.Handovers) + 1
	kind := "intermediate result"
	if r.Final {
		kind = "final result"
	}
	// N-1: a hand-over still unread after HandoverUnreadDelay goes by e-mail.
	nid := t.notify(ctx, NoteHandedOver, kind+" handed over", t.in.Policy.HandoverUnreadDelay, "task.handover")
	t.st.Handovers = append(t.st.Handovers, TaskHandover{ID: id, At: workflow.Now(ctx), Assistant: r.Assistant,
		Final: r.Final, Note: r.Note, ResultRef: r.ResultRef, NotificationID: nid})
	by := jobcore.Actor{Role: jobcore.RoleAssistant, ID: r.Assistant}
	if r.Final {
		t.stopDeadline()
		t.setStatus(ctx, "handed-over", by, TaskHandedOver, fmt.Sprintf("hand-over %d, final (T-8)", id))
	} else {
		t.log(ctx, "intermediate-handover", by, t.st.Status, fmt.Sprintf("hand-over %d (T-8)", id))
	}
	res := t.result()
	res.HandoverID, res.NotificationID = id, nid
	return res, nil
}

func (t *task) validateRate(ctx workflow.Context, r jobcore.RateRequest) error {
	if t.st.Status != TaskHandedOver {
		return taskRefuse("the task is %s; it can be rated after the final hand-over, within the rating window (R-1)", t.st.Status)
	}
	if r.Stars < 1 || r.Stars > 5 {
		return taskRefuse("give 1 to 5 stars (R-1)")
	}
	if len(r.Comment) > 2000 {
		return taskRefuse("a comment is at most 2000 characters")
	}
	return nil
}

// rate records the rating. R-2 as for visits: 4-5 stars need
// nothing; 1-3 stars start the rating follow-up (workflows/rating.go) as an
// abandoned child, from a tracked coroutine so the Update answers at once
// and the task closes only once the child has started. Every R-2 message
// (the 3-star question, the team lead's alert and decision) goes from the
// follow-up. Tasks had no histories before this, so no version guard.
func (t *task) rate(ctx workflow.Context, r jobcore.RateRequest) (TaskUpdateResult, error) {
	t.st.Rating = &r
	note := fmt.Sprintf("%d stars (R-1)", r.Stars)
	if rating.NeedsRatingFollowUp(r.Stars) {
		note += "; follow-up " + rating.RatingFollowUpID(t.st.ID) + " (R-2)"
	}
	t.setStatus(ctx, "rated", jobcore.Actor{Role: jobcore.RoleCustomer, ID: t.st.AccountID}, TaskRated, note)
	res := t.result()
	if !rating.NeedsRatingFollowUp(r.Stars) {
		return res, nil
	}
	in := rating.RatingFollowUpInput{
		Job:      jobcore.JobRef{ID: t.st.ID, Kind: jobcore.JobTask, Partner: t.st.Partner, Market: t.st.Market},
		Worker:   t.st.AssistantID,
		Customer: t.in.Customer,
		Stars:    r.Stars,
		Comment:  r.Comment,
		Policy:   t.in.Policy,
	}
	if in.Customer.Language == "" {
		in.Customer.Language = t.in.Language
	}
	t.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.pending-- }()
		if err := rating.StartRatingFollowUp(ctx, in); err != nil {
			// Never lose a low rating: fall back to telling the team lead.
			workflow.GetLogger(ctx).Error("rating follow-up not started", "workflow_id", rating.RatingFollowUpID(t.st.ID), "error", err)
			t.log(ctx, "rating-followup-failed", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, "follow-up not started; team lead alerted (R-2)")
			t.alertOpsNow(ctx, "rating_low", "ops.rating_low", "low rating to the team lead (R-2)",
				map[string]string{"job_id": t.st.ID, "stars": fmt.Sprint(r.Stars), "assistant_id": t.st.AssistantID})
			return
		}
		t.log(ctx, "rating-followup", jobcore.Actor{Role: jobcore.RoleSystem}, t.st.Status, "follow-up "+rating.RatingFollowUpID(t.st.ID)+" started (R-2)")
	})
	res.RatingFollowUpID = rating.RatingFollowUpID(t.st.ID)
	return res, nil
}

// --- N-1/N-2 notifications and chat ---------------------------------------------------

// notify adds an in-app notification; with a delay, one still unread after
// it goes by e-mail at the next e-mail slot (N-1 hand-over, N-2 chat).
func (t *task) notify(ctx workflow.Context, kind, text string, unreadDelay time.Duration, template string) int {
	return t.notifyLink(ctx, kind, text, "", unreadDelay, template)
}

func (t *task) notifyLink(ctx workflow.Context, kind, text, link string, unreadDelay time.Duration, template string) int {
	now := workflow.Now(ctx)
	t.st.NotificationsTotal = max(t.st.NotificationsTotal, len(t.st.Notifications)) + 1
	id := t.st.NotificationsTotal
	n := TaskNotification{ID: id, Kind: kind, At: now, Text: text, Link: link}
	owned := t.toAccount(ctx, id, kind, text, unreadDelay, template) // N-1: the account is told; it owns the hand-over e-mail (account_notify.go)
	if unreadDelay > 0 && template != "" && !owned {
		due := now.Add(unreadDelay)
		n.EmailTemplate, n.EmailDueAt = template, &due
	}
	t.st.Notifications = append(t.st.Notifications, n)
	if t.bounded {
		t.trimNotifications()
	}
	if n.EmailTemplate != "" {
		t.watchUnread(ctx, id, unreadDelay)
	}
	return id
}

// notification is the notification id, nil when there is none (any more).
func (t *task) notification(id int) *TaskNotification {
	for i := range t.st.Notifications {
		if t.st.Notifications[i].ID == id {
			return &t.st.Notifications[i]
		}
	}
	return nil
}

// trimNotifications keeps TaskNotificationsKeep: it drops the oldest read
// or e-mailed (settled) notification first, the oldest at all only when
// every one is unread.
func (t *task) trimNotifications() {
	for len(t.st.Notifications) > TaskNotificationsKeep {
		drop := 0
		for i, n := range t.st.Notifications {
			if n.ReadAt != nil || n.EmailedAt != nil || (n.EmailTemplate != "" && n.EmailDone) {
				drop = i
				break
			}
		}
		t.st.Notifications = append(t.st.Notifications[:drop], t.st.Notifications[drop+1:]...)
	}
}

// watchUnread e-mails notification id if it is still unread after wait
// (N-1 hand-over, N-2 chat). The wait counts in unreadWatch (a continued
// run re-arms it from EmailDueAt), the send in inflight.
func (t *task) watchUnread(ctx workflow.Context, id int, wait time.Duration) {
	n := t.notification(id)
	kind, text, link, template, delay := n.Kind, n.Text, n.Link, n.EmailTemplate, n.EmailDueAt.Sub(n.At)
	unread := func() bool {
		n := t.notification(id)
		return n != nil && n.ReadAt == nil && t.st.Status != TaskDeleted
	}
	t.pending++
	t.unreadWatch++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.pending--; t.unreadWatch-- }()
		if wait > 0 {
			read, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      wait,
				TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("%s unread for %s (N-1/N-2)", kind, delay)},
			}, func() bool { return !unread() })
			if err != nil || read {
				return
			}
		}
		data := map[string]string{"notification_id": fmt.Sprint(id), "kind": kind, "text": text}
		if link != "" {
			data["message_url"] = link
		}
		settle := func(at *time.Time) {
			if n := t.notification(id); n != nil {
				n.EmailDone = true
				if at != nil {
					n.EmailedAt = at
				}
			}
		}
		t.emailCustomerCarried(ctx, fmt.Sprintf("%s-unread-%d", kind, id), template, kind+" unread e-mail (N-1/N-2)",
			data, unread, settle)
	})
}

func (t *task) validateMarkRead(ctx workflow.Context, r TaskMarkReadRequest) error {
	total := max(t.st.NotificationsTotal, len(t.st.Notifications))
	for _, id := range r.IDs {
		if id < 1 || id > total {
			return taskRefuse("there is no notification %d (N-1)", id)
		}
	}
	return nil
}

func (t *task) markRead(ctx workflow.Context, r TaskMarkReadRequest) (TaskUpdateResult, error) {
	defer t.accountRead(ctx, t.unreadIDs()) // N-1: the account learns what was read (account_notify.go)
	now := workflow.Now(ctx)
	mark := func(n *TaskNotification) {
		if n != nil && n.ReadAt == nil {
			n.ReadAt = &now
		}
	}
	if len(r.IDs) == 0 {
		for i := range t.st.Notifications {
			mark(&t.st.Notifications[i])
		}
	}
	for _, id := range r.IDs {
		mark(t.notification(id))
	}
	for i := range t.st.Chat { // N-2: a message is read with its notification
		c := &t.st.Chat[i]
		if n := t.notification(c.NotificationID); c.ReadAt == nil && n != nil && n.ReadAt != nil {
			c.ReadAt = n.ReadAt
		}
	}
	res := t.result()
	for _, n := range t.st.Notifications {
		if n.ReadAt == nil {
			res.Unread++
		}
	}
	return res, nil
}

func (t *task) validateChat(ctx workflow.Context, r TaskChatRequest) error {
	if strings.TrimSpace(r.MessageRef) == "" && (t.bounded || strings.TrimSpace(r.Text) == "") {
		// Issue #13: the text stays in the partner's app; only histories
		// from before carry it.
		return taskRefuse("give the partner app's message_ref; the message's text stays in the app (N-2)")
	}
	switch r.From.Role {
	case jobcore.RoleCustomer, jobcore.RoleOps, jobcore.RoleTeamLead:
	case jobcore.RoleAssistant:
		if r.From.ID != t.st.AssistantID {
			return taskRefuse("%s is not the task's assistant", r.From.ID)
		}
	default:
		return taskRefuse("chat messages come from the customer, the assistant, the team lead or ops")
	}
	if t.st.Status == TaskDeleted {
		return taskRefuse("the task was deleted")
	}
	return nil
}

func (t *task) chat(ctx workflow.Context, r TaskChatRequest) (TaskUpdateResult, error) {
	msg := TaskChatMessage{From: r.From, Ref: r.MessageRef, URL: r.MessageURL}
	if !t.bounded {
		msg.Text = r.Text // histories from before issue #13
	}
	res := t.result()
	res.ChatMessageID, res.NotificationID = t.addChat(ctx, msg)
	return res, nil
}

// addChat records a message; one to the customer becomes an in-app
// notification that goes by e-mail, with the message's link, if unread
// after ChatUnreadDelay (N-2). Messages from the customer are not e-mailed
// to the assistant here (the assistant works in the app; see the report).
func (t *task) addChat(ctx workflow.Context, msg TaskChatMessage) (msgID, noteID int) {
	t.st.ChatTotal = max(t.st.ChatTotal, len(t.st.Chat)) + 1
	msg.ID, msg.At = t.st.ChatTotal, workflow.Now(ctx)
	if msg.From.Role != jobcore.RoleCustomer {
		noteID = t.notifyLink(ctx, NoteChat, "a new chat message", msg.URL, t.in.Policy.ChatUnreadDelay, "task.chat_unread")
		msg.NotificationID = noteID
	}
	t.st.Chat = append(t.st.Chat, msg)
	if t.bounded {
		t.st.Chat = jobcore.KeepNewest(t.st.Chat, TaskChatKeep)
	}
	return msg.ID, noteID
}

// digestView answers the digest's query (N-1): unread notifications created
// in [since, until) that were not e-mailed on their own.
func (t *task) digestView(since, until time.Time) (activities.TaskDigestView, error) {
	v := activities.TaskDigestView{
		TaskID: t.st.ID, AccountID: t.st.AccountID, Market: string(t.st.Market), Title: t.st.Title,
		Customer: activities.DigestRecipient{Name: t.in.Customer.Name, Email: t.in.Customer.Email, Language: t.customerLanguage()},
		Unread:   []activities.DigestItem{},
	}
	for _, n := range t.st.Notifications {
		if n.ReadAt != nil || n.EmailedAt != nil || n.At.Before(since) || !n.At.Before(until) {
			continue
		}
		v.Unread = append(v.Unread, activities.DigestItem{ID: n.ID, Kind: n.Kind, At: n.At, Text: n.Text})
	}
	return v, nil
}

// --- reassign --------------------------------------------------------------------

func (t *task) validateReassign(ctx workflow.Context, r TaskReassignRequest) error {
	if r.By.Role != jobcore.RoleOps && r.By.Role != jobcore.RoleTeamLead {
		return taskRefuse("ops or the team lead assign a new assistant (A-1)")
	}
	if r.To.ID == "" {
		return taskRefuse("name the new assistant")
	}
	if r.To.ID == t.st.AssistantID {
		return taskRefuse("%s already works on the task", r.To.ID)
	}
	if t.st.Status.Terminal() {
		return taskRefuse("the task is %s", t.st.Status)
	}
	return nil
}

// reassign hands the task to a new assistant; every timer keeps running
// (deadline, review, extension windows).
func (t *task) reassign(ctx workflow.Context, r TaskReassignRequest) (TaskUpdateResult, error) {
	from := t.st.AssistantID
	t.asg, t.st.AssistantID = r.To, r.To.ID
	t.log(ctx, "reassigned", r.By, t.st.Status, fmt.Sprintf("%s -> %s: %s", from, r.To.ID, r.Reason))
	t.notify(ctx, NoteNewAssistant, "a new assistant works on your task", 0, "")
	t.publish(ctx)
	return t.result(), nil
}

// --- sends ------------------------------------------------------------------------

func (t *task) customerLanguage() string {
	if t.in.Customer.Language != "" {
		return string(t.in.Customer.Language)
	}
	return string(t.in.Language)
}

func (t *task) step(name string) activities.Step {
	t.sendSeq++
	return activities.Step{JobID: t.st.ID, Name: fmt.Sprintf("%s-%d", name, t.sendSeq)}
}

func (t *task) data(extra map[string]string) map[string]string {
	d := map[string]string{"task_id": t.st.ID, "title": t.st.Title, "task_title": t.st.Title, "timezone": t.in.Market.TimeZone(), "market": string(t.in.Market)}
	jobcore.MergeFields(d, extra)
	return d
}

// emailCustomer sends an e-mail to the customer at the next e-mail slot
// (N-3: working days, EmailWindowStart..EmailWindowEnd, market zone). The
// wait ends early, and nothing is sent, when needed (if given) turns false;
// sent (if given) learns when the mail left.
func (t *task) emailCustomer(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool, sent func(time.Time)) {
	var settle func(*time.Time)
	if sent != nil {
		settle = func(at *time.Time) {
			if at != nil {
				sent(*at)
			}
		}
	}
	t.deferredEmail(ctx, name, summary, t.customerEmail(template, extra), needed, false, settle)
}

// emailCustomerCarried is emailCustomer for an unread-notification e-mail
// (watchUnread): its wait counts in unreadWatch, its send in inflight, and
// settle learns every outcome (with the time the mail left, nil otherwise).
func (t *task) emailCustomerCarried(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool, settle func(*time.Time)) {
	t.deferredEmail(ctx, name, summary, t.customerEmail(template, extra), needed, true, settle)
}

func (t *task) customerEmail(template string, extra map[string]string) activities.EmailRequest {
	d := t.data(extra)
	d["name"] = t.in.Customer.Name
	return activities.EmailRequest{To: t.in.Customer.Email, ToName: t.in.Customer.Name,
		Message: activities.Message{Template: template, Language: t.customerLanguage(), Data: d}, Categories: []string{"task", template}}
}

// emailAssistant e-mails the current assistant, also within the window
// (N-3 applies to every e-mail notification); without an address the
// message is only recorded.
func (t *task) emailAssistant(ctx workflow.Context, name, template, summary string, extra map[string]string, needed func() bool) {
	lang := string(t.asg.Language)
	if lang == "" {
		lang = string(t.in.Language)
	}
	d := t.data(extra)
	d["assistant_id"] = t.asg.ID
	req := activities.EmailRequest{To: t.asg.Email, Message: activities.Message{Template: template, Language: lang, Data: d},
		Categories: []string{"task", template}}
	t.deferredEmail(ctx, name, summary, req, needed, false, nil)
}

func (t *task) deferredEmail(ctx workflow.Context, name, summary string, req activities.EmailRequest, needed func() bool, carried bool, settle func(*time.Time)) {
	template := req.Message.Template
	t.pending++
	if carried {
		t.unreadWatch++
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() {
			t.pending--
			if carried {
				t.unreadWatch--
			}
		}()
		if settle == nil {
			settle = func(*time.Time) {}
		}
		if needed == nil {
			needed = func() bool { return true }
		}
		now := workflow.Now(ctx)
		if slot := rules.NextEmailSlot(t.in.Market, now, t.in.Policy); slot.After(now) {
			if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      slot.Sub(now),
				TimerOptions: workflow.TimerOptions{Summary: "e-mail window (N-3): " + summary},
			}, func() bool { return !needed() }); err != nil {
				return
			}
		}
		step := t.step(name)
		if !needed() {
			t.record(ctx, step, "email", template, "not needed")
			settle(nil)
			return
		}
		if req.To == "" {
			t.record(ctx, step, "email", template, "no address")
			settle(nil)
			return
		}
		if carried {
			t.inflight++
			defer func() { t.inflight-- }()
		}
		req.Step = step
		var res activities.EmailResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)), jobcore.Outreach.SendEmail, req).Get(ctx, &res)
		if err != nil {
			t.failed(ctx, step, "email", template, err)
			settle(nil)
			return
		}
		t.record(ctx, step, "email", template, "sent")
		at := workflow.Now(ctx)
		settle(&at)
	})
}

func (t *task) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	t.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.pending-- }()
		t.alertOpsNow(ctx, kind, template, summary, data)
	})
}

// alertOpsNow: alerts carry ids and reasons only, never customer data (V-14).
func (t *task) alertOpsNow(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	step := t.step("ops-" + kind)
	d := map[string]string{"task_id": t.st.ID, "kind": kind, "market": string(t.in.Market), "partner": t.in.Partner,
		"timezone": t.in.Market.TimeZone(), "status": string(t.st.Status)}
	jobcore.MergeFields(d, data)
	req := activities.OpsAlert{Step: step, Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}}
	var res activities.AlertResult
	actx, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res); err != nil {
		t.failed(actx, step, "ops", template, err)
		return
	}
	t.record(actx, step, "ops", template, "sent")
}

func (t *task) record(ctx workflow.Context, step activities.Step, channel, template, outcome string) {
	t.st.Deliveries = append(t.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: step.Name, Channel: channel, Template: template, Outcome: outcome})
	t.st.DeliveriesTotal++
	if t.bounded {
		t.st.Deliveries = jobcore.KeepNewest(t.st.Deliveries, TaskDeliveriesKeep)
	}
}

func (t *task) failed(ctx workflow.Context, step activities.Step, channel, template string, err error) {
	outcome := jobcore.FailureOutcome(err)
	t.record(ctx, step, channel, template, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	if channel != "ops" {
		// The template names the job, the step, the channel and the error
		// type (issue 14: "outcome" and no job_id never rendered).
		t.alertOpsNow(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"job_id": t.st.ID, "step": step.Name, "channel": channel, "error_type": outcome})
	}
}

// --- helpers ------------------------------------------------------------------------

func taskRefuse(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), "TransitionRefused")
}

// taskSleep waits d on a durable timer; false when the context was cancelled.
func taskSleep(ctx workflow.Context, d time.Duration, summary string) bool {
	if d > 0 {
		if err := workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary}).Get(ctx, nil); err != nil {
			return false
		}
	}
	return ctx.Err() == nil
}

func (t *task) mustBeAssistant(id string) error {
	if id == "" {
		return taskRefuse("name the assistant acting on the task")
	}
	if id != t.st.AssistantID {
		return taskRefuse("%s is not the task's assistant (%s works on it)", id, t.st.AssistantID)
	}
	return nil
}

func (t *task) clock(at time.Time) string { return at.In(t.loc).Format("Mon 2 Jan 2006 15:04 MST") }

// iso renders a time for templates: RFC 3339 in the market's zone.
func (t *task) iso(at time.Time) string { return at.In(t.loc).Format(time.RFC3339) }

func (t *task) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to TaskStatus, note string) {
	from := t.st.Status
	t.st.Status = to
	t.log(ctx, action, by, from, note)
	t.publish(ctx)
}

func (t *task) log(ctx workflow.Context, action string, by jobcore.Actor, from TaskStatus, note string) {
	t.st.Log = append(t.st.Log, TaskTransition{At: workflow.Now(ctx), Action: action, By: by, From: from, To: t.st.Status, Note: note})
	t.st.LogTotal++
	if t.bounded {
		t.st.Log = jobcore.KeepNewest(t.st.Log, TaskLogKeep)
	}
}

// publish upserts the search attributes that changed (ids, codes, times:
// no personal data, V-14) and the current details.
func (t *task) publish(ctx workflow.Context) {
	want := taskAttrs{status: string(t.st.Status), assistant: t.st.AssistantID, area: string(t.st.WorkArea),
		review: t.st.ReviewDeadline, deadline: t.st.Deadline, reason: t.st.ClosedReason, escalations: t.st.ReviewEscalations}
	first := t.upserted == (taskAttrs{})
	var ups []temporal.SearchAttributeUpdate
	if first {
		ups = append(ups, jobcore.MarketKey.ValueSet(string(t.st.Market)))
		if t.st.Partner != "" {
			ups = append(ups, jobcore.PartnerKey.ValueSet(t.st.Partner))
		}
	}
	if first || want.status != t.upserted.status || want.reason != t.upserted.reason {
		statuses := []string{want.status}
		if want.reason != "" {
			statuses = append(statuses, want.status+":"+want.reason) // T-1: TaskStatus = 'closed:review_not_done'
		}
		ups = append(ups, jobcore.TaskStatusKey.ValueSet(statuses))
	}
	if want.escalations != t.upserted.escalations {
		ups = append(ups, jobcore.EscalationLevelKey.ValueSet(int64(want.escalations))) // T-1: EscalationLevel > 0
	}
	if want.assistant != t.upserted.assistant && want.assistant != "" {
		ups = append(ups, jobcore.AssistantIDKey.ValueSet(want.assistant))
	}
	if !want.review.Equal(t.upserted.review) {
		ups = append(ups, jobcore.ReviewDeadlineKey.ValueSet(want.review))
	}
	if !want.deadline.Equal(t.upserted.deadline) && !want.deadline.IsZero() {
		ups = append(ups, jobcore.TaskDeadlineKey.ValueSet(want.deadline))
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	t.upserted = want
	workflow.SetCurrentDetails(ctx, t.details())
}

func (t *task) details() string {
	s := fmt.Sprintf("**%s** · %s · assistant %s", t.st.Status, t.in.Market, t.st.AssistantID)
	if t.st.Status.InReview() {
		s += " · review by " + t.clock(t.st.ReviewDeadline)
		if t.st.ReviewOverdue {
			s += " (overdue)"
		}
	}
	if t.st.WorkArea != "" {
		s += fmt.Sprintf(" · %s (customer factor %s)", t.st.WorkArea, t.st.CustomerFactor)
	}
	if !t.st.Deadline.IsZero() {
		s += " · deadline " + t.clock(t.st.Deadline)
	}
	s += fmt.Sprintf(" · budget %d/%d min", t.st.UsedMinutes, t.st.BudgetMinutes)
	if t.st.RefundEligible {
		s += " · **deadline missed: refund eligible**"
	}
	if t.st.ClosedReason != "" {
		s += " · closed: " + t.st.ClosedReason
	}
	return s
}
