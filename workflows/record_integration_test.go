package workflows_test

import (
	"context"
	"errors"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
	taskwf "github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
)

// One test per workflow type besides the visit (TestVisitEndToEnd): each
// drives its workflow through a short, representative path on a real dev
// server and worker, with the policy's durations shortened through the
// input (P-1, never a fake clock), and checks the outcome. With
// JOBFLOW_RECORD_HISTORIES=1 each writes testdata/<type>_<path>.json (all of
// them and the visit: go test ./workflows/ -run EndToEnd), which
// TestReplayRecordedHistories replays against today's code.
//
// Everything personal in these histories is made up: example.com
// addresses, +4670123456x numbers, "Test" names.

// recordPolicy is the default policy with the e-mail window open at every
// hour of every day (N-3, P-1: all day, weekends and holidays too), so the
// sends of these tests never wait for a morning or a working day and the
// tests run on any day, in CI too (issue #15).
func recordPolicy() rules.Policy {
	p := rules.DefaultPolicy()
	p.EmailWindowStart = rules.At(0, 0)
	p.EmailWindowEnd = rules.At(24, 0)
	p.EmailOnDaysOff = true
	return p
}

func maybeRecord(t *testing.T, c client.Client, id, file string) {
	t.Helper()
	maybeRecordRun(t, c, id, "", file)
}

// maybeRecordRun records one run of the workflow (runID "" is the latest).
func maybeRecordRun(t *testing.T, c client.Client, id, runID, file string) {
	t.Helper()
	if os.Getenv("JOBFLOW_RECORD_HISTORIES") != "" {
		recordHistory(t, c, id, runID, file)
	}
}

// updateWF runs an Update to completion and decodes its result.
func updateWF[T any](ctx context.Context, c client.Client, id, name string, arg any) (T, error) {
	var out T
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return out, err
	}
	return out, h.Get(ctx, &out)
}

// runEnd waits for a run's small result (issue #13: status, ids, closing
// action) and queries the whole final state, which stays with the Query.
func runEnd[R, S any](t *testing.T, ctx context.Context, c client.Client, run client.WorkflowRun, query string) (R, S) {
	t.Helper()
	var res R
	require.NoError(t, run.Get(ctx, &res))
	st, err := queryWF[S](ctx, c, run.GetID(), query)
	require.NoError(t, err, "the Query answers after the run closed")
	return res, st
}

// queryWF runs a Query and decodes its answer.
func queryWF[T any](ctx context.Context, c client.Client, id, name string, args ...any) (T, error) {
	var out T
	v, err := c.QueryWorkflow(ctx, id, "", name, args...)
	if err != nil {
		return out, err
	}
	return out, v.Get(&out)
}

// eventuallyQuery polls a Query until ok accepts the answer.
func eventuallyQuery[T any](t *testing.T, ctx context.Context, c client.Client, id, name string, wait time.Duration, ok func(T) bool) T {
	t.Helper()
	var last T
	require.Eventually(t, func() bool {
		v, err := queryWF[T](ctx, c, id, name)
		if err != nil {
			return false
		}
		last = v
		return ok(v)
	}, wait, 200*time.Millisecond)
	return last
}

func testCustomer() jobcore.Customer {
	return jobcore.Customer{Name: "Test Kund", Phone: "+46701234567", Email: "kund@example.com", Language: rules.Swedish}
}

// --- Task ---------------------------------------------------------------------

