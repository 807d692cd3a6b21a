package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- V-2: claim and release ---------------------------------------------

func (v *visit) validateClaim(ctx workflow.Context, r ClaimRequest) error {
	if r.Buddy == "" {
		return jobcore.Refuse("a claim needs the buddy's id")
	}
	switch v.st.Status {
	case StatusOpen:
		return nil
	case StatusClaimed:
		if v.st.Holder == r.Buddy {
			return jobcore.Refuse("you already hold this job until %s (V-2)", v.clock(*v.st.ClaimLapsesAt))
		}
		return jobcore.Refuse("the job is held by another buddy until %s; a second claim is refused (V-2)", v.clock(*v.st.ClaimLapsesAt))
	}
	return jobcore.Refuse("the job is %s, not in the pool; only open jobs can be claimed (V-2)", v.st.Status)
}

func (v *visit) claim(ctx workflow.Context, r ClaimRequest) (VisitUpdateResult, error) {
	now := workflow.Now(ctx)
	lapses := now.Add(v.in.Policy.ClaimLock)
	v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = r.Buddy, &now, &lapses
	v.setStatus(ctx, "claim", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusClaimed, "held until "+v.clock(lapses))

	// V-2: the claim lapses unless a time is booked within the lock.
	v.claimGen++
	gen := v.claimGen
	claimCtx, cancel := workflow.WithCancel(ctx)
	v.cancelClaim = cancel
	workflow.Go(claimCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, v.in.Policy.ClaimLock, "claim lock (V-2)") {
			return
		}
		if v.claimGen == gen && v.st.Status == StatusClaimed {
			v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = "", nil, nil
			v.setStatus(ctx, "claim-lapsed", jobcore.Actor{Role: names.RoleSystem}, StatusOpen, "no time booked within the claim lock; back in the pool (V-2)")
		}
	})
	return v.result(), nil
}

func (v *visit) validateRelease(ctx workflow.Context, r ReleaseRequest) error {
	if v.st.Status != StatusClaimed {
		return jobcore.Refuse("only a claimed job can be released; this one is %s", v.st.Status)
	}
	return v.mustHold(r.Buddy)
}

func (v *visit) release(ctx workflow.Context, r ReleaseRequest) (VisitUpdateResult, error) {
	v.endClaim()
	v.st.Holder, v.st.ClaimedAt, v.st.ClaimLapsesAt = "", nil, nil
	v.setStatus(ctx, "release", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusOpen, "back in the pool (V-2)")
	return v.result(), nil
}

// --- V-3, V-4: booking a time --------------------------------------------

