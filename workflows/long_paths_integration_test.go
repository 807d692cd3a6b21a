package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	taskwf "github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
)

// The long and branching paths of issue #13, on a real dev server, each
// recorded for the replay test (JOBFLOW_RECORD_HISTORIES): a task with
// extensions and many chats, a sick absence whose visit a substitute takes
// over, and a customer account across continue-as-new.

// TestTaskExtensionsAndChatsEndToEnd: accepted -> two extension requests
// (declined, then agreed: the deadline moves, T-6) -> 40 chat messages,
// read in batches (N-2) -> time logged (T-7) -> two intermediate results
// and the final one (T-8) -> rated 4.
func TestTaskExtensionsAndChatsEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := srv.Client

	p := recordPolicy()
	p.ChatUnreadDelay = time.Hour // read in time: no N-2 e-mails
	p.HandoverUnreadDelay = time.Hour
	p.RatingWindow = time.Minute
	now := time.Now().UTC().Truncate(time.Second)
	in := taskwf.TaskInput{
		TaskID: "REC-LONG-1", AccountID: "acc-rec-long", Partner: "acme", Market: rules.Denmark, Language: rules.Danish,
		Title: "Test research", Description: "Find test suppliers", BudgetMinutes: 600,
		Deadline: now.Add(72 * time.Hour), Customer: testCustomer(),
		Assistant: taskwf.TaskAssistant{ID: "va-long", Email: "va-long@example.com", Language: rules.Danish},
		CreatedBy: jobcore.Actor{Role: names.RoleCustomer, ID: "acc-rec-long"},
		LinkBase:  "http://127.0.0.1:8080", ConsentToken: "test-token", Policy: p,
	}
	id := taskwf.TaskWorkflowID(in.TaskID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, names.TaskWorkflowName, in)
	require.NoError(t, err)
	up := func(name string, arg any) taskwf.TaskUpdateResult {
		t.Helper()
		r, err := updateWF[taskwf.TaskUpdateResult](ctx, c, id, name, arg)
		require.NoError(t, err, name)
		return r
	}
	assistant := jobcore.Actor{Role: names.RoleAssistant, ID: "va-long"}
	up(taskwf.TaskUpdateAccept, taskwf.TaskAcceptRequest{By: assistant, Area: rules.AreaBackoffice})
	up(taskwf.TaskUpdateStart, taskwf.TaskStartRequest{Assistant: "va-long"})

	r := up(taskwf.TaskUpdateRequestExtension, taskwf.TaskExtensionRequest{Assistant: "va-long", Reason: "test source missing", NewDeadline: now.Add(96 * time.Hour)})
	up(taskwf.TaskUpdateRespondExtension, taskwf.TaskExtensionResponse{ExtensionID: r.ExtensionID, Agree: false})
	later := now.Add(120 * time.Hour)
	r = up(taskwf.TaskUpdateRequestExtension, taskwf.TaskExtensionRequest{Assistant: "va-long", Reason: "more test suppliers", NewDeadline: later})
	r = up(taskwf.TaskUpdateRespondExtension, taskwf.TaskExtensionResponse{ExtensionID: r.ExtensionID, Agree: true})
	assert.True(t, r.Deadline.Equal(later), "T-6: the agreed deadline stands")

	for i := 1; i <= 40; i++ {
		by := jobcore.Actor{Role: names.RoleCustomer, ID: "acc-rec-long"}
		if i%2 == 0 {
			by = assistant
		}
		up(taskwf.TaskUpdateChat, taskwf.TaskChatRequest{From: by, MessageRef: fmt.Sprintf("msg-%d", i)})
		if i%10 == 0 {
			up(taskwf.TaskUpdateMarkRead, taskwf.TaskMarkReadRequest{})
		}
		if i%20 == 0 {
			up(taskwf.TaskUpdateHandover, taskwf.TaskHandoverRequest{Assistant: "va-long", Note: "part", ResultRef: fmt.Sprintf("chat:%d", i)})
			up(taskwf.TaskUpdateMarkRead, taskwf.TaskMarkReadRequest{})
		}
	}
	up(taskwf.TaskUpdateLogTime, taskwf.TaskTimeEntryRequest{Assistant: "va-long", Minutes: 90, Note: "research"})
	up(taskwf.TaskUpdateHandover, taskwf.TaskHandoverRequest{Assistant: "va-long", Final: true, Note: "all found", ResultRef: "chat:41"})
	up(taskwf.TaskUpdateMarkRead, taskwf.TaskMarkReadRequest{})
	up(taskwf.TaskUpdateRate, jobcore.RateRequest{Stars: 4})

	var final taskwf.TaskState
	require.NoError(t, run.Get(ctx, &final))
	assert.Equal(t, taskwf.TaskRated, final.Status)
	assert.Len(t, final.Extensions, 2)
	assert.Len(t, final.Handovers, 3)
	assert.Equal(t, 40, final.ChatTotal)
	assert.Zero(t, ch.get("task.chat_unread"), "every chat read in time (N-2)")
	maybeRecord(t, c, id, "task_extensions_chats_rated.json")
}

