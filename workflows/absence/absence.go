package absence

import (
	"fmt"
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/visit"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"slices"
	"time"
)

// Absence workflow: one per reported absence of a buddy or an assistant, id
// "absence-<workerId>-<kind>-<YYYY-MM-DD>" (AbsenceReportID, no personal
// data), A-1..A-5 and V-6.
//
// Decisions where the seeds are silent (DOMAIN.md asks to write them down):
//
//   - Approval. An absence reported by the manager (ops) is
//     approved at once. One reported by the worker waits for the manager's
//     "approve" Update, which carries the manager's id and nothing else: there
//     is no field for a diagnosis, a reason or a document anywhere, and
//     sick leave cannot be refused ("reject" works for holiday and other
//     absences only). A sick worker cannot work whatever the paperwork says,
//     so the search for substitutes starts at once on a sick report; for a
//     holiday it starts on approval, or at the period's start at the latest,
//     because a job must never be left unmanned.
//   - Affected work. Buddies: visits they hold that are booked with an
//     appointment in the period, or claimed (a claim promises a booking soon;
//     its "start" is the help promise, V-5). Assistants: open tasks whose
//     deadline falls in the period need cover; open tasks due after the period
//     have work in it, so their customers are told of long absences and
//     may ask for a backup.
//   - Cover. Each job that needs cover is offered (SMS, template
//     absence.substitute_offer) to the eligible colleagues from the roster
//     (same role and market, the job's region or a shared competence, not
//     absent themselves). The first "accept-substitute" wins; the job moves
//     through its own "reassign" Update, keeping its timers and promises
//     (the visit's reminder call goes out for the same appointment, now the
//     substitute's). If nobody has accepted by the job's start minus
//     SubstituteLead (P-1), ops are alerted (ops.substitute_missing); the
//     escalation stays open until someone (also ops, naming anyone) accepts.
//     A job is thus always with its worker, a substitute or an open
//     escalation; UncoveredJobs counts the jobs without a substitute yet.
//   - Acute. When a job needing cover starts within AcuteAbsenceLead of
//     the moment the cover search starts, the manager is alerted at once
//     (ops.absence_acute).
//   - Long absences: longer than LongAbsence. Each affected customer
//     gets absence.customer_notice in their language at the first e-mail
//     slot (N-3) after the cover search starts, with links answering
//     "customer-choice": backup (a substitute covers the job; for work due
//     after the period the offers start now) or wait (the job stays with the
//     worker and is planned for after the absence: offers stop; ops are asked
//     to rebook a visit or agree a new deadline with the customer, V-6/T-6,
//     ops.absence_reschedule). No answer counts as backup for the jobs in the
//     period: nobody is left waiting on an unmanned job. A hand-over is
//     planned for every substitute (absence.handover): before the absence
//     starts when it lies ahead (the worker briefs the substitute), otherwise
//     by the job's start minus SubstituteLead from the job's notes (a sick
//     worker is never asked to work).
//   - Auto-reply. While active, the "auto-reply" query returns the
//     absence.auto_reply message naming the period and the contact person.
//   - Period changes. "cut-short" ends the absence early (default: now),
//     "change-period" moves it. Both recompute the work: jobs that now fall
//     after the end and that a substitute took over go back to the worker if
//     their work has not started and the customer did not ask for a backup
//     (a customer who chose a backup keeps it); offers and escalations of
//     jobs no longer in the period stop; jobs newly in the period get offers.
//     The workflow ends at the period's end.
const (
	AbsenceWorkflowName = "Absence"

	UpdateAbsenceApprove   = "approve"           // no questions
	UpdateAbsenceReject    = "reject"            // holiday/other only, never sick leave
	UpdateAcceptSubstitute = "accept-substitute" // first to accept gets the job
	UpdateCustomerChoice   = "customer-choice"   // backup or wait
	UpdateCutShort         = "cut-short"
	UpdateChangePeriod     = "change-period"

	QueryAbsence   = "absence"
	QueryAutoReply = "auto-reply"
)

// AbsenceReportID is the workflow id of an absence report:
// absence-<worker>-<kind>-<first day>, the first day being the period's
// start as a local date in the worker's market (YYYY-MM-DD). The id is
// derived from the report alone, so starting one needs no search and a
// retried report finds its absence (api.StartAbsence: id reuse allowed once
// the previous run closed, conflict FAIL while it runs). The kind and the
// date are no personal data (V-14); activities.AbsenceWorkerOf reads the
// worker back out of it.
func AbsenceReportID(workerID string, kind AbsenceKind, market rules.Market, from time.Time) string {
	return fmt.Sprintf("absence-%s-%s-%s", workerID, kind, from.In(market.Location()).Format(time.DateOnly))
}

// AbsenceID is the id scheme of absences reported before AbsenceReportID
// (absence-<worker>-<n>, found by trying n = 1, 2, ...). Running ones keep
// their id; nothing new is started under it.
func AbsenceID(workerID string, n int) string { return fmt.Sprintf("absence-%s-%d", workerID, n) }

// AbsenceKind is why the worker is away. Nothing more is asked.
type AbsenceKind string

const (
	AbsenceSick    AbsenceKind = "sick"
	AbsenceHoliday AbsenceKind = "holiday"
	AbsenceOther   AbsenceKind = "other"
)

// AbsenceStatus is where an absence is.
type AbsenceStatus string

