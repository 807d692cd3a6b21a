package rules

import (
	"testing"
	"time"
)

var benchSink time.Time

func BenchmarkReactionDeadline(b *testing.B) {
	p := DefaultPolicy()
	at := time.Date(2026, 4, 2, 13, 0, 0, 0, time.UTC) // Maundy Thursday 15:00 in Berlin
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSink = ReactionDeadline(Markets[i%len(Markets)], at, p)
	}
}

func BenchmarkNextEmailSlot(b *testing.B) {
	p := DefaultPolicy()
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC) // a Saturday
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSink = NextEmailSlot(Markets[i%len(Markets)], at, p)
	}
}

func BenchmarkIsWorkingDay(b *testing.B) {
	at := time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	var ok bool
	for i := 0; b.Loop(); i++ {
		ok = IsWorkingDay(Markets[i%len(Markets)], at) != ok
	}
	_ = ok
}

// Per-case benchmarks: each path through ReactionDeadline and NextEmailSlot
// (allocations included), in Sweden. Run with
//
//	go test ./rules/ -run '^$' -bench 'ReactionDeadline|NextEmailSlot|NextDigest' -benchmem
func BenchmarkReactionDeadlineCases(b *testing.B) {
	p := DefaultPolicy()
	cases := []struct {
		name string
		at   time.Time
	}{
		{"working-day-before-cutoff", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)},          // Tue 10:00 CET
		{"working-day-after-cutoff", time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)},          // Tue 16:00 CET
		{"friday-after-cutoff", time.Date(2026, 3, 13, 15, 0, 0, 0, time.UTC)},               // to Monday
		{"easter-holidays", time.Date(2026, 4, 2, 13, 30, 0, 0, time.UTC)},                   // Maundy Thu -> Tue
		{"christmas-new-year", time.Date(2026, 12, 23, 15, 0, 0, 0, time.UTC)},               // several holidays
		{"weekend", time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)},                            // Saturday
		{"zone-offset-input", time.Date(2026, 3, 10, 9, 0, 0, 0, time.FixedZone("X", 3600))}, // non-UTC input
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchSink = ReactionDeadline(Sweden, c.at, p)
			}
		})
	}
}

func BenchmarkNextEmailSlotCases(b *testing.B) {
	p := DefaultPolicy()
	cases := []struct {
		name string
		at   time.Time
	}{
		{"inside-window", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)},     // Tue 10:00 CET: t itself
		{"before-window", time.Date(2026, 3, 10, 5, 0, 0, 0, time.UTC)},     // Tue 06:00: 08:00 that day
		{"after-window", time.Date(2026, 3, 10, 19, 30, 0, 0, time.UTC)},    // Tue 20:30: Wed 08:00
		{"weekend", time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)},           // Sat: Mon 08:00
		{"before-holidays", time.Date(2026, 12, 23, 19, 0, 0, 0, time.UTC)}, // 23 Dec 20:00: after the Christmas days
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchSink = NextEmailSlot(Sweden, c.at, p)
			}
		})
	}
}

func BenchmarkNextDigest(b *testing.B) {
	p := DefaultPolicy()
	at := time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC) // Friday after 08:00: Monday
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSink = NextDigest(Markets[i%len(Markets)], at, p)
	}
}
