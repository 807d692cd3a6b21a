package visit

import (
	"fmt"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	ratingwf "github.com/jobflow/jobflow/workflows/rating"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"time"
)

// Visit workflow: one per booked home visit, id "visit-<partner>-<bookingRef>"
// (V-1..V-13). Transitions that need an answer are Updates with validators,
// each answering a small VisitUpdateResult (results.go); the whole state is
// one Query.
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
	// QueryContact answers what the holder needs to call the customer
	// (V-3); the API serves it to the holder and ops only (V-14).
	QueryContact = "contact"
)

// VisitID is the workflow id of a partner's booking. Ids carry only the
// partner and its reference, never personal data (V-14).
func VisitID(partner, bookingRef string) string { return "visit-" + partner + "-" + bookingRef }

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
)

// Terminal reports whether no further work happens on the visit.
func (s VisitStatus) Terminal() bool {
	return s == StatusRated || s == StatusAborted || s == StatusCancelled || s == StatusExpired
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
}

// MileageRequest: ops confirm the mileage the buddy reported (V-13).
type MileageRequest struct {
	Ops string `json:"ops"`
}

// Transition is one line of the visit's log: who did what, when.
type Transition struct {
	At     time.Time     `json:"at"`
	Action string        `json:"action"`
	By     jobcore.Actor `json:"by"`
	From   VisitStatus   `json:"from"`
	To     VisitStatus   `json:"to"`
	Note   string        `json:"note,omitempty"`
}

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

func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(VisitWorkflow, workflow.RegisterOptions{Name: VisitWorkflowName})
}

// visit is the workflow's memory. Update handlers change it and return at
// once; timers and sends run in their own coroutines, so an answer to the
// buddy's app never waits for an SMS.
type visit struct {
	in  VisitInput
	st  VisitState
	loc *time.Location

	claimGen, reminderGen       int // bumped to retire a superseded timer
	cancelClaim, cancelReminder workflow.CancelFunc
	cancelPromise               workflow.CancelFunc
	sendSeq                     int // numbers send steps, so each step is unique
	pending                     int // sends in flight; the workflow waits for them
	upserted                    visitAttrs
	closing                     string // the action of the last status change (run result)
	followUp                    bool   // the R-2 follow-up child was started (run result)
}

// visitAttrs mirrors the search attributes last written, so a transition
// upserts only what changed (fewer events per visit).
type visitAttrs struct {
	status, buddy, sla string
	appointment        time.Time
}

// VisitWorkflow runs one visit from the partner's booking to the rating.
func VisitWorkflow(ctx workflow.Context, in VisitInput) (VisitResult, error) {
	v := &visit{in: in, loc: in.Booking.Market.Location()}
	info := workflow.GetInfo(ctx)
	b := in.Booking
	v.st = VisitState{
		ID: info.WorkflowExecution.ID, Partner: b.Partner, Market: b.Market, Region: b.Region,
		Status:       StatusOpen,
		HelpDeadline: rules.HelpDeadline(b.BookedAt, b.WishedTimes, in.Policy.HelpPromise), // V-5
		SLA:          rules.SLAOk,
		Log:          []Transition{},
		Deliveries:   []jobcore.Delivery{},
	}
	if err := workflow.SetQueryHandler(ctx, QueryVisit, func() (VisitState, error) { return v.st, nil }); err != nil {
		return v.end(), err
	}
	if err := workflow.SetQueryHandler(ctx, QueryContact, func() (VisitContact, error) {
		return VisitContact{Customer: b.Customer, Address: b.Address, Product: b.Product, Problem: b.Problem,
			WishedTimes: b.WishedTimes, Holder: v.st.Holder}, nil
	}); err != nil {
		return v.end(), err
	}
	if err := v.registerUpdates(ctx); err != nil {
		return v.end(), err
	}
	v.logTransition(ctx, "booked-by-partner", jobcore.Actor{Role: jobcore.RoleSystem, ID: b.Partner}, StatusOpen, "in the pool (V-1)")
	v.publish(ctx)

	// V-5: the help promise runs from the booking, whatever else happens.
	promiseCtx, cancelPromise := workflow.WithCancel(ctx)
	v.cancelPromise = cancelPromise
	workflow.Go(promiseCtx, v.watchHelpPromise)

	// Everything until the visit is completed or ended happens in handlers
	// and timer coroutines.
	if err := workflow.Await(ctx, func() bool {
		return v.st.Status == StatusCompleted || v.st.Status.Terminal()
	}); err != nil {
		return v.end(), err
	}

	if v.st.Status == StatusCompleted {
		// ask for the rating, then wait for it (and, when mileage was
		// reported, for ops to confirm it, V-13) until the window closes.
		fields := map[string]string{"rating_url": in.RatingLink}
		if in.ComplaintLink != "" {
			fields["complaint_url"] = in.ComplaintLink // C-1
		}
		v.sendEmail(ctx, "rating-request", "visit.rating_request", "rating e-mail (R-1)", fields)
		closed := workflow.Now(ctx).Add(in.Policy.RatingWindow)
		v.st.RatingClosesAt = &closed
		rated, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      in.Policy.RatingWindow,
			TimerOptions: workflow.TimerOptions{Summary: "rating window (R-1)"},
		}, func() bool {
			return v.st.Status == StatusRated && (v.st.Completion.MileageKm == 0 || v.st.MileageOK)
		})
		if err != nil {
			return v.end(), err
		}
		if !rated {
			v.logTransition(ctx, "rating-window-closed", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status, "")
			v.closing = "rating-window-closed"
		}
	}

	// Let sends in flight and update handlers finish before the run closes.
	if err := workflow.Await(ctx, func() bool { return v.pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return v.end(), err
	}
	return v.end(), nil
}

