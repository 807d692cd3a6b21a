package flowtest

import (
	"github.com/jobflow/jobflow/activities"
	catalogue "github.com/jobflow/jobflow/outreach"
	"github.com/jobflow/jobflow/rules"
)

// RenderErrors renders msg with exactly the data the workflow passed, in
// every language and, for German, in both the Sie and the Du variant
// (issue #14: the render check from real calls; no fixture fills a field).
// It returns one line per failed rendering.
func RenderErrors(msg activities.Message) []string {
	var errs []string
	try := func(lang, variant string, data map[string]string) {
		m := msg
		m.Language, m.Data = lang, data
		if _, err := catalogue.Render(m); err != nil {
			errs = append(errs, msg.Template+" ["+lang+variant+"]: "+err.Error())
		}
	}
	for _, l := range rules.Languages {
		try(string(l), "", msg.Data)
	}
	du := map[string]string{catalogue.FormalField: "false"}
	for k, v := range msg.Data {
		du[k] = v
	}
	try(string(rules.German), " du", du)
	return errs
}
