package absence

import (
	"context"
	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"sync"
	"testing"
	"time"
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
}

func (f *fakeAbsenceWork) FindAbsenceJobs(ctx context.Context, r activities.FindJobsRequest) ([]activities.AbsenceJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []activities.AbsenceJob{}
	for _, j := range f.jobs {
		if j.Holder != r.WorkerID {
			continue
		}
		if j.Kind == activities.AbsenceJobVisit && (j.StartsAt.Before(r.From) || j.StartsAt.After(r.To)) {
			continue
		}
		if j.Kind == activities.AbsenceJobTask && j.StartsAt.Before(r.From) {
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
	return activities.SMSResult{SID: r.Step.Key()}, nil
}

func (f *fakeAbsenceWork) SendCustomerNotice(ctx context.Context, r activities.CustomerNoticeRequest) (activities.CustomerNoticeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, r)
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
		candidates: map[string][]string{jobcore.RoleBuddy: {"b-2", "b-3"}, jobcore.RoleAssistant: {"a-2"}},
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
		WorkerID: "b-1", WorkerName: "Bo", Role: jobcore.RoleBuddy, Market: rules.Sweden, Region: "stockholm",
		Competences: []string{"backoffice"}, Kind: AbsenceSick,
		Period:     AbsencePeriod{From: flowtest.T0, To: flowtest.T0.Add(time.Duration(days) * 24 * time.Hour)},
		ReportedBy: jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}, Contact: "Anne (teamlead@jobflow.example)",
		Policy: rules.DefaultPolicy(),
	}
	return &absenceHarness{t: t, env: env, ops: ops, work: work, in: in}
}