// TestTaskEndToEnd: created -> accepted (backoffice) -> deadline warning fires
// (T-5) -> started -> extension requested and agreed (T-6: the deadline
// moves) -> time logged under the budget threshold (T-7) -> final
// hand-over, left unread so its e-mail goes (N-1) -> rated 5.
func TestTaskEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	p := recordPolicy()
	p.DeadlineWarningLead = 25 * time.Second
	p.ExtensionAnswerWindow = time.Minute
	p.HandoverUnreadDelay = 2 * time.Second
	p.ChatUnreadDelay = 2 * time.Second
	p.RatingWindow = time.Minute
	now := time.Now().UTC().Truncate(time.Second)
	in := taskwf.TaskInput{
		TaskID: "REC-1", AccountID: "acc-rec-1", Partner: "acme", Market: rules.Sweden, Language: rules.Swedish,
		Title: "Sort test invoices", Description: "Sort the test invoices by month", BudgetMinutes: 120,
		Deadline:  now.Add(30 * time.Second), // the warning fires ~5 s after the start
		Customer:  testCustomer(),
		Assistant: taskwf.TaskAssistant{ID: "va-1", Email: "va-1@example.com", Language: rules.Swedish},
		CreatedBy: jobcore.Actor{Role: names.RoleCustomer, ID: "acc-rec-1"},
		LinkBase:  "http://127.0.0.1:8080", ConsentToken: "test-token",
		Policy: p,
	}
	id := taskwf.TaskWorkflowID(in.TaskID)
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue},
		names.TaskWorkflowName, in)
	require.NoError(t, err)
	c := srv.Client

	require.Eventually(t, func() bool { return ch.get("task.ack") == 1 }, 20*time.Second, 100*time.Millisecond)
	st, err := updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateAccept,
		taskwf.TaskAcceptRequest{By: jobcore.Actor{Role: names.RoleAssistant, ID: "va-1"}, Area: rules.AreaBackoffice})
	require.NoError(t, err)
	assert.Equal(t, taskwf.TaskAccepted, st.Status)
	// Updates answer a small TaskUpdateResult; the state is the Query's (issue #13).
	qs, err := queryWF[taskwf.TaskState](ctx, c, id, taskwf.TaskQuery)
	require.NoError(t, err)
	assert.Equal(t, rules.AreaBackoffice, qs.WorkArea)

	// T-5: the warning goes DeadlineWarningLead before the deadline.
	require.Eventually(t, func() bool { return ch.get("assistant.deadline_warning") == 1 }, 30*time.Second, 100*time.Millisecond)

	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateStart, taskwf.TaskStartRequest{Assistant: "va-1"})
	require.NoError(t, err)
	assert.Equal(t, taskwf.TaskStarted, st.Status)
	qs, err = queryWF[taskwf.TaskState](ctx, c, id, taskwf.TaskQuery)
	require.NoError(t, err)
	require.NotNil(t, qs.DeadlineWarnedAt)

	newDeadline := time.Now().UTC().Truncate(time.Second).Add(time.Hour)
	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateRequestExtension,
		taskwf.TaskExtensionRequest{Assistant: "va-1", Reason: "more test invoices than expected", NewDeadline: newDeadline})
	require.NoError(t, err)
	assert.Equal(t, 1, st.ExtensionID)
	assert.Equal(t, taskwf.ExtensionPending, st.ExtensionStatus)
	qs, err = queryWF[taskwf.TaskState](ctx, c, id, taskwf.TaskQuery)
	require.NoError(t, err)
	require.Len(t, qs.Extensions, 1)
	assert.Equal(t, "http://127.0.0.1:8080/tasks/task-REC-1/extensions/1?token=test-token", qs.Extensions[0].ConsentURL)

	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateRespondExtension,
		taskwf.TaskExtensionResponse{ExtensionID: 1, Agree: true})
	require.NoError(t, err)
	assert.Equal(t, taskwf.ExtensionAgreed, st.ExtensionStatus)
	assert.True(t, st.Deadline.Equal(newDeadline), "T-6: the agreed deadline stands")
	qs, err = queryWF[taskwf.TaskState](ctx, c, id, taskwf.TaskQuery)
	require.NoError(t, err)
	assert.Nil(t, qs.DeadlineWarnedAt, "a moved deadline re-arms the warning")

	// T-7: 100 of 120 min leaves less than 20 %: the reason is required.
	_, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateLogTime,
		taskwf.TaskTimeEntryRequest{Assistant: "va-1", Minutes: 100})
	require.ErrorContains(t, err, "give the reason")
	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateLogTime,
		taskwf.TaskTimeEntryRequest{Assistant: "va-1", Minutes: 100, Note: "sorted", Reason: "twice as many invoices"})
	require.NoError(t, err)
	assert.Equal(t, 20, st.RemainingMinutes)
	assert.True(t, st.BudgetLow)

	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateHandover,
		taskwf.TaskHandoverRequest{Assistant: "va-1", Final: true, Note: "all sorted", ResultRef: "chat:1"})
	require.NoError(t, err)
	assert.Equal(t, taskwf.TaskHandedOver, st.Status)
	// N-1: the hand-over stays unread past HandoverUnreadDelay: it goes by e-mail.
	require.Eventually(t, func() bool { return ch.get("task.handover") == 1 }, 20*time.Second, 100*time.Millisecond)

	st, err = updateWF[taskwf.TaskUpdateResult](ctx, c, id, taskwf.TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	require.NoError(t, err)
	assert.Equal(t, taskwf.TaskRated, st.Status)

	var final taskwf.TaskState
	require.NoError(t, run.Get(ctx, &final))
	assert.Equal(t, taskwf.TaskRated, final.Status)
	require.NotNil(t, final.Rating)
	assert.Equal(t, 5, final.Rating.Stars)
	assert.False(t, final.DeadlineMissed)
	assert.Equal(t, 100, final.UsedMinutes)
	for _, tpl := range []string{"task.ack", "assistant.deadline_warning", "task.extension_request",
		"task.extension_answered", "task.budget_request", "task.handover"} {
		assert.Equal(t, 1, ch.get(tpl), "%s sent exactly once", tpl)
	}
	assert.Zero(t, ch.get("ops.task_deadline_missed"))
	for _, d := range final.Deliveries {
		assert.Equal(t, "sent", d.Outcome, "%s", d.Step)
	}
	// 4-5 stars start no follow-up.
	_, err = c.DescribeWorkflowExecution(ctx, rating.RatingFollowUpID(id), "")
	require.Error(t, err)

	maybeRecord(t, c, id, "task_accept_extension_handover_rated.json")
}

