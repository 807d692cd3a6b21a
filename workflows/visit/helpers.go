package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

func (v *visit) mustHold(buddy string) error {
	if buddy == "" {
		return jobcore.Refuse("name the buddy acting on the job")
	}
	if v.st.Holder != buddy {
		return jobcore.NotHolder("the job is not held by %s; only its holder can do this (V-2)", buddy)
	}
	return nil
}

// holderFirst runs the holder check before the action's own rules, so a
// buddy who does not hold the visit learns only that (403 not_holder),
// never the visit's state (V-2, V-14).
func holderFirst[R any](v *visit, buddy func(R) string, validate func(workflow.Context, R) error) func(workflow.Context, R) error {
	return func(ctx workflow.Context, r R) error {
		if err := v.mustHold(buddy(r)); err != nil {
			return err
		}
		return validate(ctx, r)
	}
}

// checkTime enforces V-3: a future time inside the customer's wishes, or
// the customer's explicit agreement to another.
func (v *visit) checkTime(ctx workflow.Context, at time.Time, agreed bool) error {
	if at.IsZero() {
		return jobcore.Refuse("give the agreed day and time (V-3)")
	}
	if !at.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the agreed time %s is in the past (V-3)", v.clock(at))
	}
	if !rules.WithinWishes(at, v.in.Booking.WishedTimes) && !agreed {
		return jobcore.Refuse("%s is outside the customer's wished times; the customer's wish wins unless they explicitly agree (set customer_agreed) (V-3)", v.clock(at))
	}
	return nil
}

func (v *visit) clock(t time.Time) string { return t.In(v.loc).Format("Mon 2 Jan 15:04 MST") }

func (v *visit) endClaim() {
	v.claimGen++
	if v.cancelClaim != nil {
		v.cancelClaim()
		v.cancelClaim = nil
	}
}

func (v *visit) endReminder() {
	v.reminderGen++
	if v.cancelReminder != nil {
		v.cancelReminder()
		v.cancelReminder = nil
	}
	v.st.ReminderAt = nil
}

// endTimers retires every pending promise: nothing fires for a visit that
// was cancelled or aborted.
func (v *visit) endTimers() {
	v.endClaim()
	v.endReminder()
	if v.cancelPromise != nil {
		v.cancelPromise()
	}
}

func (v *visit) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to VisitStatus, note string) {
	from := v.st.Status
	v.st.Status = to
	v.closing = action
	v.logTransition(ctx, action, by, from, note)
	v.publish(ctx)
}

func (v *visit) logTransition(ctx workflow.Context, action string, by jobcore.Actor, from VisitStatus, note string) {
	v.st.Log = append(v.st.Log, jobcore.NewTransition(ctx, action, by, from, v.st.Status, note))
}

// publish writes what changed to the search attributes ops filter on, and
// the current details the UI shows. No personal data goes here (V-14).
func (v *visit) publish(ctx workflow.Context) {
	if !v.attrs.Published() {
		// The API sets these at the start (api/visits.go): the first upsert
		// writes only what the start did not set to the same value (issue
		// #13: the history held them twice). It always writes the status,
		// so the first upsert command stays where histories have it
		// (replay compares the command, not its attributes).
		have := workflow.GetTypedSearchAttributes(ctx)
		for _, k := range []temporal.SearchAttributeKeyKeyword{names.PartnerKey, names.MarketKey, names.RegionKey, names.SLAStateKey} {
			if got, ok := have.GetKeyword(k); ok {
				v.attrs.Seed(jobcore.Keyword(k, got))
			}
		}
		if got, ok := have.GetTime(names.HelpDeadlineKey); ok {
			v.attrs.Seed(jobcore.Time(names.HelpDeadlineKey, got))
		}
	}
	var appointment time.Time
	if v.st.AppointmentAt != nil {
		appointment = *v.st.AppointmentAt
	}
	v.attrs.Publish(ctx, v.details(),
		jobcore.Keyword(names.PartnerKey, v.st.Partner),
		jobcore.Keyword(names.MarketKey, string(v.st.Market)),
		jobcore.Keyword(names.RegionKey, v.st.Region),
		jobcore.Time(names.HelpDeadlineKey, v.st.HelpDeadline),
		jobcore.Keyword(names.VisitStatusKey, string(v.st.Status)).First(),
		jobcore.Keyword(names.SLAStateKey, string(v.st.SLA)),
		jobcore.Keyword(names.BuddyIDKey, v.st.Holder).Unset(),
		jobcore.Time(names.AppointmentAtKey, appointment).Unset(),
	)
}

func (v *visit) details() string {
	s := fmt.Sprintf("**%s** · %s · region %s", v.st.Status, v.st.Partner, v.st.Region)
	if v.st.Holder != "" {
		s += " · buddy " + v.st.Holder
	}
	if v.st.AppointmentAt != nil {
		s += " · appointment " + v.clock(*v.st.AppointmentAt)
	}
	s += fmt.Sprintf(" · help promise until %s (%s)", v.clock(v.st.HelpDeadline), v.st.SLA)
	return s
}
