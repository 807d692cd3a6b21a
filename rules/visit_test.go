package rules

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var booked = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func TestV3_WithinWishes(t *testing.T) {
	ws := []Window{{From: booked.Add(24 * time.Hour), To: booked.Add(26 * time.Hour)}}
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"inside", booked.Add(25 * time.Hour), true},
		{"at the start", booked.Add(24 * time.Hour), true},
		{"at the end", booked.Add(26 * time.Hour), true},
		{"a minute early", booked.Add(24*time.Hour - time.Minute), false},
		{"a day later", booked.Add(49 * time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, WithinWishes(tc.at, ws)) })
	}
}

func TestV3_ValidateWindows(t *testing.T) {
	now := booked
	for _, tc := range []struct {
		name string
		ws   []Window
		err  string
	}{
		{"none", nil, "at least one"},
		{"reversed", []Window{{From: now.Add(2 * time.Hour), To: now.Add(time.Hour)}}, "ends before it starts"},
		{"past", []Window{{From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour)}}, "in the past"},
		{"missing end", []Window{{From: now}}, "needs both"},
		{"fine", []Window{{From: now.Add(time.Hour), To: now.Add(2 * time.Hour)}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateWindows(tc.ws, now)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.err)
			}
		})
	}
}

func TestV5_HelpDeadline(t *testing.T) {
	w := func(fromH, toH int) Window {
		return Window{From: booked.Add(time.Duration(fromH) * time.Hour), To: booked.Add(time.Duration(toH) * time.Hour)}
	}
	for _, tc := range []struct {
		name   string
		wishes []Window
		want   time.Time
	}{
		{"no wishes: 48 h", nil, booked.Add(48 * time.Hour)},
		{"wish inside 48 h", []Window{w(24, 26)}, booked.Add(48 * time.Hour)},
		{"wish starting at 48 h", []Window{w(48, 50)}, booked.Add(48 * time.Hour)},
		{"only later wishes: runs to the earliest one's end", []Window{w(100, 104), w(72, 76)}, booked.Add(76 * time.Hour)},
		{"one early, one late: 48 h", []Window{w(72, 76), w(10, 12)}, booked.Add(48 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, HelpDeadline(booked, tc.wishes, 48*time.Hour))
		})
	}
}

func TestV7_ReminderAt(t *testing.T) {
	appt := booked.Add(10 * time.Hour)
	assert.Equal(t, appt.Add(-time.Hour), ReminderAt(appt, booked, time.Hour))
	late := booked.Add(9*time.Hour + 30*time.Minute)
	assert.Equal(t, late, ReminderAt(appt, late, time.Hour), "booked closer than the lead: call at once")
}

func TestV11_BillableMinutes(t *testing.T) {
	for _, tc := range []struct {
		worked time.Duration
		want   int
	}{
		{0, 60},
		{20 * time.Minute, 60},
		{60 * time.Minute, 60},
		{61 * time.Minute, 75},
		{90 * time.Minute, 90},
		{91*time.Minute + 30*time.Second, 105},
		{150 * time.Minute, 150},
	} {
		assert.Equal(t, tc.want, BillableMinutes(tc.worked), "worked %s", tc.worked)
	}
}

func TestV13_BuddyPay(t *testing.T) {
	for _, tc := range []struct {
		name      string
		minutes   int
		km        float64
		confirmed bool
		want      Pay
	}{
		{"minimum one hour", 60, 0, false, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"two hours", 120, 0, false, Pay{HoursOre: 40000, TotalOre: 40000}},
		{"two and a half hours", 150, 0, false, Pay{HoursOre: 47500, TotalOre: 47500}},
		{"mileage unconfirmed is not paid", 60, 30, false, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"30 km confirmed = 3 mil", 60, 30, true, Pay{HoursOre: 25000, MileageOre: 5550, TotalOre: 30550}},
		{"12.5 km confirmed", 60, 12.5, true, Pay{HoursOre: 25000, MileageOre: 2312, TotalOre: 27312}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, BuddyPay(tc.minutes, tc.km, tc.confirmed))
		})
	}
}

func TestP2_Markets(t *testing.T) {
	for _, tc := range []struct {
		m        Market
		zone     string
		currency string
	}{
		{Sweden, "Europe/Stockholm", "SEK"},
		{Denmark, "Europe/Copenhagen", "DKK"},
		{Germany, "Europe/Berlin", "EUR"},
	} {
		got, err := ParseMarket(string(tc.m))
		assert.NoError(t, err)
		assert.Equal(t, tc.zone, got.TimeZone())
		assert.Equal(t, tc.currency, got.Currency())
		assert.Equal(t, tc.zone, got.Location().String())
	}
	_, err := ParseMarket("NO")
	assert.ErrorContains(t, err, "unknown market")
	_, err = ParseLanguage("fi")
	assert.ErrorContains(t, err, "unknown language")
}

