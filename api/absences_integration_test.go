package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/names"
)

// an absence's id comes from the report (worker, kind, first day), so
// a retried POST answers the same absence and starts nothing, and a worker
// who falls ill again after a sick leave was cut short gets a new, running
// absence that approve reaches (200, not 404): the report is never lost.
func TestIntegrationA1_AbsenceRetrySameIDAndReportAfterCutShortStartsNew(t *testing.T) {
	e := startAPI(t)
	buddy := map[string]string{"Authorization": "Bearer " + buddy1Token}
	ops := map[string]string{"Authorization": "Bearer " + opsToken}
	from := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	report := func(to time.Time) []byte {
		b, _ := json.Marshal(AbsenceReport{WorkerID: "b-1", WorkerName: "Bo", Role: names.RoleBuddy, Market: rules.Sweden,
			Region: "stockholm", Kind: absence.AbsenceSick, Period: absence.AbsencePeriod{From: from, To: to},
			Contact: "Anne, teamlead@jobflow.example"})
		return b
	}
	body := report(from.Add(72 * time.Hour))
	wantID := absence.AbsenceReportID("b-1", absence.AbsenceSick, rules.Sweden, from)

	a := e.do("POST", "/v1/absences", buddy, body)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var first AbsenceStart
	a.json(t, &first)
	assert.Equal(t, wantID, first.WorkflowID)
	assert.True(t, first.Created)

	// the same report again (a retry) is the same absence, nothing new.
	a = e.do("POST", "/v1/absences", buddy, body)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var again AbsenceStart
	a.json(t, &again)
	assert.Equal(t, first.WorkflowID, again.WorkflowID)
	assert.Equal(t, first.RunID, again.RunID)
	assert.False(t, again.Created)
	assert.Equal(t, 1, e.runs(wantID))

	// Another period under the same id while it runs: 409, change-period is the way.
	a = e.do("POST", "/v1/absences", buddy, report(from.Add(24*time.Hour)))
	require.Equal(t, http.StatusConflict, a.status, string(a.body))
	assert.Equal(t, "absence_conflict", a.code(t))

	// The worker is back early: cut short, the run ends.
	a = e.do("POST", "/v1/absences/"+wantID+"/cut-short", buddy, []byte(`{}`))
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	require.Eventually(t, func() bool {
		d, err := e.srv.Client.DescribeWorkflowExecution(t.Context(), wantID, first.RunID)
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, 20*time.Second, 200*time.Millisecond, "a cut-short absence ends")

	// Ill again the same day: a new run under the report's id, running.
	a = e.do("POST", "/v1/absences", buddy, body)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var next AbsenceStart
	a.json(t, &next)
	assert.Equal(t, wantID, next.WorkflowID)
	assert.NotEqual(t, first.RunID, next.RunID, "a new run, not the cut-short one")
	assert.True(t, next.Created)
	d, err := e.srv.Client.DescribeWorkflowExecution(t.Context(), wantID, "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.GetWorkflowExecutionInfo().GetStatus())
	assert.Equal(t, next.RunID, d.GetWorkflowExecutionInfo().GetExecution().GetRunId())

	a = e.do("POST", "/v1/absences/"+wantID+"/approve", ops, []byte(`{}`))
	require.Equal(t, http.StatusOK, a.status, "approve reaches the new report: %s", a.body)
	var res absence.AbsenceUpdateResult
	a.json(t, &res)
	assert.Equal(t, wantID, res.ID)
	assert.NotEmpty(t, res.ApprovedBy, "the new report is the one approved")
	assert.Equal(t, 2, e.runs(wantID))
}
