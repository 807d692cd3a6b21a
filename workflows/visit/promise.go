package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- V-5: the help promise -----------------------------------------------

func (v *visit) watchHelpPromise(ctx workflow.Context) {
	warnAt := v.st.HelpDeadline.Add(-v.in.Policy.SLAWarningLead)
	if !jobcore.Sleep(ctx, warnAt.Sub(workflow.Now(ctx)), "48 h help promise: warning (V-5)") {
		return
	}
	if v.promiseAtRisk() {
		v.st.SLA = rules.SLAWarning
		v.logTransition(ctx, "sla-warning", jobcore.Actor{Role: names.RoleSystem}, v.st.Status, "help promise ends "+v.clock(v.st.HelpDeadline)+" (V-5)")
		v.publish(ctx)
		data := map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)}
		// P-1, issue #17: name the partner's promise only when the deadline
		// is that promise (a wished time later than it is the deadline too).
		if p := v.in.Policy.HelpPromise; p > 0 && v.st.HelpDeadline.Equal(v.in.Booking.BookedAt.Add(p)) {
			data["promise_hours"] = fmt.Sprint(int(p.Hours()))
		}
		v.alertOps(ctx, "sla_warning", "ops.sla_warning", "help promise warning (V-5)", data)
	}
	if !jobcore.Sleep(ctx, v.st.HelpDeadline.Sub(workflow.Now(ctx)), "48 h help promise: breach (V-5)") {
		return
	}
	if v.promiseAtRisk() {
		v.st.SLA = rules.SLABreached
		v.logTransition(ctx, "sla-breach", jobcore.Actor{Role: names.RoleSystem}, v.st.Status, "not started within the help promise (V-5)")
		v.publish(ctx)
		v.alertOps(ctx, "sla_breach", "ops.sla_breach", "help promise breached (V-5)", map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)})
		if workflow.GetVersion(ctx, visitBreachChange, workflow.DefaultVersion, 1) == 1 {
			v.followBreach(ctx)
		}
	}
}

// visitBreachChange is the GetVersion change id of what follows a breach
// (issue #13). Before it, a visit never claimed, booked or started waited
// after its breach without a timer.
const visitBreachChange = "visit-breach-followup"

// followBreach keeps a breached visit that has not started on a timer
// (V-5, issue #13): ops are alerted again every BreachEscalation (level 2,
// 3, ...), and BreachExpiry after the breach the visit closes as expired
// with a last alert, so ops take over the customer (as for V-4). A visit
// booked for a time still ahead (the customer agreed to it, V-3) is left to
// happen: no alert and no expiry until BreachEscalation past its
// appointment. Starting, cancelling or aborting ends the follow-up (the
// promise's scope is cancelled).
func (v *visit) followBreach(ctx workflow.Context) {
	p := v.in.Policy.WithDefaults() // a policy fixed before these values existed
	expireAt := v.st.HelpDeadline.Add(p.BreachExpiry)
	level := 1 // the breach alert
	for {
		now := workflow.Now(ctx)
		next := now.Add(p.BreachEscalation)
		if !v.bookedAhead(now, p) && next.After(expireAt) {
			next = expireAt
		}
		if !jobcore.Sleep(ctx, next.Sub(now), fmt.Sprintf("breached help promise, level %d (V-5)", level+1)) || !v.promiseAtRisk() {
			return
		}
		now = workflow.Now(ctx)
		if v.bookedAhead(now, p) {
			continue
		}
		data := map[string]string{"deadline": v.st.HelpDeadline.Format(time.RFC3339)}
		if !now.Before(expireAt) {
			v.endClaim()
			v.endReminder()
			v.setStatus(ctx, "expire", jobcore.Actor{Role: names.RoleSystem}, StatusExpired,
				fmt.Sprintf("not started %s after the help promise ended; closed, ops take over the customer (V-5)", p.BreachExpiry))
			v.alertOps(ctx, "sla_expired", "ops.sla_breach", "visit expired after its breach: ops take over (V-5)", data)
			return
		}
		level++
		data["level"] = fmt.Sprint(level)
		v.logTransition(ctx, "sla-breach-escalate", jobcore.Actor{Role: names.RoleSystem}, v.st.Status,
			fmt.Sprintf("still not started after the help promise: level %d; expires %s (V-5)", level, v.clock(expireAt)))
		v.alertOps(ctx, "sla_breach_open", "ops.sla_breach", fmt.Sprintf("help promise still breached, level %d (V-5)", level), data)
	}
}

// bookedAhead reports whether the visit is booked for a time that may
// still happen: the appointment, with BreachEscalation of grace, is ahead.
func (v *visit) bookedAhead(now time.Time, p rules.Policy) bool {
	return v.st.Status == StatusBooked && v.st.AppointmentAt != nil && v.st.AppointmentAt.Add(p.BreachEscalation).After(now)
}

func (v *visit) promiseAtRisk() bool {
	switch v.st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
		return true
	}
	return false
}