func (v *visit) validateBook(ctx workflow.Context, r BookRequest) error {
	if v.st.Status != StatusClaimed {
		return jobcore.Refuse("claim the job before booking a time; it is %s (V-2)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Recording != RecordingAccepted && r.Recording != RecordingRefused {
		return jobcore.Refuse("record the customer's answer to the recording notice: accepted or refused (V-3)")
	}
	if r.Recording == RecordingRefused {
		return nil // V-4: the visit is cancelled; no time is needed
	}
	if err := v.checkTime(ctx, r.At, r.CustomerAgreed); err != nil {
		return err
	}
	if r.ClarifiedProblem == "" {
		return jobcore.Refuse("describe the clarified problem before booking (V-3)")
	}
	if r.HardwareFault && !r.CustomerToldNoFix {
		return jobcore.Refuse("a hardware fault is suspected: tell the customer a fix on site cannot be guaranteed, then book (V-3)")
	}
	if !r.ProductsAtHome {
		return jobcore.Refuse("make sure the customer has the needed products at home before booking (V-3)")
	}
	return nil
}

func (v *visit) book(ctx workflow.Context, r BookRequest) (VisitUpdateResult, error) {
	v.endClaim()
	booking := r
	v.st.Booking = &booking
	v.st.ClaimLapsesAt = nil
	if r.Recording == RecordingRefused {
		// V-4: recording refused cancels the visit; ops take over the contact.
		v.st.Holder = ""
		v.setStatus(ctx, "book", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusCancelled, "customer refused recording; ops take over (V-4)")
		v.endTimers()
		v.alertOps(ctx, "recording_refused", "ops.recording_refused", "recording refused alert (V-4)", nil)
		return v.result(), nil
	}
	at := r.At
	v.st.AppointmentAt = &at
	v.setStatus(ctx, "book", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusBooked, "appointment "+v.clock(at))
	fields := map[string]string{
		"appointment":    at.Format(time.RFC3339),
		"hardware_fault": fmt.Sprint(r.HardwareFault),
	}
	// P-1, issue #14: the reminder's lead from the policy, not "one hour";
	// in whole minutes (a lead under a minute, as in the fault suite, is
	// left out: the template takes no zero).
	if m := int(v.in.Policy.ReminderLead.Minutes()); m >= 1 {
		fields["reminder_lead_minutes"] = fmt.Sprint(m)
	}
	v.sendEmail(ctx, "booking-confirmation", "visit.booking_confirmation", "booking confirmation (V-3)", fields)
	v.scheduleReminder(ctx)
	return v.result(), nil
}

// --- V-6: reschedule -----------------------------------------------------

func (v *visit) validateReschedule(ctx workflow.Context, r RescheduleRequest) error {
	if v.st.Status != StatusBooked {
		return jobcore.Refuse("only a booked visit can be rescheduled; this one is %s (V-6)", v.st.Status)
	}
	if err := v.mustHold(r.Buddy); err != nil {
		return err
	}
	if r.Reason == "" {
		return jobcore.Refuse("give the reason the time cannot be kept (V-6)")
	}
	return v.checkTime(ctx, r.At, r.CustomerAgreed)
}

func (v *visit) reschedule(ctx workflow.Context, r RescheduleRequest) (VisitUpdateResult, error) {
	at := r.At
	v.st.AppointmentAt = &at
	v.setStatus(ctx, "reschedule", jobcore.Actor{Role: names.RoleBuddy, ID: r.Buddy}, StatusBooked, "new appointment "+v.clock(at)+" (V-6)")
	v.sendSMS(ctx, "rescheduled", "visit.rescheduled", "reschedule notice (V-6)", map[string]string{"appointment": at.Format(time.RFC3339)})
	v.scheduleReminder(ctx) // V-7: the reminder follows the new time
	return v.result(), nil
}

// --- V-7: the reminder call ----------------------------------------------

// scheduleReminder (re)starts the reminder timer for the current
// appointment, retiring any earlier one.
func (v *visit) scheduleReminder(ctx workflow.Context) {
	if v.cancelReminder != nil {
		v.cancelReminder()
	}
	v.reminderGen++
	gen := v.reminderGen
	at := rules.ReminderAt(*v.st.AppointmentAt, workflow.Now(ctx), v.in.Policy.ReminderLead)
	v.st.ReminderAt = &at
	remCtx, cancel := workflow.WithCancel(ctx)
	v.cancelReminder = cancel
	workflow.Go(remCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), "reminder call (V-7), 1 h before") {
			return
		}
		if v.reminderGen != gen || v.st.Status != StatusBooked {
			return
		}
		data := map[string]string{"appointment": v.st.AppointmentAt.Format(time.RFC3339)}
		outcome := v.call(ctx, fmt.Sprintf("reminder-call-%d", gen), "visit.reminder_call", "reminder call (V-7)", data)
		if !outcome.Answered() && v.reminderGen == gen && v.st.Status == StatusBooked {
			// V-7: not answered means the text message instead.
			v.sendSMSNow(ctx, fmt.Sprintf("reminder-sms-%d", gen), "visit.reminder_sms", "reminder SMS fallback (V-7)", data)
		}
	})
}