func (v *visit) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name      string
		handler   any
		validator any
	}
	regs := []reg{
		{UpdateClaim, v.claim, v.validateClaim},
		{UpdateRelease, v.release, v.validateRelease},
		{UpdateBook, v.book, v.validateBook},
		{UpdateReschedule, v.reschedule, v.validateReschedule},
		{UpdateStart, v.start, v.validateStart},
		{UpdatePanic, v.panicButton, v.validatePanic},
		{UpdateAbort, v.abort, v.validateAbort},
		{UpdateComplete, v.complete, v.validateComplete},
		{UpdateCancel, v.cancel, v.validateCancel},
		{UpdateRate, v.rate, v.validateRate},
		{UpdateReassign, v.reassign, v.validateReassign},
		{UpdateMileage, v.confirmMileage, v.validateMileage},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}

// --- V-2: claim and release ---------------------------------------------

func (v *visit) validateClaim(ctx workflow.Context, r ClaimRequest) error {
	if r.Buddy == "" {
		return jobcore.Refuse("a claim needs the buddy's id")
	}
	switch v.st.Status {
	case StatusOpen:
		return nil
	case StatusClaimed:
		if v.st.Holder == r.Buddy {
			return jobcore.Refuse("you already hold this job until %s (V-2)", v.clock(*v.st.ClaimLapsesAt))
		}
		return jobcore.Refuse("the job is held by another buddy until %s; a second claim is refused (V-2)", v.clock(*v.st.ClaimLapsesAt))
	}
	return jobcore.Refuse("the job is %s, not in the pool; only open jobs can be claimed (V-2)", v.st.Status)
}

func (v *visit) claim(ctx workflow.Context, r ClaimRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	lapses := now.Add(v.in.Policy.ClaimLock)
	v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = r.Buddy, &now, &lapses
	v.setStatus(ctx, "claim", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusClaimed, "held until "+v.clock(lapses))

	// V-2: the claim lapses unless a time is booked within the lock.
	v.claimGen++
	gen := v.claimGen
	claimCtx, cancel := workflow.WithCancel(ctx)
	v.cancelClaim = cancel
	workflow.Go(claimCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, v.in.Policy.ClaimLock, "claim lock (V-2)") {
			return
		}
		if v.claimGen == gen && v.st.Status == StatusClaimed {
			v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = "", nil, nil
			v.setStatus(ctx, "claim-lapsed", jobcore.Actor{Role: jobcore.RoleSystem}, StatusOpen, "no time booked within the claim lock; back in the pool (V-2)")
		}
	})
	return v.result(), nil
}

