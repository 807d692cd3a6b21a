package rating

import (
	"fmt"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/reclamation"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"strings"
	"time"
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

func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(RatingFollowUpWorkflow, workflow.RegisterOptions{Name: RatingFollowUpWorkflowName})
}

// startRatingFollowUp starts the R-2 follow-up of a rating as an abandoned
// child and returns once it has started (or failed to). 4-5 stars start
// nothing. Job workflows call it from a coroutine they track, so the rate
// handler answers at once and the job waits for the start, not for the
// follow-up, before it closes:
//
//	v.spawn(ctx, func(ctx workflow.Context) { err := startRatingFollowUp(ctx, in) ... })
func StartRatingFollowUp(ctx workflow.Context, in RatingFollowUpInput) error {
	if !NeedsRatingFollowUp(in.Stars) {
		return nil
	}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            RatingFollowUpID(in.Job.ID),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         fmt.Sprintf("Rating follow-up: %d stars for %s %s (R-2)", in.Stars, in.Job.Kind, in.Job.ID),
	}
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), RatingFollowUpWorkflowName, in)
	return f.GetChildWorkflowExecution().Get(ctx, nil)
}

type ratingFollowUp struct {
	in  RatingFollowUpInput
	st  RatingFollowUpState
	loc *time.Location
	out *reclamation.CaseMessages

	closing string // the action of the last status change (run result)
}

// RatingFollowUpWorkflow acts on a rating of 3 stars or fewer.
func RatingFollowUpWorkflow(ctx workflow.Context, in RatingFollowUpInput) (RatingFollowUpResult, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	f := &ratingFollowUp{in: in, loc: in.Job.Market.Location()}
	f.st = RatingFollowUpState{ID: id, Job: in.Job, Worker: in.Worker, Stars: in.Stars, Comment: in.Comment,
		Language: in.Customer.Language, Log: []reclamation.CaseEntry{}, Messages: []reclamation.CaseMessage{}}
	f.out = reclamation.NewCaseMessages(id, in.Customer, in.Job, &f.st.Messages, map[string]string{"job_id": in.Job.ID})
	if err := workflow.SetQueryHandler(ctx, QueryRatingFollowUp, func() (RatingFollowUpState, error) { return f.st, nil }); err != nil {
		return f.end(), err
	}
	regs := []struct {
		name               string
		handler, validator any
	}{
		{UpdateRatingAnswer, f.answer, f.validateAnswer},
		{UpdateRatingReport, f.report, f.validateReport},
		{UpdateRatingDecide, f.decide, f.validateDecide},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return f.end(), err
		}
	}
	// Ops find follow-ups by partner and market; ids only (V-14).
	ups := []temporal.SearchAttributeUpdate{jobcore.PartnerKey.ValueSet(in.Job.Partner), jobcore.MarketKey.ValueSet(string(in.Job.Market))}
	if in.Job.Region != "" {
		ups = append(ups, jobcore.RegionKey.ValueSet(in.Job.Region))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
	customer := jobcore.Actor{Role: jobcore.RoleCustomer}
	system := jobcore.Actor{Role: jobcore.RoleSystem}

	var err error
	switch {
	case in.Stars == 3:
		err = f.askWhatCouldBeBetter(ctx, customer, system)
	case in.Stars >= 1 && in.Stars <= 2:
		err = f.escalateLowRating(ctx, customer, system)
	default:
		f.setStatus(ctx, "rate", customer, RatingAnswered, fmt.Sprintf("%d stars: satisfied, nothing to do (R-2)", in.Stars))
	}
	if err != nil {
		return f.end(), err
	}
	now := workflow.Now(ctx)
	f.st.ClosedAt = &now
	if err := workflow.Await(ctx, func() bool { return f.out.Pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return f.end(), err
	}
	return f.end(), nil
}

// --- 3 stars -------------------------------------------------------------

func (f *ratingFollowUp) askWhatCouldBeBetter(ctx workflow.Context, customer, system jobcore.Actor) error {
	due := workflow.Now(ctx).Add(f.in.Policy.RatingWindow)
	f.st.AnswerDueAt = &due
	f.setStatus(ctx, "rate", customer, RatingAsked, "3 stars: asking kindly what could have been better (R-2)")
	f.out.Email(ctx, system, "rating-followup", f.in.Job.Kind+".rating_followup", "rating follow-up (R-2)", nil)
	answered, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      f.in.Policy.RatingWindow,
		TimerOptions: workflow.TimerOptions{Summary: "follow-up answer window (R-2)"},
	}, func() bool { return f.st.Status != RatingAsked })
	if err != nil {
		return err
	}
	if !answered {
		f.setStatus(ctx, "answer-window-closed", system, RatingUnanswered, "no answer to the follow-up (R-2)")
	}
	return nil
}

