// Package reclamation is the Reclamation workflow: one customer complaint
// about a visit or a task (C-1..C-3): the 2 h reply promise and its
// escalation (C-2, never ignored: it continues as new instead of growing),
// the assessment against the service plan, the agreed extra work and the
// approval (C-3). CaseMessages sends the case's messages for it and for the
// rating follow-up.
package reclamation