const (
	AbsenceReported AbsenceStatus = "reported"
	AbsenceApproved AbsenceStatus = "approved"
	AbsenceActive   AbsenceStatus = "active"
	AbsenceEnded    AbsenceStatus = "ended"
	AbsenceRejected AbsenceStatus = "rejected"
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
	PlannedAfter     *time.Time   `json:"planned_after,omitempty"` // wait: the worker does it after the absence
	Note             string       `json:"note,omitempty"`
}

// AbsenceLogEntry is one line of the absence's log.
type AbsenceLogEntry struct {
	At     time.Time     `json:"at"`
	Action string        `json:"action"`
	By     jobcore.Actor `json:"by"`
	Note   string        `json:"note,omitempty"`
}

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
}

// RejectAbsenceRequest: the manager declines a holiday or other absence.
type RejectAbsenceRequest struct {
	Manager string `json:"manager"`
	Reason  string `json:"reason"`
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

// absences names the absence activities (nil receiver, compile-time checks).
var absences *activities.Absences

func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(AbsenceWorkflow, workflow.RegisterOptions{Name: AbsenceWorkflowName})
}

type absence struct {
	in  AbsenceInput
	st  AbsenceState
	loc *time.Location

	periodGen      int // bumped by every period change: wakes the main loop
	recomputeAsked int // cover recomputations asked for
	recomputeDone  int
	coverStarted   bool
	rejected       bool
	cancelJob      map[string]workflow.CancelFunc // per job: its offers and escalation timer
	coverCtx       workflow.Context
	sendSeq        int
	pending        int
	upserted       absenceAttrs
	closing        string // the action of the last status change (run result)
}

type absenceAttrs struct {
	status     string
	from, to   time.Time
	uncovered  int
	registered bool
}

// AbsenceWorkflow runs one absence from the report to the period's end.
func AbsenceWorkflow(ctx workflow.Context, in AbsenceInput) (AbsenceResult, error) {
	a := &absence{in: in, loc: in.Market.Location(), cancelJob: map[string]workflow.CancelFunc{}}
	if err := validateAbsenceInput(in); err != nil {
		return AbsenceResult{}, err
	}
	a.st = AbsenceState{
		ID: workflow.GetInfo(ctx).WorkflowExecution.ID, WorkerID: in.WorkerID, Role: in.Role,
		Market: in.Market, Region: in.Region, Kind: in.Kind, Period: in.Period, ReportedPeriod: in.Period,
		Status: AbsenceReported, ReportedBy: in.ReportedBy,
		Jobs: []AbsenceJobState{}, Log: []AbsenceLogEntry{}, Deliveries: []jobcore.Delivery{},
	}
	a.st.Long = a.isLong()
	if err := workflow.SetQueryHandler(ctx, QueryAbsence, func() (AbsenceState, error) { return a.st, nil }); err != nil {
		return a.end(), err
	}
	if err := workflow.SetQueryHandler(ctx, QueryAutoReply, a.autoReply); err != nil {
		return a.end(), err
	}
	if err := a.registerUpdates(ctx); err != nil {
		return a.end(), err
	}
	a.log(ctx, "reported", in.ReportedBy, fmt.Sprintf("%s absence %s (A-1)", in.Kind, a.period()))
	a.coverCtx = ctx

	if in.ReportedBy.Role == jobcore.RoleOps {
		a.approveNow(ctx, in.ReportedBy.ID, "reported by the manager: approved at once (A-1)")
	} else {
		a.publish(ctx)
		a.alertOps(ctx, "absence_approval", "ops.absence_approval", "absence to approve (A-1, A-2)",
			map[string]string{"absence_kind": string(in.Kind), "from": a.iso(in.Period.From), "to": a.iso(in.Period.To)})
	}
	if in.Kind == AbsenceSick || a.st.ApprovedAt != nil {
		a.startCover(ctx, "")
	}
	workflow.Go(ctx, a.coverLoop)

	// The main loop: activate at the start, end at the end; every period
	// change re-arms it.
	for {
		now := workflow.Now(ctx)
		if a.rejected {
			break
		}
		if !now.Before(a.st.Period.To) {
			break
		}
		if !now.Before(a.st.Period.From) && a.st.Status != AbsenceActive {
			if !a.coverStarted {
				a.startCover(ctx, "the period started before approval: cover cannot wait (A-1)")
			}
			a.setStatus(ctx, "active", jobcore.Actor{Role: jobcore.RoleSystem}, AbsenceActive, "auto-reply on (A-5)")
			continue
		}
		next := a.st.Period.To
		summary := "absence ends"
		if a.st.Status != AbsenceActive {
			next, summary = a.st.Period.From, "absence starts"
		}
		gen := a.periodGen
		if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      next.Sub(now),
			TimerOptions: workflow.TimerOptions{Summary: summary},
		}, func() bool { return a.periodGen != gen || a.rejected }); err != nil {
			return a.end(), err
		}
	}

	// Let a pending recomputation (cut short, changed period) settle the
	// jobs first, then end.
	if err := workflow.Await(ctx, func() bool { return a.recomputeDone == a.recomputeAsked }); err != nil {
		return a.end(), err
	}
	for _, id := range a.jobIDs() {
		a.stopJob(id)
	}
	if !a.rejected {
		a.setStatus(ctx, "ended", jobcore.Actor{Role: jobcore.RoleSystem}, AbsenceEnded,
			"the worker is back: jobs taken by substitutes in the period stay with them; waiting customers are served by the worker (A-4)")
	}
	if err := workflow.Await(ctx, func() bool { return a.pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return a.end(), err
	}
	return a.end(), nil
}

