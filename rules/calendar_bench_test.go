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
