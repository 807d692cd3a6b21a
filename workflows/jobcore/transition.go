package jobcore

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Transition is one entry of a job's transition log, the same record in
// every flow (issue #13): when, what, who, from which status to which, and
// a note of ids and reasons (no personal data, V-14). Each flow names it
// for its own status type (visit.Transition, task.TaskTransition,
// reclamation.CaseEntry, absence.AbsenceLogEntry).
type Transition[S ~string] struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	By     Actor     `json:"by"`
	From   S         `json:"from,omitempty"`
	To     S         `json:"to,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// NewTransition is an entry at the workflow's time.
func NewTransition[S ~string](ctx workflow.Context, action string, by Actor, from, to S, note string) Transition[S] {
	return Transition[S]{At: workflow.Now(ctx), Action: action, By: by, From: from, To: to, Note: note}
}
