package visit

import "github.com/jobflow/jobflow/workflows/names"

// Visit workflow: one per booked home visit, id "visit-<partner>-<bookingRef>"
// (V-1..V-13). Transitions that need an answer are Updates with validators,
// each answering a small VisitUpdateResult (results.go); the whole state is
// one Query.
const (
	VisitWorkflowName = names.VisitWorkflowName

	UpdateClaim      = "claim"      // V-2
	UpdateRelease    = "release"    // V-2
	UpdateBook       = "book"       // V-3, V-4
	UpdateReschedule = "reschedule" // V-6
	UpdateStart      = "start"      // V-8
	UpdatePanic      = "panic"      // V-9
	UpdateAbort      = "abort"      // V-10
	UpdateComplete   = "complete"   // V-11
	UpdateCancel     = "cancel"
	UpdateRate       = "rate"
	UpdateReassign   = names.ReassignUpdate // a substitute takes over a held job
	UpdateMileage    = "confirm-mileage"    // V-13: ops confirm mileage

	QueryVisit = names.VisitQuery
	// QueryContact answers what the holder needs to call the customer
	// (V-3); the API serves it to the holder and ops only (V-14).
	QueryContact = "contact"
)

// VisitID is the workflow id of a partner's booking. Ids carry only the
// partner and its reference, never personal data (V-14).
func VisitID(partner, bookingRef string) string { return "visit-" + partner + "-" + bookingRef }
