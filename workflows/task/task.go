package task

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
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
//	1-3 stars start the rating follow-up workflow, workflows/rating,
//	 which sends task.rating_followup, ops.rating_low, ops.rating_decide)
//	ops.delivery_failed         ops: a message could not be delivered (shared with visits)
//	account.nudge               customer: friendly message after 3 weeks without activity (N-4, workflows/account/inactivity.go)
//	account.unused_hours        customer: unused hours after 7 weeks (N-4, workflows/account/inactivity.go)
const (
	TaskUpdateRelease          = "release"            // T-3: ops release a specialist area
	TaskUpdateAccept           = "accept"             // T-1, T-3: accept with a work area
	TaskUpdateAskQuestions     = "ask-questions"      // T-1
	TaskUpdateDelegate         = "delegate"           // T-1: hand the review to the team lead
	TaskUpdateDelete           = "delete"             // T-4: only while in review
	TaskUpdateStart            = "start"              // N-1: work started
	TaskUpdateChange           = "change"             // N-1: title, description, budget changed
	TaskUpdateRequestExtension = "request-extension"  // T-6
	TaskUpdateRespondExtension = "respond-extension"  // T-6: the customer's consent
	TaskUpdateLogTime          = "log-time"           // T-7
	TaskUpdateHandover         = "handover"           // T-8
	TaskUpdateRate             = "rate"
	TaskUpdateMarkRead         = "mark-read"          // N-1
	TaskUpdateChat             = "chat"               // N-2
	TaskUpdateReassign         = names.ReassignUpdate // new assistant (absence, A-1); timers keep running

	TaskQuery = names.TaskQuery
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
	// UpdateIDs are the newest TaskCarriedUpdateIDs Update ids earlier runs
	// took (the API's Idempotency-Key): Temporal dedupes an Update id within
	// a run only, so a retry after continue-as-new is refused as a
	// duplicate instead of applied twice (issue #13).
	UpdateIDs []string `json:"update_ids,omitempty"`
}

// TaskCarriedUpdateIDs bounds the Update ids a continued run remembers
// (one run's worth, TaskContinueAsNewUpdates).
const TaskCarriedUpdateIDs = TaskContinueAsNewUpdates

// ErrTypeDuplicateRequest is the validator's refusal of an Update id an
// earlier run already took; the API answers it with the task's current
// result, as for a retry within the run.
const ErrTypeDuplicateRequest = "DuplicateRequest"

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
