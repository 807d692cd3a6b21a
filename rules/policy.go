package rules

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Policy holds every number the seeds give as a promise or a delay (P-1).
// Defaults are the seeds' numbers; partners and markets override them. A
// workflow receives its Policy in its input, resolved once before it starts,
// so a later policy change never alters a running workflow's history.
type Policy struct {
	// Visits (V).
	ClaimLock      time.Duration `json:"claim_lock"`       // V-2: a claim lapses unless booked within this
	HelpPromise    time.Duration `json:"help_promise"`     // V-5: help within this of the booking
	SLAWarningLead time.Duration `json:"sla_warning_lead"` // V-5: ops warned this long before a breach
	ReminderLead   time.Duration `json:"reminder_lead"`    // V-7: reminder call this long before the appointment
	RatingWindow   time.Duration `json:"rating_window"`    // how long a visit waits for its rating

	// Visits past their breach (V-5, issue #13): an open, claimed or
	// booked-and-missed visit alerts ops again every BreachEscalation after
	// the breach and closes as "expired" (VisitStatus) BreachExpiry after
	// it, handing the customer to ops, so no visit waits without a timer.
	BreachEscalation time.Duration `json:"breach_escalation"` // V-5: re-alert ops this often after a breach
	BreachExpiry     time.Duration `json:"breach_expiry"`     // V-5: an unstarted visit closes this long after its breach
	// A started visit never completed (V-11, issue #13): ops are alerted
	// CompletionDue after the start, again every BreachEscalation, and
	// CompletionGiveUp after that first alert the visit closes "unfinished"
	// (VisitStatus) with a last alert: ops settle it with the buddy.
	CompletionDue    time.Duration `json:"completion_due,omitempty"`     // V-11: a started visit is completed within this
	CompletionGiveUp time.Duration `json:"completion_give_up,omitempty"` // V-11: ...or closes this long after the first alert

	// Ratings.
	RatingReportTime time.Duration `json:"rating_report_time"` // worker reports on a 1-2 star rating within this
	// After the team lead's last ask (R-2, issue #13): ops are escalated
	// every RatingDecisionEscalation; RatingHandover after the last ask the
	// follow-up hands the customer's answer to a reclamation (C-2) and closes.
	RatingDecisionEscalation time.Duration `json:"rating_decision_escalation"` // escalate an undecided low rating this often
	RatingHandover           time.Duration `json:"rating_handover"`            // undecided this long after the last ask: a reclamation answers

	// Reclamations (C).
	ReclamationReply      time.Duration `json:"reclamation_reply"`      // C-2: acknowledge within this
	ReclamationEscalation time.Duration `json:"reclamation_escalation"` // C-2: next escalation level after this
	// C-2 never ignored, on a bounded schedule (issue #13): every
	// ReclamationEscalation while overdue less than ReclamationSlowAfter,
	// then every ReclamationSlowEscalation, for as long as it stays overdue.
	ReclamationSlowAfter      time.Duration `json:"reclamation_slow_after"`      // C-2: overdue this long, escalations slow down
	ReclamationSlowEscalation time.Duration `json:"reclamation_slow_escalation"` // C-2: the slower escalation interval
	// C-3 stages with no timer before issue #13: an acknowledged complaint
	// is assessed (planned or rejected) within ReclamationAssess, resolved
	// work approved within ReclamationApprove; late ones escalate on the
	// schedule above.
	ReclamationAssess  time.Duration `json:"reclamation_assess"`  // C-3: plan or reject within this of the acknowledgement
	ReclamationApprove time.Duration `json:"reclamation_approve"` // C-3: approve resolved work within this

	// Tasks (T) and notifications (N): wall-clock times are minutes after
	// midnight in the market's time zone.
	ReactionCutoff        Clock         `json:"reaction_cutoff"`         // T-2: 14:00
	ReactionSameDayBy     Clock         `json:"reaction_same_day_by"`    // T-2: 18:00
	ReactionNextDayBy     Clock         `json:"reaction_next_day_by"`    // T-2: 12:00
	DeadlineWarningLead   time.Duration `json:"deadline_warning_lead"`   // T-5: warn this long before a deadline
	ExtensionAnswerWindow time.Duration `json:"extension_answer_window"` // T-6: an unanswered extension request expires
	ReviewEscalation      time.Duration `json:"review_escalation"`       // T-1: ops alerted again this often while a task stays unreviewed
	ReviewGiveUp          time.Duration `json:"review_give_up"`          // T-1: an unreviewed task closes this long after its reaction time
	// A task past its missed deadline with no hand-over (T-5, issue #13):
	// ops are alerted again every OverdueEscalation and OverdueGiveUp after
	// the deadline the task closes (ClosedReason deadline_missed).
	OverdueEscalation time.Duration `json:"overdue_escalation,omitempty"` // T-5: re-alert ops this often after a missed deadline
	OverdueGiveUp     time.Duration `json:"overdue_give_up,omitempty"`    // T-5: a task still not handed over closes this long after its deadline
	BudgetWarnPercent int           `json:"budget_warn_percent"`          // T-7: ask for more when less than this % is left
	EmailWindowStart  Clock         `json:"email_window_start"`           // N-3: 08:00
	EmailWindowEnd    Clock         `json:"email_window_end"`             // N-3: 19:00
	DigestAt          Clock         `json:"digest_at"`                    // N-1: 08:00
	// EmailOnDaysOff opens the e-mail window (N-3) and the digest (N-1) on
	// weekends and holidays too; off by default (P-2). A market or partner
	// that mails every day sets it, and so do the real-server tests, which
	// must run on any day (issue #15). omitempty: inputs without it decode
	// as before.
	EmailOnDaysOff bool `json:"email_on_days_off,omitempty"`
	// ServicePhone is the customer service number the reminder call, the
	// reminder SMS and the cancellation notice give (V-7; seed 001: "010-17
	// 77 307"), set per market or partner (P-1: contact details come from
	// the policy, never from a text). Empty: the texts name none.
	ServicePhone        string        `json:"service_phone,omitempty"`
	HandoverUnreadDelay time.Duration `json:"handover_unread_delay"` // N-1: 30 min
	ChatUnreadDelay     time.Duration `json:"chat_unread_delay"`     // N-2: 2 h
	InactivityNudge     time.Duration `json:"inactivity_nudge"`      // N-4: 3 weeks
	InactivityEmail     time.Duration `json:"inactivity_email"`      // N-4: 7 weeks
	InactivityMark      time.Duration `json:"inactivity_mark"`       // N-4: 10 weeks

	// Absences (A).
	AcuteAbsenceLead time.Duration `json:"acute_absence_lead"` // absence this close to a job goes to the manager at once
	LongAbsence      time.Duration `json:"long_absence"`       // longer absences e-mail the customers
	SubstituteLead   time.Duration `json:"substitute_lead"`    // escalate if no substitute this long before a job
}

