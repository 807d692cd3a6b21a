package rules

import (
	"testing"
	"time"
)

// fuzzTime maps fuzz input to an instant between 1990 and 2090 (the
// calendars' range and beyond both ends of the tables we ship).
func fuzzTime(unix int64) time.Time {
	const lo, span = 631152000, 100 * 365 * 24 * 3600 // 1990-01-01, ~100 years
	if unix < 0 {
		unix = -unix
	}
	return time.Unix(lo+unix%span, unix%1e9)
}

func fuzzMarket(i uint8) Market { return Markets[int(i)%len(Markets)] }

// FuzzReactionDeadline (T-2): the answer is never before the request, falls
// on a working day of the market, at the policy's same-day or next-day
// clock, and at most a few weeks ahead (holiday runs).
func FuzzReactionDeadline(f *testing.F) {
	for _, s := range []int64{0, 1732000000, 1735084800, 1734998400, 1743638400, 1798761599} {
		for m := uint8(0); m < 3; m++ {
			f.Add(s, m)
		}
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, unix int64, mi uint8) {
		m, in := fuzzMarket(mi), fuzzTime(unix)
		got := ReactionDeadline(m, in, p)
		if got.Before(in) {
			t.Fatalf("%s: deadline %v before arrival %v", m, got, in)
		}
		if !IsWorkingDay(m, got) {
			t.Fatalf("%s: deadline %v is not a working day", m, got)
		}
		if c := clockOf(got.In(Location(m))); c != p.ReactionSameDayBy && c != p.ReactionNextDayBy {
			t.Fatalf("%s: deadline %v at %v, not a policy clock", m, got, c)
		}
		if got.Sub(in) > 21*24*time.Hour {
			t.Fatalf("%s: deadline %v more than 3 weeks after %v", m, got, in)
		}
	})
}

// FuzzNextEmailSlot (N-3): the slot is never before t, on a working day,
// inside [EmailWindowStart, EmailWindowEnd), and t itself when t already is
// inside a window.
func FuzzNextEmailSlot(f *testing.F) {
	for _, s := range []int64{0, 1732000000, 1735084800, 1735160400, 1743638400, 1798761599} {
		for m := uint8(0); m < 3; m++ {
			f.Add(s, m)
		}
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, unix int64, mi uint8) {
		m, in := fuzzMarket(mi), fuzzTime(unix)
		got := NextEmailSlot(m, in, p)
		if got.Before(in) {
			t.Fatalf("%s: slot %v before %v", m, got, in)
		}
		if !IsWorkingDay(m, got) {
			t.Fatalf("%s: slot %v is not a working day", m, got)
		}
		c := clockOf(got.In(Location(m)))
		if c < p.EmailWindowStart || c >= p.EmailWindowEnd {
			t.Fatalf("%s: slot %v at %v outside the e-mail window", m, got, c)
		}
		inClock := clockOf(in.In(Location(m)))
		if IsWorkingDay(m, in) && inClock >= p.EmailWindowStart && inClock < p.EmailWindowEnd && !got.Equal(in) {
			t.Fatalf("%s: %v is inside the window but the slot moved to %v", m, in, got)
		}
		if got.Sub(in) > 21*24*time.Hour {
			t.Fatalf("%s: slot %v more than 3 weeks after %v", m, got, in)
		}
	})
}