// --- Reclamation ---------------------------------------------------------------

// TestReclamationEndToEnd: opened by the customer -> unanswered past the reply
// time, escalated at level 1 (C-2) -> acknowledged -> planned (C-3) ->
// resolved by the assignee -> approved.
func TestReclamationEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.ReclamationReply = 2 * time.Second
	p.ReclamationEscalation = time.Minute
	in := reclamation.ReclamationInput{
		Job:       jobcore.JobRef{ID: visit.VisitID("acme", "REC-2"), Kind: names.JobVisit, Partner: "acme", Market: rules.Sweden, Region: "stockholm"},
		Customer:  testCustomer(),
		OpenedBy:  jobcore.Actor{Role: names.RoleCustomer},
		Complaint: "The test router still drops the wifi",
		Policy:    p,
	}
	res, err := api.StartReclamation(ctx, c, in)
	require.NoError(t, err)
	require.True(t, res.Created)
	id := res.ReclamationID
	assert.Equal(t, reclamation.ReclamationCaseID(in.Job.ID), id)

	// C-2: nobody answered within the reply time: escalated to ops.
	st := eventuallyQuery(t, ctx, c, id, reclamation.QueryReclamation, 20*time.Second,
		func(s reclamation.ReclamationState) bool { return s.EscalationLevel == 1 })
	require.Len(t, st.Escalations, 1)
	assert.Equal(t, "reply", st.Escalations[0].Reason)
	require.Eventually(t, func() bool { return ch.get("ops.reclamation_escalation") == 1 }, 10*time.Second, 100*time.Millisecond)

	ack, err := updateWF[reclamation.ReclamationUpdateResult](ctx, c, id, reclamation.UpdateReclamationAcknowledge,
		reclamation.ReclamationAckRequest{Manager: "sm-1", Note: "called the customer"})
	require.NoError(t, err)
	assert.Equal(t, reclamation.ReclamationAcknowledged, ack.Status)
	assert.Zero(t, ack.EscalationLevel, "answered: nothing overdue")

	due := time.Now().UTC().Truncate(time.Second).Add(time.Hour)
	upd, err := updateWF[reclamation.ReclamationUpdateResult](ctx, c, id, reclamation.UpdateReclamationPlan, reclamation.ReclamationPlanRequest{
		Manager: "sm-1", How: "replace the test router", Due: due, Assignee: "fa-1", AssigneeRole: reclamation.AssigneeFirstAssistant})
	require.NoError(t, err)
	assert.Equal(t, reclamation.ReclamationPlanned, upd.Status)
	assert.Equal(t, "fa-1", upd.Assignee)

	_, err = updateWF[reclamation.ReclamationUpdateResult](ctx, c, id, reclamation.UpdateReclamationResolve,
		reclamation.ReclamationResolveRequest{Assignee: "someone-else"})
	require.ErrorContains(t, err, "only the assignee")
	upd, err = updateWF[reclamation.ReclamationUpdateResult](ctx, c, id, reclamation.UpdateReclamationResolve,
		reclamation.ReclamationResolveRequest{Assignee: "fa-1", Note: "router replaced"})
	require.NoError(t, err)
	assert.Equal(t, reclamation.ReclamationResolved, upd.Status)

	_, err = updateWF[reclamation.ReclamationUpdateResult](ctx, c, id, reclamation.UpdateReclamationApprove,
		reclamation.ReclamationApproveRequest{Manager: "sm-1"})
	require.NoError(t, err)

	end, final := runEnd[reclamation.ReclamationResult, reclamation.ReclamationState](t, ctx, c, c.GetWorkflow(ctx, id, ""), reclamation.QueryReclamation)
	assert.Equal(t, final.Status, end.Status)
	assert.Equal(t, "approve", end.Closing)
	assert.Equal(t, reclamation.ReclamationApproved, final.Status)
	require.NotNil(t, final.ClosedAt)
	require.NotNil(t, final.Plan)
	assert.Equal(t, "fa-1", final.Plan.Assignee)
	for _, tpl := range []string{"reclamation.ack", "reclamation.plan", "reclamation.approved", "ops.reclamation_escalation"} {
		assert.Equal(t, 1, ch.get(tpl), "%s sent exactly once", tpl)
	}
	var sent []string
	for _, m := range final.Messages {
		assert.Equal(t, "sent", m.Outcome, "%s", m.Step)
		sent = append(sent, m.Template)
	}
	sort.Strings(sent)
	assert.Equal(t, []string{"ops.reclamation_escalation", "reclamation.ack", "reclamation.approved", "reclamation.plan"}, sent)

	maybeRecord(t, c, id, "reclamation_escalated_ack_plan_resolve_approve.json")
}

