package workflows

import (
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/jobflow/jobflow/rules"
)

// finalState queries a closed test workflow for its whole state: the run
// returns a small result (issue #13), the Query still answers.
func finalState[S any](t *testing.T, env *testsuite.TestWorkflowEnvironment, query string) S {
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
func checkRunResult(t *testing.T, res any, id, status, stateID, stateStatus string, pii ...string) {
	t.Helper()
	b, err := json.Marshal(res)
	require.NoError(t, err)
	t.Logf("run result %4d bytes %s", len(b), b)
	assert.Less(t, len(b), MaxUpdateResultBytes, "a run's result stays under %d bytes", MaxUpdateResultBytes)
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

// upserts records every search-attribute upsert of a test workflow, in
// order, by attribute name.
func upserts(env *testsuite.TestWorkflowEnvironment) *[][]string {
	var mu sync.Mutex
	calls := &[][]string{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		var names []string
		for k := range sa.GetUntypedValues() {
			names = append(names, k.GetName())
		}
		sort.Strings(names)
		mu.Lock()
		*calls = append(*calls, names)
		mu.Unlock()
	}).Return(nil)
	return calls
}

// A visit started through the API already has its partner, market, region,
// status, help deadline and SLA as search attributes: the first upsert
// writes only the status (kept so the upsert command stays where recorded
// histories have it), not the start's attributes again (issue #13).
func TestVisitFirstUpsertSkipsTheStartsAttributes(t *testing.T) {
	h := newVisitHarness(t)
	b := h.in.Booking
	deadline := rules.HelpDeadline(b.BookedAt, b.WishedTimes, h.in.Policy.HelpPromise)
	require.NoError(t, h.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		PartnerKey.ValueSet(b.Partner), MarketKey.ValueSet(string(b.Market)), RegionKey.ValueSet(b.Region),
		VisitStatusKey.ValueSet(string(StatusOpen)), HelpDeadlineKey.ValueSet(deadline), SLAStateKey.ValueSet(string(rules.SLAOk)))))
	calls := upserts(h.env)
	h.cancelAt(time.Minute)
	h.run()
	require.NotEmpty(t, *calls)
	assert.Equal(t, []string{"VisitStatus"}, (*calls)[0], "the first upsert repeats nothing the start set")
}

// Started without attributes (the SDK client, the recorded history), the
// first upsert writes them all, as before.
func TestVisitFirstUpsertWithoutStartAttributes(t *testing.T) {
	h := newVisitHarness(t)
	calls := upserts(h.env)
	h.cancelAt(time.Minute)
	h.run()
	require.NotEmpty(t, *calls)
	assert.Equal(t, []string{"HelpDeadline", "Market", "Partner", "Region", "SlaState", "VisitStatus"}, (*calls)[0])
}
