package visit

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

func testBooking() Booking {
	return Booking{
		Partner: "acme", BookingRef: "B-1", Market: rules.Sweden, Region: "stockholm",
		Customer: jobcore.Customer{Name: "Anna", Phone: "+46701234567", Email: "anna@example.com", Language: rules.Swedish},
		Address:  "Storgatan 1", Product: "router", Problem: "wifi drops",
		WishedTimes: []rules.Window{{From: flowtest.T0.Add(24 * time.Hour), To: flowtest.T0.Add(30 * time.Hour)}},
		BookedAt:    flowtest.T0,
	}
}

// visitHarness runs one visit in the time-skipping test environment.
type visitHarness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	fake *flowtest.FakeChannels
	in   VisitInput
}

func newVisitHarness(t *testing.T) *visitHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(flowtest.QuietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(flowtest.T0)
	fake := &flowtest.FakeChannels{}
	env.RegisterActivity(&activities.Outreach{Channels: fake})
	Register(env)
	return &visitHarness{t: t, env: env, fake: fake,
		in: VisitInput{Booking: testBooking(), Policy: rules.DefaultPolicy(), RatingLink: "https://jobflow.test/r/abc"}}
}

// result is filled when an update scheduled by do has been answered.
type result struct {
	Result   VisitUpdateResult // the Update's small answer (issue #13)
	Err      error
	Rejected bool
	Done     bool
}

func (h *visitHarness) do(at time.Duration, name string, arg any) *result {
	r := &result{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.Err, r.Rejected, r.Done = err, true, true },
			OnComplete: func(v any, err error) {
				r.Err, r.Done = err, true
				switch s := v.(type) {
				case VisitUpdateResult:
					r.Result = s
				case converter.EncodedValue:
					_ = s.Get(&r.Result)
				}
			},
		}, arg)
	}, at)
	return r
}

// query captures the visit's state at an offset.
func (h *visitHarness) query(at time.Duration) *VisitState {
	st := &VisitState{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryVisit)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, at)
	return st
}

func (h *visitHarness) run() VisitState {
	h.env.ExecuteWorkflow(VisitWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res VisitResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := flowtest.FinalState[VisitState](h.t, h.env, QueryVisit)
	flowtest.CheckRunResult(h.t, res, res.ID, string(res.Status), st.ID, string(st.Status), piiOf(h.in)...)
	h.fake.Rendered(h.t)
	return st
}

func accepted(t *testing.T, r *result) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.NoError(t, r.Err)
}

func refused(t *testing.T, r *result, contains string) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.True(t, r.Rejected, "update should be refused by its validator, got err=%v", r.Err)
	assert.Contains(t, r.Err.Error(), contains)
}

// A booking inside the wished window: Tuesday 10:00 Stockholm.
var appointment = flowtest.T0.Add(25 * time.Hour)

func goodBook(buddy string) BookRequest {
	return BookRequest{Buddy: buddy, At: appointment, ClarifiedProblem: "router reboots", ProductsAtHome: true, Recording: RecordingAccepted}
}

func goodComplete(buddy string) CompleteRequest {
	return CompleteRequest{Buddy: buddy, Checklist: []ChecklistItem{{"wifi works", true}, {"customer shown", true}},
		SatisfactionAsked: true, CustomerSatisfied: true}
}

// cancelAt ends a scenario that would otherwise wait for its promises.
func (h *visitHarness) cancelAt(at time.Duration) *result {
	return h.do(at, UpdateCancel, CancelRequest{By: jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}, Reason: "test over"})
}