func (v *visit) validateRelease(ctx workflow.Context, r ReleaseRequest) error {
	if v.st.Status != StatusClaimed {
		return jobcore.Refuse("only a claimed job can be released; this one is %s", v.st.Status)
	}
	return v.mustHold(r.Buddy)
}

func (v *visit) release(ctx workflow.Context, r ReleaseRequest) (VisitUpdateResult, error) {
	v.endClaim()
	v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = "", nil, nil
	v.setStatus(ctx, "release", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusOpen, "back in the pool (V-2)")
	return v.result(), nil
}

// --- V-3, V-4: booking a time --------------------------------------------

func (v *visit) validateBook(ctx workflow.Context, r BookRequest) error {
	if v.st.Status != StatusClaimed {
		return jobcore.Refuse("claim the job before booking a time; it is %s (V-2)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Recording != RecordingAccepted && r.Recording != RecordingRefused {
		return jobcore.Refuse("record the customer's answer to the recording notice: accepted or refused (V-3)")
	}
	if r.Recording == RecordingRefused {
		return nil // V-4: the visit is cancelled; no time is needed
	}
	if err := v.checkTime(ctx, r.At, r.CustomerAgreed); err != nil {
		return err
	}
	if r.ClarifiedProblem == "" {
		return jobcore.Refuse("describe the clarified problem before booking (V-3)")
	}
	if r.HardwareFault && !r.CustomerToldNoFix {
		return jobcore.Refuse("a hardware fault is suspected: tell the customer a fix on site cannot be guaranteed, then book (V-3)")
	}
	if !r.ProductsAtHome {
		return jobcore.Refuse("make sure the customer has the needed products at home before booking (V-3)")
	}
	return nil
}

func (v *visit) book(ctx workflow.Context, r BookRequest) (VisitUpdateResult, error) {
	v.endClaim()
	booking := r
	v.st.Booking = &booking
	v.st.ClaimLapsesAt = nil
	if r.Recording == RecordingRefused {
		// V-4: recording refused cancels the visit; ops take over the contact.
		v.st.Holder = ""
		v.setStatus(ctx, "book", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusCancelled, "customer refused recording; ops take over (V-4)")
		v.endTimers()
		v.alertOps(ctx, "recording_refused", "ops.recording_refused", "recording refused alert (V-4)", nil)
		return v.result(), nil
	}
	at := r.At
	v.st.AppointmentAt = &at
	v.setStatus(ctx, "book", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusBooked, "appointment "+v.clock(at))
	v.sendEmail(ctx, "booking-confirmation", "visit.booking_confirmation", "booking confirmation (V-3)", map[string]string{
		"appointment":    at.Format(time.RFC3339),
		"hardware_fault": fmt.Sprint(r.HardwareFault),
	})
	v.scheduleReminder(ctx)
	return v.result(), nil
}

// --- V-6: reschedule -----------------------------------------------------

func (v *visit) validateReschedule(ctx workflow.Context, r RescheduleRequest) error {
	if v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked visit can be rescheduled; this one is %s (V-6)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Reason == "" {
		return jobcore.Refuse("give the reason the time cannot be kept (V-6)")
	}
	return v.checkTime(ctx, r.At, r.CustomerAgreed)
}

func (v *visit) reschedule(ctx workflow.Context, r RescheduleRequest) (VisitUpdateResult, error) {
	at := r.At
	v.st.AppointmentAt = &at
	v.setStatus(ctx, "reschedule", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusBooked, "new appointment "+v.clock(at)+" (V-6)")
	v.sendSMS(ctx, "rescheduled", "visit.rescheduled", "reschedule notice (V-6)", map[string]string{"appointment": at.Format(time.RFC3339)})
	v.scheduleReminder(ctx) // V-7: the reminder follows the new time
	return v.result(), nil
}

// --- V-7: the reminder call ----------------------------------------------

// scheduleReminder (re)starts the reminder timer for the current
// appointment, retiring any earlier one.
func (v *visit) scheduleReminder(ctx workflow.Context) {
	if v.cancelReminder != nil {
		v.cancelReminder()
	}
	v.reminderGen++
	gen := v.reminderGen
	at := rules.ReminderAt(*v.st.AppointmentAt, workflow.Now(ctx), v.in.Policy.ReminderLead)
	v.st.ReminderAt = &at
	remCtx, cancel := workflow.WithCancel(ctx)
	v.cancelReminder = cancel
	workflow.Go(remCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), "reminder call (V-7), 1 h before") {
			return
		}
		if v.reminderGen != gen || v.st.Status != StatusBooked {
			return
		}
		data := map[string]string{"appointment": v.st.AppointmentAt.Format(time.RFC3339)}
		outcome := v.call(ctx, fmt.Sprintf("reminder-call-%d", gen), "visit.reminder_call", "reminder call (V-7)", data)
		if !outcome.Answered() && v.reminderGen == gen && v.st.Status == StatusBooked {
			// V-7: not answered means the text message instead.
			v.sendSMSNow(ctx, fmt.Sprintf("reminder-sms-%d", gen), "visit.reminder_sms", "reminder SMS fallback (V-7)", data)
		}
	})
}

