package reclamation

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

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
type CaseEntry = jobcore.Transition[string]

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
	// CustomerNotes counts the notes the customer added (issue #16, M1:
	// capped at MaxCustomerNotes, carried across runs with the state).
	CustomerNotes int `json:"customer_notes,omitempty"`
}
