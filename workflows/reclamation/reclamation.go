package reclamation

import (
	"fmt"
)

// Reclamation workflow: one per customer complaint about a visit or a task
// (C-1..C-3), id "reclamation-<jobId>" (opened by the customer or ops,
// ReclamationCaseID) or "reclamation-<jobId>-rating" (opened from a 1-2
// star rating with a comment, R-2). Every step is an Update with a
// validator answering a small ReclamationUpdateResult (results.go); the
// Query returns the state with the
// whole exchange.
//
// Decisions the seeds leave open, written down here:
//
//   - The reply clock (C-2) is wall-clock time from the opening, the policy's
//     ReclamationReply (default 2 h, P-1). Any message to the customer
//     answers it: the acknowledgement, a plan, extra work or a rejection.
//   - Unanswered, it escalates to ops at level 1, then one level more every
//     ReclamationEscalation until answered. EscalationLevel is the level of
//     what is overdue now: it drops to 0 once answered, so the UI filter
//     `EscalationLevel > 0` lists exactly what needs ops now. Every
//     escalation stays in the query's log.
//   - A plan's promised date (Due) is a timer the same way: overdue work
//     escalates at level 1 and on, until the work is marked resolved or the
//     manager re-plans (a new plan tells the customer again).
//   - A resolution the manager does not approve is re-planned (plan again).
//   - A rejection is possible until a plan exists; once planned within the
//     service plan, the complaint is accepted.
//   - Extra work outside the plan needs the customer's agreement, runs like
//     a plan (assignee, due date, resolve, approve) and is marked Extra.
//   - One open reclamation per job for complaints: the customer's link and
//     ops open it with update-with-start (api.StartReclamation) under
//     ReclamationCaseID, id conflict USE_EXISTING and the note Update, so a
//     further complaint while it is open is added to it as a note in the
//     same single call, and a complaint after it closed starts a new run
//     under the same id (id reuse ALLOW_DUPLICATE; the closed one stays in
//     the id's run history). The note that came with the start is the
//     opening complaint itself and is not logged twice.
//   - The rating's reclamation stays separate (reclamation-<jobId>-rating):
//     it is opened by the RatingFollowUp workflow as a child, once per
//     rating (a rating happens once), and the R-2 follow-up names it; a
//     child cannot update-with-start, and folding it into the complaints'
//     case would make the follow-up fail whenever a complaint is open. A
//     job therefore has at most two open reclamations: the complaints' and
//     the low rating's. Ids reclamation-<jobId>-<n> are those of cases
//     opened before ReclamationCaseID; they keep working.
//   - Free text (complaint, notes, plan, reason) is at most
//     MaxReclamationText characters, the same bound the API checks, so the
//     API refuses what a validator would (422) and never starts a case for it.
//   - The customer's contact travels in the input only; search attributes,
//     alerts and logs carry ids (V-14).
//   - Escalation slows down on a bounded schedule (issue #13, change id
//     reclamationScheduleChange): every ReclamationEscalation (1 h) while
//     overdue less than ReclamationSlowAfter (24 h), then every
//     ReclamationSlowEscalation (24 h), for as long as it stays overdue
//     (C-2: never ignored). About 24 + 365 escalations a year.
//   - A long-running reclamation continues as new (issue #13, change id
//     reclamationContinueAsNewChange) after reclamationEscalationsPerRun
//     escalations, or when the server suggests it, or past
//     reclamationHistoryLimit events, once every handler and send has
//     finished. The next run gets the state in ReclamationInput.Carry:
//     status, level, plan, due dates, the next escalation's time and the
//     send counter (step ids stay unique); the log, escalations and messages
//     are capped to the newest reclamationKeep each, with counts of what was
//     dropped. A run stays around 1,000 events and well under 2 MB.
//     Reclamations already escalating when this shipped keep their old
//     hourly schedule (GetVersion pins them to DefaultVersion).
//   - No stage waits without a timer (issue #13, change id
//     reclamationStageChange): an acknowledged complaint not assessed
//     (planned or rejected) within ReclamationAssess (24 h) of the
//     acknowledgement escalates ("assess-overdue"), and resolved work not
//     approved within ReclamationApprove (24 h) escalates
//     ("approval-overdue"), on the same bounded schedule, until acted on.
const (
	ReclamationWorkflowName = "Reclamation"

	UpdateReclamationAcknowledge = "acknowledge" // C-2: seen and being acted on
	UpdateReclamationPlan        = "plan"        // C-3: within the plan: how, when, assignee
	UpdateReclamationPlanExtra   = "plan-extra"  // C-3: outside the plan, extra work as agreed
	UpdateReclamationReject      = "reject"      // C-3: outside the plan, with a reason
	UpdateReclamationResolve     = "resolve"     // C-3: the assignee marks the work done
	UpdateReclamationApprove     = "approve"     // C-3: the manager approves the resolution
	UpdateReclamationNote        = "note"        // a call with the customer, a further complaint

	QueryReclamation = "reclamation"
)

// ReclamationCaseID is the workflow id of the complaints' reclamation about
// a job (its visit or task workflow id): one open at a time, the id reused
// after it closed. Ids carry no personal data (V-14).
func ReclamationCaseID(jobID string) string { return "reclamation-" + jobID }

// ReclamationID is the id of the n-th reclamation about a job under the
// scheme before ReclamationCaseID (ids were probed as -1, -2, ...); open
// ones keep it, nothing new starts under it.
func ReclamationID(jobID string, n int) string { return fmt.Sprintf("reclamation-%s-%d", jobID, n) }

// MaxReclamationText is the most characters (Unicode code points) of any
// free text in a reclamation: the complaint, a note, a plan, a reason. The
// API checks the same bound before anything reaches Temporal.
const MaxReclamationText = 2000

// MaxCustomerNotes caps the notes a customer adds to one case (issue #16,
// M1): the complaint link cannot drive Updates without bound (Temporal
// refuses every Update after 2,000 a run); past it, ops reach the customer.
const MaxCustomerNotes = 20

// ErrTypeReclamationClosed is the error type of a note refused because the
// reclamation is closed (its run is still finishing): the caller waits for
// the run to end and opens a new one.
const ErrTypeReclamationClosed = "ReclamationClosed"

// RatingReclamationID is the id of the reclamation a low rating with a
// complaint opens; a rating happens once, so the id is unique.
func RatingReclamationID(jobID string) string { return "reclamation-" + jobID + "-rating" }
