package sandbox

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Headers an adapter may add so the outbox can show template and language;
// Twilio ignores them.
const (
	HeaderTemplate = "X-Jobflow-Template"
	HeaderLanguage = "X-Jobflow-Language"
)

type message struct {
	entry    *Entry
	account  string
	from     string
	service  string
	created  time.Time
	callback string
	key      string
}

type call struct {
	entry    *Entry
	account  string
	created  time.Time
	outcome  string // completed | no-answer | busy | failed
	callback string
	key      string
	events   map[string]bool
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, lose bool) {
	to, from, svc, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("Body")
	switch {
	case to == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && svc == "":
		twilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "" && r.PostForm.Get("ContentSid") == "" && len(r.PostForm["MediaUrl"]) == 0:
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len([]rune(body)) > 1600:
		twilioError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if !s.checkNumber(w, "To", to) {
		return
	}
	if from != "" && !s.checkNumber(w, "From", from) {
		return
	}
	now := time.Now()
	shownFrom := from
	if shownFrom == "" {
		shownFrom = s.cfg.DefaultFrom
	}
	m := &message{
		account: r.PathValue("account"), from: shownFrom, service: svc, created: now, callback: r.PostForm.Get("StatusCallback"), key: s.signKey(r),
		entry: &Entry{
			ID: newSID("SM"), Channel: "sms", To: to, From: shownFrom, Body: body, Status: "queued", Time: now.UTC(),
			Template: r.Header.Get(HeaderTemplate), Language: r.Header.Get(HeaderLanguage),
		},
	}
	s.mu.Lock()
	s.messages[m.entry.ID] = m
	s.addEntry(m.entry)
	js := s.messageJSON(m)
	s.mu.Unlock()
	s.saveOutbox()
	s.progressMessage(m)
	if lose {
		twilioError(w, http.StatusInternalServerError, 20500, "Sandbox: answer lost after the message was accepted")
		return
	}
	writeJSON(w, http.StatusCreated, js)
}

// progressMessage moves a message queued -> sent -> delivered, posting a
// signed callback at each step when one was given.
func (s *Server) progressMessage(m *message) {
	for i, st := range []string{"sent", "delivered"} {
		st := st
		time.AfterFunc(time.Duration(i+1)*s.cfg.StepDelay, func() {
			s.mu.Lock()
			m.entry.Status = st
			p := url.Values{
				"MessageSid": {m.entry.ID}, "SmsSid": {m.entry.ID}, "AccountSid": {m.account}, "From": {m.from},
				"To": {m.entry.To}, "MessageStatus": {st}, "SmsStatus": {st}, "ApiVersion": {"2010-04-01"},
			}
			if m.service != "" {
				p.Set("MessagingServiceSid", m.service)
			}
			cb := m.callback
			s.mu.Unlock()
			s.callback(m.key, cb, p)
		})
	}
}

func (s *Server) messageJSON(m *message) map[string]any {
	e := m.entry
	var sent any
	if e.Status != "queued" {
		sent = twilioTime(m.created)
	}
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", m.account, e.ID)
	return map[string]any{
		"account_sid": m.account, "api_version": "2010-04-01", "body": e.Body,
		"date_created": twilioTime(m.created), "date_sent": sent, "date_updated": twilioTime(time.Now()),
		"direction": "outbound-api", "error_code": nil, "error_message": nil, "from": e.From,
		"messaging_service_sid": nullable(m.service), "num_media": "0", "num_segments": strconv.Itoa(segments(e.Body)),
		"price": nil, "price_unit": "USD", "sid": e.ID, "status": e.Status, "to": e.To, "uri": uri,
		"subresource_uris": map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
}

func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request, _ bool) {
	sid := strings.TrimSuffix(r.PathValue("sid"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[sid]
	if !ok || m.account != r.PathValue("account") {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, s.messageJSON(m))
}

// page renders Twilio's list envelope (one page; newest first).
func page(r *http.Request, key string, items []map[string]any) map[string]any {
	size := 50
	if n, err := strconv.Atoi(r.URL.Query().Get("PageSize")); err == nil && n > 0 && n <= 1000 {
		size = n
	}
	if len(items) > size {
		items = items[:size]
	}
	uri := r.URL.Path
	if r.URL.RawQuery != "" {
		uri += "?" + r.URL.RawQuery
	}
	end := len(items) - 1
	if end < 0 {
		end = 0
	}
	return map[string]any{
		key: items, "end": end, "first_page_uri": uri, "next_page_uri": nil, "previous_page_uri": nil,
		"page": 0, "page_size": size, "start": 0, "uri": uri,
	}
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ bool) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for i := len(s.outbox) - 1; i >= 0; i-- {
		e := s.outbox[i]
		m, ok := s.messages[e.ID]
		if !ok || m.account != r.PathValue("account") {
			continue
		}
		if (q.Get("To") != "" && q.Get("To") != e.To) || (q.Get("From") != "" && q.Get("From") != e.From) {
			continue
		}
		items = append(items, s.messageJSON(m))
	}
	writeJSON(w, http.StatusOK, page(r, "messages", items))
}

// twiml is the subset of TwiML the sandbox reads to show the call.
type twiml struct {
	Says []struct {
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request, lose bool) {
	to, from, tw := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Twiml")
	switch {
	case to == "":
		twilioError(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
		return
	case from == "":
		twilioError(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
		return
	case tw == "" && r.PostForm.Get("Url") == "" && r.PostForm.Get("ApplicationSid") == "":
		twilioError(w, http.StatusBadRequest, 21205, "Url parameter is required.")
		return
	}
	if !s.checkNumber(w, "To", to) || !s.checkNumber(w, "From", from) {
		return
	}
	var body, lang string
	if tw != "" {
		var doc twiml
		if err := xml.Unmarshal([]byte(tw), &doc); err != nil {
			twilioError(w, http.StatusBadRequest, 21220, "Invalid TwiML: "+err.Error())
			return
		}
		var parts []string
		for _, say := range doc.Says {
			parts = append(parts, strings.TrimSpace(say.Text))
			if lang == "" {
				lang = say.Language
			}
		}
		body = strings.Join(parts, "\n")
	} else {
		body = "(TwiML from " + r.PostForm.Get("Url") + ")"
	}
	if h := r.Header.Get(HeaderLanguage); h != "" && lang == "" {
		lang = h
	}
	now := time.Now()
	s.mu.Lock()
	outcome := s.faults.CallOutcome
	if o, ok := s.faults.CallOutcomes[to]; ok {
		outcome = o
	}
	switch outcome {
	case "", "answered":
		outcome = "completed"
	}
	c := &call{
		account: r.PathValue("account"), created: now, outcome: outcome, callback: r.PostForm.Get("StatusCallback"), key: s.signKey(r),
		events: map[string]bool{},
		entry: &Entry{
			ID: newSID("CA"), Channel: "call", To: to, From: from, Body: body, Language: lang, Status: "queued", Time: now.UTC(),
			Template: r.Header.Get(HeaderTemplate),
		},
	}
	for _, ev := range r.PostForm["StatusCallbackEvent"] {
		for _, e := range strings.Fields(strings.ReplaceAll(ev, ",", " ")) {
			c.events[e] = true
		}
	}
	s.calls[c.entry.ID] = c
	s.addEntry(c.entry)
	js := s.callJSON(c, now)
	s.mu.Unlock()
	s.saveOutbox()
	s.progressCall(c)
	if lose {
		twilioError(w, http.StatusInternalServerError, 20500, "Sandbox: answer lost after the call was placed")
		return
	}
	writeJSON(w, http.StatusCreated, js)
}

// callStatus is the status of c at time t: each step lasts StepDelay.
//
//	completed: queued, ringing, in-progress, completed
//	no-answer: queued, ringing, ringing, no-answer
//	busy, failed: queued, busy/failed
func (s *Server) callStatus(c *call, t time.Time) string {
	step := int(t.Sub(c.created) / s.cfg.StepDelay)
	var seq []string
	switch c.outcome {
	case "no-answer":
		seq = []string{"queued", "ringing", "ringing", "no-answer"}
	case "busy", "failed":
		seq = []string{"queued", c.outcome}
	default:
		seq = []string{"queued", "ringing", "in-progress", "completed"}
	}
	if step >= len(seq) {
		step = len(seq) - 1
	}
	return seq[step]
}

// progressCall posts the callbacks of the progression. Twilio sends
// "completed" always and the others only when asked (StatusCallbackEvent).
func (s *Server) progressCall(c *call) {
	for step := 1; step <= 3; step++ {
		at := time.Duration(step) * s.cfg.StepDelay
		time.AfterFunc(at, func() {
			s.mu.Lock()
			prev := s.callStatus(c, c.created.Add(at-s.cfg.StepDelay))
			st := s.callStatus(c, c.created.Add(at))
			c.entry.Status = st
			p := s.callbackParams(c, st)
			cb := c.callback
			want := st != prev && (isFinal(st) || c.events[eventName(st)])
			s.mu.Unlock()
			if want {
				s.callback(c.key, cb, p)
			}
			s.saveOutbox()
		})
	}
}

func isFinal(st string) bool {
	switch st {
	case "completed", "no-answer", "busy", "failed", "canceled":
		return true
	}
	return false
}

func eventName(st string) string {
	if st == "in-progress" {
		return "answered"
	}
	return st
}

func (s *Server) callbackParams(c *call, st string) url.Values {
	p := url.Values{
		"CallSid": {c.entry.ID}, "AccountSid": {c.account}, "From": {c.entry.From}, "To": {c.entry.To},
		"CallStatus": {st}, "ApiVersion": {"2010-04-01"}, "Direction": {"outbound-api"},
		"Timestamp": {time.Now().UTC().Format(time.RFC1123Z)},
	}
	if st == "completed" {
		p.Set("CallDuration", strconv.Itoa(int(s.cfg.StepDelay/time.Second)))
	}
	return p
}

func (s *Server) callJSON(c *call, now time.Time) map[string]any {
	st := s.callStatus(c, now)
	var start, end, dur any
	if st == "in-progress" || st == "completed" {
		start = twilioTime(c.created.Add(2 * s.cfg.StepDelay))
	}
	if isFinal(st) {
		end = twilioTime(now)
		dur = "0"
		if st == "completed" {
			dur = strconv.Itoa(int(s.cfg.StepDelay / time.Second))
		}
	}
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Calls/%s.json", c.account, c.entry.ID)
	sub := strings.TrimSuffix(uri, ".json")
	return map[string]any{
		"sid": c.entry.ID, "date_created": twilioTime(c.created), "date_updated": twilioTime(now), "parent_call_sid": nil,
		"account_sid": c.account, "to": c.entry.To, "to_formatted": c.entry.To, "from": c.entry.From, "from_formatted": c.entry.From,
		"phone_number_sid": nil, "status": st, "start_time": start, "end_time": end, "duration": dur,
		"price": nil, "price_unit": "USD", "direction": "outbound-api", "answered_by": nil, "api_version": "2010-04-01",
		"forwarded_from": nil, "group_sid": nil, "caller_name": nil, "queue_time": "0", "trunk_sid": nil, "uri": uri,
		"subresource_uris": map[string]string{
			"notifications": sub + "/Notifications.json", "recordings": sub + "/Recordings.json",
			"payments": sub + "/Payments.json", "events": sub + "/Events.json", "siprec": sub + "/Siprec.json",
			"streams": sub + "/Streams.json", "user_defined_message_subscriptions": sub + "/UserDefinedMessageSubscriptions.json",
			"user_defined_messages": sub + "/UserDefinedMessages.json",
		},
	}
}

func (s *Server) fetchCall(w http.ResponseWriter, r *http.Request, _ bool) {
	sid := strings.TrimSuffix(r.PathValue("sid"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calls[sid]
	if !ok || c.account != r.PathValue("account") {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	now := time.Now()
	c.entry.Status = s.callStatus(c, now)
	writeJSON(w, http.StatusOK, s.callJSON(c, now))
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, _ bool) {
	q := r.URL.Query()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for i := len(s.outbox) - 1; i >= 0; i-- {
		e := s.outbox[i]
		c, ok := s.calls[e.ID]
		if !ok || c.account != r.PathValue("account") {
			continue
		}
		if (q.Get("To") != "" && q.Get("To") != e.To) || (q.Get("From") != "" && q.Get("From") != e.From) {
			continue
		}
		items = append(items, s.callJSON(c, now))
	}
	writeJSON(w, http.StatusOK, page(r, "calls", items))
}