func (h *absenceHarness) addJob(id, kind string, startsIn time.Duration) {
	status := "booked"
	if kind == activities.AbsenceJobTask {
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
func TestA1_ThreeDayAbsenceCoversEachJobAndEscalatesTheRest(t *testing.T) {
	h := newAbsenceHarness(t, 3)
	h.addJob(v1, activities.AbsenceJobVisit, 26*time.Hour) // Tue 10:00
	h.addJob(v2, activities.AbsenceJobVisit, 50*time.Hour) // Wed 10:00
	h.addJob(t1, activities.AbsenceJobTask, 60*time.Hour)  // Wed 20:00
	early := h.query(time.Minute)
	got := h.do(time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	second := h.do(time.Hour+time.Minute, UpdateAcceptSubstitute, accept(v1, "b-3"))
	notOffered := h.do(time.Hour+2*time.Minute, UpdateAcceptSubstitute, accept(t1, "b-3"))
	task := h.do(2*time.Hour, UpdateAcceptSubstitute, accept(t1, "a-2"))
	beforeEsc := h.query(26*time.Hour - time.Minute)
	afterEsc := h.query(26*time.Hour + time.Minute)
	st := h.run()

	// Every job was offered to eligible colleagues.
	require.Len(t, early.Jobs, 3)
	assert.Equal(t, []string{"b-2", "b-3"}, jobOf(*early, v1).OfferedTo)
	assert.Equal(t, []string{"b-2", "b-3"}, jobOf(*early, v2).OfferedTo)
	assert.Equal(t, []string{"a-2"}, jobOf(*early, t1).OfferedTo, "tasks go to assistants")
	assert.Equal(t, 3, early.Uncovered)
	assert.Len(t, h.work.textsTo("absence.substitute_offer"), 5)

	// The first to accept gets it; the job moves through its reassign Update.
	accepted := func(r *absenceResult) {
		t.Helper()
		require.True(t, r.Done)
		require.NoError(t, r.Err)
	}
	accepted(got)
	require.NotNil(t, got.Result.Job, "A-1: the result names the job taken")
	assert.Equal(t, v1, got.Result.Job.JobID)
	assert.Equal(t, CoverAssigning, got.Result.Job.Cover, "A-1: the reassignment runs after the answer")
	assert.Equal(t, "b-2", got.Result.Job.Substitute)
	require.True(t, second.Rejected)
	assert.Contains(t, second.Err.Error(), "first to accept")
	require.True(t, notOffered.Rejected)
	accepted(task)
	assert.Equal(t, "b-2", h.work.holder(v1))
	assert.Equal(t, "a-2", h.work.holder(t1))
	require.Len(t, h.work.reassigns, 2)
	assert.Equal(t, activities.ReassignJobRequest{UpdateID: st.ID + "/" + v1 + "/b-2", JobID: v1, Kind: "visit",
		From: "b-1", To: "b-2", Reason: "sick absence " + st.ID, By: st.ID}, h.work.reassigns[0])
	assert.Equal(t, CoverCovered, jobOf(st, v1).Cover)
	assert.Equal(t, CoverCovered, jobOf(st, t1).Cover)
	assert.Contains(t, h.work.textsTo("absence.handover"), "b-2", "A-4: hand-over planned with the substitute")

	// Nobody took V2: ops hear at its start minus the substitute lead (24 h).
	assert.Equal(t, CoverOpen, jobOf(*beforeEsc, v2).Cover)
	assert.Equal(t, CoverEscalated, jobOf(*afterEsc, v2).Cover)
	esc := opsAlerts(h.ops, "ops.substitute_missing")
	require.Len(t, esc, 1)
	require.NotNil(t, jobOf(st, v2).EscalatedAt)
	assert.Equal(t, flowtest.T0.Add(26*time.Hour), *jobOf(st, v2).EscalatedAt)
	assert.Equal(t, 1, st.Uncovered, "UncoveredJobs: V2 still has no substitute, only an open escalation")
	assert.Empty(t, opsAlerts(h.ops, "ops.absence_acute"), "A-3: nothing starts within 12 h")

	// three days is long: every affected customer is e-mailed, at once
	// (Monday 09:00 is inside the e-mail window), with the choice links.
	require.Len(t, h.work.notices, 3)
	for _, n := range h.work.notices {
		assert.Equal(t, "absence.customer_notice", n.Message.Template)
		assert.True(t, n.ChoiceLinks)
		assert.Equal(t, "Bo", n.Message.Data["worker_name"])
	}
	assert.Len(t, deliveriesOf(st, "email"), 3)
	assert.Equal(t, AbsenceEnded, st.Status)
}

func TestA3_AcuteAbsenceAlertsTheManagerAtOnce(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.addJob(v1, activities.AbsenceJobVisit, 2*time.Hour)
	h.do(10*time.Minute, UpdateAcceptSubstitute, accept(v1, "b-2"))
	st := h.run()
	acute := opsAlerts(h.ops, "ops.absence_acute")
	require.Len(t, acute, 1, "A-3: a job in 2 h goes to the manager at once")
	assert.True(t, st.Acute)
	// Escalation is due at once too (2 h < 24 h lead) and nobody had accepted.
	assert.Len(t, opsAlerts(h.ops, "ops.substitute_missing"), 1)
	assert.Equal(t, CoverCovered, jobOf(st, v1).Cover, "ops' escalation stays open until someone accepts")
	assert.Equal(t, "b-2", h.work.holder(v1))
}

func TestA4_OneDayAbsenceSendsNoCustomerEmail(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.addJob(v1, activities.AbsenceJobVisit, 20*time.Hour)
	h.do(time.Hour, UpdateAcceptSubstitute, accept(v1, "b-3"))
	st := h.run()
	assert.False(t, st.Long)
	assert.Empty(t, h.work.notices, "A-4: only absences longer than two days e-mail the customers")
	assert.Empty(t, deliveriesOf(st, "email"))
	assert.Equal(t, "b-3", h.work.holder(v1))
}

func TestA4_LongAbsenceIsPolicy(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.Policy.LongAbsence = 12 * time.Hour // P-1: a market that tells customers sooner
	h.addJob(v1, activities.AbsenceJobVisit, 20*time.Hour)
	h.run()
	assert.Len(t, h.work.notices, 1)
}

func TestA4_CustomerWaitsOrWantsBackup(t *testing.T) {
	h := newAbsenceHarness(t, 4)
	h.addJob(v1, activities.AbsenceJobVisit, 50*time.Hour)
	h.addJob(t1, activities.AbsenceJobTask, 8*24*time.Hour) // due after the absence: work in it
	before := h.query(time.Minute)
	wait := h.do(time.Hour, UpdateCustomerChoice, CustomerChoiceRequest{JobID: v1, Choice: ChoiceWait})
	lateSub := h.do(2*time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	backup := h.do(3*time.Hour, UpdateCustomerChoice, CustomerChoiceRequest{JobID: t1, Choice: ChoiceBackup})
	bad := h.do(4*time.Hour, UpdateCustomerChoice, CustomerChoiceRequest{JobID: t1, Choice: "maybe"})
	h.do(5*time.Hour, UpdateAcceptSubstitute, accept(t1, "a-2"))
	st := h.run()

	assert.Equal(t, CoverInformed, jobOf(*before, t1).Cover, "due after the absence: stays with the worker unless asked")
	assert.Len(t, h.work.notices, 2, "A-4: both customers told, also the one whose work merely falls in the period")
	require.NoError(t, wait.Err)
	require.NotNil(t, wait.Result.Job)
	assert.Equal(t, CoverWaiting, wait.Result.Job.Cover, "A-4: the customer's answer is the job's cover")
	assert.Equal(t, ChoiceWait, wait.Result.Job.CustomerChoice)
	assert.Equal(t, CoverWaiting, jobOf(st, v1).Cover)
	require.NotNil(t, jobOf(st, v1).PlannedAfter)
	assert.Equal(t, st.Period.To, *jobOf(st, v1).PlannedAfter)
	assert.Len(t, opsAlerts(h.ops, "ops.absence_reschedule"), 1, "V-6: the visit gets a new time after the absence")
	require.True(t, lateSub.Rejected)
	assert.Contains(t, lateSub.Err.Error(), "chose to wait")
	assert.Empty(t, opsAlerts(h.ops, "ops.substitute_missing"), "a waiting customer needs no escalation")
	require.NoError(t, backup.Err)
	require.True(t, bad.Rejected)
	assert.Equal(t, CoverCovered, jobOf(st, t1).Cover)
	assert.Equal(t, "a-2", h.work.holder(t1))
	require.NotNil(t, jobOf(st, t1).HandoverBy)
	assert.Equal(t, 0, st.Uncovered)
}

func TestA1_CutShortReturnsUnstartedJobs(t *testing.T) {
	h := newAbsenceHarness(t, 5)
	h.addJob(v1, activities.AbsenceJobVisit, 26*time.Hour) // inside the shortened period
	h.addJob(v2, activities.AbsenceJobVisit, 74*time.Hour) // after the new end, unstarted
	h.addJob("visit-acme-V3", activities.AbsenceJobVisit, 75*time.Hour)
	h.addJob(t1, activities.AbsenceJobTask, 98*time.Hour) // after the new end, customer chose backup
	h.work.started["visit-acme-V3"] = true
	h.do(time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	h.do(time.Hour+time.Minute, UpdateAcceptSubstitute, accept(v2, "b-3"))
	h.do(time.Hour+2*time.Minute, UpdateAcceptSubstitute, accept("visit-acme-V3", "b-2"))
	h.do(time.Hour+3*time.Minute, UpdateCustomerChoice, CustomerChoiceRequest{JobID: t1, Choice: ChoiceBackup})
	h.do(time.Hour+4*time.Minute, UpdateAcceptSubstitute, accept(t1, "a-2"))
	early := h.do(30*time.Hour, UpdateCutShort, CutShortRequest{End: flowtest.T0.Add(48 * time.Hour), By: jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}})
	longer := h.do(31*time.Hour, UpdateCutShort, CutShortRequest{End: flowtest.T0.Add(200 * time.Hour), By: jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}})
	st := h.run()

	require.NoError(t, early.Err)
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), early.Result.Period.To, "the result carries the new period")
	assert.Nil(t, early.Result.Job)
	require.True(t, longer.Rejected)
	assert.Contains(t, longer.Err.Error(), "change-period")
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), st.Period.To)
	assert.Equal(t, CoverCovered, jobOf(st, v1).Cover, "inside the period: stays with the substitute")
	assert.Equal(t, "b-2", h.work.holder(v1))
	assert.Equal(t, CoverReturned, jobOf(st, v2).Cover, "unstarted and after the new end: back to the worker")
	assert.Equal(t, "b-1", h.work.holder(v2))
	assert.Contains(t, h.work.textsTo("absence.job_returned"), "b-3")
	assert.Equal(t, CoverCovered, jobOf(st, "visit-acme-V3").Cover, "work has begun: it stays")
	assert.Equal(t, "b-2", h.work.holder("visit-acme-V3"))
	assert.Equal(t, CoverCovered, jobOf(st, t1).Cover, "the customer chose the backup: it stays (A-4)")
	assert.Equal(t, "a-2", h.work.holder(t1))
	assert.Equal(t, AbsenceEnded, st.Status)
	last := st.Log[len(st.Log)-1]
	assert.Equal(t, "ended", last.Action)
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), last.At, "the workflow ends at the new end")
}

