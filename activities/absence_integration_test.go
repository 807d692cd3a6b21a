package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// calls records the reminder calls a real visit workflow places.
type calls struct {
	mu  sync.Mutex
	got []activities.CallRequest
	activities.LogChannels
}

func (c *calls) ReminderCall(ctx context.Context, r activities.CallRequest) (activities.CallResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, r)
	return activities.CallResult{SID: "CA1", Outcome: activities.CallAnswered}, nil
}

func (c *calls) list() []activities.CallRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]activities.CallRequest(nil), c.got...)
}

// A real visit on a real dev server: the absence activities find it through
// visibility, read its customer from history, move it to the substitute
// through its reassign Update, and the reminder call still goes out for the
// same appointment, now the substitute's (A-1, V-7).
func TestA1_IntegrationRealVisitReassignedKeepsItsReminder(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := devtest.StartServer(t)
	ch := &calls{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	now := time.Now().UTC().Truncate(time.Second)
	at := now.Add(75 * time.Second)
	pol := rules.DefaultPolicy()
	pol.ReminderLead = 45 * time.Second // the call at ~now+30s
	in := visit.VisitInput{Policy: pol, Booking: visit.Booking{
		Partner: "acme", BookingRef: "ABS-1", Market: rules.Sweden, Region: "stockholm",
		Customer: jobcore.Customer{Name: "Anna", Phone: "+46701234567", Email: "anna@example.com", Language: rules.Swedish},
		Address:  "Storgatan 1", Product: "router", Problem: "wifi drops",
		WishedTimes: []rules.Window{{From: now, To: now.Add(time.Hour)}}, BookedAt: now,
	}}
	id := visit.VisitID("acme", "ABS-1")
	_, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, visit.VisitWorkflowName, in)
	require.NoError(t, err)
	update := func(name string, arg any) {
		h, err := srv.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		require.NoError(t, err)
		require.NoError(t, h.Get(ctx, nil))
	}
	update(visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-1"})
	update(visit.UpdateBook, visit.BookRequest{Buddy: "b-1", At: at, ClarifiedProblem: "router reboots",
		ProductsAtHome: true, Recording: visit.RecordingAccepted})

	acts := &activities.Absences{Client: srv.Client, Channels: activities.LogChannels{},
		Roster: activities.StaticRoster{{ID: "b-2", Role: "buddy", Market: "SE", Regions: []string{"stockholm"}}}}
	var jobs []activities.AbsenceJob
	require.Eventually(t, func() bool {
		jobs, err = acts.FindAbsenceJobs(ctx, activities.FindJobsRequest{WorkerID: "b-1", Role: "buddy", From: now, To: now.Add(24 * time.Hour)})
		return err == nil && len(jobs) == 1
	}, 20*time.Second, 200*time.Millisecond, "visibility finds the booked visit (err %v)", err)
	assert.Equal(t, id, jobs[0].ID)
	assert.Equal(t, "booked", jobs[0].Status)
	assert.True(t, jobs[0].StartsAt.Equal(at))

	cands, err := acts.AbsenceCandidates(ctx, activities.CandidatesRequest{WorkerID: "b-1", Role: "buddy", Market: "SE", Region: "stockholm", From: now, To: now.Add(24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, []string{"b-2"}, cands)

	contact, err := acts.CustomerOf(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "anna@example.com", contact.Email)
	assert.Equal(t, "sv", contact.Language)

	res, err := acts.ReassignAbsenceJob(ctx, activities.ReassignJobRequest{UpdateID: "absence-b-1-1/" + id + "/b-2", JobID: id,
		Kind: "visit", From: "b-1", To: "b-2", Reason: "sick", By: "absence-b-1-1"})
	require.NoError(t, err)
	require.True(t, res.Done, res.Note)
	again, err := acts.ReassignAbsenceJob(ctx, activities.ReassignJobRequest{UpdateID: "other", JobID: id,
		Kind: "visit", From: "b-1", To: "b-3", Reason: "sick", By: "absence-b-1-1"})
	require.NoError(t, err)
	assert.False(t, again.Done, "the visit is b-2's now")
	assert.Contains(t, again.Note, "not held by b-1")

	require.Eventually(t, func() bool { return len(ch.list()) == 1 }, 60*time.Second, 250*time.Millisecond, "the reminder call goes out")
	call := ch.list()[0]
	assert.Equal(t, at.Format(time.RFC3339), call.Message.Data["appointment"], "for the same appointment")
	v, err := srv.Client.QueryWorkflow(ctx, id, "", visit.QueryVisit)
	require.NoError(t, err)
	var st visit.VisitState
	require.NoError(t, v.Get(&st))
	assert.Equal(t, "b-2", st.Holder, "now the substitute's appointment")
	assert.Equal(t, visit.StatusBooked, st.Status)
}
