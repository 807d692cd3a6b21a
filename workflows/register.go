package workflows

import "go.temporal.io/sdk/worker"

// Register adds every jobflow workflow to a worker under its stable name.
func Register(r worker.WorkflowRegistry) {
	registerVisit(r)
	registerReclamation(r)
	registerRating(r)
	registerTask(r)
	registerAccount(r)
	registerDigest(r)
	registerAbsence(r)
}
