// Package bench measures jobflow against a real Temporal server: intake
// (signed bookings through the HTTP API against a bare ExecuteWorkflow
// ceiling), the visit lifecycle (against a bare workflow doing the same
// updates, timers and activities with the raw SDK), scale (thousands of open
// visits waiting on timers) and history budgets.
//
// The drivers here are shared by the `go test -bench` benchmarks in this
// package (dev server started by internal/devtest) and by cmd/loadgen (a
// running system). The only test that runs in plain `go test ./...` is the
// history-budget test, which reads workflows/testdata and is cheap.
// See BENCHMARKS.md for the figures and the commands that made them.
package bench
