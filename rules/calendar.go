package rules

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/se"
)

// The business calendar (P-2, T-2, N-1, N-3): working days are Monday to
// Friday in the market's time zone, without the days that are really off in
// that country. Holiday definitions come from github.com/rickar/cal/v2,
// whose IsWorkday treats every listed holiday as a day off, so each market's
// list below holds only days that are off. Decisions:
//
//   - Sweden: the public holidays (helgdagar) plus Midsommarafton, Julafton
//     and Nyårsafton. The three eves are not helgdagar, but arbetstidslagen
//     (4 §) and semesterlagen treat them like Sundays, collective agreements
//     give them off, and customers do not expect work or e-mail on them. This
//     is the list rickar/cal's se.Holidays already carries (the eves as
//     ObservanceOther), so we use it as is.
//   - Denmark: the public holidays (helligdage) of dk.Holidays: Nytårsdag,
//     Skærtorsdag (Maundy Thursday), Langfredag, 2. påskedag, Kristi
//     Himmelfartsdag, 2. pinsedag, 1. and 2. juledag; Store Bededag only up to
//     2023 (abolished from 2024; the library ends it in 2023). Grundlovsdag
//     (5 June) is not a helligdag, but by custom and most agreements offices
//     close for at least the afternoon; a calendar counted in whole days
//     cannot express half a day, so we count it as a day off (as the library
//     does): a reaction deadline never falls on a half-staffed afternoon and
//     no e-mail goes out that day. Juleaftensdag and nytårsaftensdag are not
//     listed (no statutory basis, unlike Sweden).
//   - Germany: only the nationwide holidays the seed lists
//     (004_ad91c9df783c90d4.txt, "bundeseinheitliche Feiertage"): Neujahr,
//     Karfreitag, Ostersonntag, Ostermontag, Tag der Arbeit, Christi
//     Himmelfahrt, Pfingstsonntag, Pfingstmontag, Tag der Deutschen Einheit,
//     1. and 2. Weihnachtstag. No regional holidays (Fronleichnam,
//     Reformationstag, ...), no 24/31 December.
//
// The calendars are built once, on first use (sync.OnceValue; not at
// package initialisation, where a mutation test's endless loop would run
// before the test binary's -test.timeout is armed), and only read
// afterwards, so every function here is safe for concurrent use. Holidays
// of the years [calendarFirstYear, calendarLastYear] are precomputed into a
// map per year; other years (those without an entry) ask the library
// directly (its caches stay off, since they are not safe for concurrent
// use). Whether a year is precomputed is the map lookup itself, not a
// second range check that could drift from the loop that fills it.

const (
	calendarFirstYear = 2000
	calendarLastYear  = 2199
)

// marketCalendar is one market's zone and days off.
type marketCalendar struct {
	loc      *time.Location
	holidays []*cal.Holiday
	years    map[int]map[monthDay]string // year -> (month, day) -> holiday name, for precomputed years
}

// monthDay is a civil date within a year, a map key without arithmetic.
type monthDay struct {
	mo time.Month
	d  int
}

var calendars = sync.OnceValue(func() map[Market]*marketCalendar {
	lists := map[Market][]*cal.Holiday{
		Sweden:  se.Holidays,
		Denmark: dk.Holidays,
		Germany: append(append([]*cal.Holiday{}, de.Holidays...),
			aa.Easter.Clone(&cal.Holiday{Name: "Ostersonntag", Type: cal.ObservancePublic}),
			aa.Pentecost.Clone(&cal.Holiday{Name: "Pfingstsonntag", Type: cal.ObservancePublic})),
	}
	out := make(map[Market]*marketCalendar, len(lists))
	for _, m := range Markets {
		mc := &marketCalendar{loc: m.Location(), holidays: lists[m], years: make(map[int]map[monthDay]string)}
		for y := calendarFirstYear; y <= calendarLastYear; y++ {
			days := make(map[monthDay]string)
			mc.years[y] = days
			for _, h := range mc.holidays {
				act, _ := h.Calc(y)
				// None of the three lists moves a holiday into another
				// year (no weekend observance rules), so act is in y.
				if act.IsZero() || act.Year() != y {
					continue
				}
				k := monthDay{act.Month(), act.Day()}
				if _, dup := days[k]; !dup {
					days[k] = h.Name
				}
			}
		}
		out[m] = mc
	}
	return out
})

// calendarOf returns the market's calendar. Unknown markets fall back to
// Sweden, as Market.TimeZone does; validate markets with ParseMarket at the
// edge.
func calendarOf(m Market) *marketCalendar {
	if c, ok := calendars()[m]; ok {
		return c
	}
	return calendars()[Sweden]
}

// holiday reports the name of the day off on the civil date, if any.
func (c *marketCalendar) holiday(y int, mo time.Month, d int) (string, bool) {
	if days, ok := c.years[y]; ok {
		name, off := days[monthDay{mo, d}]
		return name, off
	}
	for _, h := range c.holidays {
		act, _ := h.Calc(y)
		if !act.IsZero() && act.Month() == mo && act.Day() == d {
			return h.Name, true
		}
	}
	return "", false
}

// workingDate reports whether the civil date is a working day.
func (c *marketCalendar) workingDate(y int, mo time.Month, d int) bool {
	wd := time.Date(y, mo, d, 12, 0, 0, 0, time.UTC).Weekday()
	if wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, off := c.holiday(y, mo, d)
	return !off
}

