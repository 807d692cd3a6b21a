// Package absence is the Absence workflow: one reported absence of a buddy
// or an assistant (A-1..A-5): approval, finding the jobs in the period,
// offering them to substitutes and escalating the uncovered ones, telling
// customers of long absences and answering automatically.
// Files follow the steps: approval.go, cover.go, substitute.go,
// customer.go, sends.go.
package absence
