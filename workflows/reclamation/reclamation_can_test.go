package reclamation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// reclamationRun is one run of a reclamation chain in the test
// environment: what it did and how it ended.
type reclamationRun struct {
	start, end time.Time
	timers     int
	activities int
	alerts     []activities.OpsAlert
	next       *ReclamationInput // set when the run continued as new
	result     ReclamationState  // set when it closed
	inputBytes int
}

// runReclamationChain runs a reclamation from in, following every
// continue-as-new (the test environment stops at it) with a fresh
// environment started at the moment the previous run ended, until the
// chain closes. updates schedules Updates on a run, by its start time.
func runReclamationChain(t *testing.T, in ReclamationInput, updates func(h *recHarness, start time.Time)) []reclamationRun {
	var runs []reclamationRun
	start := flowtest.T0
	for i := 0; i < 50; i++ {
		h := newRecHarness(t, in.Customer.Language)
		h.Env.SetStartTime(start)
		r := reclamationRun{start: start}
		h.Env.SetOnTimerScheduledListener(func(string, time.Duration) { r.timers++ })
		h.Env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { r.activities++ })
		updates(h, start)
		b, err := json.Marshal(in)
		require.NoError(t, err)
		r.inputBytes = len(b)
		h.Env.ExecuteWorkflow(ReclamationWorkflow, in)
		require.True(t, h.Env.IsWorkflowCompleted())
		r.end = h.Env.Now()
		r.alerts = h.Fake.Alert("ops.reclamation_escalation")
		h.Fake.Rendered(t)
		err = h.Env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next ReclamationInput
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			r.next = &next
			runs = append(runs, r)
			in, start = next, r.end
			continue
		}
		require.NoError(t, err)
		// The run returns a small result (issue #13); the whole state is the Query's.
		var res ReclamationResult
		require.NoError(t, h.Env.GetWorkflowResult(&res))
		r.result = flowtest.FinalState[ReclamationState](t, h.Env, QueryReclamation)
		flowtest.CheckRunResult(t, res, res.ID, string(res.Status), r.result.ID, string(r.result.Status), in.Customer.Name, in.Customer.Email, in.Customer.Phone, in.Complaint)
		return append(runs, r)
	}
	t.Fatal("the chain did not close within 50 runs")
	return nil
}

// estimatedEvents bounds a run's history from what it scheduled: per timer
// started+fired and the workflow task it wakes (5), per activity
// scheduled+started+completed and its workflow task (6), per escalation an
// upsert (counted with the timer's slack), plus start, first task and close.
func (r reclamationRun) estimatedEvents() int { return 6*r.timers + 6*r.activities + 10 }

func TestReclamation_C2_UnansweredForAYearContinuesAsNewAndKeepsEscalating(t *testing.T) {
	in := testReclamation(rules.Danish)
	yearEnd := flowtest.T0.Add(365 * 24 * time.Hour)
	runs := runReclamationChain(t, in, func(h *recHarness, start time.Time) {
		h.rejectAt(yearEnd.Sub(start)) // ends the chain after a year; runs that continue before never reach it
	})

	require.Greater(t, len(runs), 1, "a year of escalations continues as new")
	last := runs[len(runs)-1]
	assert.Equal(t, ReclamationRejected, last.result.Status)
	assert.Equal(t, len(runs), last.result.Run, "the run number is carried over")

	// C-2: never ignored: every level, once, in order, across every run; and
	// the bounded schedule: hourly for the first day, then daily.
	var levels []string
	steps := map[string]bool{}
	for i, r := range runs {
		t.Logf("run %d: %s .. %s, %d escalations, %d timers, %d activities, ~%d events, input %d bytes",
			i+1, r.start.Format(time.DateTime), r.end.Format(time.DateTime), len(r.alerts), r.timers, r.activities, r.estimatedEvents(), r.inputBytes)
		assert.LessOrEqual(t, len(r.alerts), reclamationEscalationsPerRun, "run %d", i+1)
		assert.Less(t, r.estimatedEvents(), 10_000, "run %d stays under 10k events", i+1)
		assert.Less(t, r.inputBytes, 256<<10, "run %d's input (the carried state) stays small", i+1)
		for _, a := range r.alerts {
			levels = append(levels, a.Message.Data["level"])
			require.False(t, steps[a.Step.Name], "step %s sent twice: step ids must stay unique across runs", a.Step.Name)
			steps[a.Step.Name] = true
		}
		if r.next != nil {
			st := r.next.Carry.State
			assert.Equal(t, len(levels), st.EscalationLevel, "run %d carries the level", i+1)
			assert.Equal(t, len(levels), len(st.Escalations)+st.EscalationsDropped, "run %d counts every escalation", i+1)
			assert.LessOrEqual(t, len(st.Log), reclamationKeep, "the log is capped")
			assert.LessOrEqual(t, len(st.Messages), reclamationKeep, "the exchange is capped")
			assert.Equal(t, ReclamationWaiting, st.Status)
			require.NotNil(t, st.NextEscalationAt)
			assert.True(t, st.NextEscalationAt.After(r.end), "the next escalation is still ahead")
		}
	}
	for i, l := range levels {
		require.Equal(t, fmt.Sprint(i+1), l, "C-2: level %d escalated once, in order", i+1)
	}
	// Reply due at 2 h; hourly until overdue a day (levels 1..25), then daily.
	assert.InDelta(t, 25+364, len(levels), 2, "hourly for a day, then daily: about 389 escalations a year")
	assert.Greater(t, last.result.LogDropped, 0, "older log entries are counted, not kept")
	assert.Equal(t, len(levels), len(last.result.Escalations)+last.result.EscalationsDropped)
}

