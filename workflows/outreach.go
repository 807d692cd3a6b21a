package workflows

import (
	"github.com/jobflow/jobflow/activities"
)

// outreach is a nil receiver used only to name the activity methods, so the
// workflow references them with compile-time checks.
var outreach *activities.Outreach
