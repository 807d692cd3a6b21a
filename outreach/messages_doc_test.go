package outreach

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sms"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/messages.md from the catalogue")

// docPath is the generated file the README's "Messages" section links to.
const docPath = "../docs/messages.md"

// docData is realistic data for the rendered examples (optional fields
// included, so the examples show the full text).
var docData = map[string]string{
	"name": "Anna Lindqvist", "appointment": "2026-09-30T12:30:00Z", "timezone": "Europe/Stockholm",
	"service_phone": "010-17 77 307", "rating_url": "https://jobflow.example/r/visit-telia-SE-4711",
	"complaint_url": "https://jobflow.example/c/visit-telia-SE-4711", "reclamation_id": "rec-telia-SE-4711-1",
	"plan": "A technician replaces the router on site.", "due": "2026-10-02T13:00:00Z",
	"reason": "The service plan covers repairs, not new installations.", "answer": "We have spoken with the technician and will refund one hour.",
	"task_title": "Newsletter October", "review_deadline": "2026-09-30T16:00:00Z", "factor": "1.3",
	"work_minutes": "180", "budget_minutes": "234", "used_minutes": "200", "remaining_minutes": "34",
	"deadline": "2026-10-05T15:00:00Z", "proposed_deadline": "2026-10-08T15:00:00Z",
	"consent_url": "https://jobflow.example/t/task-telia-77/extension/1", "result_url": "https://jobflow.example/t/task-telia-77/result",
	"message_url": "https://app.example/chat/991", "items": "- Newsletter October: accepted\n- Newsletter October: started",
	"app_url": "https://app.example", "hours": "6", "worker_name": "Bo Ek", "from": "2026-09-23T00:00:00+02:00",
	"to": "2026-10-01T00:00:00+02:00", "substitute_url": "https://jobflow.example/a/1/substitute", "wait_url": "https://jobflow.example/a/1/wait",
	"contact": "support@jobflow.example",
}

// customerMessage reports whether id goes to customers (not ops,
// assistants or colleagues).
func customerMessage(id string) bool {
	if strings.HasPrefix(id, "ops.") || strings.HasPrefix(id, "assistant.") {
		return false
	}
	switch id {
	case "absence.substitute_offer", "absence.handover", "absence.job_returned", "task.extension_answered":
		return false
	}
	return true
}

func renderDoc(t *testing.T) string {
	var b strings.Builder
	b.WriteString("# Customer messages, rendered\n\n")
	b.WriteString("Generated from `outreach/messages/*.toml` by `go test ./outreach -run TestMessagesDoc -update`;\n")
	b.WriteString("a test fails when this file is out of date. Every customer message in sv, da, de (Sie, and Du\n")
	b.WriteString("where the text addresses the reader: `formal=false`) and en, rendered with sample data and\n")
	b.WriteString("every optional field given. SMS texts show their segments as Twilio counts them.\n\n")
	var ids []string
	for _, id := range Catalogue() {
		if customerMessage(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		req, opt, _ := Fields(id)
		fmt.Fprintf(&b, "## %s\n\nFields: `%s`", id, strings.Join(req, "`, `"))
		if len(opt) > 0 {
			fmt.Fprintf(&b, "; optional: `%s`", strings.Join(opt, "`, `"))
		}
		b.WriteString("\n\n")
		type ver struct{ label, lang, formal string }
		vers := []ver{{"sv", "sv", ""}, {"da", "da", ""}, {"de", "de", ""}}
		if catalogue[id].Du != nil {
			vers = append(vers, ver{"de (Du)", "de", "false"})
		}
		vers = append(vers, ver{"en", "en", ""})
		for _, v := range vers {
			d := map[string]string{}
			for _, k := range append(req, opt...) {
				if val, ok := docData[k]; ok {
					d[k] = val
				}
			}
			if v.formal != "" {
				d[FormalField] = v.formal
			}
			msg := activities.Message{Template: id, Language: v.lang, Data: d}
			r, err := Render(msg)
			if err != nil {
				t.Fatalf("%s/%s: %v", id, v.label, err)
			}
			fmt.Fprintf(&b, "**%s**: %s", v.label, r.Subject)
			if _, isSMS := smsBudget[id]; isSMS {
				s, _ := RenderSMS(msg)
				c := sms.Segments(s.Text)
				fmt.Fprintf(&b, " (SMS: %d %s segment(s), %d units)", c.Segments, c.Encoding, c.Units)
			}
			b.WriteString("\n\n```text\n" + r.Text + "\n```\n\n")
		}
	}
	return b.String()
}

// The rendered examples in docs/messages.md are up to date.
func TestMessagesDoc(t *testing.T) {
	want := renderDoc(t)
	if *updateDoc {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil || string(got) != want {
		t.Fatalf("%s is out of date: run go test ./outreach -run TestMessagesDoc -update", docPath)
	}
}
