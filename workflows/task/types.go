package task

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

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
	// ExtraMinutes is how much more time the assistant asks the customer
	// for when the budget runs low (T-7, issue #14); optional.
	ExtraMinutes int `json:"extra_minutes,omitempty"`
}

// TaskHandoverRequest hands over a result (T-8); only a final one ends the work.
type TaskHandoverRequest struct {
	Assistant string `json:"assistant"`
	Final     bool   `json:"final"`
	Note      string `json:"note,omitempty"`
	ResultRef string `json:"result_ref,omitempty"` // where the result lies (chat attachment, cloud folder)
	// ResultURL opens the result in the partner's app; the hand-over e-mail
	// links it (issue #14). Optional.
	ResultURL string `json:"result_url,omitempty"`
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
type TaskTransition = jobcore.Transition[TaskStatus]

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
	// Intermediate marks the notice of an intermediate result (T-8): its
	// e-mail invites no rating (issue #14).
	Intermediate bool `json:"intermediate,omitempty"`
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

// Extensions and hand-overs are addressed by their number, so they are not
// trimmed; a task takes at most these many (issue #13: bounded state), and
// a request past the cap is refused, leaving no trace in the history.
const (
	MaxTaskExtensions = 20 // T-6: every one a new deadline the customer agreed to or not
	MaxTaskHandovers  = 50 // T-8: intermediate results and the final one
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
	// OverdueEscalations counts the alerts after a missed deadline (T-5,
	// issue #13), carried so a continued run goes on where it stopped.
	OverdueEscalations int `json:"overdue_escalations,omitempty"`
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
	return ResultOf(t.st)
}

// ResultOf is the common part of an Update's answer for a task state (the
// API answers a retried request with it, ErrTypeDuplicateRequest).
func ResultOf(st TaskState) TaskUpdateResult {
	r := TaskUpdateResult{ID: st.ID, Status: st.Status, Deadline: st.Deadline,
		RemainingMinutes: st.RemainingMinutes, BudgetLow: st.BudgetLow}
	if st.Status.InReview() {
		r.ReviewDeadline = st.ReviewDeadline
	}
	return r
}
