package api

import (
	"regexp"
	"time"

	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// Tasks (T-1..T-8, N-1, N-2, R-1): the endpoints of workflows/task.
// {id} is the task's workflow id, task-<partner>-<task_ref>.
//
//	POST /v1/tasks                                   create: a partner's signed request (the customer's task, like a
//	                                                 booking), or an assistant (for itself) / ops token on the
//	                                                 customer's behalf; idempotent on partner + task_ref
//	GET  /v1/tasks/{id}                              ops, team leads, the task's assistant, the task's partner (signed)
//	POST /v1/tasks/{id}/release                      ops: release a specialist area (T-3)
//	POST /v1/tasks/{id}/accept                       the task's assistant, or the team lead it was delegated to (T-1, T-3)
//	POST /v1/tasks/{id}/ask-questions                the task's assistant (T-1)
//	POST /v1/tasks/{id}/delegate                     the task's assistant, to a team lead (T-1)
//	POST /v1/tasks/{id}/delete                       ops, or the customer through the partner (signed); review only (T-4)
//	POST /v1/tasks/{id}/start                        the task's assistant (N-1)
//	POST /v1/tasks/{id}/change                       the task's assistant, ops, or the customer through the partner (N-1)
//	POST /v1/tasks/{id}/request-extension            the task's assistant (T-6)
//	POST /v1/tasks/{id}/log-time                     the task's assistant (T-7)
//	POST /v1/tasks/{id}/handover                     the task's assistant (T-8)
//	POST /v1/tasks/{id}/reassign                     ops or a team lead
//	POST /v1/tasks/{id}/chat                         the task's assistant, team leads, ops, the customer through the partner (N-2)
//	POST /v1/tasks/{id}/customer-links               ops or the task's partner (signed): fresh rating and notification links
//	GET  /v1/tasks/{id}/extensions/{n}?token=        the consent page behind the e-mail link: agree / decline (T-6)
//	POST /v1/tasks/{id}/extensions/{n}?token=&answer=agree|decline   the customer's answer (T-6)
//	POST /v1/tasks/{id}/rating?token=                the customer's 1-5 stars after the final hand-over
//	POST /v1/tasks/{id}/notifications/read?token=    the customer marks in-app notifications read (N-1)
//
// Authentication. Assistants and team leads have bearer tokens with the
// roles assistant and teamlead (API_TOKENS); those tokens serve only these
// endpoints (Tokens.Lookup refuses them elsewhere). An assistant acts only
// on a task it is the assistant of (403 not_assignee otherwise). The
// customer never holds a token: it acts through the partner's signed
// requests (X-Partner-Id + X-Signature over the body, as for bookings; the
// task must be that partner's) or through signed, expiring links (SignLink)
// bound to the task and one action:
//
//   - consent ("task-extension"): minted when the task starts and passed to
//     the workflow in TaskInput.ConsentToken, which appends it to every
//     consent link it builds (the workflow mints no secrets, and cannot know
//     ahead how many extensions there will be). One token serves every
//     extension request of the task; the respond-extension validator lets
//     only a pending request be answered, once (409 otherwise). The token
//     is the customer's: consent URLs are shown to ops and the partner, and
//     to assistants and team leads with the token cut off, so an assistant
//     cannot agree to its own request.
//   - rating ("task-rate") and notifications ("task-read"): returned to the
//     partner (and ops) in customer_links when the task is created, and
//     minted again by POST /v1/tasks/{id}/customer-links. An assistant who
//     creates a task does not get them (it must not rate its own work).
//
// Every link expires TaskLinkValidity after the task's deadline at start
// (or after now, for links minted later); the workflow's own rules (the
// rating window, the extension answer window) close the actions earlier.
//
// Errors follow the visit endpoints: 200 with the task's new state, 409
// transition_refused with the workflow's rule message, 409 task_closed, 404
// task_not_found, 422 for a bad body, 401/403 for authentication and roles.

// Roles of the task endpoints beyond buddy and ops.
const (
	roleAssistant = names.RoleAssistant
	roleTeamLead  = names.RoleTeamLead
	// rolePartner marks a partner-signed request: the customer acting
	// through the partner's systems.
	rolePartner = "partner"
)

// Link actions of the customer's task links.
const (
	LinkActionTaskExtension = "task-extension"
	LinkActionTaskRate      = "task-rate"
	LinkActionTaskRead      = "task-read"
)

// TaskLinkValidity is how long after the deadline (at start) the
// customer's task links stay valid; a backstop for the workflow's rules
// (issue #16, M1: 30 days, not a year: long enough for the rating window
// after a late hand-over; a task extended past it gets fresh links from
// POST /v1/tasks/{id}/customer-links).
const TaskLinkValidity = 30 * 24 * time.Hour

// MemoTaskHash is the memo key holding the sha256 of the canonical task
// request a task was started with (not personal data).
const MemoTaskHash = "task_sha256"

// Limits of a task request.
const (
	maxTitleLen       = 200
	maxDescriptionLen = 4000
	maxBudgetMinutes  = 60000 // 1000 hours
	maxDeadlineAhead  = 2 * 366 * 24 * time.Hour
	maxTextLen        = 4000
	maxReasonLen      = 1000
)

var taskIDRe = regexp.MustCompile(`^task-[a-z0-9][a-z0-9_]*-[A-Za-z0-9][A-Za-z0-9._-]*$`)

// TaskRequest is the body of POST /v1/tasks.
type TaskRequest struct {
	// Partner is required with a bearer token; with a partner signature it
	// is optional and must match X-Partner-Id.
	Partner       string               `json:"partner,omitempty"`
	TaskRef       string               `json:"task_ref"`   // the partner's id of the task; part of the task id
	AccountID     string               `json:"account_id"` // the customer's account (N-1 digest, N-4)
	Market        string               `json:"market"`
	Language      string               `json:"language"`
	Title         string               `json:"title"`
	Description   string               `json:"description"`
	BudgetMinutes int                  `json:"budget_minutes"` // real working time granted (T-3, T-7)
	Deadline      time.Time            `json:"deadline"`       // T-5
	Customer      CustomerRequest      `json:"customer"`       // phone optional for tasks
	Assistant     TaskAssistantRequest `json:"assistant"`      // optional id with an assistant token: itself
	CreatedAt     *time.Time           `json:"created_at,omitempty"`
}

// TaskAssistantRequest names the virtual assistant of a task.
type TaskAssistantRequest struct {
	ID       string `json:"id"`
	Email    string `json:"email,omitempty"`
	Language string `json:"language,omitempty"`
}

// TaskCreated answers POST /v1/tasks.
type TaskCreated struct {
	TaskID     string `json:"task_id"` // the workflow id, task-<partner>-<task_ref>
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	Status     string `json:"status"`
	UIURL      string `json:"ui_url"`
	// CustomerLinks are for the customer (partner and ops callers only).
	CustomerLinks *TaskCustomerLinks `json:"customer_links,omitempty"`
}

// TaskCustomerLinks are the customer's signed links of a task.
type TaskCustomerLinks struct {
	RatingURL            string    `json:"rating_url"`
	NotificationsReadURL string    `json:"notifications_read_url"`
	ExpiresAt            time.Time `json:"expires_at"`
}

// TaskID is the workflow id of a partner's task.
func TaskID(partner, ref string) string { return task.TaskWorkflowID(partner + "-" + ref) }
