package outreach

// Messages of the absence workflow (workflows/absence) beyond the A-1..A-5
// texts in catalogue.go: offers and hand-over notes to colleagues (SMS, so
// short and without links), and two ops alerts. Jobs are named by id only
// (V-14).
var absenceCatalogue = map[string]entry{
	// a colleague is offered a job of an absent worker.
	"absence.substitute_offer": {
		Fields: []string{"job_id", "due", "timezone"},
	},
	// time for a hand-over.
	"absence.handover": {
		Fields: []string{"job_id", "worker_id", "due", "timezone"},
	},
	// The absence was cut short: the job goes back to its worker.
	"absence.job_returned": {
		Fields: []string{"job_id", "worker_id"},
	},
	// the manager approves, without questions.
	"ops.absence_approval": {
		Fields: []string{"worker_id", "from", "to", "timezone"},
	},
	// A-4, V-6, T-6: the customer waits; a new time is agreed.
	"ops.absence_reschedule": {
		Fields: []string{"job_id", "worker_id", "to", "timezone"},
	},
}