func validateAbsenceInput(in AbsenceInput) error {
	switch {
	case in.WorkerID == "":
		return temporal.NewNonRetryableApplicationError("an absence needs the worker's id", "InvalidAbsence", nil)
	case in.Role != jobcore.RoleBuddy && in.Role != jobcore.RoleAssistant:
		return temporal.NewNonRetryableApplicationError("role must be buddy or assistant", "InvalidAbsence", nil)
	case in.Kind != AbsenceSick && in.Kind != AbsenceHoliday && in.Kind != AbsenceOther:
		return temporal.NewNonRetryableApplicationError("kind must be sick, holiday or other", "InvalidAbsence", nil)
	case !in.Period.To.After(in.Period.From):
		return temporal.NewNonRetryableApplicationError("the period must end after it starts", "InvalidAbsence", nil)
	}
	return nil
}

func (a *absence) registerUpdates(ctx workflow.Context) error {
	type reg struct {
		name      string
		handler   any
		validator any
	}
	regs := []reg{
		{UpdateAbsenceApprove, a.approve, a.validateApprove},
		{UpdateAbsenceReject, a.reject, a.validateReject},
		{UpdateAcceptSubstitute, a.acceptSubstitute, a.validateAcceptSubstitute},
		{UpdateCustomerChoice, a.customerChoice, a.validateCustomerChoice},
		{UpdateCutShort, a.cutShort, a.validateCutShort},
		{UpdateChangePeriod, a.changePeriod, a.validateChangePeriod},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return err
		}
	}
	return nil
}

// --- approval --------------------------------------------------

func (a *absence) validateApprove(ctx workflow.Context, r ApproveAbsenceRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the approving manager")
	}
	if a.st.ApprovedAt != nil {
		return jobcore.Refuse("the absence is already approved by %s", a.st.ApprovedBy)
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	return nil
}

func (a *absence) approve(ctx workflow.Context, r ApproveAbsenceRequest) (AbsenceUpdateResult, error) {
	a.approveNow(ctx, r.Manager, "approved without questions (A-2)")
	if !a.coverStarted {
		a.startCover(ctx, "")
	}
	return a.result(""), nil
}

func (a *absence) approveNow(ctx workflow.Context, manager, note string) {
	now := workflow.Now(ctx)
	a.st.ApprovedBy, a.st.ApprovedAt = manager, &now
	if a.st.Status == AbsenceReported {
		a.setStatus(ctx, "approve", jobcore.Actor{Role: jobcore.RoleOps, ID: manager}, AbsenceApproved, note)
		return
	}
	a.log(ctx, "approve", jobcore.Actor{Role: jobcore.RoleOps, ID: manager}, note)
}

func (a *absence) validateReject(ctx workflow.Context, r RejectAbsenceRequest) error {
	if a.in.Kind == AbsenceSick {
		return jobcore.Refuse("sick leave is not questioned: it cannot be rejected (A-2)")
	}
	if r.Manager == "" || r.Reason == "" {
		return jobcore.Refuse("name the manager and give the worker the reason")
	}
	if a.st.Status != AbsenceReported || a.coverStarted {
		return jobcore.Refuse("only a reported absence not yet under way can be rejected; use cut-short")
	}
	return nil
}

func (a *absence) reject(ctx workflow.Context, r RejectAbsenceRequest) (AbsenceUpdateResult, error) {
	a.rejected = true
	a.setStatus(ctx, "reject", jobcore.Actor{Role: jobcore.RoleOps, ID: r.Manager}, AbsenceRejected, r.Reason)
	return a.result(""), nil
}

// --- finding the work and covering it --------------------------

// startCover begins the search for substitutes (once).
func (a *absence) startCover(ctx workflow.Context, note string) {
	a.coverStarted = true
	now := workflow.Now(ctx)
	a.st.CoverStarted = &now
	if note != "" {
		a.log(ctx, "cover-started", jobcore.Actor{Role: jobcore.RoleSystem}, note)
	}
	a.recomputeAsked++
}

// coverLoop runs the recomputations one at a time, in order.
func (a *absence) coverLoop(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return a.recomputeDone < a.recomputeAsked }); err != nil {
			return
		}
		asked := a.recomputeAsked
		a.recompute(ctx)
		a.recomputeDone = asked
	}
}

func lookupOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            jobcore.SendRetryPolicy(),
	}
}

