// Package api is jobflow's HTTP front door: partners book visits (signed
// requests), buddies and ops move them (bearer tokens), customers rate them
// (signed links). Every state change is a Temporal Update on the visit
// workflow, answered with the Update's small result (status, holder, the
// times the caller needs next: workflows.VisitUpdateResult); the whole state
// is the GET route's Query. The API keeps no table of its own.
//
// Decisions the seeds leave open, written down here:
//
//   - Idempotency is Temporal's: a visit's workflow id is
//     "visit-<partner>-<booking_ref>", started with the REJECT_DUPLICATE reuse
//     policy and the FAIL conflict policy. The sha256 of the canonical booking
//     is kept in the workflow memo ("booking_sha256"); a replay with the same
//     hash answers 200 with the existing visit, a different one 409. The hash
//     is over the whole booking, so it cannot be reversed into a phone number
//     without knowing every other field.
//   - visit_id and workflow_id are the same string; the id only carries the
//     partner and its reference (V-14). Partner ids may not contain "-" so two
//     partners' ids can never collide.
//   - Buddies act only as themselves: the buddy field of every request is
//     forced to the token's id. For every action except claim the Update's
//     validator checks first that the buddy holds the visit; its NotHolder
//     refusal is answered 403 not_holder (one round trip, issue #18).
//   - Customer links are HMAC-signed, expiring tokens bound to one visit and
//     one action. They can be replayed until they expire; single use is the
//     workflow's: the rate Update's validator refuses a second rating (409).
//   - Request logs carry the route, the workflow id, the partner or the
//     token's role and id, the status code and the duration; never bodies,
//     query strings (link tokens live there), names, phones, e-mails or
//     addresses.
package api
