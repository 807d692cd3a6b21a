package flowtest

import (
	"encoding/json"
	"testing"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// finalState queries a closed test workflow for its whole state: the run
// returns a small result (issue #13), the Query still answers.
func FinalState[S any](t *testing.T, env *testsuite.TestWorkflowEnvironment, query string) S {
	t.Helper()
	v, err := env.QueryWorkflow(query)
	require.NoError(t, err, "the Query answers after the run closed")
	var st S
	require.NoError(t, v.Get(&st))
	return st
}

// checkRunResult holds a run's result to the rules of an Update's result
// (results.go): under MaxUpdateResultBytes, no personal data, no whole
// state; and it agrees with the final state the Query returns.
func CheckRunResult(t *testing.T, res any, id, status, stateID, stateStatus string, pii ...string) {
	t.Helper()
	b, err := json.Marshal(res)
	require.NoError(t, err)
	t.Logf("run result %4d bytes %s", len(b), b)
	assert.Less(t, len(b), jobcore.MaxUpdateResultBytes, "a run's result stays under %d bytes", jobcore.MaxUpdateResultBytes)
	assert.Equal(t, stateID, id, "the run's result names the workflow")
	assert.Equal(t, stateStatus, status, "the run's result carries the final status")
	for _, s := range pii {
		if s != "" {
			assert.NotContains(t, string(b), s, "no personal data or typed text in a run's result (V-14)")
		}
	}
	var keys map[string]any
	require.NoError(t, json.Unmarshal(b, &keys))
	for _, whole := range []string{"log", "deliveries", "messages", "jobs", "booking", "completion", "customer", "complaint", "comment"} {
		assert.NotContains(t, keys, whole, "the whole state stays with the Query")
	}
}
