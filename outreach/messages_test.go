package outreach

import (
	"regexp"
	"sort"
	"testing"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
)

var fieldRef = regexp.MustCompile(`\{\{[^}]*?\.([a-z_]+)[^}]*\}\}|(?:opt|flag) "([a-z_]+)"`)

// fieldsUsed lists the Data fields a text refers to.
func fieldsUsed(texts ...string) []string {
	set := map[string]bool{}
	for _, s := range texts {
		for _, m := range fieldRef.FindAllStringSubmatch(s, -1) {
			set[m[1]+m[2]] = true
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every message exists in every language file (and the German Du file
// where it has one) and each version refers to the same fields as the
// English one.
func TestEveryMessageInEveryLanguageWithTheSameFields(t *testing.T) {
	for _, id := range Catalogue() {
		e := catalogue[id]
		want := fieldsUsed(e.Versions[rules.English].Subject, e.Versions[rules.English].Body)
		check := func(name string, v variant) {
			got := fieldsUsed(v.Subject, v.Body)
			if len(got) != len(want) {
				t.Errorf("%s/%s uses fields %v, en uses %v", id, name, got, want)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s/%s uses fields %v, en uses %v", id, name, got, want)
					return
				}
			}
		}
		for _, lang := range rules.Languages {
			v, ok := e.Versions[lang]
			if !ok {
				t.Errorf("%s: missing in messages/%s.toml", id, lang)
				continue
			}
			check(string(lang), v)
		}
		if e.Du != nil {
			check(informal, *e.Du)
		}
	}
	for _, lang := range rules.Languages {
		for _, n := range []string{"1", "2"} {
			if _, err := countUnit(lang, "hour", n); err != nil {
				t.Errorf("%s: %v", lang, err)
			}
		}
	}
}

// Numbers and plurals follow CLDR: 1,3 in sv, da and de; 1 timme, 2 timmar.
func TestNumbersAndPlurals(t *testing.T) {
	for _, c := range []struct {
		lang        rules.Language
		fn, v, want string
	}{
		{rules.Swedish, "num", "1.3", "1,3"}, {rules.Danish, "num", "1.3", "1,3"},
		{rules.German, "num", "1.3", "1,3"}, {rules.English, "num", "1.3", "1.3"},
		{rules.German, "num", "2.0", "2,0"}, {rules.Swedish, "num", "6", "6"},
		{rules.Swedish, "count", "1", "1 timme"}, {rules.Swedish, "count", "2", "2 timmar"},
		{rules.Danish, "count", "1", "1 time"}, {rules.Danish, "count", "6", "6 timer"},
		{rules.German, "count", "1", "1 Stunde"}, {rules.German, "count", "2", "2 Stunden"},
		{rules.English, "count", "1", "1 hour"}, {rules.English, "count", "2", "2 hours"},
		{rules.English, "count", "1.5", "1.5 hours"}, {rules.German, "count", "1.5", "1,5 Stunden"},
		{rules.Swedish, "count", "0", "0 timmar"},
	} {
		var got string
		var err error
		if c.fn == "num" {
			got, err = formatNumber(c.lang, c.v)
		} else {
			got, err = countUnit(c.lang, "hour", c.v)
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s(%s) = %q, %v; want %q", c.lang, c.fn, c.v, got, err, c.want)
		}
	}
	if _, err := formatNumber(rules.German, "x"); err == nil {
		t.Error("num accepted a non-number")
	}
}

// The German Du version is chosen by Data["formal"] = "false"; Sie stays the
// default so callers that do not pass the field keep working.
func TestGermanAddress(t *testing.T) {
	for _, id := range Catalogue() {
		if catalogue[id].Du == nil {
			continue
		}
		req, _, _ := Fields(id)
		d := only(req)
		sie, err := Render(activities.Message{Template: id, Language: "de", Data: d})
		if err != nil {
			t.Fatal(err)
		}
		d[FormalField] = "false"
		du, err := Render(activities.Message{Template: id, Language: "de", Data: d})
		if err != nil {
			t.Fatalf("%s du: %v", id, err)
		}
		if (du.Text == sie.Text && du.Subject == sie.Subject) || du.Language != rules.German {
			t.Errorf("%s: the Du version is not used", id)
		}
		d[FormalField] = "true"
		if r, _ := Render(activities.Message{Template: id, Language: "de", Data: d}); r.Text != sie.Text {
			t.Errorf("%s: formal=true is not Sie", id)
		}
	}
}
