package rules

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestP1_DefaultsAreTheSeedsNumbers(t *testing.T) {
	p := DefaultPolicy()
	assert.Equal(t, time.Hour, p.ClaimLock, "V-2")
	assert.Equal(t, 48*time.Hour, p.HelpPromise, "V-5")
	assert.Equal(t, time.Hour, p.ReminderLead, "V-7")
	assert.Equal(t, 2*time.Hour, p.ReclamationReply, "C-2")
	assert.Equal(t, At(14, 0), p.ReactionCutoff, "T-2")
	assert.Equal(t, At(18, 0), p.ReactionSameDayBy, "T-2")
	assert.Equal(t, At(12, 0), p.ReactionNextDayBy, "T-2")
	assert.Equal(t, At(8, 0), p.EmailWindowStart, "N-3")
	assert.Equal(t, At(19, 0), p.EmailWindowEnd, "N-3")
	assert.Equal(t, 30*time.Minute, p.HandoverUnreadDelay, "N-1")
	assert.Equal(t, 2*time.Hour, p.ChatUnreadDelay, "N-2")
	assert.Equal(t, 21*24*time.Hour, p.InactivityNudge, "N-4")
	assert.Equal(t, 70*24*time.Hour, p.InactivityMark, "N-4")
	assert.NoError(t, p.Validate())
}