func TestA1_ChangePeriodRecomputesTheJobs(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.addJob(v1, activities.AbsenceJobVisit, 20*time.Hour)
	h.addJob(v2, activities.AbsenceJobVisit, 40*time.Hour) // outside at first
	before := h.query(time.Minute)
	moved := h.do(time.Hour, UpdateChangePeriod, ChangePeriodRequest{
		Period: AbsencePeriod{From: flowtest.T0, To: flowtest.T0.Add(44 * time.Hour)}, By: jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}})
	after := h.query(2 * time.Hour)
	st := h.run()
	require.NoError(t, moved.Err)
	assert.Len(t, before.Jobs, 1)
	require.Len(t, after.Jobs, 2)
	assert.Equal(t, CoverOpen, jobOf(*after, v2).Cover, "newly inside: offered")
	assert.Equal(t, flowtest.T0.Add(44*time.Hour), st.Log[len(st.Log)-1].At)
}

func TestA2_SickLeaveApprovedWithoutQuestions(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.ReportedBy = jobcore.Actor{Role: jobcore.RoleBuddy, ID: "b-1"}
	h.addJob(v1, activities.AbsenceJobVisit, 20*time.Hour)
	reported := h.query(time.Minute)
	rej := h.do(10*time.Minute, UpdateAbsenceReject, RejectAbsenceRequest{Manager: "ops-1", Reason: "no"})
	noName := h.do(11*time.Minute, UpdateAbsenceApprove, ApproveAbsenceRequest{})
	ok := h.do(12*time.Minute, UpdateAbsenceApprove, ApproveAbsenceRequest{Manager: "ops-1"})
	st := h.run()

	assert.Equal(t, AbsenceActive, reported.Status, "sick from now: active at once")
	assert.Len(t, reported.Jobs, 1, "a sick worker cannot work: the search for cover does not wait for the approval")
	assert.Len(t, opsAlerts(h.ops, "ops.absence_approval"), 1)
	require.True(t, rej.Rejected)
	assert.Contains(t, rej.Err.Error(), "A-2")
	require.True(t, noName.Rejected)
	require.NoError(t, ok.Err)
	assert.Equal(t, "ops-1", st.ApprovedBy)
}

