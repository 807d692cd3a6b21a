package rules

import "testing"

func TestNormalRegion(t *testing.T) {
	for in, want := range map[string]string{
		"Stockholm": "stockholm", " stockholm ": "stockholm", "STOCKHOLM": "stockholm",
		"Nord  Jylland": "nord jylland", "": "", "malmö": "malmö", "MALMÖ": "malmö",
	} {
		if got := NormalRegion(in); got != want {
			t.Errorf("NormalRegion(%q) = %q, want %q", in, got, want)
		}
	}
}