// --- RatingFollowUp --------------------------------------------------------------

func startFollowUp(t *testing.T, ctx context.Context, c client.Client, in rating.RatingFollowUpInput) (string, client.WorkflowRun) {
	t.Helper()
	id := rating.RatingFollowUpID(in.Job.ID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE}, rating.RatingFollowUpWorkflowName, in)
	require.NoError(t, err)
	return id, run
}

// TestRatingFollowUpThreeStarsEndToEnd: 3 stars -> the kind question goes out
// -> the customer answers (R-2).
func TestRatingFollowUpThreeStarsEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.RatingWindow = time.Minute
	p.RatingReportTime = time.Minute
	id, run := startFollowUp(t, ctx, c, rating.RatingFollowUpInput{
		Job:    jobcore.JobRef{ID: taskwf.TaskWorkflowID("REC-R3"), Kind: names.JobTask, Partner: "acme", Market: rules.Sweden},
		Worker: "va-1", Customer: testCustomer(), Stars: 3, Policy: p,
	})
	eventuallyQuery(t, ctx, c, id, rating.QueryRatingFollowUp, 20*time.Second,
		func(s rating.RatingFollowUpState) bool { return s.Status == rating.RatingAsked })
	require.Eventually(t, func() bool { return ch.get("task.rating_followup") == 1 }, 10*time.Second, 100*time.Millisecond)

	_, err := updateWF[rating.RatingUpdateResult](ctx, c, id, rating.UpdateRatingAnswer, rating.RatingAnswerRequest{Answer: " "})
	require.ErrorContains(t, err, "empty")
	st, err := updateWF[rating.RatingUpdateResult](ctx, c, id, rating.UpdateRatingAnswer,
		rating.RatingAnswerRequest{Answer: "A faster first answer"})
	require.NoError(t, err)
	assert.Equal(t, rating.RatingAnswered, st.Status)

	end, final := runEnd[rating.RatingFollowUpResult, rating.RatingFollowUpState](t, ctx, c, run, rating.QueryRatingFollowUp)
	assert.Equal(t, final.Status, end.Status)
	assert.Equal(t, final.ReclamationID, end.ReclamationID)
	assert.Equal(t, rating.RatingAnswered, final.Status)
	assert.Equal(t, "A faster first answer", final.Answer)
	require.NotNil(t, final.ClosedAt)
	require.Len(t, final.Messages, 1)
	assert.Equal(t, "task.rating_followup", final.Messages[0].Template)
	assert.Equal(t, "sent", final.Messages[0].Outcome)

	maybeRecord(t, c, id, "ratingfollowup_three_stars_answered.json")
}

// TestRatingFollowUpOneStarEndToEnd: 1 star with a comment -> the comment
// opens a reclamation (child, abandoned) and the team lead is alerted ->
// the worker reports -> the team lead is asked and decides; the customer
// gets the answer.
func TestRatingFollowUpOneStarEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.RatingWindow = time.Minute
	p.RatingReportTime = time.Minute
	job := jobcore.JobRef{ID: taskwf.TaskWorkflowID("REC-R1"), Kind: names.JobTask, Partner: "acme", Market: rules.Sweden}
	id, run := startFollowUp(t, ctx, c, rating.RatingFollowUpInput{
		Job: job, Worker: "va-1", Customer: testCustomer(), Stars: 1, Comment: "The test result came late", Policy: p,
	})
	st := eventuallyQuery(t, ctx, c, id, rating.QueryRatingFollowUp, 20*time.Second,
		func(s rating.RatingFollowUpState) bool { return s.ReclamationID != "" })
	assert.Equal(t, rating.RatingAwaitingReport, st.Status)
	assert.Equal(t, reclamation.RatingReclamationID(job.ID), st.ReclamationID)
	require.Eventually(t, func() bool { return ch.get("ops.rating_low") == 1 }, 10*time.Second, 100*time.Millisecond)

	_, err := updateWF[rating.RatingUpdateResult](ctx, c, id, rating.UpdateRatingReport,
		rating.RatingReportRequest{Worker: "va-2", Report: "not mine"})
	require.ErrorContains(t, err, "only the worker")
	res, err := updateWF[rating.RatingUpdateResult](ctx, c, id, rating.UpdateRatingReport,
		rating.RatingReportRequest{Worker: "va-1", Report: "the test material arrived late"})
	require.NoError(t, err)
	assert.Equal(t, rating.RatingAwaitingDecision, res.Status)
	assert.Equal(t, reclamation.RatingReclamationID(job.ID), res.ReclamationID)
	require.Eventually(t, func() bool { return ch.get("ops.rating_decide") == 1 }, 10*time.Second, 100*time.Millisecond)

	res, err = updateWF[rating.RatingUpdateResult](ctx, c, id, rating.UpdateRatingDecide, rating.RatingDecideRequest{
		TeamLead: "tl-1", Decision: "coach the assistant on deadlines", Answer: "Sorry, we will be on time next time"})
	require.NoError(t, err)
	assert.Equal(t, rating.RatingDecided, res.Status)

	end, final := runEnd[rating.RatingFollowUpResult, rating.RatingFollowUpState](t, ctx, c, run, rating.QueryRatingFollowUp)
	assert.Equal(t, final.Status, end.Status)
	assert.Equal(t, final.ReclamationID, end.ReclamationID)
	assert.Equal(t, rating.RatingDecided, final.Status)
	assert.Equal(t, "tl-1", final.DecidedBy)
	assert.Equal(t, "the test material arrived late", final.Report)
	assert.False(t, final.ReportMissing)
	assert.Equal(t, 1, final.DecisionAsks)
	var sent []string
	for _, m := range final.Messages {
		assert.Equal(t, "sent", m.Outcome, "%s", m.Step)
		sent = append(sent, m.Template)
	}
	sort.Strings(sent)
	assert.Equal(t, []string{"ops.rating_decide", "ops.rating_low", "rating.answer"}, sent)

	// The comment's reclamation runs on its own (C-1).
	rec, err := queryWF[reclamation.ReclamationState](ctx, c, final.ReclamationID, reclamation.QueryReclamation)
	require.NoError(t, err)
	assert.Equal(t, reclamation.ReclamationWaiting, rec.Status)
	assert.Equal(t, "The test result came late", rec.Complaint)

	maybeRecord(t, c, id, "ratingfollowup_one_star_report_decide.json")
}

