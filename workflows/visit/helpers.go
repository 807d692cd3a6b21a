package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

func (v *visit) mustHold(buddy string) error {
	if buddy == "" {
		return jobcore.Refuse("name the buddy acting on the job")
	}
	if v.st.Holder != buddy {
		return jobcore.Refuse("the job is not held by %s; only its holder can do this (V-2)", buddy)
	}
	return nil
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
	v.st.Log = append(v.st.Log, Transition{At: workflow.Now(ctx), Action: action, By: by, From: from, To: v.st.Status, Note: note})
}

// publish writes what changed to the search attributes ops filter on, and
// the current details the UI shows. No personal data goes here (V-14).
func (v *visit) publish(ctx workflow.Context) {
	var ups []temporal.SearchAttributeUpdate
	want := visitAttrs{status: string(v.st.Status), buddy: v.st.Holder, sla: string(v.st.SLA)}
	if v.st.AppointmentAt != nil {
		want.appointment = *v.st.AppointmentAt
	}
	first := v.upserted == (visitAttrs{})
	slaSet := false
	if first {
		// The API sets these at the start (api/visits.go): the first upsert
		// writes only what the start did not set to the same value (issue
		// #13: the history held them twice). It always writes the status,
		// so the first upsert command stays where histories have it
		// (replay compares the command, not its attributes).
		have := workflow.GetTypedSearchAttributes(ctx)
		for _, kv := range []struct {
			key temporal.SearchAttributeKeyKeyword
			val string
		}{{jobcore.PartnerKey, v.st.Partner}, {jobcore.MarketKey, string(v.st.Market)}, {jobcore.RegionKey, v.st.Region}} {
			if got, ok := have.GetKeyword(kv.key); !ok || got != kv.val {
				ups = append(ups, kv.key.ValueSet(kv.val))
			}
		}
		if got, ok := have.GetTime(jobcore.HelpDeadlineKey); !ok || !got.Equal(v.st.HelpDeadline) {
			ups = append(ups, jobcore.HelpDeadlineKey.ValueSet(v.st.HelpDeadline))
		}
		got, ok := have.GetKeyword(jobcore.SLAStateKey)
		slaSet = ok && got == want.sla
	}
	if first || want.status != v.upserted.status {
		ups = append(ups, jobcore.VisitStatusKey.ValueSet(want.status))
	}
	if (first && !slaSet) || (!first && want.sla != v.upserted.sla) {
		ups = append(ups, jobcore.SLAStateKey.ValueSet(want.sla))
	}
	if want.buddy != v.upserted.buddy {
		if want.buddy == "" {
			ups = append(ups, jobcore.BuddyIDKey.ValueUnset())
		} else {
			ups = append(ups, jobcore.BuddyIDKey.ValueSet(want.buddy))
		}
	}
	if !want.appointment.Equal(v.upserted.appointment) {
		ups = append(ups, jobcore.AppointmentAtKey.ValueSet(want.appointment))
	}
	if len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	v.upserted = want
	workflow.SetCurrentDetails(ctx, v.details())
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