func (f *ratingFollowUp) validateAnswer(ctx workflow.Context, r RatingAnswerRequest) error {
	if f.st.Status != RatingAsked {
		return jobcore.Refuse("this rating follow-up takes no answer; it is %s (R-2)", f.st.Status)
	}
	if strings.TrimSpace(r.Answer) == "" {
		return jobcore.Refuse("the answer is empty")
	}
	return reclamation.MaxText("answer", r.Answer)
}

func (f *ratingFollowUp) answer(ctx workflow.Context, r RatingAnswerRequest) (RatingUpdateResult, error) {
	f.st.Answer = r.Answer
	f.setStatus(ctx, UpdateRatingAnswer, jobcore.Actor{Role: jobcore.RoleCustomer}, RatingAnswered, "the customer's answer is kept with the job (R-2)")
	return f.result(), nil
}

// --- 1-2 stars -------------------------------------------------------------

func (f *ratingFollowUp) escalateLowRating(ctx workflow.Context, customer, system jobcore.Actor) error {
	due := workflow.Now(ctx).Add(f.in.Policy.RatingReportTime)
	f.st.ReportDueAt = &due
	f.setStatus(ctx, "rate", customer, RatingAwaitingReport,
		fmt.Sprintf("%d stars: team lead alerted; the worker reports by %s (R-2)", f.in.Stars, f.clock(due)))

	// A comment with a low rating is a complaint: it opens a reclamation.
	if strings.TrimSpace(f.in.Comment) != "" {
		f.openReclamation(ctx)
	}
	data := map[string]string{"stars": fmt.Sprint(f.in.Stars), "worker": f.in.Worker, "buddy": f.in.Worker,
		"report_due": due.Format(time.RFC3339)}
	if f.st.ReclamationID != "" {
		data["reclamation_id"] = f.st.ReclamationID
	}
	f.out.Alert(ctx, system, "rating_low", "ops.rating_low", "low rating to team lead (R-2)", data)

	// The worker's report, within the reaction time.
	reported, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      f.in.Policy.RatingReportTime,
		TimerOptions: workflow.TimerOptions{Summary: "worker's report on a low rating (R-2)"},
	}, func() bool { return f.st.Report != "" || f.st.Status == RatingDecided })
	if err != nil {
		return err
	}
	if !reported && f.st.Status == RatingAwaitingReport {
		f.st.ReportMissing = true
		f.setStatus(ctx, "report-missing", system, RatingAwaitingDecision, "no report in time: the team lead decides alone (R-2)")
	}
	// The team lead decides; asked again every RatingReportTime, at most
	// RatingDecisionAsks times, so the customer gets an answer. After the
	// last ask ops are escalated until the hand-over (escalateUndecided).
	for f.st.Status != RatingDecided && f.st.DecisionAsks < RatingDecisionAsks {
		f.st.DecisionAsks++
		f.out.Alert(ctx, system, "rating_decide", "ops.rating_decide", "team lead: decide now (R-2)", map[string]string{
			"stars": fmt.Sprint(f.in.Stars), "worker": f.in.Worker,
			"report_missing": fmt.Sprint(f.st.Report == ""), "ask": fmt.Sprint(f.st.DecisionAsks),
		})
		if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      f.in.Policy.RatingReportTime,
			TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("team lead's decision, ask %d (R-2)", f.st.DecisionAsks)},
		}, func() bool { return f.st.Status == RatingDecided }); err != nil {
			return err
		}
	}
	if f.st.Status != RatingDecided && workflow.GetVersion(ctx, ratingUndecidedChange, workflow.DefaultVersion, 1) == 1 {
		return f.escalateUndecided(ctx, system)
	}
	return workflow.Await(ctx, func() bool { return f.st.Status == RatingDecided })
}