// --- Absence ---------------------------------------------------------------------

func absenceWorker(t *testing.T, srv *devtest.Server, ch *recordingChannels) {
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
		// The real look-ups against the server; an empty roster: nobody to
		// offer work to, so every job escalates to ops.
		w.RegisterActivity(&activities.Absences{Client: srv.Client, Roster: activities.StaticRoster(nil), Channels: ch})
	})
}

// TestAbsenceEndToEnd: a short sick absence of an assistant without work,
// reported by the manager -> approved at once, cover search finds nothing
// -> active with the auto-reply on (A-5) -> ends by itself.
func TestAbsenceEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	absenceWorker(t, srv, ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	now := time.Now().UTC().Truncate(time.Second)
	in := absence.AbsenceInput{
		WorkerID: "va-abs-1", WorkerName: "Test Assistent", Role: names.RoleAssistant, Market: rules.Sweden,
		Kind: absence.AbsenceSick, Period: absence.AbsencePeriod{From: now, To: now.Add(6 * time.Second)},
		ReportedBy: jobcore.Actor{Role: names.RoleOps, ID: "mgr-1"}, Contact: "Test Teamlead, teamlead@example.com",
		Policy: recordPolicy(),
	}
	id := absence.AbsenceID(in.WorkerID, 1)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue},
		absence.AbsenceWorkflowName, in)
	require.NoError(t, err)

	reply := eventuallyQuery(t, ctx, c, id, absence.QueryAutoReply, 5*time.Second,
		func(r absence.AbsenceAutoReply) bool { return r.Active })
	assert.Equal(t, "Test Teamlead, teamlead@example.com", reply.Contact)
	assert.Equal(t, "absence.auto_reply", reply.Message.Template)

	end, final := runEnd[absence.AbsenceResult, absence.AbsenceState](t, ctx, c, run, absence.QueryAbsence)
	assert.Equal(t, final.Status, end.Status)
	assert.Equal(t, final.Uncovered, end.Uncovered)
	assert.Equal(t, absence.AbsenceEnded, final.Status)
	assert.Equal(t, "mgr-1", final.ApprovedBy)
	require.NotNil(t, final.CoverStarted, "sick: the cover search starts at once (A-1)")
	assert.Empty(t, final.Jobs)
	assert.Zero(t, final.Uncovered)
	assert.False(t, final.Acute)
	var actions []string
	for _, l := range final.Log {
		actions = append(actions, l.Action)
	}
	assert.Equal(t, []string{"reported", "approve", "active", "ended"}, actions)
	ended, err := queryWF[absence.AbsenceAutoReply](ctx, c, id, absence.QueryAutoReply)
	require.NoError(t, err)
	assert.False(t, ended.Active, "A-5: the auto-reply ends with the absence")

	maybeRecord(t, c, id, "absence_sick_no_jobs.json")
}

