// Package rules holds jobflow's business rules as plain Go: policies (P-1),
// markets (P-2), visit deadlines and windows (V-3, V-5), billing and pay
// (V-11, V-13), and the business calendar. It must never import Temporal:
// workflows call these functions with values they already hold, so the rules
// are deterministic by construction and testable with table tests.
//
// Every rule cites its id from shared/DOMAIN.md; `grep -rn "V-13" .` finds
// the code and its test.
package rules
