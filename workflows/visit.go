package workflows

import (
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/rules"
)

// Visit workflow: one per booked home visit, id "visit-<partner>-<bookingRef>"
// (V-1..V-13). Transitions that need an answer are Updates with validators;
// the whole state is one Query.
const (
	VisitWorkflowName = "Visit"

	UpdateClaim      = "claim"      // V-2
	UpdateRelease    = "release"    // V-2
	UpdateBook       = "book"       // V-3, V-4
	UpdateReschedule = "reschedule" // V-6
	UpdateStart      = "start"      // V-8
	UpdatePanic      = "panic"      // V-9
	UpdateAbort      = "abort"      // V-10
	UpdateComplete   = "complete"   // V-11
	UpdateCancel     = "cancel"
	UpdateRate       = "rate"
	UpdateReassign   = "reassign"        // a substitute takes over a held job
	UpdateMileage    = "confirm-mileage" // V-13: ops confirm mileage

	QueryVisit = "visit"
)

// VisitID is the workflow id of a partner's booking. Ids carry only the
// partner and its reference, never personal data (V-14).
func VisitID(partner, bookingRef string) string { return "visit-" + partner + "-" + bookingRef }

// Customer is the person helped. It travels encrypted (payload codec) and
// never enters search attributes, memos or logs (V-14).
type Customer struct {
	Name     string         `json:"name"`
	Phone    string         `json:"phone"` // E.164
	Email    string         `json:"email"`
	Language rules.Language `json:"language"`
}

// Booking is a partner's order for a visit (V-1).
type Booking struct {
	Partner     string         `json:"partner"`
	BookingRef  string         `json:"booking_ref"`
	Market      rules.Market   `json:"market"`
	Region      string         `json:"region"`
	Customer    Customer       `json:"customer"`
	Address     string         `json:"address"`
	Product     string         `json:"product"`
	Problem     string         `json:"problem"`
	WishedTimes []rules.Window `json:"wished_times"`
	BookedAt    time.Time      `json:"booked_at"`
}

// VisitInput starts a visit: the booking and the policy resolved for its
// partner and market (P-1).
type VisitInput struct {
	Booking Booking      `json:"booking"`
	Policy  rules.Policy `json:"policy"`
	// RatingLink is the base of the customer's signed rating link; the API
	// fills it so the workflow never mints secrets.
	RatingLink string `json:"rating_link,omitempty"`
}

// VisitStatus is where a visit is in its lifecycle.
type VisitStatus string

const (
	StatusOpen      VisitStatus = "open"      // in the pool (V-1)
	StatusClaimed   VisitStatus = "claimed"   // held by a buddy for ClaimLock (V-2)
	StatusBooked    VisitStatus = "booked"    // time agreed with the customer (V-3)
	StatusStarted   VisitStatus = "started"   // buddy on site (V-8)
	StatusCompleted VisitStatus = "completed" // done, waiting for the rating (V-11)
	StatusRated     VisitStatus = "rated"
	StatusAborted   VisitStatus = "aborted"   // V-10
	StatusCancelled VisitStatus = "cancelled" // cancelled, or recording refused (V-4)
)

// Terminal reports whether no further work happens on the visit.
func (s VisitStatus) Terminal() bool {
	return s == StatusRated || s == StatusAborted || s == StatusCancelled
}

// Actor is who asks for a transition.
type Actor struct {
	Role string `json:"role"` // buddy, ops, customer, system
	ID   string `json:"id"`
}

// Roles.
const (
	RoleBuddy    = "buddy"
	RoleOps      = "ops"
	RoleCustomer = "customer"
	RoleSystem   = "system"
)

// ClaimRequest: a buddy takes a job from the pool (V-2).
type ClaimRequest struct {
	Buddy string `json:"buddy"`
}

// ReleaseRequest: the holder gives the job back to the pool (V-2).
type ReleaseRequest struct {
	Buddy string `json:"buddy"`
}

// Recording is the customer's answer to the recording notice (V-3, V-4).
type Recording string

const (
	RecordingAccepted Recording = "accepted"
	RecordingRefused  Recording = "refused"
)

// BookRequest: the holder agreed a time with the customer (V-3).
type BookRequest struct {
	Buddy             string    `json:"buddy"`
	At                time.Time `json:"at"`
	ClarifiedProblem  string    `json:"clarified_problem"`
	HardwareFault     bool      `json:"hardware_fault"`       // a hardware fault is suspected
	CustomerToldNoFix bool      `json:"customer_told_no_fix"` // ...and the customer was told no fix on site is guaranteed
	ProductsAtHome    bool      `json:"products_at_home"`
	Recording         Recording `json:"recording"`
	CustomerAgreed    bool      `json:"customer_agreed"` // needed when At is outside the wished times
}

