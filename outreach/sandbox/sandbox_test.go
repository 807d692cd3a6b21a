package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

const (
	acct  = "AC0123456789abcdef0123456789abcdef"
	token = "sandboxtoken"
)

func newServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	cfg.AccountSID, cfg.AuthToken = acct, token
	if cfg.StepDelay == 0 {
		cfg.StepDelay = 20 * time.Millisecond
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func postForm(t *testing.T, u string, form url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func get(t *testing.T, u string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.SetBasicAuth(acct, token)
	return do(t, req)
}

func TestMessageCreateFetchAndErrors(t *testing.T) {
	s, ts := newServer(t, Config{})
	base := ts.URL + "/2010-04-01/Accounts/" + acct
	code, m := postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "From": {"+46101234567"}, "Body": {"Hej"}}, acct, token)
	if code != 201 || m["status"] != "queued" || !strings.HasPrefix(m["sid"].(string), "SM") || m["direction"] != "outbound-api" {
		t.Fatalf("create: %d %v", code, m)
	}
	code, f := get(t, base+"/Messages/"+m["sid"].(string)+".json")
	if code != 200 || f["body"] != "Hej" || f["to"] != "+46701234567" {
		t.Fatalf("fetch: %d %v", code, f)
	}
	// Twilio-shaped errors.
	for _, tc := range []struct {
		to   string
		code float64
	}{{"0701234567", 21211}, {"+46700000001", 21211}, {"+46700000011", 21610}, {"+46700000021", 21614}} {
		c, e := postForm(t, base+"/Messages.json", url.Values{"To": {tc.to}, "From": {"+46101234567"}, "Body": {"x"}}, acct, token)
		if c != 400 || e["code"] != tc.code || e["status"] != float64(400) || e["more_info"] == nil || e["message"] == nil {
			t.Errorf("%s: %d %v", tc.to, c, e)
		}
	}
	if c, e := postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "Body": {"x"}}, acct, token); c != 400 || e["code"] != float64(21603) {
		t.Errorf("no from: %d %v", c, e)
	}
	if c, e := postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "From": {"+46101234567"}, "Body": {"x"}}, acct, "wrong"); c != 401 || e["code"] != float64(20003) {
		t.Errorf("bad auth: %d %v", c, e)
	}
	// The test prefixes reject recipients only: scripts/up.sh sends from +46700000000.
	if c, e := postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "From": {"+46700000000"}, "Body": {"x"}}, acct, token); c != 201 {
		t.Errorf("sender with a test prefix: %d %v", c, e)
	}
	if n := len(s.Outbox()); n != 2 {
		t.Errorf("outbox has %d entries, want 2 (rejected sends are not stored)", n)
	}
	code, l := get(t, base+"/Messages.json?To=%2B46701234567&PageSize=20")
	if code != 200 || len(l["messages"].([]any)) != 2 {
		t.Errorf("list: %d %v", code, l)
	}
}

// Calls progress queued -> ringing -> in-progress -> completed, or end as
// configured per number; status callbacks are signed so that twilio-go's
// RequestValidator accepts them.
func TestCallProgressionAndSignedCallbacks(t *testing.T) {
	var mu sync.Mutex
	var got []url.Values
	var cbURL string
	validator := twclient.NewRequestValidator(token)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !validator.ValidateBody(cbURL+r.URL.RequestURI()[len("/cb"):], body, r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("bad signature on %s", r.URL)
		}
		v, _ := url.ParseQuery(string(body))
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
	}))
	defer cb.Close()
	cbURL = cb.URL + "/cb"
	s, ts := newServer(t, Config{StepDelay: 150 * time.Millisecond, Faults: Faults{CallOutcomes: map[string]string{"+46709999999": "no-answer"}}})
	base := ts.URL + "/2010-04-01/Accounts/" + acct
	tw := `<Response><Say language="sv-SE">Hej Anna</Say></Response>`
	form := url.Values{"To": {"+46701234567"}, "From": {"+46101234567"}, "Twiml": {tw}, "StatusCallback": {cbURL + "?step=visit-1%2Freminder"},
		"StatusCallbackEvent": {"initiated", "ringing", "answered", "completed"}}
	code, c := postForm(t, base+"/Calls.json", form, acct, token)
	if code != 201 || c["status"] != "queued" {
		t.Fatalf("create call: %d %v", code, c)
	}
	form.Set("To", "+46709999999")
	_, c2 := postForm(t, base+"/Calls.json", form, acct, token)
	seen := map[string]bool{}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		_, f := get(t, base+"/Calls/"+c["sid"].(string)+".json")
		seen[f["status"].(string)] = true
		if f["status"] == "completed" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !seen["ringing"] || !seen["in-progress"] || !seen["completed"] {
		t.Errorf("statuses seen: %v", seen)
	}
	time.Sleep(500 * time.Millisecond)
	_, f2 := get(t, base+"/Calls/"+c2["sid"].(string)+".json")
	if f2["status"] != "no-answer" {
		t.Errorf("per-number outcome: %v", f2["status"])
	}
	mu.Lock()
	var statuses []string
	for _, v := range got {
		if v.Get("CallSid") == c["sid"] {
			statuses = append(statuses, v.Get("CallStatus"))
		}
	}
	mu.Unlock()
	if strings.Join(statuses, ",") != "ringing,in-progress,completed" {
		t.Errorf("callbacks: %v", statuses)
	}
	out := s.Outbox()
	if out[0].Channel != "call" || out[0].Language != "sv-SE" || out[0].Body != "Hej Anna" {
		t.Errorf("outbox entry: %+v", out[0])
	}
}

