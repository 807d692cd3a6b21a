package temporalx_test

import (
	"testing"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

// The dev server and the docker-compose stack keep visibility in SQL, whose
// schema has a fixed number of columns per type. A catalogue that does not
// fit makes `temporal server start-dev --search-attribute ...` refuse to
// start and leaves attributes unregistered on PostgreSQL, so workflows that
// upsert them fail their workflow tasks.
func TestSearchAttributeCatalogueFitsSQLVisibility(t *testing.T) {
	_, over := temporalx.FitSQLVisibility(names.SearchAttributes)
	if len(over) > 0 {
		t.Errorf("%s. Share attributes across flows (e.g. one Status keyword and one Deadline datetime, told apart by WorkflowType) or drop some.",
			temporalx.DescribeOverflow(names.SearchAttributes, over))
	}
}

func TestVisitAttributesFit(t *testing.T) {
	fit, _ := temporalx.FitSQLVisibility(names.SearchAttributes)
	have := map[string]bool{}
	for _, sa := range fit {
		have[sa.Name] = true
	}
	for _, k := range []string{"VisitStatus", "Partner", "Market", "Region", "BuddyId", "AppointmentAt", "HelpDeadline", "SlaState"} {
		if !have[k] {
			t.Errorf("visit search attribute %s is not registered on the dev server", k)
		}
	}
}
