package visit

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

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
		names.PartnerKey.ValueSet(b.Partner), names.MarketKey.ValueSet(string(b.Market)), names.RegionKey.ValueSet(b.Region),
		names.VisitStatusKey.ValueSet(string(StatusOpen)), names.HelpDeadlineKey.ValueSet(deadline), names.SLAStateKey.ValueSet(string(rules.SLAOk)))))
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