func TestMailSend(t *testing.T) {
	s, ts := newServer(t, Config{SendGridKey: "SGkey"})
	send := func(key string, body any) (int, map[string]any, http.Header) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v3/mail/send", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if resp.StatusCode == 202 && len(raw) != 0 {
			t.Errorf("202 with a body: %q", raw)
		}
		return resp.StatusCode, m, resp.Header
	}
	good := map[string]any{
		"personalizations": []any{map[string]any{"to": []any{map[string]any{"email": "anna@example.com"}}}},
		"from":             map[string]any{"email": "noreply@jobflow.example"},
		"subject":          "Hej",
		"content":          []any{map[string]any{"type": "text/plain", "value": "Hej"}, map[string]any{"type": "text/html", "value": "<p>Hej</p>"}},
		"custom_args":      map[string]any{"job_id": "visit-1", "step": "rating", "template": "visit.rating_request", "language": "sv"},
	}
	code, _, h := send("SGkey", good)
	if code != 202 || h.Get("X-Message-Id") == "" {
		t.Fatalf("good mail: %d", code)
	}
	if code, _, _ := send("wrong", good); code != 401 {
		t.Errorf("bad key: %d", code)
	}
	bad := map[string]any{"from": map[string]any{"email": "nope"}, "content": []any{}}
	code, m, _ := send("SGkey", bad)
	errs, _ := m["errors"].([]any)
	if code != 400 || len(errs) < 2 {
		t.Fatalf("bad mail: %d %v", code, m)
	}
	out := s.Outbox()
	if len(out) != 1 || out[0].Template != "visit.rating_request" || out[0].Language != "sv" || out[0].Subject != "Hej" {
		t.Errorf("outbox: %+v", out)
	}
}

func TestControlAndFaults(t *testing.T) {
	s, ts := newServer(t, Config{})
	post := func(body string) int {
		resp, err := http.Post(ts.URL+"/_control", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(`{"error_rate":1,"error_status":429,"latency":"1ms"}`); c != 200 {
		t.Fatalf("control: %d", c)
	}
	if c := post(`{"error_rate":2}`); c != 400 {
		t.Errorf("bad rate accepted: %d", c)
	}
	if c := post(`{"bogus":1}`); c != 400 {
		t.Errorf("unknown field accepted: %d", c)
	}
	base := ts.URL + "/2010-04-01/Accounts/" + acct
	code, e := postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "From": {"+46101234567"}, "Body": {"x"}}, acct, token)
	if code != 429 || e["code"] != float64(20429) {
		t.Errorf("injected: %d %v", code, e)
	}
	if len(s.Outbox()) != 0 {
		t.Error("failed request stored")
	}
	post(`{"lost_response_rate":1}`)
	code, _ = postForm(t, base+"/Messages.json", url.Values{"To": {"+46701234567"}, "From": {"+46101234567"}, "Body": {"x"}}, acct, token)
	if code != 500 || len(s.Outbox()) != 1 {
		t.Errorf("lost response: %d, outbox %d", code, len(s.Outbox()))
	}
	// Outbox JSON, HTML page and DELETE.
	resp, _ := http.Get(ts.URL + "/outbox")
	var entries []Entry
	_ = json.NewDecoder(resp.Body).Decode(&entries)
	resp.Body.Close()
	if len(entries) != 1 || entries[0].Channel != "sms" || entries[0].To != "+46701234567" {
		t.Errorf("outbox json: %+v", entries)
	}
	resp, _ = http.Get(ts.URL + "/")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "46701234567") {
		t.Error("outbox page lacks the message")
	}
	req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/outbox", nil)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 204 || len(s.Outbox()) != 0 {
		t.Errorf("delete: %d %d", resp.StatusCode, len(s.Outbox()))
	}
}

// The outbox counts segments as Twilio does, not every text as GSM-7.
func TestSegmentsAsTwilio(t *testing.T) {
	for body, want := range map[string]int{
		strings.Repeat("a", 160):                    1,
		strings.Repeat("a", 161):                    2,
		strings.Repeat("€", 81):                     2, // extension characters are two septets
		"Hej Małgorzata":                            1,
		"Hej Małgorzata " + strings.Repeat("a", 60): 2, // ł forces UCS-2: 70 per segment
	} {
		if got := segments(body); got != want {
			t.Errorf("segments(%.20q) = %d, want %d", body, got, want)
		}
	}
}

// Issue #16: the outbox and /_control hold live link tokens and steer
// faults: without a ControlToken only loopback callers get them; with one,
// only its holders.
func TestOutboxAndControlAreGuarded(t *testing.T) {
	open := New(Config{})
	req := httptest.NewRequest("GET", "/outbox", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("a remote caller got the outbox: %d", rec.Code)
	}
	req.RemoteAddr = "127.0.0.1:5555"
	rec = httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("loopback outbox: %d", rec.Code)
	}

	guarded := New(Config{ControlToken: "control-token-0123"})
	for _, c := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer control-token-0123", http.StatusOK}} {
		req := httptest.NewRequest("GET", "/_control", nil)
		req.RemoteAddr = "10.1.2.3:5555"
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		guarded.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%q: %d, want %d", c.auth, rec.Code, c.want)
		}
	}
}