// --- V-8..V-11: on the visit ---------------------------------------------

func (v *visit) validateStart(ctx workflow.Context, r StartRequest) error {
	if v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked visit can start; this one is %s", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if !r.RecordingNoticeGiven {
		return jobcore.Refuse("tell the customer again that the visit is recorded, then start (V-8)")
	}
	return nil
}

func (v *visit) start(ctx workflow.Context, r StartRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	v.st.StartedAt = &now
	v.endReminder()
	if v.cancelPromise != nil {
		v.cancelPromise() // V-5: started in time, no warning or breach follows
	}
	v.setStatus(ctx, "start", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusStarted, "recording notice repeated (V-8)")
	v.sendSMS(ctx, "start-notice", "visit.start_notice", "start notice (V-8)", nil)
	return v.result(), nil
}

func (v *visit) validatePanic(ctx workflow.Context, r PanicRequest) error {
	if v.st.Status != StatusStarted {
		return jobcore.Refuse("the panic button works during a started visit (V-9)")
	}
	return v.mustHold(r.Buddy)
}

func (v *visit) panicButton(ctx workflow.Context, r PanicRequest) (VisitUpdateResult, error) {
	v.st.Panics++
	v.logTransition(ctx, "panic", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, v.st.Status, "the person on duty calls back within a minute (V-9)")
	v.alertOps(ctx, "panic", "ops.panic", "panic button: call the buddy back (V-9)", map[string]string{"buddy_id": r.Buddy})
	return v.result(), nil
}

func (v *visit) validateAbort(ctx workflow.Context, r AbortRequest) error {
	if v.st.Status != StatusStarted && v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked or started visit can be aborted; this one is %s (V-10)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Reason == "" {
		return jobcore.Refuse("say why you left (unsafe, illegal, other) so ops can act (V-10)")
	}
	return nil
}

func (v *visit) abort(ctx workflow.Context, r AbortRequest) (VisitUpdateResult, error) {
	v.endTimers()
	v.setStatus(ctx, "abort", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusAborted, "buddy left; ops told at once (V-10)")
	v.alertOps(ctx, "abort", "ops.abort", "abort alert (V-10)", map[string]string{"buddy": r.Buddy, "reason": r.Reason})
	return v.result(), nil
}

func (v *visit) validateComplete(ctx workflow.Context, r CompleteRequest) error {
	if v.st.Status != StatusStarted {
		return jobcore.Refuse("only a started visit can be completed; this one is %s (V-11)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if len(r.Checklist) == 0 {
		return jobcore.Refuse("go through the checklist before ending the visit (V-11)")
	}
	for _, item := range r.Checklist {
		if !item.Done {
			return jobcore.Refuse("checklist item %q is not done (V-11)", item.Item)
		}
	}
	if !r.SatisfactionAsked {
		return jobcore.Refuse("ask the customer whether they are satisfied before ending the visit (V-11)")
	}
	if r.WorkedMinutes < 0 || r.MileageKm < 0 {
		return jobcore.Refuse("worked minutes and mileage cannot be negative")
	}
	return nil
}

func (v *visit) complete(ctx workflow.Context, r CompleteRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	worked := now.Sub(*v.st.StartedAt)
	if r.WorkedMinutes > 0 {
		worked = time.Duration(r.WorkedMinutes) * time.Minute
	}
	done := r
	done.WorkedMinutes = int(worked / time.Minute)
	v.st.Completion, v.st.CompletedAt = &done, &now
	v.st.BillableMin = rules.BillableMinutes(worked) // V-11: at least one hour
	pay := rules.BuddyPay(v.st.BillableMin, r.MileageKm, false)
	v.st.Pay = &pay // V-13: mileage counts once ops confirm it
	v.setStatus(ctx, "complete", jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Buddy}, StatusCompleted,
		fmt.Sprintf("worked %d min, billed %d min (V-11)", done.WorkedMinutes, v.st.BillableMin))
	return v.result(), nil
}

