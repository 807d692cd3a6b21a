// Package workflows registers every jobflow flow on a worker. Each flow is
// its own package (visit, task, reclamation, rating, absence, account);
// what they share is written once in jobcore (outbox, publisher,
// transition log, send options) and names (the names other processes use).
// This package's tests replay the recorded histories in testdata/ and run
// the flows end to end against a real Temporal server.
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