func TestReclamation_C3_OverduePlanContinuesAsNewAtItsLevel(t *testing.T) {
	in := testReclamation(rules.English)
	due := flowtest.T0.Add(4 * time.Hour)
	runs := runReclamationChain(t, in, func(h *recHarness, start time.Time) {
		if start.Equal(flowtest.T0) {
			h.do(time.Hour, UpdateReclamationPlan, goodPlan(due))
		}
		h.do(flowtest.T0.Add(200*24*time.Hour).Sub(start), UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7"})
		h.do(flowtest.T0.Add(200*24*time.Hour+time.Hour).Sub(start), UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	})
	require.Greater(t, len(runs), 1, "C-3: overdue work escalating for months continues as new")
	first := runs[0].next.Carry.State
	assert.Equal(t, ReclamationPlanned, first.Status, "the plan is carried over")
	require.NotNil(t, first.Plan)
	assert.Equal(t, due, first.Plan.Due)
	assert.Equal(t, "sa-7", first.Plan.Assignee)
	assert.Greater(t, first.EscalationLevel, 0, "C-3: the overdue level is carried over")
	second := runs[1]
	require.NotNil(t, second.next, "a half year of overdue work takes more than two runs")
	assert.Greater(t, second.next.Carry.State.EscalationLevel, first.EscalationLevel, "and keeps rising in the next run")
	overdue := 0
	for _, r := range runs {
		overdue += len(r.alerts) // reply escalations: none, the plan answered in time
	}
	assert.Zero(t, overdue)
	last := runs[len(runs)-1].result
	assert.Equal(t, ReclamationApproved, last.Status, "the carried plan is resolved and approved in a later run")
	assert.Equal(t, 0, last.EscalationLevel)
}

func TestReclamation_C3_AcknowledgedButNeverAssessedEscalates(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	h.do(30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	before := h.query(24*time.Hour + 29*time.Minute)
	level1 := h.query(24*time.Hour + 31*time.Minute)
	level2 := h.query(25*time.Hour + 31*time.Minute)
	h.rejectAt(26 * time.Hour)
	st := h.run()
	assert.Equal(t, 0, before.EscalationLevel, "a day to plan or reject after the acknowledgement")
	assert.Equal(t, 1, level1.EscalationLevel, "C-3: not assessed in time escalates")
	assert.Equal(t, 2, level2.EscalationLevel, "and again on the schedule")
	esc := h.Fake.Alert("ops.reclamation_assess_overdue")
	require.Len(t, esc, 2)
	assert.Equal(t, flowtest.T0.Add(30*time.Minute+24*time.Hour).Format(time.RFC3339), esc[0].Message.Data["deadline"])
	assert.Equal(t, ReclamationRejected, st.Status)
	assert.Equal(t, 0, st.EscalationLevel)
}

func TestReclamation_C3_ResolvedButNeverApprovedEscalates(t *testing.T) {
	h := newRecHarness(t, rules.English)
	h.do(30*time.Minute, UpdateReclamationPlan, goodPlan(flowtest.T0.Add(5*time.Hour)))
	h.do(2*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7"})
	waiting := h.query(26*time.Hour + time.Minute)
	approve := h.do(26*time.Hour+30*time.Minute, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	st := h.run()
	assert.Equal(t, 1, waiting.EscalationLevel, "C-3: resolved work not approved within a day escalates")
	flowtest.CaseAccepted(t, approve)
	require.Len(t, h.Fake.Alert("ops.reclamation_approval_overdue"), 1)
	assert.Empty(t, h.Fake.Alert("ops.reclamation_overdue"), "resolved in time: the promised date did not escalate")
	assert.Equal(t, ReclamationApproved, st.Status)
	assert.Equal(t, 0, st.EscalationLevel)
}

func TestReclamation_C3_UnassessedForMonthsContinuesAsNewAtItsLevel(t *testing.T) {
	in := testReclamation(rules.German)
	end := flowtest.T0.Add(200 * 24 * time.Hour)
	runs := runReclamationChain(t, in, func(h *recHarness, start time.Time) {
		if start.Equal(flowtest.T0) {
			h.do(30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
		}
		h.rejectAt(end.Sub(start))
	})
	require.Greater(t, len(runs), 1, "C-3: an acknowledgement left unassessed for months continues as new")
	levels := 0
	for i, r := range runs[:len(runs)-1] {
		st := r.next.Carry.State
		assert.Equal(t, ReclamationAcknowledged, st.Status, "run %d", i+1)
		assert.Greater(t, st.EscalationLevel, levels, "run %d: the level keeps rising across runs", i+1)
		levels = st.EscalationLevel
	}
	last := runs[len(runs)-1].result
	assert.Equal(t, ReclamationRejected, last.Status)
	assert.Greater(t, len(last.Escalations)+last.EscalationsDropped, levels, "the last run escalated on from the carried level")
}