// --- cancel, rate, reassign, mileage ---------------------------------------

func (v *visit) validateCancel(ctx workflow.Context, r CancelRequest) error {
	switch v.st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
	default:
		return jobcore.Refuse("a %s visit can no longer be cancelled", v.st.Status)
	}
	if r.By.Role != jobcore.RoleOps && r.By.Role != jobcore.RoleCustomer {
		return jobcore.Refuse("only ops or the customer cancel a visit; a buddy releases it instead (V-2)")
	}
	if r.Reason == "" {
		return jobcore.Refuse("give the reason for the cancellation")
	}
	return nil
}

func (v *visit) cancel(ctx workflow.Context, r CancelRequest) (VisitUpdateResult, error) {
	v.endTimers()
	wasBooked := v.st.Status == StatusBooked
	v.setStatus(ctx, "cancel", r.By, StatusCancelled, r.Reason)
	if wasBooked {
		v.sendSMS(ctx, "cancelled", "visit.cancelled", "cancellation notice",
			map[string]string{"appointment": v.st.AppointmentAt.Format(time.RFC3339)})
	}
	return v.result(), nil
}

func (v *visit) validateRate(ctx workflow.Context, r jobcore.RateRequest) error {
	if v.st.Status == StatusRated {
		return jobcore.Refuse("this visit has already been rated; a rating link works once (R-1)")
	}
	if v.st.Status != StatusCompleted {
		return jobcore.Refuse("a visit can be rated once it is completed (R-1)")
	}
	if r.Stars < 1 || r.Stars > 5 {
		return jobcore.Refuse("a rating is 1 to 5 stars (R-1)")
	}
	if len(r.Comment) > 2000 {
		return jobcore.Refuse("a comment is at most 2000 characters")
	}
	return nil
}

func (v *visit) rate(ctx workflow.Context, r jobcore.RateRequest) (VisitUpdateResult, error) {
	rating := r
	v.st.Rating = &rating
	v.setStatus(ctx, "rate", jobcore.Actor{Role: jobcore.RoleCustomer}, StatusRated, fmt.Sprintf("%d stars (R-1)", r.Stars))
	if !ratingwf.NeedsRatingFollowUp(r.Stars) {
		return v.result(), nil // 4-5 stars, nothing to do
	}
	if workflow.GetVersion(ctx, "rating-followup-child", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// Visits rated before the follow-up workflow existed replay as they ran.
		if r.Stars == 3 {
			v.sendEmail(ctx, "rating-followup", "visit.rating_followup", "rating follow-up (R-2)", nil)
		} else {
			v.alertOps(ctx, "rating_low", "ops.rating_low", "low rating to team lead (R-2)",
				map[string]string{"stars": fmt.Sprint(r.Stars), "buddy": v.st.Holder})
		}
		return v.result(), nil
	}
	// 3 stars and below run in their own follow-up workflow (rating.go),
	// an abandoned child the visit waits for only until it has started; all
	// the follow-up's messages go from there, never from here.
	in := v.ratingFollowUp(r)
	v.spawn(ctx, func(ctx workflow.Context) {
		if err := ratingwf.StartRatingFollowUp(ctx, in); err != nil {
			// Never lose a low rating: fall back to telling the team lead.
			workflow.GetLogger(ctx).Error("rating follow-up not started", "workflow_id", ratingwf.RatingFollowUpID(v.st.ID), "error", err)
			v.logTransition(ctx, "rating-followup-failed", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status, "follow-up not started; team lead alerted (R-2)")
			v.alertOpsNow(ctx, "rating_low", "ops.rating_low", "low rating to team lead (R-2)",
				map[string]string{"stars": fmt.Sprint(r.Stars), "buddy": v.st.Holder})
			return
		}
		v.followUp = true
		v.logTransition(ctx, "rating-followup", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status, "follow-up "+ratingwf.RatingFollowUpID(v.st.ID)+" started (R-2)")
	})
	res := v.result()
	res.RatingFollowUpID = ratingwf.RatingFollowUpID(v.st.ID) // where the follow-up runs
	return res, nil
}