// escalateUndecided runs after the team lead's last ask (R-2, issue #13):
// ops at once and every RatingDecisionEscalation, then, RatingHandover
// after the last ask, the customer's answer goes to a reclamation (C-2).
func (f *ratingFollowUp) escalateUndecided(ctx workflow.Context, system jobcore.Actor) error {
	p := f.in.Policy.WithDefaults() // a policy fixed before these values existed
	handover := workflow.Now(ctx).Add(p.RatingHandover)
	f.st.HandoverAt = &handover
	for level := 1; ; level++ {
		f.setLevel(ctx, level)
		f.logEntry(ctx, "escalate", system, string(f.st.Status),
			fmt.Sprintf("no decision after %d asks: ops escalated, level %d; handed to a reclamation %s (R-2)", RatingDecisionAsks, level, f.clock(handover)))
		f.out.Alert(ctx, system, "rating_undecided", "ops.rating_decide", "low rating still undecided: ops (R-2)", map[string]string{
			"stars": fmt.Sprint(f.in.Stars), "worker": f.in.Worker, "report_missing": fmt.Sprint(f.st.Report == ""),
			"ask": fmt.Sprint(RatingDecisionAsks + level), "level": fmt.Sprint(level), "handover": handover.Format(time.RFC3339),
		})
		wait := min(p.RatingDecisionEscalation, handover.Sub(workflow.Now(ctx)))
		if wait <= 0 {
			break
		}
		decided, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      wait,
			TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("undecided low rating, escalation level %d (R-2)", level+1)},
		}, func() bool { return f.st.Status == RatingDecided })
		if err != nil {
			return err
		}
		if decided {
			f.setLevel(ctx, 0)
			return nil
		}
		if !workflow.Now(ctx).Before(handover) {
			break
		}
	}
	// the customer gets an answer: a reclamation's reply clock (C-2)
	// and its escalations take over.
	if f.st.ReclamationID == "" {
		f.openReclamationWith(ctx, fmt.Sprintf("%d-star rating of %s %s: no decision by the team lead after %d asks and %s of escalation; the customer is waiting for an answer (R-2)",
			f.in.Stars, f.in.Job.Kind, f.in.Job.ID, RatingDecisionAsks, p.RatingHandover))
	}
	if f.st.ReclamationID == "" {
		// Not opened: ops must answer the customer themselves; stay escalated.
		f.out.Alert(ctx, system, "rating_handover_failed", "ops.rating_decide", "low rating: reclamation not opened, answer the customer (R-2)",
			map[string]string{"stars": fmt.Sprint(f.in.Stars), "worker": f.in.Worker, "report_missing": fmt.Sprint(f.st.Report == "")})
	}
	f.setStatus(ctx, "handover", system, RatingHandedOver,
		"undecided: the customer's answer is handed to reclamation "+reclamation.RatingReclamationID(f.in.Job.ID)+" (R-2, C-2)")
	return nil
}

// setLevel writes the follow-up's escalation level to its state and the
// EscalationLevel search attribute ops filter on.
func (f *ratingFollowUp) setLevel(ctx workflow.Context, level int) {
	if f.st.EscalationLevel == level {
		return
	}
	f.st.EscalationLevel = level
	if err := workflow.UpsertTypedSearchAttributes(ctx, jobcore.EscalationLevelKey.ValueSet(int64(level))); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
}

// openReclamation starts the reclamation a low rating's comment asks for,
// as an abandoned child, and waits only for its start.
func (f *ratingFollowUp) openReclamation(ctx workflow.Context) {
	f.openReclamationWith(ctx, f.in.Comment)
}

// openReclamationWith opens the rating's reclamation with complaint.
func (f *ratingFollowUp) openReclamationWith(ctx workflow.Context, complaint string) {
	id := reclamation.RatingReclamationID(f.in.Job.ID)
	in := reclamation.ReclamationInput{Job: f.in.Job, Customer: f.in.Customer, OpenedBy: jobcore.Actor{Role: jobcore.RoleSystem, ID: f.st.ID},
		Complaint: complaint, Policy: f.in.Policy}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         fmt.Sprintf("Reclamation about %s %s (from a %d-star rating)", f.in.Job.Kind, f.in.Job.ID, f.in.Stars),
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), reclamation.ReclamationWorkflowName, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("reclamation not opened", "reclamation_id", id, "error", err)
		f.logEntry(ctx, "reclamation-failed", jobcore.Actor{Role: jobcore.RoleSystem}, string(f.st.Status), "the comment's reclamation could not be opened; ops must open it")
		return
	}
	f.st.ReclamationID = id
	f.logEntry(ctx, "reclamation-opened", jobcore.Actor{Role: jobcore.RoleSystem}, string(f.st.Status), "the comment is a complaint: "+id+" (C-1)")
}

