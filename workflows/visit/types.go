package visit

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

// Booking is a partner's order for a visit (V-1).
type Booking struct {
	Partner     string           `json:"partner"`
	BookingRef  string           `json:"booking_ref"`
	Market      rules.Market     `json:"market"`
	Region      string           `json:"region"`
	Customer    jobcore.Customer `json:"customer"`
	Address     string           `json:"address"`
	Product     string           `json:"product"`
	Problem     string           `json:"problem"`
	WishedTimes []rules.Window   `json:"wished_times"`
	BookedAt    time.Time        `json:"booked_at"`
}

// VisitInput starts a visit: the booking and the policy resolved for its
// partner and market (P-1).
type VisitInput struct {
	Booking Booking      `json:"booking"`
	Policy  rules.Policy `json:"policy"`
	// RatingLink is the base of the customer's signed rating link; the API
	// fills it so the workflow never mints secrets.
	RatingLink string `json:"rating_link,omitempty"`
	// ComplaintLink is the customer's signed complaint link (C-1), sent
	// with the rating e-mail; also filled by the API.
	ComplaintLink string `json:"complaint_link,omitempty"`
}

// VisitContact is the customer's side of a visit, for the buddy's call.
type VisitContact struct {
	Customer    jobcore.Customer `json:"customer"`
	Address     string           `json:"address"`
	Product     string           `json:"product"`
	Problem     string           `json:"problem"`
	WishedTimes []rules.Window   `json:"wished_times"`
	Holder      string           `json:"holder,omitempty"`
	// Status lets the API hand the contact to the holder only while the
	// visit needs it (claimed, booked, started; issue #16).
	Status VisitStatus `json:"status,omitempty"`
}

// NeedsContact reports whether the holder still works with the customer:
// a completed, rated or closed visit's former holder gets no contact (V-14).
func (s VisitStatus) NeedsContact() bool {
	return s == StatusClaimed || s == StatusBooked || s == StatusStarted
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
	// StatusExpired: never started, BreachExpiry past its breach (V-5,
	// issue #13); ops own the customer. Ops filter `VisitStatus = "expired"`.
	StatusExpired VisitStatus = "expired"
	// StatusUnfinished: started, never completed, CompletionGiveUp past the
	// first alert (V-11, issue #13); ops settle it with the buddy. Ops
	// filter `VisitStatus = "unfinished"`.
	StatusUnfinished VisitStatus = "unfinished"
)

// Terminal reports whether no further work happens on the visit.
func (s VisitStatus) Terminal() bool {
	return s == StatusRated || s == StatusAborted || s == StatusCancelled || s == StatusExpired || s == StatusUnfinished
}

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
	By     jobcore.Actor `json:"by"`
	Reason string        `json:"reason"`
}

// ReassignRequest: a substitute takes over a held or booked visit.
type ReassignRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	// By is who reassigns: the absence workflow (role system, its id) or
	// ops (issue #16: the log names a real actor, never an empty ops id).
	By jobcore.Actor `json:"by,omitzero"`
}

// MileageRequest: ops confirm the mileage the buddy reported (V-13).
type MileageRequest struct {
	Ops string `json:"ops"`
}

// Transition is one line of the visit's log: who did what, when.
type Transition = jobcore.Transition[VisitStatus]

// VisitState is the visit as the Query returns it.
type VisitState struct {
	ID             string               `json:"id"`
	Partner        string               `json:"partner"`
	Market         rules.Market         `json:"market"`
	Region         string               `json:"region"`
	Status         VisitStatus          `json:"status"`
	Holder         string               `json:"holder,omitempty"`
	ClaimedAt      *time.Time           `json:"claimed_at,omitempty"`
	ClaimLapsesAt  *time.Time           `json:"claim_lapses_at,omitempty"`
	AppointmentAt  *time.Time           `json:"appointment_at,omitempty"`
	ReminderAt     *time.Time           `json:"reminder_at,omitempty"`
	HelpDeadline   time.Time            `json:"help_deadline"`
	SLA            rules.SLAState       `json:"sla"`
	StartedAt      *time.Time           `json:"started_at,omitempty"`
	CompletedAt    *time.Time           `json:"completed_at,omitempty"`
	Booking        *BookRequest         `json:"booking,omitempty"`
	Completion     *CompleteRequest     `json:"completion,omitempty"`
	BillableMin    int                  `json:"billable_minutes,omitempty"`
	Pay            *rules.Pay           `json:"pay,omitempty"`
	MileageOK      bool                 `json:"mileage_confirmed,omitempty"`
	Rating         *jobcore.RateRequest `json:"rating,omitempty"`
	RatingClosesAt *time.Time           `json:"rating_closes_at,omitempty"`
	Panics         int                  `json:"panics,omitempty"`
	Log            []Transition         `json:"log"`
	Deliveries     []jobcore.Delivery   `json:"deliveries"`
}
