package absence

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

// fakeAbsenceWork stands in for activities.Absences: the worker's jobs,
// the colleagues, and a record of every reassignment and message. Jobs
// move when reassigned, so a second look-up sees the new holder.
type fakeAbsenceWork struct {
	mu         sync.Mutex
	jobs       []activities.AbsenceJob
	candidates map[string][]string // by substitute role
	started    map[string]bool     // job ids whose work has begun
	reassigns  []activities.ReassignJobRequest
	texts      []activities.WorkerMessageRequest
	notices    []activities.CustomerNoticeRequest
	noticeAt   []time.Time
	renderErrs []string // issue #14: every text and notice renders in every language
	findErr    error    // FindAbsenceJobs fails with it
}

func (f *fakeAbsenceWork) FindAbsenceJobs(ctx context.Context, r activities.FindJobsRequest) ([]activities.AbsenceJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findErr != nil {
		return nil, f.findErr
	}
	out := []activities.AbsenceJob{}
	for _, j := range f.jobs {
		if j.Holder != r.WorkerID {
			continue
		}
		if j.Kind == names.JobVisit && (j.StartsAt.Before(r.From) || j.StartsAt.After(r.To)) {
			continue
		}
		if j.Kind == names.JobTask && j.StartsAt.Before(r.From) {
			continue
		}
		out = append(out, j)
	}
	return out, nil
}

func (f *fakeAbsenceWork) AbsenceCandidates(ctx context.Context, r activities.CandidatesRequest) ([]string, error) {
	return f.candidates[r.Role], nil
}

func (f *fakeAbsenceWork) ReassignAbsenceJob(ctx context.Context, r activities.ReassignJobRequest) (activities.ReassignJobResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reassigns = append(f.reassigns, r)
	for i := range f.jobs {
		j := &f.jobs[i]
		if j.ID != r.JobID {
			continue
		}
		if r.OnlyUnstarted && f.started[j.ID] {
			return activities.ReassignJobResult{Status: "started", Note: "work has begun; it stays"}, nil
		}
		if j.Holder != r.From {
			return activities.ReassignJobResult{Note: "not held by " + r.From}, nil
		}
		j.Holder = r.To
		return activities.ReassignJobResult{Done: true, Status: j.Status}, nil
	}
	return activities.ReassignJobResult{Closed: true, Note: "the job is closed"}, nil
}

func (f *fakeAbsenceWork) SendWorkerMessage(ctx context.Context, r activities.WorkerMessageRequest) (activities.SMSResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.texts = append(f.texts, r)
	f.renderErrs = append(f.renderErrs, flowtest.RenderErrors(r.Message)...)
	return activities.SMSResult{SID: r.Step.Key()}, nil
}

func (f *fakeAbsenceWork) SendCustomerNotice(ctx context.Context, r activities.CustomerNoticeRequest) (activities.CustomerNoticeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, r)
	msg := activities.CustomerNoticeMessage(r, activities.CustomerContact{Name: "Anna Berg", Language: "sv"},
		"https://jobflow.example/s", "https://jobflow.example/w")
	f.renderErrs = append(f.renderErrs, flowtest.RenderErrors(msg)...)
	return activities.CustomerNoticeResult{MessageID: r.Step.Key(), Language: "sv"}, nil
}

func (f *fakeAbsenceWork) holder(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range f.jobs {
		if j.ID == id {
			return j.Holder
		}
	}
	return ""
}

func (f *fakeAbsenceWork) textsTo(template string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, t := range f.texts {
		if t.Message.Template == template {
			out = append(out, t.WorkerID)
		}
	}
	return out
}

type absenceHarness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	ops  *flowtest.FakeChannels
	work *fakeAbsenceWork
	in   AbsenceInput
}