// TestAbsenceWithTaskEndToEnd: a sick assistant has a task due within the
// absence; with nobody on the roster the task escalates to ops, and the
// manager hears at once because it is due soon.
func TestAbsenceWithTaskEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	absenceWorker(t, srv, ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	now := time.Now().UTC().Truncate(time.Second)
	p := recordPolicy()
	p.SubstituteLead = 2 * time.Second
	task := taskwf.TaskInput{
		TaskID: "REC-ABS-1", AccountID: "acc-rec-2", Partner: "acme", Market: rules.Sweden, Language: rules.Swedish,
		Title: "Book test meetings", BudgetMinutes: 60, Deadline: now.Add(20 * time.Second),
		Customer: testCustomer(), Assistant: taskwf.TaskAssistant{ID: "va-abs-2", Email: "va-abs-2@example.com"},
		CreatedBy: jobcore.Actor{Role: names.RoleCustomer, ID: "acc-rec-2"}, Policy: p,
	}
	taskID := taskwf.TaskWorkflowID(task.TaskID)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: taskID, TaskQueue: names.TaskQueue}, names.TaskWorkflowName, task)
	require.NoError(t, err)
	// The absence finds work through visibility: wait until it is indexed.
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: srv.Namespace, Query: activities.AbsenceTasksQuery("va-abs-2")})
		return err == nil && len(resp.Executions) == 1
	}, 10*time.Second, 200*time.Millisecond)

	in := absence.AbsenceInput{
		WorkerID: "va-abs-2", WorkerName: "Test Assistent", Role: names.RoleAssistant, Market: rules.Sweden,
		Kind: absence.AbsenceSick, Period: absence.AbsencePeriod{From: now, To: now.Add(30 * time.Second)},
		ReportedBy: jobcore.Actor{Role: names.RoleOps, ID: "mgr-1"}, Contact: "Test Teamlead, teamlead@example.com",
		Policy: p,
	}
	id := absence.AbsenceID(in.WorkerID, 1)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue},
		absence.AbsenceWorkflowName, in)
	require.NoError(t, err)

	st := eventuallyQuery(t, ctx, c, id, absence.QueryAbsence, 20*time.Second,
		func(s absence.AbsenceState) bool {
			return len(s.Jobs) == 1 && s.Jobs[0].Cover == absence.CoverEscalated
		})
	assert.Equal(t, taskID, st.Jobs[0].ID)
	assert.Equal(t, 1, st.Uncovered)
	assert.True(t, st.Acute)
	require.Eventually(t, func() bool {
		return ch.get("ops.absence_acute") == 1 && ch.get("ops.substitute_missing") == 1
	}, 10*time.Second, 100*time.Millisecond)

	end, final := runEnd[absence.AbsenceResult, absence.AbsenceState](t, ctx, c, run, absence.QueryAbsence)
	assert.Equal(t, final.Status, end.Status)
	assert.Equal(t, final.Uncovered, end.Uncovered)
	assert.Equal(t, absence.AbsenceEnded, final.Status)
	require.Len(t, final.Jobs, 1)
	assert.Equal(t, absence.CoverEscalated, final.Jobs[0].Cover, "the escalation stays open with ops (A-1)")
	assert.Empty(t, final.Jobs[0].OfferedTo)
	assert.False(t, final.Long)
	for _, d := range final.Deliveries {
		assert.Equal(t, "sent", d.Outcome, "%s", d.Step)
	}
	assert.Equal(t, 1, ch.get("ops.absence_acute"))
	assert.Equal(t, 1, ch.get("ops.substitute_missing"))

	maybeRecord(t, c, id, "absence_sick_task_escalated.json")
}

// --- CustomerAccount --------------------------------------------------------------

// TestCustomerAccountEndToEnd: started by an activity signal
// (SignalWithStart) -> one more activity -> quiet: nudge, unused-hours
// e-mail and the inactive mark fire (N-4, shortened) -> activity again
// reactivates it -> terminated (the workflow never ends by itself).
func TestCustomerAccountEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.InactivityNudge = 3 * time.Second
	p.InactivityEmail = 6 * time.Second
	p.InactivityMark = 9 * time.Second
	in := account.AccountInput{AccountID: "acc-rec-3", Market: rules.Sweden, Customer: testCustomer(), Policy: p}
	id := account.AccountWorkflowID(in.AccountID)
	_, err := c.SignalWithStartWorkflow(ctx, id, account.AccountSignalActivity,
		account.AccountActivitySignal{Kind: "task-created", Ref: "task-REC-X"},
		client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, account.AccountWorkflowName, in)
	require.NoError(t, err)
	eventuallyQuery(t, ctx, c, id, account.AccountQuery, 10*time.Second,
		func(s account.AccountState) bool { return s.Signals == 1 })
	require.NoError(t, c.SignalWorkflow(ctx, id, "", account.AccountSignalActivity, account.AccountActivitySignal{Kind: "login"}))
	st := eventuallyQuery(t, ctx, c, id, account.AccountQuery, 10*time.Second,
		func(s account.AccountState) bool { return s.Signals == 2 })
	assert.Equal(t, account.AccountActive, st.Stage)
	assert.Equal(t, "nudge", st.NextAction)

	st = eventuallyQuery(t, ctx, c, id, account.AccountQuery, 30*time.Second,
		func(s account.AccountState) bool { return s.Stage == account.AccountInactive })
	assert.True(t, st.Inactive)
	assert.Equal(t, 1, ch.get("account.nudge"))
	assert.Equal(t, 1, ch.get("account.unused_hours"))
	require.Len(t, st.Deliveries, 2)
	for _, d := range st.Deliveries {
		assert.Equal(t, "sent", d.Outcome, "%s", d.Step)
	}
	// Ops find it as inactive.
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: srv.Namespace, Query: `AccountStatus = "inactive"`})
		return err == nil && len(resp.Executions) == 1
	}, 10*time.Second, 200*time.Millisecond)

	require.NoError(t, c.SignalWorkflow(ctx, id, "", account.AccountSignalActivity, account.AccountActivitySignal{Kind: "login"}))
	st = eventuallyQuery(t, ctx, c, id, account.AccountQuery, 10*time.Second,
		func(s account.AccountState) bool { return s.Signals == 3 })
	assert.Equal(t, account.AccountActive, st.Stage)
	assert.False(t, st.Inactive)
	var actions []string
	for _, e := range st.Log {
		actions = append(actions, e.Action)
	}
	assert.Equal(t, []string{"nudge", "unused-hours", "inactive", "reactivated"}, actions)

	require.NoError(t, c.TerminateWorkflow(ctx, id, "", "end of the recording"))
	maybeRecord(t, c, id, "customeraccount_inactive_reactivated.json")
}

