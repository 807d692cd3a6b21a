// Package task is the Task workflow: one remote task by a virtual
// assistant, from its creation through the review (T-1, T-2), the work,
// deadline extensions (T-6), the budget (T-7) and hand-overs (T-8) to the
// rating; it signals the customer's account workflow of every
// notification (N-1, N-2) and continues as new when long (issue #13).
// Files follow the steps: review.go, deadline.go, handover.go, sends.go.
package task
