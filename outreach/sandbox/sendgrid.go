package sandbox

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// sgError is one entry of SendGrid's {"errors": [...]} body.
type sgError struct {
	Message string         `json:"message"`
	Field   *string        `json:"field"`
	Help    map[string]any `json:"help,omitempty"` // an object in SendGrid's ErrorResponse schema
}

func sendGridErrors(w http.ResponseWriter, status int, errs ...sgError) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

func field(s string) *string { return &s }

// sgMail is the part of the v3 mail send body the sandbox reads.
type sgMail struct {
	Personalizations []struct {
		To []struct {
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"to"`
		Subject             string            `json:"subject"`
		CustomArgs          map[string]string `json:"custom_args"`
		DynamicTemplateData map[string]any    `json:"dynamic_template_data"`
	} `json:"personalizations"`
	From *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"from"`
	Subject string `json:"subject"`
	Content []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"content"`
	TemplateID string            `json:"template_id"`
	Categories []string          `json:"categories"`
	CustomArgs map[string]string `json:"custom_args"`
}

// mailSend implements POST /v3/mail/send: 202 with an empty body and an
// X-Message-Id header, or 400/401 with SendGrid's error body.
func (s *Server) mailSend(w http.ResponseWriter, r *http.Request) {
	fail, status, _, lose, latency := s.fault()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || key == "" || (s.cfg.SendGridKey != "" && key != s.cfg.SendGridKey) {
		sendGridErrors(w, http.StatusUnauthorized, sgError{Message: "The provided authorization grant is invalid, expired, or revoked"})
		return
	}
	if fail {
		sendGridErrors(w, status, sgError{Message: "Sandbox: injected failure"})
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 30<<20))
	if err != nil {
		sendGridErrors(w, http.StatusBadRequest, sgError{Message: "Could not read the request body."})
		return
	}
	var m sgMail
	if err := json.Unmarshal(raw, &m); err != nil {
		sendGridErrors(w, http.StatusBadRequest, sgError{Message: "Bad Request", Help: map[string]any{"url": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message."}})
		return
	}
	var errs []sgError
	if len(m.Personalizations) == 0 {
		errs = append(errs, sgError{Message: "The personalizations field is required and must have at least one personalization.", Field: field("personalizations")})
	}
	if m.From == nil || m.From.Email == "" {
		errs = append(errs, sgError{Message: "The from object must be provided for every email send.", Field: field("from")})
	} else if _, err := mail.ParseAddress(m.From.Email); err != nil {
		errs = append(errs, sgError{Message: "The from email does not contain a valid address.", Field: field("from.email")})
	}
	var tos []string
	subject := m.Subject
	args := map[string]string{}
	for k, v := range m.CustomArgs {
		args[k] = v
	}
	for _, p := range m.Personalizations {
		if len(p.To) == 0 {
			errs = append(errs, sgError{Message: "The to array is required for all personalization objects, and must have at least one email object with a valid email address.", Field: field("personalizations.0.to")})
		}
		for _, to := range p.To {
			if _, err := mail.ParseAddress(to.Email); err != nil {
				errs = append(errs, sgError{Message: "Does not contain a valid address.", Field: field("personalizations.0.to.0.email")})
				continue
			}
			tos = append(tos, to.Email)
		}
		if p.Subject != "" {
			subject = p.Subject
		}
		for k, v := range p.CustomArgs {
			args[k] = v
		}
		if m.TemplateID != "" && subject == "" {
			if v, ok := p.DynamicTemplateData["subject"].(string); ok {
				subject = v
			}
		}
	}
	var text, html string
	for i, c := range m.Content {
		if c.Value == "" {
			errs = append(errs, sgError{Message: "The content value must be a string at least one character in length.", Field: field("content.0.value")})
		}
		switch c.Type {
		case "text/plain":
			if i != 0 {
				errs = append(errs, sgError{Message: "If present, text/plain must be first, followed by text/html, followed by any other content.", Field: field("content")})
			}
			text = c.Value
		case "text/html":
			html = c.Value
		}
	}
	if m.TemplateID == "" {
		if subject == "" {
			errs = append(errs, sgError{Message: "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", Field: field("subject")})
		}
		if len(m.Content) == 0 {
			errs = append(errs, sgError{Message: "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.", Field: field("content")})
		}
	} else if text == "" {
		for _, p := range m.Personalizations {
			if v, ok := p.DynamicTemplateData["text"].(string); ok {
				text = v
			}
		}
	}
	if len(m.Categories) > 10 {
		errs = append(errs, sgError{Message: "Too many categories: at most 10.", Field: field("categories")})
	}
	if len(errs) > 0 {
		sendGridErrors(w, http.StatusBadRequest, errs...)
		return
	}
	id := strings.ToLower(newSID(""))[:22]
	now := time.Now().UTC()
	s.mu.Lock()
	for _, to := range tos {
		e := &Entry{
			ID: id, Channel: "email", To: to, From: m.From.Email, Subject: subject, Body: text, HTML: html,
			Status: "processed", Categories: m.Categories, CustomArgs: args, Time: now,
			Template: args["template"], Language: args["language"],
		}
		if e.Template == "" && m.TemplateID != "" {
			e.Template = m.TemplateID
		}
		if e.Template == "" && len(m.Categories) > 0 {
			e.Template = m.Categories[0]
		}
		s.addEntry(e)
	}
	s.mu.Unlock()
	s.saveOutbox()
	if lose {
		sendGridErrors(w, http.StatusInternalServerError, sgError{Message: "Sandbox: answer lost after the mail was accepted"})
		return
	}
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Outbox())
}

func (s *Server) deleteOutbox(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getControl(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, f)
}

// postControl replaces the fault settings with the JSON body (absent
// fields reset to zero), and answers with the settings now in force.
func (s *Server) postControl(w http.ResponseWriter, r *http.Request) {
	var f Faults
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		http.Error(w, "control: "+err.Error(), http.StatusBadRequest)
		return
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 || f.LostResponseRate < 0 || f.LostResponseRate > 1 {
		http.Error(w, "control: rates must be within 0..1", http.StatusBadRequest)
		return
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		http.Error(w, "control: error_status must be 4xx or 5xx", http.StatusBadRequest)
		return
	}
	for _, o := range append([]string{f.CallOutcome}, mapValues(f.CallOutcomes)...) {
		switch o {
		case "", "answered", "completed", "no-answer", "busy", "failed":
		default:
			http.Error(w, "control: call outcome must be completed, no-answer, busy or failed", http.StatusBadRequest)
			return
		}
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

var outboxPage = template.Must(template.New("outbox").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>jobflow sandbox outbox</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}pre{white-space:pre-wrap;margin:0}.sms{background:#eef7ff}.call{background:#f3ffee}.email{background:#fff8ee}</style>
</head><body>
<h1>Sandbox outbox</h1>
<p>{{len .}} message(s); newest first. JSON at <a href="/outbox">/outbox</a>. Nothing here left this machine.</p>
<table><tr><th>time (UTC)</th><th>channel</th><th>to</th><th>template</th><th>language</th><th>status</th><th>subject / text</th></tr>
{{range .}}<tr class="{{.Channel}}"><td>{{.Time.Format "2006-01-02 15:04:05"}}</td><td>{{.Channel}}</td><td>{{.To}}</td><td>{{.Template}}</td><td>{{.Language}}</td><td>{{.Status}}</td>
<td>{{if .Subject}}<strong>{{.Subject}}</strong><br>{{end}}<pre>{{.Body}}</pre></td></tr>
{{end}}</table></body></html>
`))

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	entries := s.Outbox()
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = outboxPage.Execute(w, entries)
}

