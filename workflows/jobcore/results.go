package jobcore

import (
	"time"
)

// Update results (issue #13). Every Update of a flow answers with a small
// typed result: the workflow's id, its new status, and what the caller
// needs for its next step (ids, deadlines). The whole state, with its log
// and deliveries, stays with the flow's Query (and the API's GET routes):
// an Update's result is written into the workflow's history with every
// completed Update, so a result carrying the whole state made a visit's
// history three times a bare workflow's (BENCHMARKS.md).
//
// Rules for a result, whatever the flow (the task workflow can mirror them
// with a TaskUpdateResult embedding UpdateResult[TaskStatus]):
//
//   - well under MaxUpdateResultBytes as JSON;
//   - no personal data (V-14): ids, statuses and times only, never the
//     customer's name, contact, address, problem text or any free text a
//     person typed (complaints, plans, reasons, answers);
//   - optional fields are omitempty, so a result carries only what the
//     status makes relevant.

// MaxUpdateResultBytes bounds the JSON of one Update's result. Tests hold
// every visit Update to it; the history budget (bench) reports the largest
// completed Update per recorded history against it.
const MaxUpdateResultBytes = 1024

// UpdateResult is what every flow's Update result starts with: the
// workflow id acted on and the status it is in after the Update. S is the
// flow's status type.
type UpdateResult[S ~string] struct {
	ID     string `json:"id"`
	Status S      `json:"status"`
}

// copyTime keeps a result from sharing a pointer with the state.
func CopyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