// recompute finds the worker's work for the current period and settles
// every job: new ones get offers, ones no longer in the period stop or go
// back to the worker, customers of long absences are told.
func (a *absence) recompute(ctx workflow.Context) {
	p := a.st.Period
	var found []activities.AbsenceJob
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("find the worker's jobs (A-1)")),
		absences.FindAbsenceJobs, activities.FindJobsRequest{WorkerID: a.in.WorkerID, Role: a.in.Role, From: p.From, To: p.To}).Get(ctx, &found)
	if err != nil {
		a.log(ctx, "find-jobs-failed", jobcore.Actor{Role: jobcore.RoleSystem}, jobcore.FailureOutcome(err))
		a.alertOps(ctx, "substitute_missing", "ops.substitute_missing", "jobs could not be looked up (A-1)",
			map[string]string{"job_id": "(lookup failed)", "worker_id": a.in.WorkerID})
		return
	}
	now := workflow.Now(ctx)
	var added []int
	for _, j := range found {
		if i := a.jobIndex(j.ID); i >= 0 {
			if a.st.Jobs[i].Holder == a.in.WorkerID {
				a.st.Jobs[i].StartsAt, a.st.Jobs[i].Status = j.StartsAt, j.Status // e.g. rescheduled (V-6)
			}
			continue
		}
		a.st.Jobs = append(a.st.Jobs, AbsenceJobState{AbsenceJob: j, Cover: CoverInformed, OfferedTo: []string{}})
		added = append(added, len(a.st.Jobs)-1)
	}

	// Settle every job against the current period.
	var acute []int
	for i := range a.st.Jobs {
		j := &a.st.Jobs[i]
		want := a.wantsCover(ctx, *j)
		switch {
		case want && !j.NeedsCover && j.Cover != CoverClosed:
			if j.CustomerChoice == ChoiceWait {
				j.Cover = CoverWaiting
				continue
			}
			j.NeedsCover = true
			a.openCover(ctx, i)
			if a.inPeriod(ctx, *j) && j.StartsAt.Sub(now) <= a.in.Policy.AcuteAbsenceLead {
				acute = append(acute, i)
			}
		case !want && j.NeedsCover:
			a.release(ctx, i)
		case !want && j.Cover == CoverWaiting:
			j.Cover, j.Note = CoverReleased, "after the absence: with the worker as the customer wished (A-4)"
		}
	}

	// work starting soon goes to the manager at once.
	if len(acute) > 0 {
		first := a.st.Jobs[acute[0]].StartsAt
		for _, i := range acute {
			if a.st.Jobs[i].StartsAt.Before(first) {
				first = a.st.Jobs[i].StartsAt
			}
		}
		a.st.Acute = true
		a.log(ctx, "acute", jobcore.Actor{Role: jobcore.RoleSystem}, fmt.Sprintf("%d job(s) start within %s; manager alerted (A-3)", len(acute), a.in.Policy.AcuteAbsenceLead))
		a.alertOps(ctx, "absence_acute", "ops.absence_acute", "acute absence to the manager (A-3)",
			map[string]string{"worker_id": a.in.WorkerID, "shift_start": a.iso(first)})
	}

	// customers of a long absence hear of it as early as possible.
	a.st.Long = a.isLong()
	if a.st.Long {
		for i := range a.st.Jobs {
			j := a.st.Jobs[i]
			if j.CustomerNotified == nil && (j.NeedsCover || j.Cover == CoverInformed) {
				a.noticeCustomer(ctx, i)
			}
		}
	}
	if len(added) > 0 {
		a.log(ctx, "jobs-found", jobcore.Actor{Role: jobcore.RoleSystem}, fmt.Sprintf("%d job(s) touched by %s", len(added), a.period()))
	}
	a.publish(ctx)
}

// inPeriod: does the job need the worker during the period? A booked
// visit or a task when its appointment or deadline falls in it; a claimed
// visit when the absence begins before the claim could lapse (V-2).
func (a *absence) inPeriod(ctx workflow.Context, j AbsenceJobState) bool {
	p := a.st.Period
	now := workflow.Now(ctx)
	if j.Kind == activities.AbsenceJobVisit && j.Status == string(visit.StatusClaimed) {
		return !p.From.After(now.Add(a.in.Policy.ClaimLock)) && p.To.After(now)
	}
	return !j.StartsAt.Before(p.From) && !j.StartsAt.After(p.To)
}

// wantsCover: the job needs a substitute now: in the period, or work due
// after a long absence whose customer asked for a backup.
func (a *absence) wantsCover(ctx workflow.Context, j AbsenceJobState) bool {
	if a.inPeriod(ctx, j) {
		return true
	}
	return j.CustomerChoice == ChoiceBackup && a.isLong() && j.StartsAt.After(a.st.Period.From)
}

// openCover offers the job to colleagues and arms its escalation.
func (a *absence) openCover(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	j.Cover, j.Note = CoverOpen, ""
	now := workflow.Now(ctx)
	escalateAt := j.StartsAt.Add(-a.in.Policy.SubstituteLead)
	if !j.StartsAt.Before(a.st.Period.To) && a.st.Period.From.After(now) {
		escalateAt = a.st.Period.From // due after the absence: covered from its start
	}
	if escalateAt.Before(now) {
		escalateAt = now
	}
	j.EscalateAt = &escalateAt
	id := j.ID
	a.stopJob(id)
	jobCtx, cancel := workflow.WithCancel(ctx)
	a.cancelJob[id] = cancel

	workflow.Go(jobCtx, func(ctx workflow.Context) {
		job := a.job(id)
		var candidates []string
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("substitute candidates (A-1)")),
			absences.AbsenceCandidates, activities.CandidatesRequest{
				AbsenceID: a.st.ID, WorkerID: a.in.WorkerID, Role: substituteRole(job.Kind), Market: job.Market,
				Region: job.Region, Competences: append(slices.Clone(a.in.Competences), job.WorkArea),
				From: a.st.Period.From, To: a.st.Period.To,
			}).Get(ctx, &candidates)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.log(ctx, "candidates-failed", jobcore.Actor{Role: jobcore.RoleSystem}, id+": "+jobcore.FailureOutcome(err))
		}
		for _, c := range candidates {
			if c == a.in.WorkerID || slices.Contains(a.job(id).OfferedTo, c) {
				continue
			}
			a.job(id).OfferedTo = append(a.job(id).OfferedTo, c)
			a.textWorker(ctx, c, "offer", "absence.substitute_offer", "substitute offer (A-1)", map[string]string{
				"job_id": id, "due": a.iso(job.StartsAt), "absence_id": a.st.ID,
			})
		}
		if len(a.job(id).OfferedTo) == 0 {
			a.escalate(ctx, id, "no eligible colleague to offer the job to")
			return
		}
		a.log(ctx, "offered", jobcore.Actor{Role: jobcore.RoleSystem}, fmt.Sprintf("%s offered to %d colleague(s)", id, len(a.job(id).OfferedTo)))
		if !jobcore.Sleep(ctx, escalateAt.Sub(workflow.Now(ctx)), "substitute needed by (A-1): "+id) {
			return
		}
		if a.job(id).Cover == CoverOpen {
			a.escalate(ctx, id, "nobody accepted by the job's start minus the substitute lead")
		}
	})
}

