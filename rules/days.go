package rules

import "time"

// MaxPeriodDays bounds DaysCovering: a period longer than this lists its
// first MaxPeriodDays days only (a search attribute is no archive).
const MaxPeriodDays = 400

// DaysCovering lists the calendar dates ("2006-01-02") in loc that the
// period [from, to) touches. Absences publish it as a keyword list so ops
// find "who is away today" with one equality; SQL visibility has no
// Datetime columns to spare for a start and an end.
func DaysCovering(from, to time.Time, loc *time.Location) []string {
	if !to.After(from) {
		return nil
	}
	from, to = from.In(loc), to.In(loc)
	var out []string
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	for day.Before(to) && len(out) < MaxPeriodDays {
		out = append(out, day.Format(time.DateOnly))
		day = day.AddDate(0, 0, 1)
	}
	return out
}