func TestP1_PartnerOverridesMarketOverridesDefault(t *testing.T) {
	p, err := Resolve(Overrides{"claim_lock": "45m", "reminder_lead": "2h"}, Overrides{"claim_lock": "30m", "email_window_end": "18:00"})
	require.NoError(t, err)
	assert.Equal(t, 30*time.Minute, p.ClaimLock, "the partner wins over the market")
	assert.Equal(t, 2*time.Hour, p.ReminderLead, "the market wins over the default")
	assert.Equal(t, At(18, 0), p.EmailWindowEnd)
	assert.Equal(t, 48*time.Hour, p.HelpPromise, "untouched values keep the default")
	p, err = Resolve(Overrides{"budget_warn_percent": "35", "digest_at": "07:30"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 35, p.BudgetWarnPercent, "T-7 percentages are policy too")
	assert.Equal(t, At(7, 30), p.DigestAt)
}

func TestP1_BadOverridesAreRefusedByName(t *testing.T) {
	for _, tc := range []struct {
		o   Overrides
		err string
	}{
		{Overrides{"claim_lok": "1h"}, `unknown value "claim_lok"`},
		{Overrides{"claim_lock": "soon"}, "policy claim_lock: want a duration"},
		{Overrides{"claim_lock": "-1h"}, "claim_lock must be positive"},
		{Overrides{"digest_at": "25:00"}, "policy digest_at"},
		{Overrides{"sla_warning_lead": "72h"}, "shorter than help_promise"},
		{Overrides{"budget_warn_percent": "many"}, "whole number"},
	} {
		_, err := Resolve(nil, tc.o)
		assert.ErrorContains(t, err, tc.err)
	}
}

func TestP1_C2_ReclamationEscalationSlowsDownOnABoundedSchedule(t *testing.T) {
	p := DefaultPolicy()
	assert.Equal(t, time.Hour, p.ReclamationInterval(0), "C-2: hourly at first")
	assert.Equal(t, time.Hour, p.ReclamationInterval(23*time.Hour))
	assert.Equal(t, 24*time.Hour, p.ReclamationInterval(24*time.Hour), "C-2: daily once overdue a day")
	assert.Equal(t, 24*time.Hour, p.ReclamationInterval(300*24*time.Hour), "C-2: and never stops")
	p, err := p.Apply(Overrides{"reclamation_slow_after": "2h", "reclamation_slow_escalation": "8h"})
	require.NoError(t, err)
	assert.Equal(t, 8*time.Hour, p.ReclamationInterval(3*time.Hour), "P-1: the schedule is policy")
	old := DefaultPolicy()
	old.ReclamationSlowAfter, old.ReclamationSlowEscalation = 0, 0 // a policy fixed before the values existed
	assert.Equal(t, 24*time.Hour, old.ReclamationInterval(48*time.Hour), "missing values take their defaults")
}

func TestP1_V5_R2_FollowUpsAfterTheLastTimerArePolicy(t *testing.T) {
	p := DefaultPolicy()
	assert.Equal(t, 24*time.Hour, p.BreachEscalation)
	assert.Equal(t, 72*time.Hour, p.BreachExpiry)
	assert.Equal(t, 24*time.Hour, p.RatingDecisionEscalation)
	assert.Equal(t, 72*time.Hour, p.RatingHandover)
	_, err := Resolve(nil, Overrides{"breach_escalation": "96h"})
	assert.ErrorContains(t, err, "breach_escalation must not be longer than breach_expiry")
	_, err = Resolve(nil, Overrides{"rating_handover": "1h"})
	assert.ErrorContains(t, err, "rating_decision_escalation must not be longer than rating_handover")
}

func TestP1_C3_StageTimersArePolicy(t *testing.T) {
	p := DefaultPolicy()
	assert.Equal(t, 24*time.Hour, p.ReclamationAssess, "C-3: a day to plan or reject after the acknowledgement")
	assert.Equal(t, 24*time.Hour, p.ReclamationApprove, "C-3: a day to approve resolved work")
	var old Policy
	old = old.WithDefaults()
	assert.Equal(t, p.ReclamationAssess, old.ReclamationAssess, "missing values take their defaults")
	assert.Equal(t, p.BreachExpiry, old.BreachExpiry)
}

// P-1: Validate's comparisons at their edges, each with equal values on both
// sides: what must be strictly ordered is refused when equal, what may be
// equal is accepted. One value changes from the defaults at a time.
func TestP1_PolicyValidateBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Overrides
		err  string // the whole error; "" means valid
	}{
		{"a zero duration is not positive", Overrides{"claim_lock": "0s"}, "policy claim_lock must be positive"},
		{"a nanosecond is positive", Overrides{"claim_lock": "1ns"}, ""},
		{"sla_warning_lead == help_promise", Overrides{"sla_warning_lead": "48h"}, "policy sla_warning_lead must be shorter than help_promise"},
		{"sla_warning_lead just under help_promise", Overrides{"sla_warning_lead": "47h59m59s"}, ""},
		{"inactivity_nudge == inactivity_email", Overrides{"inactivity_nudge": "1176h"}, "policy inactivity_nudge < inactivity_email < inactivity_mark must hold"},
		{"inactivity_nudge just under inactivity_email", Overrides{"inactivity_nudge": "1175h59m"}, ""},
		{"inactivity_email == inactivity_mark", Overrides{"inactivity_email": "1680h"}, "policy inactivity_nudge < inactivity_email < inactivity_mark must hold"},
		{"inactivity_email just under inactivity_mark", Overrides{"inactivity_email": "1679h59m"}, ""},
		{"breach_escalation == breach_expiry", Overrides{"breach_escalation": "72h"}, ""},
		{"breach_escalation just over breach_expiry", Overrides{"breach_escalation": "72h1s"}, "policy breach_escalation must not be longer than breach_expiry"},
		{"rating_decision_escalation == rating_handover", Overrides{"rating_handover": "24h"}, ""},
		{"rating_handover just under rating_decision_escalation", Overrides{"rating_handover": "23h59m59s"}, "policy rating_decision_escalation must not be longer than rating_handover"},
		{"email window start == end", Overrides{"email_window_start": "19:00"}, "policy email_window_start must be before email_window_end"},
		{"email window one minute long", Overrides{"email_window_start": "18:59"}, ""},
		{"budget_warn_percent -1", Overrides{"budget_warn_percent": "-1"}, "policy budget_warn_percent must be 0..100"},
		{"budget_warn_percent 0", Overrides{"budget_warn_percent": "0"}, ""},
		{"budget_warn_percent 100", Overrides{"budget_warn_percent": "100"}, ""},
		{"budget_warn_percent 101", Overrides{"budget_warn_percent": "101"}, "policy budget_warn_percent must be 0..100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DefaultPolicy().Apply(tc.o)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tc.err, "exactly this rule is broken")
			}
		})
	}
}

// P-1, V-7: the customer service number is a policy value, per market or
// partner, checked when the configuration is read.
func TestP1_ServicePhoneIsPolicy(t *testing.T) {
	p, err := DefaultPolicy().Apply(Overrides{"service_phone": "010-17 77 307"})
	require.NoError(t, err)
	assert.Equal(t, "010-17 77 307", p.ServicePhone)
	assert.Empty(t, DefaultPolicy().ServicePhone, "no number unless configured")
	_, err = DefaultPolicy().Apply(Overrides{"service_phone": "call us"})
	assert.ErrorContains(t, err, "service_phone")
}
