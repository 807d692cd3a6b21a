package outreach

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sms"
	"github.com/jobflow/jobflow/rules"
)

// Rendered is a message ready for a channel: Subject for e-mail, Text for SMS,
// e-mail and speech, HTML for e-mail, SayLanguage for TwiML <Say>.
type Rendered struct {
	Template    string         `json:"template"`
	Language    rules.Language `json:"language"` // the language actually used (after fallback)
	Subject     string         `json:"subject"`
	Text        string         `json:"text"`
	HTML        string         `json:"html"`
	SayLanguage string         `json:"say_language"`
}

// variant is one language's version of a message.
type variant struct {
	Subject string
	Body    string
}

// entry is one message of the catalogue: the fields every language version
// needs (a test proves each language uses each of them), optional fields
// (read with opt/flag, may be absent) and the four versions.
type entry struct {
	Fields   []string
	Optional []string
	Versions map[rules.Language]variant
	Du       *variant // the informal German version, when the message addresses its reader
}

// Catalogue lists every template id in a stable order.
func Catalogue() []string {
	ids := make([]string, 0, len(catalogue))
	for id := range catalogue {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Fields lists the Data keys a template requires and those it reads when
// present, so callers (and tests) know what to pass.
func Fields(id string) (required, optional []string, ok bool) {
	e, ok := catalogue[id]
	if !ok {
		return nil, nil, false
	}
	return append([]string(nil), e.Fields...), append([]string(nil), e.Optional...), true
}

// sayLanguages are the TwiML <Say language> codes per customer language.
var sayLanguages = map[rules.Language]string{
	rules.Swedish: "sv-SE",
	rules.Danish:  "da-DK",
	rules.German:  "de-DE",
	rules.English: "en-GB",
}

// Render renders msg in its language, falling back to English for an
// unknown or empty language. A missing field is an error (missingkey=error),
// typed ErrTemplate so the workflow does not retry a programming mistake.
func Render(msg activities.Message) (Rendered, error) {
	e, ok := catalogue[msg.Template]
	if !ok {
		return Rendered{}, permanent(ErrTemplate, "unknown template %q", msg.Template)
	}
	lang, err := rules.ParseLanguage(msg.Language)
	if err != nil {
		lang = rules.English
	}
	v, ok := e.Versions[lang]
	if !ok {
		lang = rules.English
		v = e.Versions[lang]
	}
	data := msg.Data
	if data == nil {
		data = map[string]string{}
	}
	if lang == rules.German && data[FormalField] == "false" && e.Du != nil {
		v = *e.Du
	}
	funcs := templateFuncs(lang, data)
	subject, err := execText(msg.Template+".subject", v.Subject, funcs, data)
	if err != nil {
		return Rendered{}, err
	}
	text, err := execText(msg.Template+".body", v.Body, funcs, data)
	if err != nil {
		return Rendered{}, err
	}
	subject = strings.TrimSpace(subject)
	text = strings.TrimSpace(text)
	if subject == "" || text == "" {
		return Rendered{}, permanent(ErrTemplate, "template %s/%s rendered empty", msg.Template, lang)
	}
	html, err := renderHTML(lang, subject, text, linkFields(data))
	if err != nil {
		return Rendered{}, permanent(ErrTemplate, "template %s/%s html: %v", msg.Template, lang, err)
	}
	return Rendered{
		Template:    msg.Template,
		Language:    lang,
		Subject:     subject,
		Text:        text,
		HTML:        html,
		SayLanguage: sayLanguages[lang],
	}, nil
}

func execText(name, src string, funcs template.FuncMap, data map[string]string) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(src)
	if err != nil {
		return "", permanent(ErrTemplate, "template %s: %v", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The text/template error names the template and the missing key,
		// never a value.
		return "", permanent(ErrTemplate, "template %s: %v", name, err)
	}
	return b.String(), nil
}

// FormalField is the optional Data field that picks the German address:
// "false" renders the Du version, absent or anything else the Sie version
// (seed 004: the customer's Du/Sie setting). Other languages ignore it.
const FormalField = "formal"

// templateFuncs gives templates language- and zone-aware formatting:
//
//	{{when .appointment}}   weekday, date and time in Data["timezone"]
//	{{date .deadline}}      weekday and date
//	{{clock .appointment}}  time of day only
//	{{soon .appointment}}   weekday, date without the year, and time (SMS)
//	{{day .appointment}}    weekday and date without the year (SMS)
//	{{until .to}}           the last day of a period whose end is exclusive:
//	                        an end at midnight prints the day before
//	{{back .to}}            the day someone is back: the date alone when the
//	                        end is midnight, else date and time
//	{{hm .budget_minutes}}  minutes as h:mm (T-3: 234 -> 3:54)
//	{{num .factor}}         a decimal number in the language's format (1,3)
//	{{count "hour" .hours}} a number with its unit in the CLDR plural form
//	                        the language's file gives (1 timme, 2 timmar)
//	{{duration "90"}}       minutes as "1 timme" / "90 minuter" (whole hours
//	                        as hours, else minutes)
//	{{opt "key"}}           an optional field, "" when absent
//	{{flag "key"}}          an optional field == "true"
func templateFuncs(lang rules.Language, data map[string]string) template.FuncMap {
	parse := func(v string) (time.Time, error) {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("not an RFC 3339 time: %q", v)
		}
		tz, ok := data["timezone"]
		if !ok || tz == "" {
			return time.Time{}, fmt.Errorf("map has no entry for key \"timezone\"")
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return time.Time{}, fmt.Errorf("unknown timezone %q", tz)
		}
		return t.In(loc), nil
	}
	return template.FuncMap{
		"when": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatWhen(lang, t), nil
		},
		"date": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatDate(lang, t), nil
		},
		"day": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatDay(lang, t), nil
		},
		"soon": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatDay(lang, t) + " " + formatClock(lang, t), nil
		},
		"until": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatDate(lang, lastDay(t)), nil
		},
		"back": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			if isMidnight(t) {
				return formatDate(lang, t), nil
			}
			return formatWhen(lang, t), nil
		},
		"clock": func(v string) (string, error) {
			t, err := parse(v)
			if err != nil {
				return "", err
			}
			return formatClock(lang, t), nil
		},
		"hm": func(v string) (string, error) {
			m, err := strconv.Atoi(v)
			if err != nil || m < 0 {
				return "", fmt.Errorf("not a number of minutes: %q", v)
			}
			return fmt.Sprintf("%d:%02d", m/60, m%60), nil
		},
		"num":   func(v string) (string, error) { return formatNumber(lang, v) },
		"count": func(unit, v string) (string, error) { return countUnit(lang, unit, v) },
		"duration": func(v string) (string, error) {
			m, err := strconv.Atoi(v)
			if err != nil || m <= 0 {
				return "", fmt.Errorf("not a number of minutes: %q", v)
			}
			if m%60 == 0 {
				return countUnit(lang, "hour", strconv.Itoa(m/60))
			}
			return countUnit(lang, "minute", v)
		},
		"opt":  func(k string) string { return data[k] },
		"flag": func(k string) bool { return data[k] == "true" },
	}
}

