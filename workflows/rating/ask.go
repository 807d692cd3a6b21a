package rating

import (
	"fmt"
	"strings"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"
)

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
	f.setStatus(ctx, UpdateRatingAnswer, jobcore.Actor{Role: names.RoleCustomer}, RatingAnswered, "the customer's answer is kept with the job (R-2)")
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
	if err := workflow.UpsertTypedSearchAttributes(ctx, names.EscalationLevelKey.ValueSet(int64(level))); err != nil {
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
	in := reclamation.ReclamationInput{Job: f.in.Job, Customer: f.in.Customer, OpenedBy: jobcore.Actor{Role: names.RoleSystem, ID: f.st.ID},
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
		f.logEntry(ctx, "reclamation-failed", jobcore.Actor{Role: names.RoleSystem}, string(f.st.Status), "the comment's reclamation could not be opened; ops must open it")
		return
	}
	f.st.ReclamationID = id
	f.logEntry(ctx, "reclamation-opened", jobcore.Actor{Role: names.RoleSystem}, string(f.st.Status), "the comment is a complaint: "+id+" (C-1)")
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
	f.setStatus(ctx, UpdateRatingReport, jobcore.Actor{Role: names.RoleBuddy, ID: r.Worker}, RatingAwaitingDecision, note)
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
	by := jobcore.Actor{Role: names.RoleOps, ID: r.TeamLead}
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
	f.st.Log = append(f.st.Log, jobcore.NewTransition(ctx, action, by, from, string(f.st.Status), note))
}