func TestA1_DaysCovering(t *testing.T) {
	loc := Sweden.Location()
	from := time.Date(2026, 11, 23, 8, 0, 0, 0, loc)
	assert.Equal(t, []string{"2026-11-23", "2026-11-24", "2026-11-25"}, DaysCovering(from, from.AddDate(0, 0, 2), loc))
	assert.Equal(t, []string{"2026-11-23"}, DaysCovering(from, from.Add(time.Hour), loc))
	midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, loc)
	assert.Equal(t, []string{"2026-11-23"}, DaysCovering(from, midnight, loc), "an end at midnight does not touch the next day")
	assert.Nil(t, DaysCovering(from, from, loc))
	assert.Len(t, DaysCovering(from, from.AddDate(3, 0, 0), loc), MaxPeriodDays)
}

// V-3: every wished window is checked, and an error names the window it is
// about by its 1-based position; a window must not be empty (To == From) and
// must not end at now.
func TestV3_ValidateWindowsBoundaries(t *testing.T) {
	now := booked
	ok := Window{From: now.Add(time.Hour), To: now.Add(2 * time.Hour)}
	for _, tc := range []struct {
		name string
		ws   []Window
		err  string
	}{
		{"first window, no end", []Window{{From: now}}, "wished time 1 needs both"},
		{"second window, no start", []Window{ok, {To: now.Add(time.Hour)}}, "wished time 2 needs both"},
		{"third window empty (to == from)", []Window{ok, ok, {From: now.Add(time.Hour), To: now.Add(time.Hour)}}, "wished time 3 ends before it starts"},
		{"second window reversed", []Window{ok, {From: now.Add(2 * time.Hour), To: now.Add(time.Hour)}}, "wished time 2 ends before it starts"},
		{"second window ends at now", []Window{ok, {From: now.Add(-time.Hour), To: now}}, "wished time 2 is in the past"},
		{"ends a second after now", []Window{{From: now.Add(-time.Hour), To: now.Add(time.Second)}}, ""},
		{"a second long", []Window{{From: now.Add(time.Hour), To: now.Add(time.Hour + time.Second)}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateWindows(tc.ws, now)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.err)
			}
		})
	}
}

// V-11: the customer pays at least one hour, then each started quarter hour;
// a started minute counts as a minute. Equal values on both sides of each edge.
func TestV11_BillableMinutesBoundaries(t *testing.T) {
	for _, tc := range []struct {
		worked time.Duration
		want   int
	}{
		{-time.Minute, 60},
		{time.Nanosecond, 60},
		{59 * time.Minute, 60},
		{59*time.Minute + 59*time.Second, 60},
		{60 * time.Minute, 60},
		{60*time.Minute + time.Nanosecond, 75}, // minute 61 started
		{74 * time.Minute, 75},
		{75 * time.Minute, 75},
		{75*time.Minute + time.Second, 90},
		{89 * time.Minute, 90},
		{90 * time.Minute, 90},
		{90*time.Minute + time.Nanosecond, 105},
		{8 * time.Hour, 480},
	} {
		assert.Equal(t, tc.want, BillableMinutes(tc.worked), "worked %s", tc.worked)
	}
}

// V-13: nothing beyond the first hour's SEK 250 at or below 60 billed
// minutes; mileage only when confirmed and never negative.
func TestV13_BuddyPayBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		minutes   int
		km        float64
		confirmed bool
		want      Pay
	}{
		{"0 minutes: still the first hour", 0, 0, false, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"59 minutes: the first hour", 59, 0, false, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"60 minutes: the first hour", 60, 0, false, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"61 minutes: one extra minute pro rata", 61, 0, false, Pay{HoursOre: 25250, TotalOre: 25250}},
		{"75 minutes", 75, 0, false, Pay{HoursOre: 28750, TotalOre: 28750}},
		{"0 km confirmed", 60, 0, true, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"0.04 km confirmed rounds to nothing", 60, 0.04, true, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"0.05 km confirmed is a tenth", 60, 0.05, true, Pay{HoursOre: 25000, MileageOre: 18, TotalOre: 25018}},
		{"0.1 km confirmed", 60, 0.1, true, Pay{HoursOre: 25000, MileageOre: 18, TotalOre: 25018}},
		{"10 km confirmed = 1 mil", 60, 10, true, Pay{HoursOre: 25000, MileageOre: 1850, TotalOre: 26850}},
		{"negative km confirmed pays nothing", 60, -5, true, Pay{HoursOre: 25000, TotalOre: 25000}},
		{"10 km unconfirmed pays nothing", 60, 10, false, Pay{HoursOre: 25000, TotalOre: 25000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, BuddyPay(tc.minutes, tc.km, tc.confirmed))
		})
	}
}