// mailDate reports whether e-mails may go on the civil date (N-3): a
// working day, or any day when the policy mails on days off.
func (c *marketCalendar) mailDate(p Policy, y int, mo time.Month, d int) bool {
	return p.EmailOnDaysOff || c.workingDate(y, mo, d)
}

// nextMailDate returns the first civil date strictly after y-mo-d on which
// e-mails may go.
func (c *marketCalendar) nextMailDate(p Policy, y int, mo time.Month, d int) (int, time.Month, int) {
	if p.EmailOnDaysOff {
		return time.Date(y, mo, d+1, 12, 0, 0, 0, time.UTC).Date()
	}
	return c.nextWorkingDate(y, mo, d)
}

// nextWorkingDate returns the first working civil date strictly after y-mo-d.
func (c *marketCalendar) nextWorkingDate(y int, mo time.Month, d int) (int, time.Month, int) {
	for {
		n := time.Date(y, mo, d+1, 12, 0, 0, 0, time.UTC)
		y, mo, d = n.Date()
		if c.workingDate(y, mo, d) {
			return y, mo, d
		}
	}
}

// at builds the instant of a wall-clock time on a civil date in the zone.
func (c *marketCalendar) at(y int, mo time.Month, d int, clock Clock) time.Time {
	return time.Date(y, mo, d, clock.Hour(), clock.Minute(), 0, 0, c.loc)
}

// clockOf is the wall-clock minute of a local time; seconds are ignored, so
// 14:00:59 still counts as 14:00.
func clockOf(t time.Time) Clock { return At(t.Hour(), t.Minute()) }

// IsWorkingDay reports whether t falls on a working day of the market (P-2):
// Monday to Friday in the market's zone and not a day off there.
func IsWorkingDay(m Market, t time.Time) bool {
	c := calendarOf(m)
	y, mo, d := t.In(c.loc).Date()
	return c.workingDate(y, mo, d)
}

// HolidayName names the day off t falls on in the market, if it is one
// (weekends are not named).
func HolidayName(m Market, t time.Time) (string, bool) {
	c := calendarOf(m)
	y, mo, d := t.In(c.loc).Date()
	return c.holiday(y, mo, d)
}

// NextWorkingDayStart is 00:00 of the first working day strictly after the
// day t falls on, in the market's zone.
func NextWorkingDayStart(m Market, t time.Time) time.Time {
	c := calendarOf(m)
	y, mo, d := t.In(c.loc).Date()
	y, mo, d = c.nextWorkingDate(y, mo, d)
	return c.at(y, mo, d, 0)
}

// ReactionDeadline is when a request that arrived at `arrived` must be
// answered (T-2), in the market's zone:
//
//   - on a working day up to and including the cutoff minute (14:00, so
//     14:00:59 still counts), by ReactionSameDayBy (18:00) that day;
//   - on a working day from the minute after the cutoff (14:01) to 23:59,
//     by ReactionNextDayBy (12:00) on the next working day;
//   - on a non-working day, as if it arrived at 00:00 of the next working
//     day, so by 18:00 that day.
//
// The result is in the market's location.
func ReactionDeadline(m Market, arrived time.Time, p Policy) time.Time {
	c := calendarOf(m)
	local := arrived.In(c.loc)
	y, mo, d := local.Date()
	if !c.workingDate(y, mo, d) {
		y, mo, d = c.nextWorkingDate(y, mo, d)
		return c.at(y, mo, d, p.ReactionSameDayBy)
	}
	if clockOf(local) <= p.ReactionCutoff {
		return c.at(y, mo, d, p.ReactionSameDayBy)
	}
	y, mo, d = c.nextWorkingDate(y, mo, d)
	return c.at(y, mo, d, p.ReactionNextDayBy)
}

// NextEmailSlot is the earliest moment at or after t when an e-mail
// notification may go out (N-3): t itself inside the window
// [EmailWindowStart, EmailWindowEnd) of a working day (any day with
// EmailOnDaysOff), else the next window start (that day's, if t is before
// it, or the next such day's). The
// window end is exclusive: a mail due at 19:00 waits for the next morning.
// SMS and calls are never deferred; this is for e-mail only. The result is
// in the market's location.
func NextEmailSlot(m Market, t time.Time, p Policy) time.Time {
	c := calendarOf(m)
	local := t.In(c.loc)
	y, mo, d := local.Date()
	if c.mailDate(p, y, mo, d) {
		// Before the window: its start today; inside it: t itself. (One
		// comparison per edge: with "start <= clock < end" tested first, the
		// later "clock < start" had an edge no input could reach.)
		clock := clockOf(local)
		if clock < p.EmailWindowStart {
			return c.at(y, mo, d, p.EmailWindowStart)
		}
		if clock < p.EmailWindowEnd {
			return local
		}
	}
	y, mo, d = c.nextMailDate(p, y, mo, d)
	return c.at(y, mo, d, p.EmailWindowStart)
}

// NextDigest is the first digest time (N-1: DigestAt, 08:00, on a working
// day, or any day with EmailOnDaysOff) strictly after `after`, in the
// market's location.
func NextDigest(m Market, after time.Time, p Policy) time.Time {
	c := calendarOf(m)
	local := after.In(c.loc)
	y, mo, d := local.Date()
	if c.mailDate(p, y, mo, d) {
		if at := c.at(y, mo, d, p.DigestAt); at.After(after) {
			return at
		}
	}
	y, mo, d = c.nextMailDate(p, y, mo, d)
	return c.at(y, mo, d, p.DigestAt)
}

// Location returns the market's cached zone; unlike Market.Location it does
// not load the zone again on every call.
func Location(m Market) *time.Location { return calendarOf(m).loc }
