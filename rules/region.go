package rules

import "strings"

// NormalRegion is a region's one spelling: lower case, single spaces, no
// space at either end. Bookings, absences, rosters and the ops filters use
// it, so "Stockholm", "stockholm " and "STOCKHOLM" are one region and the
// README's filter Region = "stockholm" finds them (issue #17).
func NormalRegion(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
