package rating

import (
	"fmt"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ratingHarness struct {
	*flowtest.CaseHarness
	in RatingFollowUpInput
}

func newRatingHarness(t *testing.T, stars int, comment string) *ratingHarness {
	return &ratingHarness{CaseHarness: flowtest.NewCaseHarness(t, RatingFollowUpID(flowtest.TestJob.ID), Register, reclamation.Register), in: RatingFollowUpInput{
		Job:      flowtest.TestJob,
		Worker:   "b-1",
		Customer: jobcore.Customer{Name: "Jonas", Email: "jonas@example.com", Phone: "+4930123456", Language: rules.German},
		Stars:    stars,
		Comment:  comment,
		Policy:   rules.DefaultPolicy(),
	}}
}

func (h *ratingHarness) do(at time.Duration, name string, arg any) *flowtest.CaseResult[RatingUpdateResult] {
	return flowtest.DoCase[RatingUpdateResult](h.CaseHarness, at, "", name, arg)
}

func (h *ratingHarness) query(at time.Duration) *RatingFollowUpState {
	return flowtest.QueryCase[RatingFollowUpState](h.CaseHarness, at, "", QueryRatingFollowUp)
}

func (h *ratingHarness) run() RatingFollowUpState {
	h.Env.ExecuteWorkflow(RatingFollowUpWorkflow, h.in)
	require.True(h.T, h.Env.IsWorkflowCompleted())
	require.NoError(h.T, h.Env.GetWorkflowError())
	var res RatingFollowUpResult
	require.NoError(h.T, h.Env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := flowtest.FinalState[RatingFollowUpState](h.T, h.Env, QueryRatingFollowUp)
	flowtest.CheckRunResult(h.T, res, res.ID, string(res.Status), st.ID, string(st.Status), h.in.Customer.Name, h.in.Customer.Phone, h.in.Customer.Email, h.in.Comment)
	h.Fake.Rendered(h.T)
	return st
}

func decision(lead string) RatingDecideRequest {
	return RatingDecideRequest{TeamLead: lead, Decision: "talk to the buddy; refund one hour",
		Answer: "Es tut uns leid. Wir erstatten Ihnen eine Stunde."}
}

func TestR2_ThreeStarsSendFollowUpAndKeepTheAnswer(t *testing.T) {
	h := newRatingHarness(t, 3, "")
	empty := h.do(time.Hour, UpdateRatingAnswer, RatingAnswerRequest{Answer: " "})
	ans := h.do(2*time.Hour, UpdateRatingAnswer, RatingAnswerRequest{Answer: "Schneller antworten."})
	st := h.run()

	flowtest.CaseRefused(t, empty, "empty")
	flowtest.CaseAccepted(t, ans)
	assert.Equal(t, RatingAnswered, st.Status)
	assert.Equal(t, "Schneller antworten.", st.Answer, "R-2: the answer is kept with the job")
	f := h.Fake.Email("visit.rating_followup")
	require.Len(t, f, 1, "R-2: 3 stars get a kind follow-up")
	assert.Equal(t, "de", f[0].Message.Language)
	assert.Equal(t, "Jonas", f[0].Message.Data["name"])
	assert.Empty(t, h.Fake.Templates("ops"), "3 stars do not alert the team lead")
}

func TestR2_ThreeStarsUnansweredCloseAfterTheWindow(t *testing.T) {
	h := newRatingHarness(t, 3, "")
	st := h.run()
	assert.Equal(t, RatingUnanswered, st.Status)
	assert.Equal(t, flowtest.T0.Add(rules.DefaultPolicy().RatingWindow), *st.ClosedAt)
}

func TestR2_OneStarAlertsTeamLeadAndAsksForDecisionWithoutReport(t *testing.T) {
	h := newRatingHarness(t, 1, "")
	atOnce := h.query(time.Minute)
	missing := h.query(24*time.Hour + time.Minute)
	lateNoAnswer := h.do(24*time.Hour+2*time.Minute, UpdateRatingDecide, RatingDecideRequest{TeamLead: "tl-1", Decision: "x"})
	dec := h.do(25*time.Hour, UpdateRatingDecide, decision("tl-1"))
	st := h.run()

	assert.Equal(t, RatingAwaitingReport, atOnce.Status)
	low := h.Fake.Alert("ops.rating_low")
	require.Len(t, low, 1, "R-2: the team lead is alerted at once")
	assert.Equal(t, "1", low[0].Message.Data["stars"])
	assert.Equal(t, flowtest.TestJob.ID, low[0].Message.Data["job_id"])
	assert.Equal(t, flowtest.T0, atOnce.Messages[0].At)

	assert.Equal(t, RatingAwaitingDecision, missing.Status, "R-2: no report in time")
	assert.True(t, missing.ReportMissing)
	decide := h.Fake.Alert("ops.rating_decide")
	require.Len(t, decide, 1, "R-2: the team lead's decision is requested anyway")
	assert.Equal(t, "true", decide[0].Message.Data["report_missing"])

	flowtest.CaseRefused(t, lateNoAnswer, "answer the customer receives")
	flowtest.CaseAccepted(t, dec)
	assert.Equal(t, RatingDecided, st.Status)
	assert.Equal(t, "tl-1", st.DecidedBy)
	answers := h.Fake.Email("rating.answer")
	require.Len(t, answers, 1, "R-2: the customer gets an answer")
	assert.Equal(t, "de", answers[0].Message.Language)
	assert.Equal(t, decision("").Answer, answers[0].Message.Data["answer"])
}

func TestR2_ReportThenDecision(t *testing.T) {
	h := newRatingHarness(t, 2, "")
	stranger := h.do(time.Hour, UpdateRatingReport, RatingReportRequest{Worker: "b-9", Report: "not me"})
	rep := h.do(2*time.Hour, UpdateRatingReport, RatingReportRequest{Worker: "b-1", Report: "Traffic; I was late."})
	asked := h.query(2*time.Hour + time.Minute)
	h.do(3*time.Hour, UpdateRatingDecide, decision("tl-1"))
	st := h.run()

	flowtest.CaseRefused(t, stranger, "only the worker")
	flowtest.CaseAccepted(t, rep)
	assert.Equal(t, RatingAwaitingDecision, asked.Status)
	decide := h.Fake.Alert("ops.rating_decide")
	require.Len(t, decide, 1, "the team lead hears the report is in")
	assert.Equal(t, "false", decide[0].Message.Data["report_missing"])
	assert.Equal(t, "Traffic; I was late.", st.Report)
	assert.False(t, st.ReportMissing)
	assert.Equal(t, RatingDecided, st.Status)
}

func TestR2_UndecidedIsAskedAgainThenEscalated(t *testing.T) {
	h := newRatingHarness(t, 1, "")
	// Report missing at 24 h; asks at 24, 48, 72 h; the last one ends at
	// 96 h: ops escalated at 96 and 120 h; the team lead decides at 5.5 days.
	level := h.query(100 * time.Hour)
	h.do(132*time.Hour, UpdateRatingDecide, decision("tl-1"))
	st := h.run()
	asks := h.Fake.Alert("ops.rating_decide")
	require.Len(t, asks, RatingDecisionAsks+2, "R-2: three asks, then ops every day")
	for i, a := range asks {
		assert.Equal(t, fmt.Sprint(i+1), a.Message.Data["ask"])
	}
	assert.Equal(t, "rating_undecided", asks[RatingDecisionAsks].Kind)
	assert.Equal(t, 1, level.EscalationLevel, "after the last ask the follow-up has a timer and a level")
	assert.Equal(t, RatingDecided, st.Status)
	assert.Equal(t, 0, st.EscalationLevel, "decided: nothing overdue")
	assert.Len(t, h.Fake.Email("rating.answer"), 1, "R-2: the customer gets the answer")
}

func TestR2_UndecidedAfterTheLastAskIsHandedToAReclamation(t *testing.T) {
	h := newRatingHarness(t, 2, "")
	recID := reclamation.RatingReclamationID(flowtest.TestJob.ID)
	handover := 96*time.Hour + h.in.Policy.RatingHandover // the last ask ends at 96 h
	before := h.query(handover - time.Minute)
	rec := flowtest.QueryCase[reclamation.ReclamationState](h.CaseHarness, handover+10*time.Minute, recID, reclamation.QueryReclamation)
	// The service manager answers within the reclamation's 2 h (C-2). (An
	// acknowledgement would leave the child with no timer, which the test
	// environment cannot skip past; a reasoned answer closes it.)
	answer := flowtest.DoCase[reclamation.ReclamationState](h.CaseHarness, handover+30*time.Minute, recID, reclamation.UpdateReclamationReject,
		reclamation.ReclamationRejectRequest{Manager: "sm-1", Reason: "Der Termin war vereinbart."})
	st := h.run()

	assert.Equal(t, RatingAwaitingDecision, before.Status, "still open before the hand-over, with a timer")
	assert.Equal(t, 3, before.EscalationLevel)
	assert.Equal(t, RatingHandedOver, st.Status, "R-2: closes with a recorded reason")
	assert.Equal(t, 3, st.EscalationLevel, "the level stays for ops' filter on closed follow-ups")
	require.NotNil(t, st.HandoverAt)
	assert.Equal(t, flowtest.T0.Add(handover), *st.HandoverAt)
	assert.Equal(t, recID, st.ReclamationID)
	assert.Len(t, h.Fake.Alert("ops.rating_decide"), RatingDecisionAsks+3, "three asks, then ops at 96, 120 and 144 h")
	assert.Equal(t, reclamation.ReclamationWaiting, rec.Status, "C-1: the customer's answer waits for the service manager, on the C-2 clock")
	assert.Contains(t, rec.Complaint, "no decision by the team lead")
	flowtest.CaseAccepted(t, answer)
	answers := h.Fake.Email("reclamation.rejected")
	require.Len(t, answers, 1, "R-2: the customer gets an answer through the reclamation")
	assert.Equal(t, "de", answers[0].Message.Language)
}

func TestR2_ComplaintCommentWithOneStarOpensReclamation(t *testing.T) {
	h := newRatingHarness(t, 1, "Der Techniker hat meine Lampe kaputt gemacht.")
	recID := reclamation.RatingReclamationID(flowtest.TestJob.ID)
	rec := flowtest.QueryCase[reclamation.ReclamationState](h.CaseHarness, 10*time.Minute, recID, reclamation.QueryReclamation)
	rej := flowtest.DoCase[reclamation.ReclamationUpdateResult](h.CaseHarness, 20*time.Minute, recID, reclamation.UpdateReclamationReject,
		reclamation.ReclamationRejectRequest{Manager: "sm-1", Reason: "Die Lampe war schon defekt."})
	h.do(time.Hour, UpdateRatingDecide, decision("tl-1"))
	st := h.run()

	assert.Equal(t, recID, st.ReclamationID)
	assert.Equal(t, reclamation.ReclamationWaiting, rec.Status, "C-1: the complaint waits for the service manager")
	assert.Equal(t, "Der Techniker hat meine Lampe kaputt gemacht.", rec.Complaint)
	assert.Equal(t, names.RoleSystem, rec.OpenedBy.Role)
	assert.Equal(t, flowtest.TestJob, rec.Job)
	flowtest.CaseAccepted(t, rej)
	assert.Equal(t, recID, h.Fake.Alert("ops.rating_low")[0].Message.Data["reclamation_id"], "the team lead's alert names the reclamation")
	rejected := h.Fake.Email("reclamation.rejected")
	require.Len(t, rejected, 1)
	assert.Equal(t, "de", rejected[0].Message.Language)
}

func TestR2_ThreeStarsWithCommentOpenNoReclamation(t *testing.T) {
	h := newRatingHarness(t, 3, "ok, but late")
	h.do(time.Hour, UpdateRatingAnswer, RatingAnswerRequest{Answer: "be on time"})
	st := h.run()
	assert.Empty(t, st.ReclamationID)
}
