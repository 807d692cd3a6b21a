// Package flowtest holds the fakes and helpers the flows' tests share: the
// outreach channels that record what was sent, the case harness of the
// reclamation and rating tests, and checks on run results. Test code only.
package flowtest