func (v *visit) validateReassign(ctx workflow.Context, r ReassignRequest) error {
	if v.st.Status != StatusClaimed && v.st.Status != StatusBooked {
		return jobcore.Refuse("only a claimed or booked visit can move to a substitute; this one is %s (A-1)", v.st.Status)
	}
	if r.To == "" || r.To == r.From {
		return jobcore.Refuse("name the substitute buddy (A-1)")
	}
	if r.From != "" && r.From != v.st.Holder {
		return jobcore.Refuse("the visit is not held by %s", r.From)
	}
	return nil
}

func (v *visit) reassign(ctx workflow.Context, r ReassignRequest) (VisitUpdateResult, error) {
	from := v.st.Holder
	v.st.Holder = r.To
	// The claim lock, the help promise and the reminder keep running: a
	// substitute inherits the promises, not a fresh clock.
	v.setStatus(ctx, "reassign", jobcore.Actor{Role: jobcore.RoleOps, ID: ""}, v.st.Status, fmt.Sprintf("from %s to %s: %s (A-1)", from, r.To, r.Reason))
	return v.result(), nil
}

func (v *visit) validateMileage(ctx workflow.Context, r MileageRequest) error {
	if v.st.Completion == nil || v.st.Completion.MileageKm == 0 {
		return jobcore.Refuse("no mileage was reported on this visit (V-13)")
	}
	if v.st.MileageOK {
		return jobcore.Refuse("mileage is already confirmed (V-13)")
	}
	if r.Ops == "" {
		return jobcore.Refuse("name the ops person confirming the mileage (V-13)")
	}
	return nil
}

func (v *visit) confirmMileage(ctx workflow.Context, r MileageRequest) (VisitUpdateResult, error) {
	v.st.MileageOK = true
	pay := rules.BuddyPay(v.st.BillableMin, v.st.Completion.MileageKm, true)
	v.st.Pay = &pay
	v.logTransition(ctx, "confirm-mileage", jobcore.Actor{Role: jobcore.RoleOps, ID: r.Ops}, v.st.Status, fmt.Sprintf("%.1f km confirmed (V-13)", v.st.Completion.MileageKm))
	return v.result(), nil
}

// --- V-5: the help promise -----------------------------------------------

func (v *visit) watchHelpPromise(ctx workflow.Context) {
	warnAt := v.st.HelpDeadline.Add(-v.in.Policy.SLAWarningLead)
	if !jobcore.Sleep(ctx, warnAt.Sub(workflow.Now(ctx)), "48 h help promise: warning (V-5)") {
		return
	}
	if v.promiseAtRisk() {
		v.st.SLA = rules.SLAWarning
		v.logTransition(ctx, "sla-warning", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status, "help promise ends "+v.clock(v.st.HelpDeadline)+" (V-5)")
		v.publish(ctx)
		v.alertOps(ctx, "sla_warning", "ops.sla_warning", "help promise warning (V-5)", map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)})
	}
	if !jobcore.Sleep(ctx, v.st.HelpDeadline.Sub(workflow.Now(ctx)), "48 h help promise: breach (V-5)") {
		return
	}
	if v.promiseAtRisk() {
		v.st.SLA = rules.SLABreached
		v.logTransition(ctx, "sla-breach", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status, "not started within the help promise (V-5)")
		v.publish(ctx)
		v.alertOps(ctx, "sla_breach", "ops.sla_breach", "help promise breached (V-5)", map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)})
		if workflow.GetVersion(ctx, visitBreachChange, workflow.DefaultVersion, 1) == 1 {
			v.followBreach(ctx)
		}
	}
}