// TestCustomerAccountDigestEndToEnd: the API's order (account by
// SignalWithStart, then the task) -> accepted, started (both signalled to
// the account) -> "accepted" read (signalled) -> final hand-over left
// unread: the account e-mails it after HandoverUnreadDelay (N-1) -> rated ->
// the account's digest at DigestAt (set two minutes ahead, P-1) lists
// "started" only -> terminated. Records the account's and the task's
// histories (customeraccount_digest_handover.json,
// task_signals_account.json) for the replay test.
func TestCustomerAccountDigestEndToEnd(t *testing.T) {
	loc := rules.Location(rules.Germany)
	local := time.Now().In(loc)
	// Two minutes ahead; after 23:58 that is 00:00 or 00:01 tomorrow, which
	// the policy's every-day e-mail window allows (issue #15).
	at := (local.Hour()*60 + local.Minute() + 2) % (24 * 60)
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.DigestAt = rules.Clock(at)
	p.HandoverUnreadDelay = 2 * time.Second
	p.RatingWindow = time.Minute
	cust := jobcore.Customer{Name: "Test Kunde", Phone: "+4915123456789", Email: "kunde@example.com", Language: rules.German}
	acc := account.AccountInput{AccountID: "acc-rec-4", Market: rules.Germany, Customer: cust, Policy: p, AppURL: "http://127.0.0.1:8080"}
	accID := account.AccountWorkflowID(acc.AccountID)
	_, err := c.SignalWithStartWorkflow(ctx, accID, account.AccountSignalActivity,
		account.AccountActivitySignal{Kind: "task-created", Ref: "task-REC-4"},
		client.StartWorkflowOptions{ID: accID, TaskQueue: names.TaskQueue}, account.AccountWorkflowName, acc)
	require.NoError(t, err)

	now := time.Now().UTC().Truncate(time.Second)
	in := taskwf.TaskInput{
		TaskID: "REC-4", AccountID: acc.AccountID, Partner: "globex", Market: rules.Germany, Language: rules.German,
		Title: "Test Rechnungen sortieren", Description: "Die Testrechnungen nach Monat sortieren", BudgetMinutes: 120,
		Deadline: now.Add(24 * time.Hour), Customer: cust,
		Assistant: taskwf.TaskAssistant{ID: "va-4", Email: "va-4@example.com", Language: rules.German},
		CreatedBy: jobcore.Actor{Role: names.RoleCustomer, ID: acc.AccountID},
		LinkBase:  "http://127.0.0.1:8080", Policy: p,
	}
	id := taskwf.TaskWorkflowID(in.TaskID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, names.TaskWorkflowName, in)
	require.NoError(t, err)
	va := jobcore.Actor{Role: names.RoleAssistant, ID: "va-4"}
	_, err = updateWF[taskwf.TaskState](ctx, c, id, taskwf.TaskUpdateAccept, taskwf.TaskAcceptRequest{By: va, Area: rules.AreaBackoffice})
	require.NoError(t, err)
	_, err = updateWF[taskwf.TaskState](ctx, c, id, taskwf.TaskUpdateStart, taskwf.TaskStartRequest{Assistant: "va-4"})
	require.NoError(t, err)
	_, err = updateWF[taskwf.TaskState](ctx, c, id, taskwf.TaskUpdateMarkRead, taskwf.TaskMarkReadRequest{IDs: []int{1}})
	require.NoError(t, err)
	st := eventuallyQuery(t, ctx, c, accID, account.AccountQuery, 10*time.Second,
		func(s account.AccountState) bool { return s.UnreadCount == 1 && len(s.Unread) == 1 })
	assert.Equal(t, taskwf.NoteStarted, st.Unread[0].Kind)

	_, err = updateWF[taskwf.TaskState](ctx, c, id, taskwf.TaskUpdateHandover, taskwf.TaskHandoverRequest{Assistant: "va-4", Final: true})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ch.get("task.handover") == 1 }, 20*time.Second, 100*time.Millisecond)
	_, err = updateWF[taskwf.TaskState](ctx, c, id, taskwf.TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	require.NoError(t, err)
	var final taskwf.TaskState
	require.NoError(t, run.Get(ctx, &final))
	assert.Equal(t, taskwf.TaskRated, final.Status)

	st = eventuallyQuery(t, ctx, c, accID, account.AccountQuery, 3*time.Minute,
		func(s account.AccountState) bool { return s.Digests == 1 && len(s.Deliveries) == 2 })
	assert.Equal(t, 1, ch.get("task.digest"))
	assert.Equal(t, 1, ch.get("task.handover"), "the hand-over is e-mailed once, by the account")
	assert.Empty(t, st.Unread)
	for _, d := range st.Deliveries {
		assert.Equal(t, "sent", d.Outcome, "%s", d.Step)
	}

	require.NoError(t, c.TerminateWorkflow(ctx, accID, "", "end of the recording"))
	maybeRecord(t, c, accID, "customeraccount_digest_handover.json")
	maybeRecord(t, c, id, "task_signals_account.json")
}

