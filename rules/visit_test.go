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
