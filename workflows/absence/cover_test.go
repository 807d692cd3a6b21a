package absence

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestA1_ThreeDayAbsenceCoversEachJobAndEscalatesTheRest(t *testing.T) {
	h := newAbsenceHarness(t, 3)
	h.addJob(v1, names.JobVisit, 26*time.Hour) // Tue 10:00
	h.addJob(v2, names.JobVisit, 50*time.Hour) // Wed 10:00
	h.addJob(t1, names.JobTask, 60*time.Hour)  // Wed 20:00
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
	h.addJob(v1, names.JobVisit, 2*time.Hour)
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
	h.addJob(v1, names.JobVisit, 20*time.Hour)
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
	h.addJob(v1, names.JobVisit, 20*time.Hour)
	h.run()
	assert.Len(t, h.work.notices, 1)
}

func TestA4_CustomerWaitsOrWantsBackup(t *testing.T) {
	h := newAbsenceHarness(t, 4)
	h.addJob(v1, names.JobVisit, 50*time.Hour)
	h.addJob(t1, names.JobTask, 8*24*time.Hour) // due after the absence: work in it
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
	h.addJob(v1, names.JobVisit, 26*time.Hour) // inside the shortened period
	h.addJob(v2, names.JobVisit, 74*time.Hour) // after the new end, unstarted
	h.addJob("visit-acme-V3", names.JobVisit, 75*time.Hour)
	h.addJob(t1, names.JobTask, 98*time.Hour) // after the new end, customer chose backup
	h.work.started["visit-acme-V3"] = true
	h.do(time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	h.do(time.Hour+time.Minute, UpdateAcceptSubstitute, accept(v2, "b-3"))
	h.do(time.Hour+2*time.Minute, UpdateAcceptSubstitute, accept("visit-acme-V3", "b-2"))
	h.do(time.Hour+3*time.Minute, UpdateCustomerChoice, CustomerChoiceRequest{JobID: t1, Choice: ChoiceBackup})
	h.do(time.Hour+4*time.Minute, UpdateAcceptSubstitute, accept(t1, "a-2"))
	early := h.do(30*time.Hour, UpdateCutShort, CutShortRequest{End: flowtest.T0.Add(48 * time.Hour), By: jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}})
	longer := h.do(31*time.Hour, UpdateCutShort, CutShortRequest{End: flowtest.T0.Add(200 * time.Hour), By: jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}})
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
	h.addJob(v1, names.JobVisit, 20*time.Hour)
	h.addJob(v2, names.JobVisit, 40*time.Hour) // outside at first
	before := h.query(time.Minute)
	moved := h.do(time.Hour, UpdateChangePeriod, ChangePeriodRequest{
		Period: AbsencePeriod{From: flowtest.T0, To: flowtest.T0.Add(44 * time.Hour)}, By: jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}})
	after := h.query(2 * time.Hour)
	st := h.run()
	require.NoError(t, moved.Err)
	assert.Len(t, before.Jobs, 1)
	require.Len(t, after.Jobs, 2)
	assert.Equal(t, CoverOpen, jobOf(*after, v2).Cover, "newly inside: offered")
	assert.Equal(t, flowtest.T0.Add(44*time.Hour), st.Log[len(st.Log)-1].At)
}

// Issue #16, M1: the customer's choice links cannot drive Updates without
// bound: the same answer twice is refused, and after MaxCustomerChoices
// answers every further one is refused and changes nothing.
func TestA4_M1_CustomerChoicesAreBounded(t *testing.T) {
	h := newAbsenceHarness(t, 4)
	h.addJob(t1, names.JobTask, 8*24*time.Hour)
	var answers []*absenceResult
	for i, c := range []string{ChoiceWait, ChoiceWait, ChoiceBackup, ChoiceWait, ChoiceBackup, ChoiceWait} {
		answers = append(answers, h.do(time.Duration(i+1)*time.Minute, UpdateCustomerChoice, CustomerChoiceRequest{JobID: t1, Choice: c}))
	}
	st := h.run()
	require.True(t, answers[1].Rejected, "the same answer twice")
	assert.Contains(t, answers[1].Err.Error(), "already recorded")
	taken := 0
	for _, a := range answers {
		if !a.Rejected {
			taken++
		}
	}
	assert.Equal(t, MaxCustomerChoices, jobOf(st, t1).CustomerChoices)
	assert.Equal(t, MaxCustomerChoices, taken)
	last := answers[len(answers)-1]
	require.True(t, last.Rejected, "past the cap")
	assert.Contains(t, last.Err.Error(), "please contact")
}

// A-1, issue #14: when the worker's jobs cannot be looked up, ops get an
// alert that says so (with the worker, the absence and the error type),
// not a "substitute missing" for a job named "(lookup failed)".
func TestA1_JobsNotFoundAlertOpsToCheckByHand(t *testing.T) {
	h := newAbsenceHarness(t, 2)
	h.work.findErr = temporal.NewNonRetryableApplicationError("visibility down", "VisibilityUnavailable", nil)
	st := h.run()
	alerts := opsAlerts(h.ops, "ops.absence_lookup_failed")
	require.NotEmpty(t, alerts)
	assert.Equal(t, "failed: VisibilityUnavailable", alerts[0].Data["error_type"])
	assert.Equal(t, st.ID, alerts[0].Data["absence_id"])
	assert.Empty(t, opsAlerts(h.ops, "ops.substitute_missing"))
}