// argQuery matches one `unique_args['name']="value"` clause of SendGrid's
// Email Activity query language, the part our adapter uses.
var argQuery = regexp.MustCompile(`unique_args\['([A-Za-z0-9_]+)'\]\s*=\s*"([^"]*)"`)

// emailActivity implements the subset of SendGrid's Email Activity API
// (GET /v3/messages?query=...&limit=N) that the e-mail adapter uses on a
// retry to learn whether an earlier attempt's mail went out: messages whose
// custom args match every clause of the query.
func (s *Server) emailActivity(w http.ResponseWriter, r *http.Request) {
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || key == "" ||
		(s.cfg.SendGridKey != "" && key != s.cfg.SendGridKey) {
		sendGridErrors(w, http.StatusUnauthorized, sgError{Message: "The provided authorization grant is invalid, expired, or revoked"})
		return
	}
	clauses := argQuery.FindAllStringSubmatch(r.URL.Query().Get("query"), -1)
	if len(clauses) == 0 {
		sendGridErrors(w, http.StatusBadRequest, sgError{Message: "query: at least one unique_args clause is required", Field: field("query")})
		return
	}
	type message struct {
		MsgID   string `json:"msg_id"`
		ToEmail string `json:"to_email"`
		Subject string `json:"subject"`
		Status  string `json:"status"`
	}
	out := []message{}
	s.mu.Lock()
	for _, e := range s.outbox {
		if e.Channel != "email" {
			continue
		}
		match := true
		for _, c := range clauses {
			if e.CustomArgs[c[1]] != c[2] {
				match = false
				break
			}
		}
		if match {
			out = append(out, message{MsgID: e.ID, ToEmail: e.To, Subject: e.Subject, Status: "delivered"})
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out})
}