// substituteRole: buddies stand in for visits, assistants for tasks.
func substituteRole(kind string) string {
	if kind == activities.AbsenceJobTask {
		return jobcore.RoleAssistant
	}
	return jobcore.RoleBuddy
}

func (a *absence) escalate(ctx workflow.Context, id, why string) {
	j := a.job(id)
	if j.Cover != CoverOpen {
		return
	}
	now := workflow.Now(ctx)
	j.Cover, j.EscalatedAt, j.Note = CoverEscalated, &now, why
	a.log(ctx, "escalated", jobcore.Actor{Role: jobcore.RoleSystem}, id+": "+why+" (A-1)")
	a.alertOps(ctx, "substitute_missing", "ops.substitute_missing", "no substitute (A-1)",
		map[string]string{"job_id": id, "worker_id": a.in.WorkerID, "due": a.iso(j.StartsAt)})
	a.publish(ctx)
}

// release: the job no longer falls in the period (A-1 settled differently).
func (a *absence) release(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	a.stopJob(j.ID)
	switch j.Cover {
	case CoverCovered:
		if j.CustomerChoice == ChoiceBackup {
			j.Note = "after the absence, but the customer chose the backup: stays with " + j.Substitute + " (A-4)"
			return
		}
		a.handBack(ctx, j.ID)
	case CoverAssigning:
		// The reassignment in flight settles it; handBack runs when it lands.
		j.Note = "hand back when the reassignment lands"
	default:
		j.NeedsCover, j.Cover, j.Note = false, CoverReleased, "after the absence: stays with the worker"
	}
}

// handBack returns a job from its substitute to the worker, if unstarted.
func (a *absence) handBack(ctx workflow.Context, id string) {
	j := a.job(id)
	sub := j.Substitute
	var res activities.ReassignJobResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("hand the job back to the worker")),
		absences.ReassignAbsenceJob, activities.ReassignJobRequest{
			UpdateID: fmt.Sprintf("%s/%s/back-%d", a.st.ID, id, a.periodGen), JobID: id, Kind: j.Kind,
			From: sub, To: a.in.WorkerID, Reason: "absence cut short: back to the worker", By: a.st.ID, OnlyUnstarted: true,
		}).Get(ctx, &res)
	j = a.job(id)
	switch {
	case err != nil:
		j.Note = "hand-back failed: " + jobcore.FailureOutcome(err) + "; stays with " + sub
	case res.Done:
		j.Cover, j.NeedsCover, j.Holder = CoverReturned, false, a.in.WorkerID
		j.Note = "back to the worker from " + sub + ": unstarted and after the new end"
		a.textWorker(ctx, sub, "returned", "absence.job_returned", "job handed back", map[string]string{"job_id": id, "worker_id": a.in.WorkerID})
	default:
		j.Note = "stays with " + sub + ": " + res.Note
	}
	a.log(ctx, "hand-back", jobcore.Actor{Role: jobcore.RoleSystem}, id+": "+j.Note)
}

func (a *absence) stopJob(id string) {
	if cancel, ok := a.cancelJob[id]; ok {
		cancel()
		delete(a.cancelJob, id)
	}
}

// --- accept-substitute ----------------------------------------------

