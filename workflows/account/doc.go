// Package account is the customer's CustomerAccount workflow, the entity
// that owns the customer's timers: the inactivity nudges (N-4) and the
// unread notifications its tasks signal, sent as the 08:00 working-day
// digest and the 30-minute hand-over e-mail (N-1, N-3). digest.go keeps the
// retired NotificationDigest workflow so its recorded runs still replay.
package account
