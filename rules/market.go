package rules

import (
	"fmt"
	"time"
)

// Market is a country the marketplace sells in (P-2).
type Market string

const (
	Sweden  Market = "SE"
	Denmark Market = "DK"
	Germany Market = "DE"
)

// Markets lists every supported market in a stable order.
var Markets = []Market{Sweden, Denmark, Germany}

// ParseMarket accepts a market code (P-2) and rejects anything else.
func ParseMarket(s string) (Market, error) {
	switch Market(s) {
	case Sweden, Denmark, Germany:
		return Market(s), nil
	}
	return "", fmt.Errorf("unknown market %q: use SE, DK or DE", s)
}

// TimeZone is the IANA zone a market's working hours are counted in (P-2).
func (m Market) TimeZone() string {
	switch m {
	case Denmark:
		return "Europe/Copenhagen"
	case Germany:
		return "Europe/Berlin"
	default:
		return "Europe/Stockholm"
	}
}

// Currency is the ISO 4217 code prices and pay are stated in (P-2).
func (m Market) Currency() string {
	switch m {
	case Denmark:
		return "DKK"
	case Germany:
		return "EUR"
	default:
		return "SEK"
	}
}

// Location loads the market's time zone. The zones are compiled into the
// binary (time/tzdata import in location.go), so this never fails at run time
// for a valid market.
func (m Market) Location() *time.Location {
	loc, err := time.LoadLocation(m.TimeZone())
	if err != nil {
		panic(fmt.Sprintf("rules: time zone %s missing: %v", m.TimeZone(), err))
	}
	return loc
}

// Language is a language customers are addressed in.
type Language string

const (
	Swedish Language = "sv"
	Danish  Language = "da"
	German  Language = "de"
	English Language = "en"
)

// Languages lists every supported language in a stable order.
var Languages = []Language{Swedish, Danish, German, English}

// ParseLanguage accepts a supported language code and rejects anything else.
func ParseLanguage(s string) (Language, error) {
	switch Language(s) {
	case Swedish, Danish, German, English:
		return Language(s), nil
	}
	return "", fmt.Errorf("unknown language %q: use sv, da, de or en", s)
}