func (f *ratingFollowUp) validateReport(ctx workflow.Context, r RatingReportRequest) error {
	if f.st.Status != RatingAwaitingReport && f.st.Status != RatingAwaitingDecision {
		return jobcore.Refuse("this rating follow-up takes no report; it is %s (R-2)", f.st.Status)
	}
	if f.st.Report != "" {
		return jobcore.Refuse("the report is already in (R-2)")
	}
	if r.Worker == "" || (f.in.Worker != "" && r.Worker != f.in.Worker) {
		return jobcore.Refuse("only the worker who did the job (%s) reports on its rating (R-2)", f.in.Worker)
	}
	if strings.TrimSpace(r.Report) == "" {
		return jobcore.Refuse("the report is empty")
	}
	return reclamation.MaxText("report", r.Report)
}

func (f *ratingFollowUp) report(ctx workflow.Context, r RatingReportRequest) (RatingUpdateResult, error) {
	f.st.Report = r.Report
	note := "report in; the team lead decides (R-2)"
	if f.st.ReportMissing {
		note = "report in after its time; the team lead decides (R-2)"
	}
	f.setStatus(ctx, UpdateRatingReport, jobcore.Actor{Role: jobcore.RoleBuddy, ID: r.Worker}, RatingAwaitingDecision, note)
	return f.result(), nil
}

func (f *ratingFollowUp) validateDecide(ctx workflow.Context, r RatingDecideRequest) error {
	if f.st.Status != RatingAwaitingReport && f.st.Status != RatingAwaitingDecision {
		return jobcore.Refuse("this rating follow-up takes no decision; it is %s (R-2)", f.st.Status)
	}
	if r.TeamLead == "" {
		return jobcore.Refuse("name the team lead deciding")
	}
	if strings.TrimSpace(r.Decision) == "" {
		return jobcore.Refuse("write the decision (R-2)")
	}
	if strings.TrimSpace(r.Answer) == "" {
		return jobcore.Refuse("write the answer the customer receives (R-2)")
	}
	if err := reclamation.MaxText("decision", r.Decision); err != nil {
		return err
	}
	return reclamation.MaxText("answer", r.Answer)
}

func (f *ratingFollowUp) decide(ctx workflow.Context, r RatingDecideRequest) (RatingUpdateResult, error) {
	by := jobcore.Actor{Role: jobcore.RoleOps, ID: r.TeamLead}
	f.st.Decision, f.st.DecidedBy, f.st.CustomerReply = r.Decision, r.TeamLead, r.Answer
	note := "decided with the worker's report (R-2)"
	if f.st.Report == "" {
		note = "decided without a report (R-2)"
	}
	f.setStatus(ctx, UpdateRatingDecide, by, RatingDecided, note+": "+r.Decision)
	f.out.Email(ctx, by, "rating-answer", "rating.answer", "answer to a low rating (R-2)", map[string]string{"answer": r.Answer})
	return f.result(), nil
}

// --- helpers ---------------------------------------------------------------

func (f *ratingFollowUp) clock(t time.Time) string { return t.In(f.loc).Format("Mon 2 Jan 15:04 MST") }

func (f *ratingFollowUp) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to RatingStatus, note string) {
	from := f.st.Status
	f.st.Status = to
	f.closing = action
	f.logEntry(ctx, action, by, string(from), note)
	s := fmt.Sprintf("**%s** · %d stars · %s %s · %s", to, f.in.Stars, f.in.Job.Kind, f.in.Job.ID, f.in.Job.Partner)
	if f.st.ReclamationID != "" {
		s += " · reclamation " + f.st.ReclamationID
	}
	workflow.SetCurrentDetails(ctx, s)
}

func (f *ratingFollowUp) logEntry(ctx workflow.Context, action string, by jobcore.Actor, from, note string) {
	f.st.Log = append(f.st.Log, reclamation.CaseEntry{At: workflow.Now(ctx), Action: action, By: by, From: from, To: string(f.st.Status), Note: note})
}