var (
	weekdays = map[rules.Language][7]string{
		rules.Swedish: {"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
		rules.Danish:  {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		rules.German:  {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		rules.English: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	months = map[rules.Language][12]string{
		rules.Swedish: {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
		rules.Danish:  {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
		rules.German:  {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		rules.English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
)

func formatDate(lang rules.Language, t time.Time) string {
	wd, mo := weekdays[lang][t.Weekday()], months[lang][t.Month()-1]
	switch lang {
	case rules.Danish:
		return fmt.Sprintf("%s den %d. %s %d", wd, t.Day(), mo, t.Year())
	case rules.German:
		return fmt.Sprintf("%s, %d. %s %d", wd, t.Day(), mo, t.Year())
	default:
		return fmt.Sprintf("%s %d %s %d", wd, t.Day(), mo, t.Year())
	}
}

// formatDay is formatDate without the year, for texts about the next days
// (an SMS about a visit): "onsdag 30 september", "Mittwoch, 30. September".
func formatDay(lang rules.Language, t time.Time) string {
	wd, mo := weekdays[lang][t.Weekday()], months[lang][t.Month()-1]
	switch lang {
	case rules.Danish:
		return fmt.Sprintf("%s den %d. %s", wd, t.Day(), mo)
	case rules.German:
		return fmt.Sprintf("%s, %d. %s", wd, t.Day(), mo)
	default:
		return fmt.Sprintf("%s %d %s", wd, t.Day(), mo)
	}
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// lastDay is the last day within a period ending (exclusively) at t: an
// absence "to" 14 April 00:00 has its last day on 13 April.
func lastDay(t time.Time) time.Time {
	if isMidnight(t) {
		return t.AddDate(0, 0, -1)
	}
	return t
}

func formatClock(lang rules.Language, t time.Time) string {
	switch lang {
	case rules.Swedish:
		return fmt.Sprintf("kl. %02d:%02d", t.Hour(), t.Minute())
	case rules.Danish:
		return fmt.Sprintf("kl. %02d.%02d", t.Hour(), t.Minute())
	case rules.German:
		return fmt.Sprintf("um %02d:%02d Uhr", t.Hour(), t.Minute())
	default:
		return fmt.Sprintf("at %02d:%02d", t.Hour(), t.Minute())
	}
}

func formatWhen(lang rules.Language, t time.Time) string {
	return formatDate(lang, t) + " " + formatClock(lang, t)
}

// linkFields are the URLs the workflow and the API put into the message
// (Data keys ending in "url": rating_url, consent_url, app_url...): only
// these become links in an e-mail. A URL typed into free text (an
// extension's reason, an absence contact) stays plain text, so nobody can
// put a clickable link into a customer's e-mail (issue #16).
func linkFields(data map[string]string) map[string]bool {
	links := map[string]bool{}
	for k, v := range data {
		if strings.HasSuffix(k, "url") && v != "" {
			links[v] = true
		}
	}
	return links
}

// htmlLayout turns the text body into HTML: paragraphs at blank lines, line
// breaks kept, the message's own links (linkFields) made links.
// html/template escapes everything that came from Data.
var htmlLayout = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
{{range .Paragraphs}}<p>{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{range $line}}{{if .URL}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{end}}</p>
{{end}}</body></html>
`))

type segment struct {
	Text string
	URL  bool
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

func renderHTML(lang rules.Language, subject, text string, links map[string]bool) (string, error) {
	var paragraphs [][][]segment
	for _, para := range strings.Split(text, "\n\n") {
		var lines [][]segment
		for _, line := range strings.Split(strings.TrimSpace(para), "\n") {
			var segs []segment
			for line != "" {
				loc := urlPattern.FindStringIndex(line)
				if loc == nil {
					segs = append(segs, segment{Text: line})
					break
				}
				u := line[loc[0]:loc[1]]
				segs = append(segs, segment{Text: line[:loc[0]]}, segment{Text: u, URL: links[strings.TrimRight(u, ".,;:!?)")] || links[u]})
				line = line[loc[1]:]
			}
			lines = append(lines, segs)
		}
		paragraphs = append(paragraphs, lines)
	}
	var b bytes.Buffer
	err := htmlLayout.Execute(&b, map[string]any{"Lang": string(lang), "Subject": subject, "Paragraphs": paragraphs})
	return b.String(), err
}

// RenderSMS renders msg for a text message: like Render, with the text made
// GSM-7 where a faithful transliteration exists (a customer name such as
// "Małgorzata" would otherwise force UCS-2 and double the segments; see
// package sms). Templates themselves use only GSM-7 characters (a test
// proves it), so only data is ever transliterated.
func RenderSMS(msg activities.Message) (Rendered, error) {
	r, err := Render(msg)
	if err != nil {
		return r, err
	}
	r.Text = sms.ToGSM7(r.Text)
	return r, nil
}