func (a *absence) validateAcceptSubstitute(ctx workflow.Context, r AcceptSubstituteRequest) error {
	j := a.job(r.JobID)
	if j == nil {
		return jobcore.Refuse("job %s is not part of this absence", r.JobID)
	}
	if r.Substitute == "" || r.Substitute == a.in.WorkerID {
		return jobcore.Refuse("name the substitute (not the absent worker)")
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	switch j.Cover {
	case CoverOpen, CoverEscalated:
	case CoverAssigning, CoverCovered:
		return jobcore.Refuse("%s already took job %s; the first to accept gets it (A-1)", j.Substitute, r.JobID)
	case CoverWaiting:
		return jobcore.Refuse("the customer chose to wait for %s; job %s needs no substitute (A-4)", a.in.WorkerID, r.JobID)
	default:
		return jobcore.Refuse("job %s needs no substitute (%s)", r.JobID, j.Cover)
	}
	if r.By.Role != jobcore.RoleOps && !slices.Contains(j.OfferedTo, r.Substitute) {
		return jobcore.Refuse("job %s was not offered to %s; ops can assign anyone", r.JobID, r.Substitute)
	}
	if r.By.Role != jobcore.RoleOps && r.By.ID != "" && r.By.ID != r.Substitute {
		return jobcore.Refuse("a colleague accepts for themself")
	}
	return nil
}

func (a *absence) acceptSubstitute(ctx workflow.Context, r AcceptSubstituteRequest) (AbsenceUpdateResult, error) {
	j := a.job(r.JobID)
	now := workflow.Now(ctx)
	j.Cover, j.Substitute, j.AcceptedAt = CoverAssigning, r.Substitute, &now
	a.stopJob(r.JobID)
	by := r.By
	if by.Role == "" {
		by = jobcore.Actor{Role: substituteRole(j.Kind), ID: r.Substitute}
	}
	a.log(ctx, "accept-substitute", by, fmt.Sprintf("%s takes %s (A-1)", r.Substitute, r.JobID))
	a.publish(ctx)
	id, sub := r.JobID, r.Substitute
	a.spawn(ctx, func(ctx workflow.Context) { a.assign(ctx, id, sub) })
	return a.result(r.JobID), nil
}

// assign runs the job's reassign Update and plans the hand-over.
func (a *absence) assign(ctx workflow.Context, id, sub string) {
	j := a.job(id)
	var res activities.ReassignJobResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, lookupOptions("reassign to the substitute (A-1)")),
		absences.ReassignAbsenceJob, activities.ReassignJobRequest{
			UpdateID: fmt.Sprintf("%s/%s/%s", a.st.ID, id, sub), JobID: id, Kind: j.Kind,
			From: a.in.WorkerID, To: sub, Reason: fmt.Sprintf("%s absence %s", a.in.Kind, a.st.ID), By: a.st.ID,
		}).Get(ctx, &res)
	j = a.job(id)
	switch {
	case err == nil && res.Done:
		j.Cover, j.Holder = CoverCovered, sub
		if res.Status != "" {
			j.Status = res.Status
		}
		a.planHandover(ctx, id)
		a.log(ctx, "covered", jobcore.Actor{Role: jobcore.RoleSystem}, id+" now held by "+sub+" (A-1)")
		if !a.wantsCover(ctx, *j) && j.CustomerChoice != ChoiceBackup {
			a.handBack(ctx, id) // the period changed while it moved
		}
	case err == nil && res.Closed:
		j.Cover, j.NeedsCover, j.Note = CoverClosed, false, res.Note
		a.log(ctx, "job-closed", jobcore.Actor{Role: jobcore.RoleSystem}, id+": "+res.Note)
	default:
		why := res.Note
		if err != nil {
			why = "reassignment failed: " + jobcore.FailureOutcome(err)
		}
		j.Cover, j.Substitute = CoverOpen, ""
		a.escalate(ctx, id, why)
	}
	a.publish(ctx)
}

// planHandover sets the hand-over time and tells the substitute (and, for a
// planned absence still ahead, the worker).
func (a *absence) planHandover(ctx workflow.Context, id string) {
	j := a.job(id)
	now := workflow.Now(ctx)
	by := j.StartsAt.Add(-a.in.Policy.SubstituteLead)
	if a.st.Period.From.After(now) {
		by = a.st.Period.From // the worker briefs the substitute before leaving
	}
	if by.Before(now) {
		by = now
	}
	if by.After(j.StartsAt) {
		by = j.StartsAt
	}
	j.HandoverBy = &by
	data := map[string]string{"job_id": id, "worker_id": a.in.WorkerID, "substitute": j.Substitute, "due": a.iso(by)}
	a.textWorker(ctx, j.Substitute, "handover", "absence.handover", "hand-over note (A-4)", data)
	if a.in.Kind != AbsenceSick && a.st.Period.From.After(now) {
		a.textWorker(ctx, a.in.WorkerID, "handover", "absence.handover", "hand-over note (A-4)", data)
	}
}

// --- the customer's answer ---------------------------------------------

func (a *absence) validateCustomerChoice(ctx workflow.Context, r CustomerChoiceRequest) error {
	j := a.job(r.JobID)
	if j == nil {
		return jobcore.Refuse("job %s is not part of this absence", r.JobID)
	}
	if r.Choice != ChoiceBackup && r.Choice != ChoiceWait {
		return jobcore.Refuse("choose backup or wait (A-4)")
	}
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is over")
	}
	if j.CustomerChoice == r.Choice {
		return jobcore.Refuse("your answer %q is already recorded", r.Choice)
	}
	if r.Choice == ChoiceWait && (j.Cover == CoverAssigning || j.Cover == CoverCovered) {
		return jobcore.Refuse("a substitute already took over; please contact %s to change that", a.in.Contact)
	}
	switch j.Cover {
	case CoverReleased, CoverReturned, CoverClosed:
		return jobcore.Refuse("this job is no longer affected by the absence")
	}
	return nil
}

func (a *absence) customerChoice(ctx workflow.Context, r CustomerChoiceRequest) (AbsenceUpdateResult, error) {
	i := a.jobIndex(r.JobID)
	j := &a.st.Jobs[i]
	j.CustomerChoice = r.Choice
	a.log(ctx, "customer-choice", jobcore.Actor{Role: jobcore.RoleCustomer}, r.JobID+": "+r.Choice+" (A-4)")
	switch r.Choice {
	case ChoiceWait:
		a.stopJob(j.ID)
		end := a.st.Period.To
		j.PlannedAfter = &end
		if j.NeedsCover {
			j.Cover, j.NeedsCover, j.Note = CoverWaiting, false, "the customer waits; planned for after the absence"
			// V-6/T-6: the time inside the absence cannot be kept; a new one is agreed.
			a.alertOps(ctx, "absence_reschedule", "ops.absence_reschedule", "customer waits: plan after the absence (A-4, V-6)",
				map[string]string{"job_id": j.ID, "worker_id": a.in.WorkerID, "to": a.iso(end)})
		} else {
			j.Note = "the customer waits; the worker continues after the absence"
		}
	case ChoiceBackup:
		if !j.NeedsCover && a.wantsCover(ctx, *j) {
			j.NeedsCover = true
			a.openCover(ctx, i)
		}
	}
	a.publish(ctx)
	return a.result(r.JobID), nil
}

