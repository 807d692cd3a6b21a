package absence

import (
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
)

// AbsencePeriod is [From, To].
type AbsencePeriod struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// AbsenceInput is the report. It has no field for a diagnosis or a
// document, by design; the API refuses requests that carry one.
type AbsenceInput struct {
	WorkerID string `json:"worker_id"`
	// WorkerName is the name customers know the worker by (notices, the
	// auto-reply); the worker's, never a customer's data.
	WorkerName  string        `json:"worker_name"`
	Role        string        `json:"role"` // buddy or assistant
	Market      rules.Market  `json:"market"`
	Region      string        `json:"region,omitempty"`
	Competences []string      `json:"competences,omitempty"`
	Kind        AbsenceKind   `json:"kind"`
	Period      AbsencePeriod `json:"period"`
	ReportedBy  jobcore.Actor `json:"reported_by"` // the worker (buddy/assistant) or the manager (ops)
	// Contact is whom customers reach meanwhile, e.g. the team lead's
	// name and work e-mail.
	Contact string       `json:"contact"`
	Policy  rules.Policy `json:"policy"` // P-1, fixed at start
}

// AbsenceCover is where one job's cover stands.
type AbsenceCover string

const (
	CoverOpen      AbsenceCover = "open"      // needs a substitute; offers are out
	CoverAssigning AbsenceCover = "assigning" // accepted; the job is being reassigned
	CoverCovered   AbsenceCover = "covered"   // a substitute holds the job
	CoverEscalated AbsenceCover = "escalated" // nobody accepted in time: ops have it (open escalation)
	CoverWaiting   AbsenceCover = "waiting"   // the customer waits for the worker
	CoverInformed  AbsenceCover = "informed"  // work in the period, due after it: stays with the worker
	CoverReleased  AbsenceCover = "released"  // no longer in the period: stays with the worker
	CoverReturned  AbsenceCover = "returned"  // handed back from the substitute after a period change
	CoverClosed    AbsenceCover = "closed"    // the job closed (cancelled, done) meanwhile
)

// needsSubstitute reports whether a job in this state still lacks one.
func (c AbsenceCover) needsSubstitute() bool {
	return c == CoverOpen || c == CoverAssigning || c == CoverEscalated
}

// Customer choices.
const (
	ChoiceBackup = "backup"
	ChoiceWait   = "wait"
)

// AbsenceJobState is one affected job and its cover.
type AbsenceJobState struct {
	activities.AbsenceJob
	NeedsCover       bool         `json:"needs_cover"`
	Cover            AbsenceCover `json:"cover"`
	OfferedTo        []string     `json:"offered_to"`
	Substitute       string       `json:"substitute,omitempty"`
	AcceptedAt       *time.Time   `json:"accepted_at,omitempty"`
	EscalateAt       *time.Time   `json:"escalate_at,omitempty"`
	EscalatedAt      *time.Time   `json:"escalated_at,omitempty"`
	HandoverBy       *time.Time   `json:"handover_by,omitempty"`
	CustomerNotified *time.Time   `json:"customer_notified,omitempty"`
	CustomerChoice   string       `json:"customer_choice,omitempty"`
	CustomerChoices  int          `json:"customer_choices,omitempty"` // answers taken (capped, MaxCustomerChoices)
	PlannedAfter     *time.Time   `json:"planned_after,omitempty"`    // wait: the worker does it after the absence
	Note             string       `json:"note,omitempty"`
}

// AbsenceLogEntry is one line of the absence's log.
type AbsenceLogEntry = jobcore.Transition[AbsenceStatus]

// AbsenceState is the absence as the Query returns it.
type AbsenceState struct {
	ID             string             `json:"id"`
	WorkerID       string             `json:"worker_id"`
	Role           string             `json:"role"`
	Market         rules.Market       `json:"market"`
	Region         string             `json:"region,omitempty"`
	Kind           AbsenceKind        `json:"kind"`
	Period         AbsencePeriod      `json:"period"`
	ReportedPeriod AbsencePeriod      `json:"reported_period"`
	Status         AbsenceStatus      `json:"status"`
	ReportedBy     jobcore.Actor      `json:"reported_by"`
	ApprovedBy     string             `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time         `json:"approved_at,omitempty"`
	CoverStarted   *time.Time         `json:"cover_started,omitempty"`
	Long           bool               `json:"long"`  // longer than LongAbsence
	Acute          bool               `json:"acute"` // the manager was alerted at once
	Jobs           []AbsenceJobState  `json:"jobs"`
	Uncovered      int                `json:"uncovered"`
	Log            []AbsenceLogEntry  `json:"log"`
	Deliveries     []jobcore.Delivery `json:"deliveries"`
}

// ApproveAbsenceRequest: the manager approves. Deliberately nothing else:
// no reason, no diagnosis, no document.
type ApproveAbsenceRequest struct {
	Manager string `json:"manager"`
	// By is the manager with the role they act in (issue #16: the log
	// names the real role, a team lead is not logged as ops); empty in
	// requests from before it: ops.
	By jobcore.Actor `json:"by,omitzero"`
}

// manager is who acts: By, or ops by the manager's id.
func manager(by jobcore.Actor, id string) jobcore.Actor {
	if by.Role != "" {
		return by
	}
	return jobcore.Actor{Role: names.RoleOps, ID: id}
}

// RejectAbsenceRequest: the manager declines a holiday or other absence.
type RejectAbsenceRequest struct {
	Manager string        `json:"manager"`
	Reason  string        `json:"reason"`
	By      jobcore.Actor `json:"by,omitzero"` // as in ApproveAbsenceRequest
}

// AcceptSubstituteRequest: a colleague takes one job. Ops may name
// any substitute; a colleague accepts an offer made to them.
type AcceptSubstituteRequest struct {
	JobID      string        `json:"job_id"`
	Substitute string        `json:"substitute"`
	By         jobcore.Actor `json:"by"`
}

// CustomerChoiceRequest: the customer's answer to the A-4 notice.
type CustomerChoiceRequest struct {
	JobID  string `json:"job_id"`
	Choice string `json:"choice"` // backup or wait
}

// CutShortRequest: the worker is back early; zero End means now.
type CutShortRequest struct {
	End time.Time     `json:"end,omitempty"`
	By  jobcore.Actor `json:"by"`
}

// ChangePeriodRequest: a new period for the absence.
type ChangePeriodRequest struct {
	Period AbsencePeriod `json:"period"`
	By     jobcore.Actor `json:"by"`
}

// AbsenceAutoReply is the A-5 answer: the message to render (template
// absence.auto_reply; the caller sets Message.Language) or Active false.
type AbsenceAutoReply struct {
	Active   bool               `json:"active"`
	WorkerID string             `json:"worker_id"`
	Period   AbsencePeriod      `json:"period"`
	Contact  string             `json:"contact"`
	Message  activities.Message `json:"message"`
}
