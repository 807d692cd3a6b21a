package outreach

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
)

// sample holds representative data for every field any template uses.
var sample = map[string]string{
	"name": "Anna <Ö> & Co", "appointment": "2026-03-03T13:00:00Z", "timezone": "Europe/Stockholm",
	"rating_url": "https://jobflow.example/rate/visit-p1-42?t=abc&x=1", "job_id": "visit-p1-42",
	"deadline": "2026-03-05T09:30:00Z", "reason": "Unsafe environment", "buddy_id": "buddy-7",
	"step": "booking-confirmation", "error_type": activities.ErrInvalidRecipient, "reclamation_id": "rec-9",
	"stars": "2", "plan": "A technician replaces the router.", "due": "2026-03-10T15:00:00Z",
	"task_title": "Newsletter March", "review_deadline": "2026-03-03T17:00:00Z", "factor": "1.3",
	"work_minutes": "180", "budget_minutes": "234", "proposed_deadline": "2026-03-12T16:00:00Z",
	"consent_url": "https://jobflow.example/consent/task-5", "extra_minutes": "90",
	"used_minutes": "200", "remaining_minutes": "34",
	"result_url": "https://jobflow.example/tasks/task-5/result", "items": "- Task accepted\n- Task started",
	"app_url": "https://jobflow.example/app", "hours": "6", "worker_name": "Bo", "from": "2026-04-01T00:00:00+02:00",
	"to": "2026-04-14T00:00:00+02:00", "substitute_url": "https://jobflow.example/a/sub", "wait_url": "https://jobflow.example/a/wait",
	"contact": "support@jobflow.example", "task_id": "task-5", "worker_id": "vpa-3", "shift_start": "2026-03-03T07:00:00Z",
}

// only picks the sample values of keys; a key without a sample value (a
// template added elsewhere) gets an RFC 3339 time, which also reads as text.
func only(keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		v, ok := sample[k]
		if !ok {
			v = "2026-03-04T10:00:00Z"
		}
		m[k] = v
	}
	return m
}

// Every template renders in every language with exactly its declared
// fields, and fails (typed ErrTemplate) when any one of them is missing:
// so no translation drops or invents a field.
func TestEveryTemplateRendersInEveryLanguage(t *testing.T) {
	ids := Catalogue()
	if len(ids) < 35 {
		t.Fatalf("catalogue has %d templates", len(ids))
	}
	for _, id := range ids {
		req, _, _ := Fields(id)
		for _, lang := range rules.Languages {
			if _, ok := catalogue[id].Versions[lang]; !ok {
				t.Errorf("%s: no %s version", id, lang)
				continue
			}
			msg := activities.Message{Template: id, Language: string(lang), Data: only(req)}
			r, err := Render(msg)
			if err != nil {
				t.Errorf("%s/%s: %v", id, lang, err)
				continue
			}
			if r.Language != lang || r.Subject == "" || r.Text == "" || !strings.Contains(r.HTML, "<p>") || r.SayLanguage == "" {
				t.Errorf("%s/%s: incomplete rendering %+v", id, lang, r)
			}
			if strings.Contains(r.Text, "<no value>") || strings.Contains(r.Subject, "{{") {
				t.Errorf("%s/%s: unrendered text %q", id, lang, r.Text)
			}
			for _, k := range req {
				d := only(req)
				delete(d, k)
				_, err := Render(activities.Message{Template: id, Language: string(lang), Data: d})
				var appErr *temporal.ApplicationError
				if err == nil {
					t.Errorf("%s/%s: renders without field %q (a translation does not use it)", id, lang, k)
				} else if !errors.As(err, &appErr) || appErr.Type() != ErrTemplate || !appErr.NonRetryable() {
					t.Errorf("%s/%s: missing %q gave %v, want non-retryable %s", id, lang, k, err, ErrTemplate)
				}
			}
		}
	}
}

func TestRenderBookingConfirmation(t *testing.T) {
	d := only([]string{"name", "appointment", "timezone"})
	r, err := Render(activities.Message{Template: "visit.booking_confirmation", Language: "sv", Data: d})
	if err != nil {
		t.Fatal(err)
	}
	// 13:00Z is 14:00 in Stockholm in March (V-3: the agreed time, recording notice).
	for _, want := range []string{"tisdag 3 mars 2026 kl. 14:00", "spelas in"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, r.Text)
		}
	}
	if strings.Contains(r.Text, "hårdvarufel") {
		t.Errorf("hardware caveat without hardware_fault")
	}
	d["hardware_fault"] = "true"
	r, _ = Render(activities.Message{Template: "visit.booking_confirmation", Language: "de", Data: d})
	if !strings.Contains(r.Text, "Hardwaredefekt") || !strings.Contains(r.Text, "Dienstag, 3. März 2026 um 14:00 Uhr") {
		t.Errorf("de text:\n%s", r.Text)
	}
	// HTML escapes data.
	if strings.Contains(r.HTML, "<Ö>") || !strings.Contains(r.HTML, "&lt;Ö&gt;") {
		t.Errorf("html not escaped:\n%s", r.HTML)
	}
}

func TestRenderFallbackAndLinks(t *testing.T) {
	r, err := Render(activities.Message{Template: "visit.rating_request", Language: "fi", Data: only([]string{"name", "rating_url"})})
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != rules.English || r.SayLanguage != "en-GB" {
		t.Errorf("fallback: %s %s", r.Language, r.SayLanguage)
	}
	if !strings.Contains(r.HTML, `<a href="https://jobflow.example/rate/visit-p1-42?t=abc&amp;x=1">`) {
		t.Errorf("rating link missing:\n%s", r.HTML)
	}
	if _, err := Render(activities.Message{Template: "nope", Language: "en"}); err == nil {
		t.Error("unknown template rendered")
	}
	r, _ = Render(activities.Message{Template: "task.marketing_factor", Language: "en", Data: only([]string{"name", "task_title", "factor", "work_minutes", "budget_minutes"})})
	if !strings.Contains(r.Text, "3:00 h of work cost 3:54 h (234 min)") { // T-3 example
		t.Errorf("T-3 text: %s", r.Text)
	}
}

// Issue #16: only the message's own links (its *_url fields) become links
// in the e-mail's HTML; a URL typed into free text (the extension's reason)
// stays text, so an assistant cannot put a clickable link into a
// customer's e-mail.
func TestHTMLLinksOnlyTheMessagesOwnURLs(t *testing.T) {
	r, err := Render(activities.Message{Template: "task.extension_request", Language: "en", Data: map[string]string{
		"name": "Test", "task_title": "Research", "reason": "see https://evil.example/agree and agree",
		"deadline": "2026-03-13T15:00:00+01:00", "proposed_deadline": "2026-03-18T15:00:00+01:00", "timezone": "Europe/Berlin",
		"consent_url": "https://app.example/tasks/task-42/extensions/1?token=t"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `<a href="https://app.example/tasks/task-42/extensions/1?token=t">`) {
		t.Errorf("the consent link is not a link:\n%s", r.HTML)
	}
	if strings.Contains(r.HTML, `href="https://evil.example`) {
		t.Errorf("a URL from the reason became a link:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, "https://evil.example/agree") {
		t.Errorf("the reason's text is lost:\n%s", r.HTML)
	}
}