// Clock is a wall-clock time of day, in minutes after midnight.
type Clock int

// At builds a Clock from hours and minutes.
func At(hour, minute int) Clock { return Clock(hour*60 + minute) }

// Hour and Minute split the clock for time.Date.
func (c Clock) Hour() int   { return int(c) / 60 }
func (c Clock) Minute() int { return int(c) % 60 }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute()) }

// ParseClock reads "HH:MM".
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("want a time of day as HH:MM, got %q", s)
	}
	return At(t.Hour(), t.Minute()), nil
}

// DefaultPolicy returns the seeds' numbers (P-1).
func DefaultPolicy() Policy {
	return Policy{
		ClaimLock:                 time.Hour,               // V-2
		HelpPromise:               48 * time.Hour,          // V-5
		SLAWarningLead:            4 * time.Hour,           // V-5: seeds are silent; 4 h leaves ops a half shift to act
		ReminderLead:              time.Hour,               // V-7
		RatingWindow:              7 * 24 * time.Hour,      // seeds are silent; a week to rate
		RatingReportTime:          24 * time.Hour,          // seeds say "within the reaction time"; one day by default
		RatingDecisionEscalation:  24 * time.Hour,          // seeds are silent; remind ops once a day
		RatingHandover:            72 * time.Hour,          // seeds are silent; three more days, then a reclamation answers
		BreachEscalation:          24 * time.Hour,          // V-5: seeds are silent; re-alert ops once a day
		BreachExpiry:              72 * time.Hour,          // V-5: seeds are silent; three days past the breach ops own the customer
		CompletionDue:             12 * time.Hour,          // V-11: seeds are silent; a visit is a few hours of work
		CompletionGiveUp:          72 * time.Hour,          // V-11: seeds are silent; three days of alerts, then ops settle it
		ReclamationReply:          2 * time.Hour,           // C-2
		ReclamationEscalation:     time.Hour,               // C-2: seeds are silent; escalate again every hour
		ReclamationSlowAfter:      24 * time.Hour,          // C-2: seeds are silent; hourly for a day...
		ReclamationSlowEscalation: 24 * time.Hour,          // C-2: ...then daily, for as long as it stays unanswered
		ReclamationAssess:         24 * time.Hour,          // C-3: seeds are silent; a day to plan or reject
		ReclamationApprove:        24 * time.Hour,          // C-3: seeds are silent; a day to approve
		ReactionCutoff:            At(14, 0),               // T-2
		ReactionSameDayBy:         At(18, 0),               // T-2
		ReactionNextDayBy:         At(12, 0),               // T-2
		DeadlineWarningLead:       48 * time.Hour,          // T-5: "never on the last day"
		ExtensionAnswerWindow:     72 * time.Hour,          // T-6: seeds are silent
		ReviewEscalation:          4 * time.Hour,           // T-1: seeds are silent; ops again every 4 h
		ReviewGiveUp:              72 * time.Hour,          // T-1: seeds are silent; closed unreviewed after 3 days
		OverdueEscalation:         24 * time.Hour,          // T-5: seeds are silent; ops again once a day
		OverdueGiveUp:             14 * 24 * time.Hour,     // T-5: seeds are silent; two weeks past the deadline it closes
		BudgetWarnPercent:         20,                      // T-7: seeds say "early"
		EmailWindowStart:          At(8, 0),                // N-3
		EmailWindowEnd:            At(19, 0),               // N-3
		DigestAt:                  At(8, 0),                // N-1
		HandoverUnreadDelay:       30 * time.Minute,        // N-1
		ChatUnreadDelay:           2 * time.Hour,           // N-2
		InactivityNudge:           3 * 7 * 24 * time.Hour,  // N-4
		InactivityEmail:           7 * 7 * 24 * time.Hour,  // N-4
		InactivityMark:            10 * 7 * 24 * time.Hour, // N-4
		AcuteAbsenceLead:          12 * time.Hour,          // seeds say "close to the start of a shift"
		LongAbsence:               48 * time.Hour,          // "longer than two days"
		SubstituteLead:            24 * time.Hour,          // seeds are silent
	}
}

