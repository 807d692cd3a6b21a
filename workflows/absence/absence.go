package absence

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
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
