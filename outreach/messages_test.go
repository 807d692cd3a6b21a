package outreach

import (
	"regexp"
	"sort"
	"strings"
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

// Issue #14 content fixes that need no new data.
func TestContentFixes(t *testing.T) {
	render := func(id, lang string, d map[string]string) Rendered {
		t.Helper()
		r, err := Render(activities.Message{Template: id, Language: lang, Data: d})
		if err != nil {
			t.Fatalf("%s/%s: %v", id, lang, err)
		}
		return r
	}
	// An absence to 14 April 00:00 (exclusive) prints its last day, 13 April;
	// the reschedule alert says the day the worker is back, without 00:00.
	abs := map[string]string{"name": "Anna", "worker_name": "Bo", "from": "2026-04-01T00:00:00+02:00", "to": "2026-04-14T00:00:00+02:00",
		"timezone": "Europe/Stockholm", "substitute_url": "https://x/s", "wait_url": "https://x/w", "contact": "support@x", "job_id": "visit-p1-1", "worker_id": "vpa-3"}
	for lang, want := range map[string]string{"sv": "till och med måndag 13 april 2026", "da": "til og med mandag den 13. april 2026",
		"de": "bis einschließlich Montag, 13. April 2026", "en": "to Monday 13 April 2026"} {
		if r := render("absence.customer_notice", lang, abs); !strings.Contains(r.Text, want) {
			t.Errorf("customer_notice/%s lacks %q:\n%s", lang, want, r.Text)
		}
		if r := render("absence.auto_reply", lang, abs); !strings.Contains(r.Text, want) {
			t.Errorf("auto_reply/%s lacks %q:\n%s", lang, want, r.Text)
		}
	}
	if r := render("ops.absence_reschedule", "en", abs); !strings.Contains(r.Text, "back on Tuesday 14 April 2026.") || strings.Contains(r.Text, "00:00") {
		t.Errorf("reschedule: %s", r.Text)
	}
	// The extension outcome is translated.
	ext := map[string]string{"task_title": "Nyhetsbrev", "extension_id": "2", "outcome": "declined", "deadline": "2026-03-05T09:30:00Z", "timezone": "Europe/Stockholm"}
	for lang, want := range map[string]string{"sv": "avböjd", "da": "afvist", "de": "abgelehnt", "en": "declined"} {
		r := render("task.extension_answered", lang, ext)
		if !strings.Contains(r.Text, want) || !strings.Contains(r.Subject, want) || (lang != "en" && strings.Contains(r.Text, "declined")) {
			t.Errorf("extension/%s: %s / %s", lang, r.Subject, r.Text)
		}
	}
	// Locale numbers and CLDR plurals in what the workflows pass.
	mf := map[string]string{"name": "Anna", "task_title": "T", "factor": "1.3", "work_minutes": "180", "budget_minutes": "234"}
	if r := render("task.marketing_factor", "de", mf); !strings.Contains(r.Text, "Faktor 1,3:") {
		t.Errorf("factor: %s", r.Text)
	}
	for hours, want := range map[string]string{"1": "1 timme kvar", "2": "2 timmar kvar"} {
		if r := render("account.unused_hours", "sv", map[string]string{"name": "Anna", "hours": hours, "app_url": "https://x/app"}); !strings.Contains(r.Subject, want) {
			t.Errorf("unused_hours %s: %s", hours, r.Subject)
		}
	}
	// What the inactivity workflow passes today (no hours) renders.
	render("account.unused_hours", "de", map[string]string{"name": "Anna", "app_url": "https://x/app", "account_id": "a", "timezone": "Europe/Berlin"})
	// German word order; English says complaint.
	if r := render("ops.sla_warning", "de", map[string]string{"job_id": "j", "deadline": "2026-03-05T09:30:00Z", "timezone": "Europe/Berlin"}); !strings.HasSuffix(r.Text, "Uhr ab.") {
		t.Errorf("word order: %s", r.Text)
	}
	for _, id := range Catalogue() {
		v := catalogue[id].Versions[rules.English]
		if strings.Contains(strings.ReplaceAll(v.Subject+v.Body, ".reclamation_id", ""), "eclamation") {
			t.Errorf("%s/en says reclamation", id)
		}
	}
}

var formalAddress = regexp.MustCompile(`\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b`)

// Every German message that addresses its reader with Sie has a Du version
// (seed 004), and no Du version says Sie.
func TestEveryGermanSieMessageHasADuVersion(t *testing.T) {
	for _, id := range Catalogue() {
		e := catalogue[id]
		sie := e.Versions[rules.German]
		if formalAddress.MatchString(sie.Subject+" "+sie.Body) && e.Du == nil {
			t.Errorf("%s: German Sie text without a Du version in messages/de_du.toml", id)
		}
		if e.Du != nil && formalAddress.MatchString(e.Du.Subject+" "+e.Du.Body) {
			t.Errorf("%s: the Du version says Sie: %s", id, e.Du.Body)
		}
	}
}

// Every message renders with all its optional fields too, in every language
// and the Du version: the prepared fields for the workflows (#14) work.
func TestEveryTemplateRendersWithItsOptionalFields(t *testing.T) {
	extra := map[string]string{"reminder_lead_minutes": "30", "expires_at": "2026-03-07T12:00:00Z", "extra_minutes": "90",
		"intermediate": "true", "promise_hours": "72", "buddy": "buddy-7", "worker": "buddy-7", "assistant_id": "vpa-3",
		"report_due": "2026-03-04T12:00:00Z", "timezone": "Europe/Stockholm", "service_phone": "010-17 77 307",
		"hours": "1", "hardware_fault": "true", "escalation": "2", "closed": "true", "report_missing": "true"}
	for _, id := range Catalogue() {
		req, opt, _ := Fields(id)
		d := only(req)
		for _, k := range opt {
			if v, ok := extra[k]; ok {
				d[k] = v
			} else if v, ok := docData[k]; ok {
				d[k] = v
			} else {
				d[k] = "x-" + k
			}
		}
		for _, lang := range rules.Languages {
			for _, formal := range []string{"", "false"} {
				m := map[string]string{FormalField: formal}
				for k, v := range d {
					m[k] = v
				}
				r, err := Render(activities.Message{Template: id, Language: string(lang), Data: m})
				if err != nil {
					t.Errorf("%s/%s formal=%q: %v", id, lang, formal, err)
					continue
				}
				for _, k := range opt {
					if k != "timezone" && k != "assistant_id" && extra[k] != "true" && !strings.Contains(r.Text+r.Subject, m[k]) && !strings.Contains(k, "minutes") && !strings.Contains(k, "_at") && !strings.Contains(k, "_due") && k != "hours" && k != "promise_hours" {
						t.Errorf("%s/%s: optional %s not shown:\n%s", id, lang, k, r.Text)
					}
				}
			}
		}
	}
	r, _ := Render(activities.Message{Template: "visit.booking_confirmation", Language: "sv", Data: map[string]string{"name": "A", "appointment": "2026-03-03T13:00:00Z", "timezone": "Europe/Stockholm", "reminder_lead_minutes": "30"}})
	if !strings.Contains(r.Text, "Vi ringer dig 30 minuter innan") {
		t.Errorf("lead: %s", r.Text)
	}
	r, _ = Render(activities.Message{Template: "ops.sla_warning", Language: "en", Data: map[string]string{"job_id": "j", "deadline": "2026-03-03T13:00:00Z", "timezone": "Europe/Stockholm", "promise_hours": "72"}})
	if !strings.Contains(r.Text, "within 72 hours runs out") {
		t.Errorf("promise: %s", r.Text)
	}
}