// RescheduleRequest: the holder cannot keep the time and agreed a new one (V-6).
type RescheduleRequest struct {
	Buddy          string    `json:"buddy"`
	At             time.Time `json:"at"`
	Reason         string    `json:"reason"`
	CustomerAgreed bool      `json:"customer_agreed"`
}

// StartRequest: the buddy is on site and repeated the recording notice (V-8).
type StartRequest struct {
	Buddy                string `json:"buddy"`
	RecordingNoticeGiven bool   `json:"recording_notice_given"`
}

// PanicRequest: the buddy needs the person on duty (V-9).
type PanicRequest struct {
	Buddy string `json:"buddy"`
}

// AbortRequest: the buddy left for safety or legal reasons (V-10).
type AbortRequest struct {
	Buddy  string `json:"buddy"`
	Reason string `json:"reason"`
}

// ChecklistItem is one line of the end-of-visit checklist (V-11).
type ChecklistItem struct {
	Item string `json:"item"`
	Done bool   `json:"done"`
}

// CompleteRequest: the visit is done (V-11).
type CompleteRequest struct {
	Buddy             string          `json:"buddy"`
	Checklist         []ChecklistItem `json:"checklist"`
	SatisfactionAsked bool            `json:"satisfaction_asked"`
	CustomerSatisfied bool            `json:"customer_satisfied"`
	WorkedMinutes     int             `json:"worked_minutes"`
	MileageKm         float64         `json:"mileage_km"`
}

// CancelRequest: ops or the customer cancel the visit.
type CancelRequest struct {
	By     Actor  `json:"by"`
	Reason string `json:"reason"`
}

// RateRequest: the customer's stars.
type RateRequest struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment,omitempty"`
}

// ReassignRequest: a substitute takes over a held or booked visit.
type ReassignRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// MileageRequest: ops confirm the mileage the buddy reported (V-13).
type MileageRequest struct {
	Ops string `json:"ops"`
}

// Transition is one line of the visit's log: who did what, when.
type Transition struct {
	At     time.Time   `json:"at"`
	Action string      `json:"action"`
	By     Actor       `json:"by"`
	From   VisitStatus `json:"from"`
	To     VisitStatus `json:"to"`
	Note   string      `json:"note,omitempty"`
}

// Delivery records one message sent for the visit (no content, no PII).
type Delivery struct {
	At       time.Time `json:"at"`
	Step     string    `json:"step"`
	Channel  string    `json:"channel"` // sms, call, email, ops
	Template string    `json:"template"`
	Outcome  string    `json:"outcome"` // sent, answered, no-answer, failed: <type>
}

// VisitState is the visit as the Query returns it.
type VisitState struct {
	ID             string           `json:"id"`
	Partner        string           `json:"partner"`
	Market         rules.Market     `json:"market"`
	Region         string           `json:"region"`
	Status         VisitStatus      `json:"status"`
	Holder         string           `json:"holder,omitempty"`
	ClaimedAt      *time.Time       `json:"claimed_at,omitempty"`
	ClaimLapsesAt  *time.Time       `json:"claim_lapses_at,omitempty"`
	AppointmentAt  *time.Time       `json:"appointment_at,omitempty"`
	ReminderAt     *time.Time       `json:"reminder_at,omitempty"`
	HelpDeadline   time.Time        `json:"help_deadline"`
	SLA            rules.SLAState   `json:"sla"`
	StartedAt      *time.Time       `json:"started_at,omitempty"`
	CompletedAt    *time.Time       `json:"completed_at,omitempty"`
	Booking        *BookRequest     `json:"booking,omitempty"`
	Completion     *CompleteRequest `json:"completion,omitempty"`
	BillableMin    int              `json:"billable_minutes,omitempty"`
	Pay            *rules.Pay       `json:"pay,omitempty"`
	MileageOK      bool             `json:"mileage_confirmed,omitempty"`
	Rating         *RateRequest     `json:"rating,omitempty"`
	RatingClosesAt *time.Time       `json:"rating_closes_at,omitempty"`
	Panics         int              `json:"panics,omitempty"`
	Log            []Transition     `json:"log"`
	Deliveries     []Delivery       `json:"deliveries"`
}

func registerVisit(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(VisitWorkflow, workflow.RegisterOptions{Name: VisitWorkflowName})
}

// VisitWorkflow is a placeholder until the lifecycle lands in this file.
func VisitWorkflow(ctx workflow.Context, in VisitInput) (VisitState, error) {
	return VisitState{}, nil
}
