package outreach

import (
	"embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/jobflow/jobflow/rules"
)

// The texts live in messages/<lang>.toml, one file per language, so a
// translator edits them without touching Go:
//
//	["visit.rescheduled"]
//	subject = 'Ny tid för ditt besök'
//	body = 'Hej {{.name}}! ...'
//
// plus, per language, the plural forms of the units that templates count
// with {{count "hour" .hours}} (CLDR categories: zero, one, two, few, many,
// other; {n} is the number in the language's format):
//
//	[units.hour]
//	one = '{n} timme'
//	other = '{n} timmar'
//
// de_du.toml holds the informal (Du) German version of every message that
// addresses its reader; it is used when Data["formal"] is "false" (seed 004,
// "Den Kunden Duzen oder Siezen?"). The Sie version is the default.
//
//go:embed messages/*.toml
var messageFiles embed.FS

// informal is the file of the German Du versions.
const informal = "de_du"

// units holds each language's plural forms per unit (units[lang][unit][form]).
var units = map[rules.Language]map[string]map[string]string{}

func init() {
	for id, e := range absenceCatalogue {
		catalogue[id] = e
	}
	for _, lang := range append(append([]rules.Language(nil), rules.Languages...), informal) {
		if err := loadMessages(lang); err != nil {
			panic(err)
		}
	}
}

func loadMessages(lang rules.Language) error {
	name := "messages/" + string(lang) + ".toml"
	var file map[string]map[string]any
	b, err := messageFiles.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := toml.Decode(string(b), &file); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for id, fields := range file {
		if id == "units" {
			u := map[string]map[string]string{}
			for unit, forms := range fields {
				m, ok := forms.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: units.%s is not a table", name, unit)
				}
				u[unit] = map[string]string{}
				for form, text := range m {
					u[unit][form] = fmt.Sprint(text)
				}
			}
			units[lang] = u
			continue
		}
		e, ok := catalogue[id]
		if !ok {
			return fmt.Errorf("%s: message %q is not in the catalogue", name, id)
		}
		subject, _ := fields["subject"].(string)
		body, _ := fields["body"].(string)
		if subject == "" || body == "" || len(fields) != 2 {
			return fmt.Errorf("%s: message %q needs exactly a subject and a body", name, id)
		}
		v := variant{Subject: subject, Body: body}
		if lang == informal {
			e.Du = &v
		} else {
			if e.Versions == nil {
				e.Versions = map[rules.Language]variant{}
			}
			e.Versions[lang] = v
		}
		catalogue[id] = e
	}
	return nil
}

var tags = map[rules.Language]language.Tag{
	rules.Swedish: language.Swedish, rules.Danish: language.Danish,
	rules.German: language.German, rules.English: language.BritishEnglish,
}

// formatNumber writes the decimal number v ("1.3", "6") in the language's
// format (1,3 in sv, da and de), keeping its fraction digits.
func formatNumber(lang rules.Language, v string) (string, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("not a number: %q", v)
	}
	digits := 0
	if i := strings.IndexByte(v, '.'); i >= 0 {
		digits = len(v) - i - 1
	}
	p := message.NewPrinter(tags[lang])
	return p.Sprint(number.Decimal(f, number.MinFractionDigits(digits), number.MaxFractionDigits(digits))), nil
}

// pluralForm picks the CLDR cardinal category of the decimal v in lang.
func pluralForm(lang rules.Language, v string) (string, error) {
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(v, "-"), ".")
	i, err := strconv.Atoi(intPart)
	if err != nil {
		return "", fmt.Errorf("not a number: %q", v)
	}
	f, t := 0, 0
	if frac != "" {
		if f, err = strconv.Atoi(frac); err != nil {
			return "", fmt.Errorf("not a number: %q", v)
		}
		trimmed := strings.TrimRight(frac, "0")
		if trimmed != "" {
			t, _ = strconv.Atoi(trimmed)
		}
	}
	w := len(strings.TrimRight(frac, "0"))
	form := plural.Cardinal.MatchPlural(tags[lang], i, len(frac), w, f, t)
	return [...]string{"other", "zero", "one", "two", "few", "many"}[form], nil
}

// countUnit renders v of unit ("hour") with the language's plural form.
func countUnit(lang rules.Language, unit, v string) (string, error) {
	forms, ok := units[lang][unit]
	if !ok {
		return "", fmt.Errorf("no unit %q in %s", unit, lang)
	}
	form, err := pluralForm(lang, v)
	if err != nil {
		return "", err
	}
	text, ok := forms[form]
	if !ok {
		text, ok = forms["other"]
	}
	if !ok {
		return "", fmt.Errorf("unit %q in %s has no %q form", unit, lang, form)
	}
	n, err := formatNumber(lang, v)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(text, "{n}", n), nil
}