func TestA1_HolidayWaitsForApproval(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.Kind = AbsenceHoliday
	h.in.ReportedBy = jobcore.Actor{Role: jobcore.RoleBuddy, ID: "b-1"}
	h.in.Period = AbsencePeriod{From: flowtest.T0.Add(48 * time.Hour), To: flowtest.T0.Add(72 * time.Hour)}
	h.addJob(v1, activities.AbsenceJobVisit, 60*time.Hour)
	pending := h.query(time.Hour)
	h.do(2*time.Hour, UpdateAbsenceApprove, ApproveAbsenceRequest{Manager: "ops-1"})
	approved := h.query(3 * time.Hour)
	h.do(4*time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	st := h.run()
	assert.Equal(t, AbsenceReported, pending.Status)
	assert.Empty(t, pending.Jobs, "a holiday is planned on approval")
	assert.Equal(t, AbsenceApproved, approved.Status)
	assert.Len(t, approved.Jobs, 1)
	require.NotNil(t, jobOf(st, v1).HandoverBy)
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), *jobOf(st, v1).HandoverBy, "A-4: the worker hands over before leaving")
	assert.ElementsMatch(t, []string{"b-2", "b-1"}, h.work.textsTo("absence.handover"))
}

func TestA5_AutoReplyDuringTheAbsence(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.Period = AbsencePeriod{From: flowtest.T0.Add(24 * time.Hour), To: flowtest.T0.Add(48 * time.Hour)}
	before := h.autoReply(time.Hour)
	during := h.autoReply(30 * time.Hour)
	st := h.run()
	assert.False(t, before.Active)
	assert.True(t, during.Active)
	assert.Equal(t, "absence.auto_reply", during.Message.Template)
	assert.Equal(t, "Anne (teamlead@jobflow.example)", during.Message.Data["contact"])
	assert.Equal(t, flowtest.T0.Add(24*time.Hour).Format(time.RFC3339), during.Message.Data["from"])
	assert.Equal(t, flowtest.T0.Add(48*time.Hour).Format(time.RFC3339), during.Message.Data["to"])
	assert.Equal(t, AbsenceEnded, st.Status)
}

// The activities package repeats the job workflows' names; keep them equal.
func TestA1_ActivityNamesMatchTheJobWorkflows(t *testing.T) {
	assert.Equal(t, visit.VisitWorkflowName, activities.AbsenceVisitWorkflowType)
	assert.Equal(t, jobcore.TaskWorkflowName, activities.AbsenceTaskWorkflowType)
	assert.Equal(t, visit.QueryVisit, activities.AbsenceVisitQuery)
	assert.Equal(t, task.TaskQuery, activities.AbsenceTaskQuery)
	assert.Equal(t, visit.UpdateReassign, activities.AbsenceReassignUpdate)
	assert.Equal(t, task.TaskUpdateReassign, activities.AbsenceReassignUpdate)
	assert.Equal(t, "absence-b-1-3", AbsenceID("b-1", 3))
	assert.Contains(t, activities.AbsenceVisitsQuery("b-1"), jobcore.BuddyIDKey.GetName()+" = 'b-1'")
	assert.Contains(t, activities.AbsenceTasksQuery("a-1"), jobcore.AssistantIDKey.GetName()+" = 'a-1'")
}

func deliveriesOf(st AbsenceState, channel string) []jobcore.Delivery {
	var out []jobcore.Delivery
	for _, d := range st.Deliveries {
		if d.Channel == channel {
			out = append(out, d)
		}
	}
	return out
}