// TestAbsenceSickVisitSubstituteEndToEnd: a buddy holding a
// claimed visit reports sick for three days; the absence finds the visit
// through visibility, offers it to the colleague on the roster, who takes
// it: the visit is reassigned through its own Update and keeps its timers.
func TestAbsenceSickVisitSubstituteEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	roster := activities.StaticRoster{
		{ID: "b-sick", Role: names.RoleBuddy, Market: string(rules.Sweden), Regions: []string{"stockholm"}, Phone: "+46701234561", Language: "sv"},
		{ID: "b-sub", Role: names.RoleBuddy, Market: string(rules.Sweden), Regions: []string{"stockholm"}, Phone: "+46701234562", Language: "sv"},
	}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
		w.RegisterActivity(&activities.Absences{Client: srv.Client, Roster: roster, Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	now := time.Now().UTC().Truncate(time.Second)
	p := recordPolicy()
	vin := visit.VisitInput{
		Booking: visit.Booking{
			Partner: "acme", BookingRef: "REC-ABS-V", Market: rules.Sweden, Region: "stockholm",
			Customer: testCustomer(), Address: "Testgatan 2", Product: "router", Problem: "wifi",
			WishedTimes: []rules.Window{{From: now, To: now.Add(2 * time.Hour)}}, BookedAt: now,
		},
		Policy: p, RatingLink: "http://127.0.0.1:8080/v1/visits/visit-acme-REC-ABS-V/rating?token=test",
	}
	vid := visit.VisitID("acme", "REC-ABS-V")
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: vid, TaskQueue: names.TaskQueue}, visit.VisitWorkflowName, vin)
	require.NoError(t, err)
	_, err = updateWF[visit.VisitUpdateResult](ctx, c, vid, visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-sick"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: srv.Namespace, Query: activities.AbsenceVisitsQuery("b-sick")})
		return err == nil && len(resp.Executions) == 1
	}, 10*time.Second, 200*time.Millisecond)

	in := absence.AbsenceInput{
		WorkerID: "b-sick", WorkerName: "Test Buddy", Role: names.RoleBuddy, Market: rules.Sweden, Region: "stockholm",
		Kind: absence.AbsenceSick, Period: absence.AbsencePeriod{From: now, To: now.Add(72 * time.Hour)},
		ReportedBy: jobcore.Actor{Role: names.RoleOps, ID: "mgr-1"}, Contact: "Test Teamlead, teamlead@example.com",
		Policy: p,
	}
	id := absence.AbsenceID(in.WorkerID, 1)
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, absence.AbsenceWorkflowName, in)
	require.NoError(t, err)

	st := eventuallyQuery(t, ctx, c, id, absence.QueryAbsence, 20*time.Second,
		func(s absence.AbsenceState) bool { return len(s.Jobs) == 1 && len(s.Jobs[0].OfferedTo) > 0 })
	assert.Equal(t, vid, st.Jobs[0].ID)
	assert.Contains(t, st.Jobs[0].OfferedTo, "b-sub", "A-1: the colleague on the roster is offered the visit")
	_, err = updateWF[absence.AbsenceUpdateResult](ctx, c, id, absence.UpdateAcceptSubstitute,
		absence.AcceptSubstituteRequest{JobID: vid, Substitute: "b-sub", By: jobcore.Actor{Role: names.RoleBuddy, ID: "b-sub"}})
	require.NoError(t, err)
	st = eventuallyQuery(t, ctx, c, id, absence.QueryAbsence, 20*time.Second,
		func(s absence.AbsenceState) bool { return s.Jobs[0].Cover == absence.CoverCovered })
	assert.Equal(t, 0, st.Uncovered)
	vs, err := queryWF[visit.VisitState](ctx, c, vid, visit.QueryVisit)
	require.NoError(t, err)
	assert.Equal(t, "b-sub", vs.Holder, "A-1: the visit is the substitute's now")
	assert.Equal(t, visit.StatusClaimed, vs.Status)
	// three days is a long absence: the customer is told.
	require.Eventually(t, func() bool { return ch.get("absence.customer_notice") == 1 }, 20*time.Second, 100*time.Millisecond)

	require.NoError(t, c.TerminateWorkflow(ctx, id, "", "end of the recording"))
	require.NoError(t, c.TerminateWorkflow(ctx, vid, "", "end of the recording"))
	maybeRecord(t, c, id, "absence_sick_visit_substitute.json")
}

// TestCustomerAccountContinueAsNewEndToEnd (N-4, issue #13): an account
// that takes AccountSignalsPerRun signals continues as new with its state:
// the next run keeps the stage, the last activity and the count of runs.
func TestCustomerAccountContinueAsNewEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := srv.Client

	in := account.AccountInput{AccountID: "acc-rec-can", Market: rules.Sweden, Customer: testCustomer(), Policy: recordPolicy()}
	id := account.AccountWorkflowID(in.AccountID)
	first, err := c.SignalWithStartWorkflow(ctx, id, account.AccountSignalActivity,
		account.AccountActivitySignal{Kind: "task-created", Ref: "task-REC-CAN"},
		client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, account.AccountWorkflowName, in)
	require.NoError(t, err)
	for i := 1; i < account.AccountSignalsPerRun+5; i++ {
		require.NoError(t, c.SignalWorkflow(ctx, id, "", account.AccountSignalActivity, account.AccountActivitySignal{Kind: "login"}))
	}
	st := eventuallyQuery(t, ctx, c, id, account.AccountQuery, 30*time.Second,
		func(s account.AccountState) bool { return s.Runs >= 1 })
	assert.Equal(t, account.AccountActive, st.Stage)
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	assert.NotEqual(t, first.GetRunID(), desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), "a new run")

	require.NoError(t, c.TerminateWorkflow(ctx, id, "", "end of the recording"))
	maybeRecordRun(t, c, id, first.GetRunID(), "customeraccount_continued_as_new.json")
}
