package sms

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		text string
		want Count
	}{
		{"", Count{GSM7, 0, 0}},
		{strings.Repeat("a", 160), Count{GSM7, 160, 1}},
		{strings.Repeat("a", 161), Count{GSM7, 161, 2}},
		{strings.Repeat("a", 306), Count{GSM7, 306, 2}},
		{strings.Repeat("a", 307), Count{GSM7, 307, 3}},
		{strings.Repeat("€", 80), Count{GSM7, 160, 1}},                                   // extension: two septets each
		{strings.Repeat("a", 159) + "[", Count{GSM7, 161, 2}},                            // the escape pushes it over
		{strings.Repeat("a", 152) + "{" + strings.Repeat("a", 152), Count{GSM7, 306, 3}}, // the pair is not split: 152, then 2+151, then 1
		{"Hej Åsa, müssen wir ß?", Count{GSM7, 22, 1}},
		{strings.Repeat("a", 69) + "–", Count{UCS2, 70, 1}},
		{strings.Repeat("a", 70) + "–", Count{UCS2, 71, 2}},
		{strings.Repeat("a", 134), Count{GSM7, 134, 1}},
		{"ł" + strings.Repeat("a", 133), Count{UCS2, 134, 2}},
		{"ł" + strings.Repeat("a", 134), Count{UCS2, 135, 3}},
		{"😀" + strings.Repeat("a", 66), Count{UCS2, 68, 1}},
	} {
		if got := Segments(c.text); got != c.want {
			t.Errorf("Segments(%.20q...) = %+v, want %+v", c.text, got, c.want)
		}
	}
	// A surrogate pair is not split across UCS-2 segments.
	if got := Segments(strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 10)); got.Segments != 2 || got.Units != 78 {
		t.Errorf("surrogate: %+v", got)
	}
}

func TestToGSM7(t *testing.T) {
	for in, want := range map[string]string{
		"Małgorzata Wójcik-Żółkiewska":      "Malgorzata Wojcik-Zolkiewska",
		"Søren Ærø, Åsa Öberg, Jürgen Groß": "Søren Ærø, Åsa Öberg, Jürgen Groß", // already GSM-7
		"Dvořák – Şahin „Ćosić“":            "Dvorak - Sahin \"Cosic\"",
		"François Ñúñez":                    "Francois Ñuñez",
		"Иван":                              "Иван", // no Latin rendering: kept (UCS-2)
	} {
		got := ToGSM7(in)
		if got != want {
			t.Errorf("ToGSM7(%q) = %q, want %q", in, got, want)
		}
		if want != "Иван" && !IsGSM7(got) {
			t.Errorf("ToGSM7(%q) = %q is not GSM-7", in, got)
		}
	}
}
