package outreach

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sms"
	"github.com/jobflow/jobflow/rules"
)

// smsBudget lists every message the workflows send by SMS and the segments
// it may cost with realistic data. One segment is the rule; a message that
// may take two says why next to it (and in its message files).
var smsBudget = map[string]int{
	// To customers (workflows/visit).
	"visit.reminder_sms": 1,
	"visit.rescheduled":  1,
	"visit.cancelled":    1,
	"visit.start_notice": 1,
	// To colleagues (workflows/absence, textWorker).
	"absence.substitute_offer": 1,
	"absence.handover":         1,
	"absence.job_returned":     1,
	// Ops alerts go by SMS when OPS_ALERT_CHANNEL=sms; the few that carry
	// two dates or the delivery details may take two.
	"ops.absence_approval": 2, // two full dates plus the A-2 instruction
}

// realistic is long but real data: a 33-character name, the longest
// weekday and month names, real job ids.
var realistic = map[string]string{
	"name": "Margareta Lindqvist-Åkerströmsson", "appointment": "2026-09-30T12:30:00Z", "timezone": "Europe/Stockholm",
	"job_id": "visit-telia-SE-2026-004711", "due": "2026-09-30T12:30:00Z", "worker_id": "vpa-stockholm-0042",
	"from": "2026-09-23T00:00:00+02:00", "to": "2026-10-01T00:00:00+02:00",
	"region": "Stockholm", "partner": "telia",
}

// smsNames are names that must not push a text over its budget: the
// Polish ones are transliterated to GSM-7 (ł→l) by RenderSMS.
var smsNames = []string{realistic["name"], "Małgorzata Wiśniewska-Kowalczyk", "Jürgen Groß-Müller"}

func smsCount(t *testing.T, id string, lang rules.Language, formal, name, phone string) (sms.Count, string) {
	d := map[string]string{}
	for k, v := range realistic {
		d[k] = v
	}
	d["name"] = name
	if phone != "" {
		d["service_phone"] = phone
	}
	if formal != "" {
		d[FormalField] = formal
	}
	r, err := RenderSMS(activities.Message{Template: id, Language: string(lang), Data: d})
	if err != nil {
		t.Fatalf("%s/%s: %v", id, lang, err)
	}
	return sms.Segments(r.Text), r.Text
}

// Every SMS fits its budget in every language, Du and Sie, with realistic
// data and names that would force UCS-2 untransliterated.
func TestSMSBudget(t *testing.T) {
	var report strings.Builder
	for id, budget := range smsBudget {
		for _, lang := range rules.Languages {
			for _, formal := range []string{"", "false"} {
				if formal != "" && (lang != rules.German || catalogue[id].Du == nil) {
					continue
				}
				for _, name := range smsNames {
					for _, phone := range []string{"", "010-17 77 307"} { // the optional service number (V-7)
						c, text := smsCount(t, id, lang, formal, name, phone)
						if name == smsNames[0] {
							fmt.Fprintf(&report, "%-26s %s%-3s phone=%-5v %d %s %d\n", id, lang, map[string]string{"false": "-du"}[formal], phone != "", c.Segments, c.Encoding, c.Units)
						}
						if c.Segments > budget || c.Encoding != sms.GSM7 {
							t.Errorf("%s/%s%s with %q: %d %s segments (%d units), budget %d:\n%s", id, lang, formal, name, c.Segments, c.Encoding, c.Units, budget, text)
						}
					}
				}
			}
		}
	}
	t.Log("\n" + report.String())
}

// Templates use only GSM-7 characters, so only data is ever transliterated.
func TestSMSTemplatesAreGSM7(t *testing.T) {
	for id := range smsBudget {
		e := catalogue[id]
		vs := []variant{}
		for _, v := range e.Versions {
			vs = append(vs, v)
		}
		if e.Du != nil {
			vs = append(vs, *e.Du)
		}
		for _, v := range vs {
			if !sms.IsGSM7(v.Body) {
				t.Errorf("%s: body has characters outside GSM-7: %q", id, v.Body)
			}
		}
	}
}
