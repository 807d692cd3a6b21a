package rules

import (
	"errors"
	"fmt"
	"time"
)

// Window is a span of time a customer wished to be helped in (V-3).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Contains reports whether t falls inside the window (ends included).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && !t.After(w.To) }

// ValidateWindows refuses reversed or empty windows and, when now is given,
// windows that have already ended.
func ValidateWindows(ws []Window, now time.Time) error {
	if len(ws) == 0 {
		return errors.New("at least one wished time window is required")
	}
	for i, w := range ws {
		if w.From.IsZero() || w.To.IsZero() {
			return fmt.Errorf("wished time %d needs both from and to", i+1)
		}
		if !w.To.After(w.From) {
			return fmt.Errorf("wished time %d ends before it starts", i+1)
		}
		if !now.IsZero() && !w.To.After(now) {
			return fmt.Errorf("wished time %d is in the past", i+1)
		}
	}
	return nil
}

// WithinWishes reports whether an appointment honours the customer's wished
// times (V-3: the customer's wished time wins).
func WithinWishes(at time.Time, ws []Window) bool {
	for _, w := range ws {
		if w.Contains(at) {
			return true
		}
	}
	return false
}

// HelpDeadline is the 48 h promise (V-5): help within HelpPromise of the
// booking, unless every window the customer wished starts later than that;
// then the promise runs to the end of the earliest wished window, because the
// customer themself chose to be helped later.
func HelpDeadline(bookedAt time.Time, wishes []Window, promise time.Duration) time.Time {
	deadline := bookedAt.Add(promise)
	var earliest *Window
	for i := range wishes {
		w := &wishes[i]
		if !w.From.After(deadline) {
			return deadline // some wish fits inside the promise: the promise holds
		}
		if earliest == nil || w.From.Before(earliest.From) {
			earliest = w
		}
	}
	if earliest != nil {
		return earliest.To
	}
	return deadline
}

// SLAState is how a visit stands against its help promise (V-5).
type SLAState string

const (
	SLAOk       SLAState = "ok"
	SLAWarning  SLAState = "warning"
	SLABreached SLAState = "breached"
)

// ReminderAt is when the reminder call goes out (V-7): ReminderLead before the
// appointment, or at once when the appointment is booked closer than that.
func ReminderAt(appointment, now time.Time, lead time.Duration) time.Time {
	at := appointment.Add(-lead)
	if at.Before(now) {
		return now
	}
	return at
}

// BillableMinutes is what the customer pays for (V-11): the time worked,
// rounded up to a started quarter hour, and never less than one hour.
func BillableMinutes(worked time.Duration) int {
	m := int((worked + time.Minute - 1) / time.Minute)
	// max, not "if m < 60 { return 60 }": at m = 60 both branches give 60,
	// so that comparison's boundary could be moved without any effect.
	return max((m+14)/15*15, 60)
}

// Pay is a buddy's earnings for one visit, in öre (hundredths of SEK) so no
// float rounding creeps in (V-13).
type Pay struct {
	HoursOre   int64 `json:"hours_ore"`
	MileageOre int64 `json:"mileage_ore"`
	TotalOre   int64 `json:"total_ore"`
}

// Pay rates of V-13, in öre.
const (
	FirstHourOre   = 25000 // SEK 250 for the first hour, also the minimum
	ExtraHourOre   = 15000 // SEK 150 for each further hour
	MileagePerMilO = 1850  // SEK 18.50 per Swedish mil (10 km)
)

// BuddyPay computes V-13 pay: SEK 250 for the first hour (the minimum for a
// job), SEK 150 per further hour pro rata by the billed minute, and SEK 18.50
// per 10 km of mileage only when ops confirmed it.
func BuddyPay(billableMinutes int, mileageKm float64, mileageConfirmed bool) Pay {
	// Clamped with max rather than guarded by "extra > 0" and "km > 0":
	// at zero the guarded formulas give 0 anyway, so those comparisons'
	// boundaries were untestable (equivalent mutants).
	p := Pay{HoursOre: FirstHourOre}
	p.HoursOre += int64(max(billableMinutes-60, 0)) * ExtraHourOre / 60
	if mileageConfirmed {
		// Per started tenth of a kilometre, in öre: 18.50 SEK / 10 km = 185 öre per km.
		p.MileageOre = max(int64(mileageKm*10+0.5), 0) * MileagePerMilO / 100
	}
	p.TotalOre = p.HoursOre + p.MileageOre
	return p
}