// The absent buddy b-1 (who also holds a task, so both kinds are covered).
func newAbsenceHarness(t *testing.T, days int) *absenceHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(flowtest.QuietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(flowtest.T0)
	ops := &flowtest.FakeChannels{}
	work := &fakeAbsenceWork{
		candidates: map[string][]string{names.RoleBuddy: {"b-2", "b-3"}, names.RoleAssistant: {"a-2"}},
		started:    map[string]bool{},
	}
	env.RegisterActivity(&activities.Outreach{Channels: ops})
	env.RegisterActivityWithOptions(work.FindAbsenceJobs, activity.RegisterOptions{Name: "FindAbsenceJobs"})
	env.RegisterActivityWithOptions(work.AbsenceCandidates, activity.RegisterOptions{Name: "AbsenceCandidates"})
	env.RegisterActivityWithOptions(work.ReassignAbsenceJob, activity.RegisterOptions{Name: "ReassignAbsenceJob"})
	env.RegisterActivityWithOptions(work.SendWorkerMessage, activity.RegisterOptions{Name: "SendWorkerMessage"})
	env.RegisterActivityWithOptions(work.SendCustomerNotice, activity.RegisterOptions{Name: "SendCustomerNotice"})
	Register(env)
	in := AbsenceInput{
		WorkerID: "b-1", WorkerName: "Bo", Role: names.RoleBuddy, Market: rules.Sweden, Region: "stockholm",
		Competences: []string{"backoffice"}, Kind: AbsenceSick,
		Period:     AbsencePeriod{From: flowtest.T0, To: flowtest.T0.Add(time.Duration(days) * 24 * time.Hour)},
		ReportedBy: jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}, Contact: "Anne (teamlead@jobflow.example)",
		Policy: rules.DefaultPolicy(),
	}
	return &absenceHarness{t: t, env: env, ops: ops, work: work, in: in}
}

func (h *absenceHarness) addJob(id, kind string, startsIn time.Duration) {
	status := "booked"
	if kind == names.JobTask {
		status = "accepted"
	}
	h.work.jobs = append(h.work.jobs, activities.AbsenceJob{ID: id, Kind: kind, Status: status, Holder: "b-1",
		StartsAt: flowtest.T0.Add(startsIn), Market: "SE", Region: "stockholm", WorkArea: "backoffice"})
}

type absenceResult struct {
	Result   AbsenceUpdateResult // the Update's small answer (issue #13)
	Err      error
	Rejected bool
	Done     bool
}

func (h *absenceHarness) do(at time.Duration, name string, arg any) *absenceResult {
	r := &absenceResult{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.Err, r.Rejected, r.Done = err, true, true },
			OnComplete: func(v any, err error) {
				r.Err, r.Done = err, true
				switch s := v.(type) {
				case AbsenceUpdateResult:
					r.Result = s
				case converter.EncodedValue:
					_ = s.Get(&r.Result)
				}
			},
		}, arg)
	}, at)
	return r
}

func (h *absenceHarness) query(at time.Duration) *AbsenceState {
	st := &AbsenceState{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryAbsence)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, at)
	return st
}

func (h *absenceHarness) autoReply(at time.Duration) *AbsenceAutoReply {
	ar := &AbsenceAutoReply{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryAutoReply)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(ar))
	}, at)
	return ar
}

func (h *absenceHarness) run() AbsenceState {
	h.env.ExecuteWorkflow(AbsenceWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res AbsenceResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := flowtest.FinalState[AbsenceState](h.t, h.env, QueryAbsence)
	flowtest.CheckRunResult(h.t, res, res.ID, string(res.Status), st.ID, string(st.Status), h.in.WorkerName)
	h.ops.Rendered(h.t)
	h.work.mu.Lock()
	assert.Empty(h.t, h.work.renderErrs, "every worker text and customer notice renders in every language (issue #14)")
	h.work.mu.Unlock()
	return st
}

func accept(job, sub string) AcceptSubstituteRequest {
	return AcceptSubstituteRequest{JobID: job, Substitute: sub, By: jobcore.Actor{ID: sub}}
}

func jobOf(st AbsenceState, id string) AbsenceJobState {
	for _, j := range st.Jobs {
		if j.ID == id {
			return j
		}
	}
	return AbsenceJobState{}
}

func opsAlerts(f *flowtest.FakeChannels, template string) []flowtest.Sent {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []flowtest.Sent
	for _, s := range f.Sent {
		if s.Channel == "ops" && s.Template == template {
			out = append(out, s)
		}
	}
	return out
}

const (
	v1 = "visit-acme-V1"
	v2 = "visit-acme-V2"
	t1 = "task-T1"
)

// The scenario: three days over two booked visits and one task.
