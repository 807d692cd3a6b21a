package flowtest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// msgChannels is fakeChannels that also keeps the e-mails and alerts
// whole, so tests can check the language and the fields a customer got.
type msgChannels struct {
	FakeChannels
	mu     sync.Mutex
	emails []activities.EmailRequest
	alerts []activities.OpsAlert
}

func (f *msgChannels) SendEmail(ctx context.Context, r activities.EmailRequest) (activities.EmailResult, error) {
	f.mu.Lock()
	f.emails = append(f.emails, r)
	f.mu.Unlock()
	return f.FakeChannels.SendEmail(ctx, r)
}

func (f *msgChannels) AlertOps(ctx context.Context, r activities.OpsAlert) (activities.AlertResult, error) {
	f.mu.Lock()
	f.alerts = append(f.alerts, r)
	f.mu.Unlock()
	return f.FakeChannels.AlertOps(ctx, r)
}

func (f *msgChannels) Email(template string) []activities.EmailRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []activities.EmailRequest
	for _, e := range f.emails {
		if e.Message.Template == template {
			out = append(out, e)
		}
	}
	return out
}

func (f *msgChannels) Alert(template string) []activities.OpsAlert {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []activities.OpsAlert
	for _, a := range f.alerts {
		if a.Message.Template == template {
			out = append(out, a)
		}
	}
	return out
}

// caseHarness runs a reclamation or a rating follow-up (and the children
// they start) in the time-skipping test environment.
type CaseHarness struct {
	T    *testing.T
	Env  *testsuite.TestWorkflowEnvironment
	Fake *msgChannels
}

// register names the workflows the case may start (the flow under test
// and its children).
func NewCaseHarness(t *testing.T, id string, register ...func(worker.WorkflowRegistry)) *CaseHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(QuietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(T0)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue})
	fake := &msgChannels{}
	env.RegisterActivity(&activities.Outreach{Channels: fake})
	for _, r := range register {
		r(env)
	}
	return &CaseHarness{T: t, Env: env, Fake: fake}
}

// caseResult is filled when an update scheduled by doCase is answered;
// State is the Update's small result (issue #13), not the whole state.
type CaseResult[S any] struct {
	State    S
	Err      error
	Rejected bool
	Done     bool
}

// doCase runs an Update at an offset on the workflow id ("" is the
// workflow under test; another id reaches a child).
func DoCase[S any](h *CaseHarness, at time.Duration, id, name string, arg any) *CaseResult[S] {
	r := &CaseResult[S]{}
	h.Env.RegisterDelayedCallback(func() {
		cb := &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.Err, r.Rejected, r.Done = err, true, true },
			OnComplete: func(v any, err error) {
				r.Err, r.Done = err, true
				switch s := v.(type) {
				case S:
					r.State = s
				case converter.EncodedValue:
					_ = s.Get(&r.State)
				}
			},
		}
		if id == "" {
			h.Env.UpdateWorkflow(name, "", cb, arg)
			return
		}
		require.NoError(h.T, h.Env.UpdateWorkflowByID(id, name, "", cb, arg))
	}, at)
	return r
}

// queryCase captures a workflow's state at an offset.
func QueryCase[S any](h *CaseHarness, at time.Duration, id, query string) *S {
	st := new(S)
	h.Env.RegisterDelayedCallback(func() {
		var v converter.EncodedValue
		var err error
		if id == "" {
			v, err = h.Env.QueryWorkflow(query)
		} else {
			v, err = h.Env.QueryWorkflowByID(id, query)
		}
		require.NoError(h.T, err)
		require.NoError(h.T, v.Get(st))
	}, at)
	return st
}

// caseAccepted also holds the answer to MaxUpdateResultBytes (#13).
func CaseAccepted[S any](t *testing.T, r *CaseResult[S]) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.NoError(t, r.Err)
	b, err := json.Marshal(r.State)
	require.NoError(t, err)
	assert.Less(t, len(b), jobcore.MaxUpdateResultBytes, "an Update answers a small result: %s", b)
}

func CaseRefused[S any](t *testing.T, r *CaseResult[S], contains string) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.True(t, r.Rejected, "update should be refused by its validator, got err=%v", r.Err)
	assert.Contains(t, r.Err.Error(), contains)
}

// --- reclamation harness ------------------------------------------------------

var TestJob = jobcore.JobRef{ID: "visit-acme-B-1", Kind: names.JobVisit, Partner: "acme", Market: rules.Denmark, Region: "copenhagen"}
