package rating

import (
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/reclamation"
)

// Rating follow-up workflow: one per rated job with 3 stars or fewer,
// id "rating-<jobId>", started by the job's workflow (visit or task) as a
// child with ParentClosePolicy ABANDON, so the job can close while the
// follow-up runs on. 4-5 stars start nothing.
//
//   - 3 stars: the customer gets a kind e-mail asking what could have been
//     better (<kind>.rating_followup); the answer (followup-answer Update)
//     is kept in the follow-up's state. It waits the policy's RatingWindow
//     for the answer, then closes unanswered.
//   - 1-2 stars: the team lead is alerted at once (ops.rating_low); the
//     worker reports within the policy's RatingReportTime (report Update);
//     with the report, or without one when the time is up, the team lead is
//     asked to decide (ops.rating_decide), again every RatingReportTime
//     until the decide Update records the decision and the answer the
//     customer receives by e-mail (rating.answer). The team lead may decide
//     before the report is in.
//   - Still undecided after the last ask (issue #13, change id
//     ratingUndecidedChange): ops are escalated at once and again every
//     RatingDecisionEscalation (24 h), with EscalationLevel set so
//     `WorkflowType = "RatingFollowUp" AND EscalationLevel > 0` lists them;
//     RatingHandover (72 h) after the last ask the customer's answer is
//     handed to a reclamation (reclamation-<jobId>-rating, opened now unless
//     the comment already opened it), whose reply clock and escalations
//     never stop (C-2), and the follow-up closes as "handed-over". The level
//     stays set on the closed follow-up, so the same filter with
//     `ExecutionStatus = "Completed"` lists follow-ups closed without a
//     team lead's decision. No follow-up waits without a timer.
//   - 1-2 stars with a comment: the comment is a complaint, and a
//     reclamation is opened automatically (id reclamation-<jobId>-rating, a
//     child with ABANDON); the team lead's alert names it.
//
// The follow-up runs with the job's policy (P-1: fixed when the job
// started).
const (
	RatingFollowUpWorkflowName = "RatingFollowUp"

	UpdateRatingAnswer = "followup-answer" // the customer's answer to the 3-star follow-up
	UpdateRatingReport = "report"          // the worker's review of a 1-2 star rating
	UpdateRatingDecide = "decide"          // the team lead's decision and answer

	QueryRatingFollowUp = "rating"
)

// RatingDecisionAsks is how often the team lead is asked to decide on a
// low rating (once, then reminders every RatingReportTime).
const RatingDecisionAsks = 3

// ratingUndecidedChange is the GetVersion change id of the escalation and
// hand-over after the last ask (issue #13). Before it, the follow-up waited
// for the decision without a timer.
const ratingUndecidedChange = "rating-undecided-escalation"

// RatingFollowUpID is the follow-up's workflow id: a job is rated once.
func RatingFollowUpID(jobID string) string { return "rating-" + jobID }

// NeedsRatingFollowUp reports whether a rating asks for a follow-up.
func NeedsRatingFollowUp(stars int) bool { return stars >= 1 && stars <= 3 }

// RatingFollowUpInput starts a follow-up: the job, who did it, the
// customer (personal data: input only), the rating and the job's policy.
type RatingFollowUpInput struct {
	Job      jobcore.JobRef   `json:"job"`
	Worker   string           `json:"worker"` // the buddy or assistant who did the job
	Customer jobcore.Customer `json:"customer"`
	Stars    int              `json:"stars"`
	Comment  string           `json:"comment,omitempty"`
	Policy   rules.Policy     `json:"policy"`
}

// RatingStatus is where a follow-up is.
type RatingStatus string

const (
	RatingAsked            RatingStatus = "asked"             // 3 stars: follow-up sent, waiting for the answer
	RatingAnswered         RatingStatus = "answered"          // 3 stars: the customer answered
	RatingUnanswered       RatingStatus = "unanswered"        // 3 stars: no answer within the window
	RatingAwaitingReport   RatingStatus = "awaiting-report"   // 1-2 stars: the worker reviews
	RatingAwaitingDecision RatingStatus = "awaiting-decision" // 1-2 stars: the team lead decides
	RatingDecided          RatingStatus = "decided"           // 1-2 stars: decided, customer answered
	RatingHandedOver       RatingStatus = "handed-over"       // 1-2 stars: undecided; a reclamation answers the customer (C-2)
)

// Closed reports whether the follow-up is over.
func (s RatingStatus) Closed() bool {
	return s == RatingAnswered || s == RatingUnanswered || s == RatingDecided || s == RatingHandedOver
}

// RatingAnswerRequest: the customer's answer to "what could be better".
type RatingAnswerRequest struct {
	Answer string `json:"answer"`
}

// RatingReportRequest: the worker's review of a low rating.
type RatingReportRequest struct {
	Worker string `json:"worker"`
	Report string `json:"report"`
}

// RatingDecideRequest: the team lead's decision (internal) and the answer
// the customer receives.
type RatingDecideRequest struct {
	TeamLead string `json:"team_lead"`
	Decision string `json:"decision"`
	Answer   string `json:"answer"`
}

// RatingFollowUpState is the follow-up as the Query returns it.
type RatingFollowUpState struct {
	ID            string                    `json:"id"`
	Job           jobcore.JobRef            `json:"job"`
	Worker        string                    `json:"worker,omitempty"`
	Stars         int                       `json:"stars"`
	Comment       string                    `json:"comment,omitempty"`
	Status        RatingStatus              `json:"status"`
	AnswerDueAt   *time.Time                `json:"answer_due_at,omitempty"`
	Answer        string                    `json:"answer,omitempty"`
	ReportDueAt   *time.Time                `json:"report_due_at,omitempty"`
	Report        string                    `json:"report,omitempty"`
	ReportMissing bool                      `json:"report_missing,omitempty"`
	DecisionAsks  int                       `json:"decision_asks,omitempty"`
	Decision      string                    `json:"decision,omitempty"`
	DecidedBy     string                    `json:"decided_by,omitempty"`
	CustomerReply string                    `json:"customer_reply,omitempty"`
	ReclamationID string                    `json:"reclamation_id,omitempty"`
	Log           []reclamation.CaseEntry   `json:"log"`
	Messages      []reclamation.CaseMessage `json:"messages"`
	ClosedAt      *time.Time                `json:"closed_at,omitempty"`
	Language      rules.Language            `json:"language"`
	// Undecided after the last ask (issue #13): the escalation level ops see
	// and when the customer's answer is handed to a reclamation.
	EscalationLevel int        `json:"escalation_level,omitempty"`
	HandoverAt      *time.Time `json:"handover_at,omitempty"`
}