// visitBreachChange is the GetVersion change id of what follows a breach
// (issue #13). Before it, a visit never claimed, booked or started waited
// after its breach without a timer.
const visitBreachChange = "visit-breach-followup"

// followBreach keeps a breached visit that has not started on a timer
// (V-5, issue #13): ops are alerted again every BreachEscalation (level 2,
// 3, ...), and BreachExpiry after the breach the visit closes as expired
// with a last alert, so ops take over the customer (as for V-4). A visit
// booked for a time still ahead (the customer agreed to it, V-3) is left to
// happen: no alert and no expiry until BreachEscalation past its
// appointment. Starting, cancelling or aborting ends the follow-up (the
// promise's scope is cancelled).
func (v *visit) followBreach(ctx workflow.Context) {
	p := v.in.Policy.WithDefaults() // a policy fixed before these values existed
	expireAt := v.st.HelpDeadline.Add(p.BreachExpiry)
	level := 1 // the breach alert
	for {
		now := workflow.Now(ctx)
		next := now.Add(p.BreachEscalation)
		if !v.bookedAhead(now, p) && next.After(expireAt) {
			next = expireAt
		}
		if !jobcore.Sleep(ctx, next.Sub(now), fmt.Sprintf("breached help promise, level %d (V-5)", level+1)) || !v.promiseAtRisk() {
			return
		}
		now = workflow.Now(ctx)
		if v.bookedAhead(now, p) {
			continue
		}
		data := map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)}
		if !now.Before(expireAt) {
			v.endClaim()
			v.endReminder()
			v.setStatus(ctx, "expire", jobcore.Actor{Role: jobcore.RoleSystem}, StatusExpired,
				fmt.Sprintf("not started %s after the help promise ended; closed, ops take over the customer (V-5)", p.BreachExpiry))
			v.alertOps(ctx, "sla_expired", "ops.sla_breach", "visit expired after its breach: ops take over (V-5)", data)
			return
		}
		level++
		data["level"] = fmt.Sprint(level)
		v.logTransition(ctx, "sla-breach-escalate", jobcore.Actor{Role: jobcore.RoleSystem}, v.st.Status,
			fmt.Sprintf("still not started after the help promise: level %d; expires %s (V-5)", level, v.clock(expireAt)))
		v.alertOps(ctx, "sla_breach_open", "ops.sla_breach", fmt.Sprintf("help promise still breached, level %d (V-5)", level), data)
	}
}

// bookedAhead reports whether the visit is booked for a time that may
// still happen: the appointment, with BreachEscalation of grace, is ahead.
func (v *visit) bookedAhead(now time.Time, p rules.Policy) bool {
	return v.st.Status == StatusBooked && v.st.AppointmentAt != nil && v.st.AppointmentAt.Add(p.BreachEscalation).After(now)
}

func (v *visit) promiseAtRisk() bool {
	switch v.st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
		return true
	}
	return false
}

func (v *visit) mustHold(buddy string) error {
	if buddy == "" {
		return jobcore.Refuse("name the buddy acting on the job")
	}
	if v.st.Holder != buddy {
		return jobcore.Refuse("the job is not held by %s; only its holder can do this (V-2)", buddy)
	}
	return nil
}

// checkTime enforces V-3: a future time inside the customer's wishes, or
// the customer's explicit agreement to another.
func (v *visit) checkTime(ctx workflow.Context, at time.Time, agreed bool) error {
	if at.IsZero() {
		return jobcore.Refuse("give the agreed day and time (V-3)")
	}
	if !at.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the agreed time %s is in the past (V-3)", v.clock(at))
	}
	if !rules.WithinWishes(at, v.in.Booking.WishedTimes) && !agreed {
		return jobcore.Refuse("%s is outside the customer's wished times; the customer's wish wins unless they explicitly agree (set customer_agreed) (V-3)", v.clock(at))
	}
	return nil
}

func (v *visit) clock(t time.Time) string { return t.In(v.loc).Format("Mon 2 Jan 15:04 MST") }

