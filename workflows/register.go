package workflows

import (
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
	"go.temporal.io/sdk/worker"
)

// Register adds every jobflow workflow to a worker under its stable name.
func Register(r worker.WorkflowRegistry) {
	visit.Register(r)
	reclamation.Register(r)
	rating.Register(r)
	task.Register(r)
	account.Register(r)
	account.RegisterDigest(r)
	absence.Register(r)
}