// --- NotificationDigest ---------------------------------------------------------

// fakeTasks is a TaskSource with fixed answers (the digest's look-ups).
type fakeTasks struct {
	mu      sync.Mutex
	queries []string
	views   map[string]activities.TaskDigestView
}

func (f *fakeTasks) OpenTasks(_ context.Context, query string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, query)
	ids := []string{"task-DG-gone"}
	for id := range f.views {
		ids = append(ids, id)
	}
	return ids, nil
}

func (f *fakeTasks) DigestView(_ context.Context, id string, since, until time.Time) (activities.TaskDigestView, error) {
	v, ok := f.views[id]
	if !ok {
		return v, errors.New("workflow not found")
	}
	return v, nil
}

// TestNotificationDigestEndToEnd runs one market's digest directly (not from
// its schedule): unread notifications of three tasks go out as one e-mail
// per customer account; a task that cannot be queried is named (N-1).
func TestNotificationDigestEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	item := func(id int, kind string) activities.DigestItem {
		return activities.DigestItem{ID: id, Kind: kind, At: time.Now().Add(-time.Hour), Text: "test " + kind}
	}
	to := activities.DigestRecipient{Name: "Test Kund", Email: "kund@example.com", Language: "sv"}
	tasks := &fakeTasks{views: map[string]activities.TaskDigestView{
		"task-DG-1": {TaskID: "task-DG-1", AccountID: "acc-dg-1", Market: "SE", Title: "Test 1", Customer: to,
			Unread: []activities.DigestItem{item(1, taskwf.NoteAccepted), item(2, taskwf.NoteStarted)}},
		"task-DG-2": {TaskID: "task-DG-2", AccountID: "acc-dg-1", Market: "SE", Title: "Test 2", Customer: to,
			Unread: []activities.DigestItem{item(1, taskwf.NoteChanged)}},
		"task-DG-3": {TaskID: "task-DG-3", AccountID: "acc-dg-2", Market: "SE", Title: "Test 3",
			Customer: activities.DigestRecipient{Name: "Test Kund Två", Email: "kund2@example.com", Language: "sv"},
			Unread:   []activities.DigestItem{item(1, taskwf.NoteExtensionRequest)}},
		"task-DG-4": {TaskID: "task-DG-4", AccountID: "acc-dg-2", Market: "SE", Title: "Test 4", Customer: to,
			Unread: []activities.DigestItem{}},
	}}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
		w.RegisterActivity(&activities.Notifications{Tasks: tasks, Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	id := "digest-SE-recorded"
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue},
		account.DigestWorkflowName, account.DigestInput{Market: rules.Sweden, Policy: recordPolicy()})
	require.NoError(t, err)
	var out account.DigestOutcome
	require.NoError(t, run.Get(ctx, &out))
	assert.Equal(t, rules.Sweden, out.Market)

	// Retired by issue #13 (ChangeDigestRetired): a new run sends nothing;
	// the accounts send the digests. testdata/notificationdigest_once.json
	// keeps the old design's history for the replay test and is not
	// recorded again (it would hold the retired run).
	assert.Contains(t, out.Skipped, "retired")
	assert.Nil(t, out.Result)
	assert.Zero(t, ch.get(activities.DigestTemplate))
	assert.Empty(t, tasks.queries)
}