func (v *visit) endClaim() {
	v.claimGen++
	if v.cancelClaim != nil {
		v.cancelClaim()
		v.cancelClaim = nil
	}
}

func (v *visit) endReminder() {
	v.reminderGen++
	if v.cancelReminder != nil {
		v.cancelReminder()
		v.cancelReminder = nil
	}
	v.st.ReminderAt = nil
}

// endTimers retires every pending promise: nothing fires for a visit that
// was cancelled or aborted.
func (v *visit) endTimers() {
	v.endClaim()
	v.endReminder()
	if v.cancelPromise != nil {
		v.cancelPromise()
	}
}

func (v *visit) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to VisitStatus, note string) {
	from := v.st.Status
	v.st.Status = to
	v.closing = action
	v.logTransition(ctx, action, by, from, note)
	v.publish(ctx)
}

func (v *visit) logTransition(ctx workflow.Context, action string, by jobcore.Actor, from VisitStatus, note string) {
	v.st.Log = append(v.st.Log, Transition{At: workflow.Now(ctx), Action: action, By: by, From: from, To: v.st.Status, Note: note})
}

// publish writes what changed to the search attributes ops filter on, and
// the current details the UI shows. No personal data goes here (V-14).
func (v *visit) publish(ctx workflow.Context) {
	var ups []temporal.SearchAttributeUpdate
	want := visitAttrs{status: string(v.st.Status), buddy: v.st.Holder, sla: string(v.st.SLA)}
	if v.st.AppointmentAt != nil {
		want.appointment = *v.st.AppointmentAt
	}
	first := v.upserted == (visitAttrs{})
	slaSet := false
	if first {
		// The API sets these at the start (api/visits.go): the first upsert
		// writes only what the start did not set to the same value (issue
		// #13: the history held them twice). It always writes the status,
		// so the first upsert command stays where histories have it
		// (replay compares the command, not its attributes).
		have := workflow.GetTypedSearchAttributes(ctx)
		for _, kv := range []struct {
			key temporal.SearchAttributeKeyKeyword
			val string
		}{{jobcore.PartnerKey, v.st.Partner}, {jobcore.MarketKey, string(v.st.Market)}, {jobcore.RegionKey, v.st.Region}} {
			if got, ok := have.GetKeyword(kv.key); !ok || got != kv.val {
				ups = append(ups, kv.key.ValueSet(kv.val))
			}
		}
		if got, ok := have.GetTime(jobcore.HelpDeadlineKey); !ok || !got.Equal(v.st.HelpDeadline) {
			ups = append(ups, jobcore.HelpDeadlineKey.ValueSet(v.st.HelpDeadline))
		}
		got, ok := have.GetKeyword(jobcore.SLAStateKey)
		slaSet = ok && got == want.sla
	}
	if first || want.status != v.upserted.status {
		ups = append(ups, jobcore.VisitStatusKey.ValueSet(want.status))
	}
	if (first && !slaSet) || (!first && want.sla != v.upserted.sla) {
		ups = append(ups, jobcore.SLAStateKey.ValueSet(want.sla))
	}
	if want.buddy != v.upserted.buddy {
		if want.buddy == "" {
			ups = append(ups, jobcore.BuddyIDKey.ValueUnset())
		} else {
			ups = append(ups, jobcore.BuddyIDKey.ValueSet(want.buddy))
		}
	}
	if !want.appointment.Equal(v.upserted.appointment) {
		ups = append(ups, jobcore.AppointmentAtKey.ValueSet(want.appointment))
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	v.upserted = want
	workflow.SetCurrentDetails(ctx, v.details())
}

func (v *visit) details() string {
	s := fmt.Sprintf("**%s** · %s · region %s", v.st.Status, v.st.Partner, v.st.Region)
	if v.st.Holder != "" {
		s += " · buddy " + v.st.Holder
	}
	if v.st.AppointmentAt != nil {
		s += " · appointment " + v.clock(*v.st.AppointmentAt)
	}
	s += fmt.Sprintf(" · help promise until %s (%s)", v.clock(v.st.HelpDeadline), v.st.SLA)
	return s
}