// noticeCustomer e-mails the customer of job i at the next e-mail slot (N-3).
func (a *absence) noticeCustomer(ctx workflow.Context, i int) {
	j := &a.st.Jobs[i]
	now := workflow.Now(ctx)
	j.CustomerNotified = &now // claimed now so a recompute does not send twice
	id := j.ID
	step := a.step("customer-notice")
	p := a.st.Period
	msg := activities.Message{Template: "absence.customer_notice", Data: map[string]string{
		"job_id": id, "worker_name": a.in.WorkerName, "from": a.iso(p.From), "to": a.iso(p.To),
		"timezone": a.in.Market.TimeZone(), "contact": a.in.Contact,
	}}
	a.spawn(ctx, func(ctx workflow.Context) {
		at := rules.NextEmailSlot(a.in.Market, workflow.Now(ctx), a.in.Policy)
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), "absence notice at the next e-mail slot (A-4, N-3)") {
			return
		}
		var res activities.CustomerNoticeResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions("absence notice to the customer (A-4)")),
			absences.SendCustomerNotice, activities.CustomerNoticeRequest{Step: step, AbsenceID: a.st.ID, JobID: id, Message: msg,
				ChoiceLinks: true, LinksExpire: a.st.Period.To}).Get(ctx, &res)
		if err != nil {
			a.failed(ctx, step, "email", msg.Template, err)
			return
		}
		sent := workflow.Now(ctx)
		a.job(id).CustomerNotified = &sent
		a.record(ctx, step, "email", msg.Template, "sent")
	})
}

// --- period changes --------------------------------------------------------

func (a *absence) validateCutShort(ctx workflow.Context, r CutShortRequest) error {
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	if r.By.ID == "" {
		return jobcore.Refuse("name who cuts the absence short")
	}
	if !r.End.IsZero() && r.End.After(a.st.Period.To) {
		return jobcore.Refuse("the new end %s is after the current end %s; use change-period to extend", a.clock(r.End), a.clock(a.st.Period.To))
	}
	return nil
}

func (a *absence) cutShort(ctx workflow.Context, r CutShortRequest) (AbsenceUpdateResult, error) {
	now := workflow.Now(ctx)
	end := r.End
	if end.IsZero() || end.Before(now) {
		end = now
	}
	from := a.st.Period.From
	if from.After(end) {
		from = end
	}
	a.setPeriod(ctx, AbsencePeriod{From: from, To: end}, r.By, "cut-short")
	return a.result(""), nil
}

func (a *absence) validateChangePeriod(ctx workflow.Context, r ChangePeriodRequest) error {
	if a.st.Status == AbsenceEnded || a.st.Status == AbsenceRejected {
		return jobcore.Refuse("the absence is %s", a.st.Status)
	}
	if r.By.ID == "" {
		return jobcore.Refuse("name who changes the period")
	}
	if !r.Period.To.After(r.Period.From) {
		return jobcore.Refuse("the period must end after it starts")
	}
	if !r.Period.To.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the new end is in the past; use cut-short to end the absence now")
	}
	if a.st.Status == AbsenceActive && !r.Period.From.Equal(a.st.Period.From) {
		return jobcore.Refuse("the absence has begun; its start stays %s", a.clock(a.st.Period.From))
	}
	return nil
}

func (a *absence) changePeriod(ctx workflow.Context, r ChangePeriodRequest) (AbsenceUpdateResult, error) {
	a.setPeriod(ctx, r.Period, r.By, "change-period")
	return a.result(""), nil
}

func (a *absence) setPeriod(ctx workflow.Context, p AbsencePeriod, by jobcore.Actor, action string) {
	old := a.period()
	a.st.Period = p
	a.periodGen++
	a.log(ctx, action, by, old+" -> "+a.period())
	if a.coverStarted {
		a.recomputeAsked++ // recompute affected jobs
	}
	a.publish(ctx)
}

// --- the automatic answer -------------------------------------------

func (a *absence) autoReply() (AbsenceAutoReply, error) {
	p := a.st.Period
	return AbsenceAutoReply{
		Active: a.st.Status == AbsenceActive, WorkerID: a.in.WorkerID, Period: p, Contact: a.in.Contact,
		Message: activities.Message{Template: "absence.auto_reply", Data: map[string]string{
			"worker_name": a.in.WorkerName, "from": a.iso(p.From), "to": a.iso(p.To),
			"timezone": a.in.Market.TimeZone(), "contact": a.in.Contact,
		}},
	}, nil
}

// --- helpers -------------------------------------------------------------

func (a *absence) isLong() bool {
	return a.st.Period.To.Sub(a.st.Period.From) > a.in.Policy.LongAbsence
}

func (a *absence) jobIndex(id string) int {
	for i := range a.st.Jobs {
		if a.st.Jobs[i].ID == id {
			return i
		}
	}
	return -1
}

func (a *absence) job(id string) *AbsenceJobState {
	if i := a.jobIndex(id); i >= 0 {
		return &a.st.Jobs[i]
	}
	return nil
}

