package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// recordingChannels counts sends per template; the integration test checks
// each customer message went exactly once.
type recordingChannels struct {
	mu    sync.Mutex
	count map[string]int
}

func (r *recordingChannels) add(template string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count == nil {
		r.count = map[string]int{}
	}
	r.count[template]++
}

func (r *recordingChannels) get(template string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[template]
}

func (r *recordingChannels) SendSMS(_ context.Context, q activities.SMSRequest) (activities.SMSResult, error) {
	r.add(q.Message.Template)
	return activities.SMSResult{SID: q.Step.Key()}, nil
}

func (r *recordingChannels) ReminderCall(_ context.Context, q activities.CallRequest) (activities.CallResult, error) {
	r.add(q.Message.Template)
	return activities.CallResult{SID: q.Step.Key(), Outcome: activities.CallNoAnswer}, nil
}

func (r *recordingChannels) SendEmail(_ context.Context, q activities.EmailRequest) (activities.EmailResult, error) {
	r.add(q.Message.Template)
	return activities.EmailResult{MessageID: q.Step.Key()}, nil
}

func (r *recordingChannels) AlertOps(_ context.Context, q activities.OpsAlert) (activities.AlertResult, error) {
	r.add(q.Message.Template)
	return activities.AlertResult{ID: q.Step.Key()}, nil
}

// shortPolicy shrinks the visit's promises through the policy input (P-1),
// never through a fake clock, so a real server drives real timers.
func shortPolicy() rules.Policy {
	p := rules.DefaultPolicy()
	p.ClaimLock = 30 * time.Second
	p.ReminderLead = 2 * time.Second
	p.RatingWindow = time.Minute
	return p
}

// TestVisitEndToEnd drives one visit through a real dev server and worker:
// booked, claimed, booked with a time, reminded (V-7: unanswered call, then
// SMS), started, completed and rated. With JOBFLOW_RECORD_HISTORIES=1 it
// writes the history to testdata/ for the replay test.
func TestVisitEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	now := time.Now().UTC().Truncate(time.Second)
	in := visit.VisitInput{
		Booking: visit.Booking{
			Partner: "acme", BookingRef: "IT-1", Market: rules.Sweden, Region: "stockholm",
			Customer: jobcore.Customer{Name: "Test Kund", Phone: "+46700000001", Email: "kund@example.com", Language: rules.Swedish},
			Address:  "Testgatan 1", Product: "router", Problem: "wifi",
			WishedTimes: []rules.Window{{From: now, To: now.Add(2 * time.Hour)}},
			BookedAt:    now,
		},
		Policy:     shortPolicy(),
		RatingLink: "http://127.0.0.1:8080/v1/visits/visit-acme-IT-1/rating?token=test",
	}
	id := visit.VisitID("acme", "IT-1")
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: names.TaskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "Visit acme/IT-1 in stockholm",
	}, visit.VisitWorkflowName, in)
	require.NoError(t, err)

	update := func(name string, arg any) (visit.VisitUpdateResult, error) {
		h, err := srv.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var st visit.VisitUpdateResult
		if err != nil {
			return st, err
		}
		return st, h.Get(ctx, &st)
	}

	st, err := update(visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-1"})
	require.NoError(t, err)
	assert.Equal(t, visit.StatusClaimed, st.Status)

	_, err = update(visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-2"})
	require.ErrorContains(t, err, "second claim is refused (V-2)")

	appt := time.Now().Add(5 * time.Second)
	st, err = update(visit.UpdateBook, visit.BookRequest{Buddy: "b-1", At: appt, ClarifiedProblem: "router reboots",
		ProductsAtHome: true, Recording: visit.RecordingAccepted})
	require.NoError(t, err)
	assert.Equal(t, visit.StatusBooked, st.Status)

	// V-7: the reminder call goes ReminderLead before the appointment; the
	// customer does not answer, so the SMS follows.
	require.Eventually(t, func() bool { return ch.get("visit.reminder_sms") == 1 }, 30*time.Second, 200*time.Millisecond)

	_, err = update(visit.UpdateStart, visit.StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	require.NoError(t, err)
	st, err = update(visit.UpdateComplete, visit.CompleteRequest{Buddy: "b-1",
		Checklist: []visit.ChecklistItem{{Item: "wifi works", Done: true}}, SatisfactionAsked: true, WorkedMinutes: 45})
	require.NoError(t, err)
	assert.Equal(t, visit.StatusCompleted, st.Status)
	require.NotNil(t, st.RatingClosesAt, "R-1: the result names the rating window")
	v, err := srv.Client.QueryWorkflow(ctx, id, "", visit.QueryVisit)
	require.NoError(t, err)
	var done visit.VisitState
	require.NoError(t, v.Get(&done))
	assert.Equal(t, 60, done.BillableMin, "V-11: at least one hour")
	_, err = update(visit.UpdateRate, jobcore.RateRequest{Stars: 5})
	require.NoError(t, err)

	// The run returns a small result (issue #13); the whole state stays
	// with the Query, which answers after the run closed.
	var res visit.VisitResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, visit.StatusRated, res.Status)
	assert.Equal(t, "rate", res.Closing)
	fv, err := srv.Client.QueryWorkflow(ctx, id, "", visit.QueryVisit)
	require.NoError(t, err)
	var final visit.VisitState
	require.NoError(t, fv.Get(&final))
	assert.Equal(t, visit.StatusRated, final.Status)
	for _, tpl := range []string{"visit.booking_confirmation", "visit.reminder_call", "visit.reminder_sms", "visit.start_notice", "visit.rating_request"} {
		assert.Equal(t, 1, ch.get(tpl), "%s sent exactly once", tpl)
	}

	// Search attributes reached visibility: ops find the visit by status.
	require.Eventually(t, func() bool {
		resp, err := srv.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: srv.Namespace, Query: `VisitStatus = "rated" AND Partner = "acme" AND Region = "stockholm"`})
		return err == nil && len(resp.Executions) == 1
	}, 10*time.Second, 200*time.Millisecond)

	if os.Getenv("JOBFLOW_RECORD_HISTORIES") != "" {
		recordHistory(t, srv.Client, id, "", "visit_end_to_end.json")
	}
}

// recordHistory writes a closed workflow's history as the JSON the replayer reads.
// recordHistory writes the history of the workflow's run (runID "" is the
// latest) to testdata/. Recordings are added, never replaced: when the
// file exists, JOBFLOW_RECORD_HISTORIES other than "1" names the new
// recording (<name>.<tag>.json), and without a tag the test fails.
func recordHistory(t *testing.T, c client.Client, id, runID, file string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if _, err := os.Stat(path); err == nil {
		tag := os.Getenv("JOBFLOW_RECORD_HISTORIES")
		if tag == "" || tag == "1" {
			t.Fatalf("%s exists: recordings are added, never replaced; set JOBFLOW_RECORD_HISTORIES=<tag> to add %s", path, strings.TrimSuffix(file, ".json")+".<tag>.json")
		}
		path = filepath.Join("testdata", strings.TrimSuffix(file, ".json")+"."+tag+".json")
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s exists: pick another tag", path)
		}
	}
	iter := c.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var hist historypb.History
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&hist)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}