// durationFields maps the override names (the JSON names) to their fields,
// so partner and market files can set any duration by name.
func (p *Policy) durationFields() map[string]*time.Duration {
	return map[string]*time.Duration{
		"claim_lock": &p.ClaimLock, "help_promise": &p.HelpPromise,
		"sla_warning_lead": &p.SLAWarningLead, "reminder_lead": &p.ReminderLead,
		"rating_window": &p.RatingWindow, "rating_report_time": &p.RatingReportTime,
		"reclamation_reply": &p.ReclamationReply, "reclamation_escalation": &p.ReclamationEscalation,
		"reclamation_slow_after": &p.ReclamationSlowAfter, "reclamation_slow_escalation": &p.ReclamationSlowEscalation,
		"reclamation_assess": &p.ReclamationAssess, "reclamation_approve": &p.ReclamationApprove,
		"breach_escalation": &p.BreachEscalation, "breach_expiry": &p.BreachExpiry,
		"completion_due": &p.CompletionDue, "completion_give_up": &p.CompletionGiveUp,
		"overdue_escalation": &p.OverdueEscalation, "overdue_give_up": &p.OverdueGiveUp,
		"rating_decision_escalation": &p.RatingDecisionEscalation, "rating_handover": &p.RatingHandover,
		"deadline_warning_lead": &p.DeadlineWarningLead, "extension_answer_window": &p.ExtensionAnswerWindow,
		"review_escalation": &p.ReviewEscalation, "review_give_up": &p.ReviewGiveUp,
		"handover_unread_delay": &p.HandoverUnreadDelay, "chat_unread_delay": &p.ChatUnreadDelay,
		"inactivity_nudge": &p.InactivityNudge, "inactivity_email": &p.InactivityEmail,
		"inactivity_mark": &p.InactivityMark, "acute_absence_lead": &p.AcuteAbsenceLead,
		"long_absence": &p.LongAbsence, "substitute_lead": &p.SubstituteLead,
	}
}

func (p *Policy) clockFields() map[string]*Clock {
	return map[string]*Clock{
		"reaction_cutoff": &p.ReactionCutoff, "reaction_same_day_by": &p.ReactionSameDayBy,
		"reaction_next_day_by": &p.ReactionNextDayBy, "email_window_start": &p.EmailWindowStart,
		"email_window_end": &p.EmailWindowEnd, "digest_at": &p.DigestAt,
	}
}

