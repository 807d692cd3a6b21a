// Package visit is the Visit workflow: one home visit by a buddy, from the
// partner's booking to the customer's rating (V-1..V-14, R-1, C-1). Its
// timers are the promises: the 1 h claim lock (V-2), the 48 h help promise
// and its breach follow-up (V-5), the reminder call before the appointment
// (V-7). Files follow the steps: claim.go (V-2..V-7), onsite.go (V-8..V-11),
// after.go (cancel, rating, reassign, mileage), promise.go (V-5).
package visit