func (a *absence) jobIDs() []string {
	ids := make([]string, 0, len(a.st.Jobs))
	for _, j := range a.st.Jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

func (a *absence) uncovered() int {
	n := 0
	for _, j := range a.st.Jobs {
		if j.NeedsCover && j.Cover.needsSubstitute() {
			n++
		}
	}
	return n
}

func (a *absence) period() string {
	return a.clock(a.st.Period.From) + " – " + a.clock(a.st.Period.To)
}

func (a *absence) clock(t time.Time) string { return t.In(a.loc).Format("Mon 2 Jan 15:04 MST") }

func (a *absence) iso(t time.Time) string { return t.Format(time.RFC3339) }

func (a *absence) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to AbsenceStatus, note string) {
	a.st.Status = to
	a.closing = action
	a.log(ctx, action, by, note)
	a.publish(ctx)
}

func (a *absence) log(ctx workflow.Context, action string, by jobcore.Actor, note string) {
	a.st.Log = append(a.st.Log, AbsenceLogEntry{At: workflow.Now(ctx), Action: action, By: by, Note: note})
}

// publish writes what changed to the search attributes ops filter on (ids,
// statuses, times and a count only).
func (a *absence) publish(ctx workflow.Context) {
	a.st.Uncovered = a.uncovered()
	want := absenceAttrs{status: string(a.st.Status), from: a.st.Period.From, to: a.st.Period.To, uncovered: a.st.Uncovered, registered: true}
	var ups []temporal.SearchAttributeUpdate
	first := !a.upserted.registered
	if first {
		ups = append(ups, jobcore.WorkerIDKey.ValueSet(a.in.WorkerID), jobcore.MarketKey.ValueSet(string(a.in.Market)))
		if a.in.Region != "" {
			ups = append(ups, jobcore.RegionKey.ValueSet(a.in.Region))
		}
	}
	if first || want.status != a.upserted.status {
		ups = append(ups, jobcore.AbsenceStatusKey.ValueSet(want.status))
	}
	if first || !want.from.Equal(a.upserted.from) || !want.to.Equal(a.upserted.to) {
		ups = append(ups, jobcore.AbsenceDaysKey.ValueSet(rules.DaysCovering(want.from, want.to, rules.Location(a.in.Market))))
	}
	if first || want.uncovered != a.upserted.uncovered {
		ups = append(ups, jobcore.UncoveredJobsKey.ValueSet(int64(want.uncovered)))
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	a.upserted = want
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** · %s %s · %s · %d job(s), %d uncovered",
		a.st.Status, a.in.Role, a.in.WorkerID, a.period(), len(a.st.Jobs), a.st.Uncovered))
}

// --- sends -----------------------------------------------------------------

func (a *absence) step(name string) activities.Step {
	a.sendSeq++
	return activities.Step{JobID: a.st.ID, Name: fmt.Sprintf("%s-%d", name, a.sendSeq)}
}

func (a *absence) spawn(ctx workflow.Context, f func(workflow.Context)) {
	a.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { a.pending-- }()
		f(ctx)
	})
}

func (a *absence) record(ctx workflow.Context, step activities.Step, channel, template, outcome string) {
	a.st.Deliveries = append(a.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: step.Name, Channel: channel, Template: template, Outcome: outcome})
}

func (a *absence) failed(ctx workflow.Context, step activities.Step, channel, template string, err error) {
	outcome := jobcore.FailureOutcome(err)
	a.record(ctx, step, channel, template, outcome)
	workflow.GetLogger(ctx).Warn("delivery failed", "step", step.Key(), "outcome", outcome)
	if channel == "email" {
		a.alertOps(ctx, "delivery_failed", "ops.delivery_failed", "delivery failed alert",
			map[string]string{"job_id": a.st.ID, "step": step.Name, "channel": channel, "error_type": outcome})
	}
}

// textWorker sends an SMS to a colleague through the roster (no phone
// numbers in this history).
func (a *absence) textWorker(ctx workflow.Context, worker, name, template, summary string, data map[string]string) {
	step := a.step(name + "-" + worker)
	d := map[string]string{"timezone": a.in.Market.TimeZone(), "absence_id": a.st.ID}
	jobcore.MergeFields(d, data)
	msg := activities.Message{Template: template, Data: d}
	a.spawn(ctx, func(ctx workflow.Context) {
		var res activities.SMSResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, jobcore.MessageOptions(summary)),
			absences.SendWorkerMessage, activities.WorkerMessageRequest{Step: step, WorkerID: worker, Message: msg}).Get(ctx, &res)
		if err != nil {
			a.failed(ctx, step, "sms", template, err)
			return
		}
		a.record(ctx, step, "sms", template, "sent")
	})
}

func (a *absence) alertOps(ctx workflow.Context, kind, template, summary string, data map[string]string) {
	step := a.step("ops-" + kind)
	d := map[string]string{"absence_id": a.st.ID, "kind": kind, "worker_id": a.in.WorkerID,
		"timezone": a.in.Market.TimeZone(), "status": string(a.st.Status)}
	jobcore.MergeFields(d, data)
	req := activities.OpsAlert{Step: step, Kind: kind, Message: activities.Message{Template: template, Language: "en", Data: d}}
	a.spawn(ctx, func(ctx workflow.Context) {
		actx, _ := workflow.NewDisconnectedContext(ctx)
		var res activities.AlertResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(actx, jobcore.AlertOptions(summary)), jobcore.Outreach.AlertOps, req).Get(actx, &res)
		if err != nil {
			a.failed(actx, step, "ops", template, err)
			return
		}
		a.record(actx, step, "ops", template, "sent")
	})
}