// servicePhoneRe: a number as a customer dials it ("010-17 77 307",
// "+46 10 177 73 07").
var servicePhoneRe = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,22}[0-9]$`)

// Overrides are policy values by name, as written in a partner's or a
// market's configuration: durations as Go durations ("90m", "72h"), times of
// day as "HH:MM", percentages as integers.
type Overrides map[string]string

// Apply returns p with the overrides set, or an error naming the first bad
// entry (in name order, so the message is stable).
func (p Policy) Apply(o Overrides) (Policy, error) {
	names := make([]string, 0, len(o))
	for n := range o {
		names = append(names, n)
	}
	sort.Strings(names)
	durations, clocks := p.durationFields(), p.clockFields()
	// Plain ifs rather than a tagless switch: go test -cover counts no
	// statement in a case expression, so gremlins reported its mutants as
	// "not covered" although every branch is tested.
	for _, name := range names {
		v := o[name]
		if f := durations[name]; f != nil {
			d, err := time.ParseDuration(v)
			if err != nil {
				return p, fmt.Errorf("policy %s: want a duration such as 90m or 48h, got %q", name, v)
			}
			*f = d
			continue
		}
		if f := clocks[name]; f != nil {
			c, err := ParseClock(v)
			if err != nil {
				return p, fmt.Errorf("policy %s: %w", name, err)
			}
			*f = c
			continue
		}
		if name == "service_phone" {
			if !servicePhoneRe.MatchString(v) {
				return p, fmt.Errorf("policy %s: want a phone number of digits, spaces, '+' and '-', got %q", name, v)
			}
			p.ServicePhone = v
			continue
		}
		if name == "email_on_days_off" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return p, fmt.Errorf("policy %s: want true or false, got %q", name, v)
			}
			p.EmailOnDaysOff = b
			continue
		}
		if name != "budget_warn_percent" {
			return p, fmt.Errorf("policy: unknown value %q", name)
		}
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil {
			return p, fmt.Errorf("policy %s: want a whole number, got %q", name, v)
		}
		p.BudgetWarnPercent = n
	}
	return p, p.Validate()
}

// Resolve builds the policy a new workflow is started with (P-1): the
// defaults, then the market's overrides, then the partner's, which win.
func Resolve(market, partner Overrides) (Policy, error) {
	p, err := DefaultPolicy().Apply(market)
	if err != nil {
		return p, fmt.Errorf("market %w", err)
	}
	p, err = p.Apply(partner)
	if err != nil {
		return p, fmt.Errorf("partner %w", err)
	}
	return p, nil
}

// WithDefaults fills the durations a policy fixed into an older workflow
// input does not have (it was resolved before the value existed) with
// their defaults, so a running workflow that reaches new code never sees a
// zero delay (P-1: the values it had stay as they were). It names the
// values added after workflows began fixing their policy (issue #13); a
// slice, not durationFields' map, so workflow code calling it is
// deterministic by construction (workflowcheck).
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&p.ReclamationSlowAfter, d.ReclamationSlowAfter},
		{&p.ReclamationSlowEscalation, d.ReclamationSlowEscalation},
		{&p.ReclamationAssess, d.ReclamationAssess},
		{&p.ReclamationApprove, d.ReclamationApprove},
		{&p.BreachEscalation, d.BreachEscalation},
		{&p.BreachExpiry, d.BreachExpiry},
		{&p.RatingDecisionEscalation, d.RatingDecisionEscalation},
		{&p.RatingHandover, d.RatingHandover},
		{&p.CompletionDue, d.CompletionDue},
		{&p.CompletionGiveUp, d.CompletionGiveUp},
		{&p.OverdueEscalation, d.OverdueEscalation},
		{&p.OverdueGiveUp, d.OverdueGiveUp},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return p
}

// ReclamationInterval is the wait before the next escalation of a
// reclamation that has been overdue for overdue (C-2): the policy's
// ReclamationEscalation at first, ReclamationSlowEscalation once it has
// been overdue ReclamationSlowAfter. Never zero: the schedule is bounded
// below, so a year of escalations stays a few hundred.
func (p Policy) ReclamationInterval(overdue time.Duration) time.Duration {
	p = p.WithDefaults()
	if overdue >= p.ReclamationSlowAfter {
		return p.ReclamationSlowEscalation
	}
	return p.ReclamationEscalation
}

// Validate refuses a policy whose numbers cannot work together.
func (p Policy) Validate() error {
	var errs []error
	names := make([]string, 0)
	fields := p.durationFields()
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if *fields[n] <= 0 {
			errs = append(errs, fmt.Errorf("policy %s must be positive", n))
		}
	}
	if p.SLAWarningLead >= p.HelpPromise {
		errs = append(errs, errors.New("policy sla_warning_lead must be shorter than help_promise"))
	}
	if !(p.InactivityNudge < p.InactivityEmail && p.InactivityEmail < p.InactivityMark) {
		errs = append(errs, errors.New("policy inactivity_nudge < inactivity_email < inactivity_mark must hold"))
	}
	if p.BreachExpiry < p.BreachEscalation {
		errs = append(errs, errors.New("policy breach_escalation must not be longer than breach_expiry"))
	}
	if p.RatingHandover < p.RatingDecisionEscalation {
		errs = append(errs, errors.New("policy rating_decision_escalation must not be longer than rating_handover"))
	}
	if p.EmailWindowStart >= p.EmailWindowEnd {
		errs = append(errs, errors.New("policy email_window_start must be before email_window_end"))
	}
	if p.BudgetWarnPercent < 0 || p.BudgetWarnPercent > 100 {
		errs = append(errs, errors.New("policy budget_warn_percent must be 0..100"))
	}
	return errors.Join(errs...)
}
