// Package sandbox is a local stand-in for the parts of Twilio's REST API
// (2010-04-01 Messages and Calls) and SendGrid's v3 mail send that jobflow
// uses, with their real request and response shapes, so everything runs and
// is tested offline through the real SDKs. It keeps every message in an
// outbox (HTML at /, JSON at /outbox) and injects faults on request
// (POST /_control).
//
// Numbers the sandbox rejects like Twilio does: anything not E.164 (21211),
// and by default recipients ("To") starting with the test prefixes
// +4670000000 (21211 invalid number), +4670000001 (21610 unsubscribed) and
// +4670000002 (21614 not a mobile); see Config.RejectPrefixes. Senders are
// only checked for E.164. Status callbacks are signed with Config.AuthToken,
// or else with the auth token the create request presented.
package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jobflow/jobflow/outreach/sms"
)

// Config configures a Server. Zero values are usable: any credentials are
// accepted when AccountSID/AuthToken/SendGridKey are empty.
type Config struct {
	AccountSID  string // the only account the Twilio API answers for; empty = any
	AuthToken   string // basic-auth password and status-callback signing key
	SendGridKey string // the bearer token mail send accepts; empty = any
	DefaultFrom string // the sender shown for Messaging Service sends
	// RejectPrefixes maps number prefixes to the Twilio error code the
	// sandbox answers with (see the package doc).
	RejectPrefixes map[string]int
	// StepDelay is how long each status of the progression lasts
	// (queued -> ringing -> in-progress -> completed).
	StepDelay  time.Duration
	OutboxFile string // optional JSON file the outbox is mirrored to
	Faults     Faults
	// CallbackClient posts status callbacks; nil = a client with a 5 s timeout.
	CallbackClient *http.Client
	// ControlToken guards the outbox (/, /outbox) and /_control, which hold
	// live link tokens and steer faults (issue #16): empty, they answer only
	// loopback callers; set, any caller with "Authorization: Bearer <it>".
	ControlToken string
}

// DefaultRejectPrefixes are the test numbers of the package doc.
func DefaultRejectPrefixes() map[string]int {
	return map[string]int{"+4670000000": 21211, "+4670000001": 21610, "+4670000002": 21614}
}

// Faults are injected into the provider endpoints (not into /outbox or
// /_control). JSON is the body of POST /_control.
type Faults struct {
	// ErrorRate is the share (0..1) of API requests answered with
	// ErrorStatus before anything is stored (a transient failure).
	ErrorRate   float64 `json:"error_rate"`
	ErrorStatus int     `json:"error_status,omitempty"` // 429, 500, 503 ...; default 503
	ErrorCode   int     `json:"error_code,omitempty"`   // Twilio code in the body; default 20500 (20429 for 429)
	// LostResponseRate is the share of create requests that are stored and
	// sent but answered with 500, as when an answer is lost on the way.
	LostResponseRate float64 `json:"lost_response_rate"`
	// Latency delays every API answer.
	Latency Duration `json:"latency"`
	// CallOutcome is how calls end: completed (answered, the default),
	// no-answer, busy, failed. CallOutcomes overrides it per number.
	CallOutcome  string            `json:"call_outcome,omitempty"`
	CallOutcomes map[string]string `json:"call_outcomes,omitempty"`
}

// Duration is a time.Duration that reads "250ms" or a number of
// milliseconds from JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := time.ParseDuration(s)
		*d = Duration(v)
		return err
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("latency: want \"250ms\" or milliseconds")
	}
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

// Entry is one message in the outbox.
type Entry struct {
	ID         string            `json:"id"`      // SM..., CA... or the SendGrid message id
	Channel    string            `json:"channel"` // sms | call | email
	To         string            `json:"to"`
	From       string            `json:"from"`
	Template   string            `json:"template,omitempty"` // catalogue id when the client said it
	Language   string            `json:"language,omitempty"`
	Subject    string            `json:"subject,omitempty"`
	Body       string            `json:"body"`
	HTML       string            `json:"html,omitempty"`
	Status     string            `json:"status"`
	Categories []string          `json:"categories,omitempty"`
	CustomArgs map[string]string `json:"custom_args,omitempty"`
	Time       time.Time         `json:"time"`
}

// Server is the sandbox; it is an http.Handler.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	faults   Faults
	outbox   []*Entry
	messages map[string]*message
	calls    map[string]*call
	rng      *mrand.Rand
}

// New builds a sandbox server.
func New(cfg Config) *Server {
	if cfg.RejectPrefixes == nil {
		cfg.RejectPrefixes = DefaultRejectPrefixes()
	}
	if cfg.StepDelay <= 0 {
		cfg.StepDelay = time.Second
	}
	if cfg.DefaultFrom == "" {
		cfg.DefaultFrom = "+15005550006"
	}
	if cfg.CallbackClient == nil {
		cfg.CallbackClient = &http.Client{Timeout: 5 * time.Second}
	}
	s := &Server{
		cfg:      cfg,
		faults:   cfg.Faults,
		messages: map[string]*message{},
		calls:    map[string]*call{},
		rng:      mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 42)),
	}
	s.loadOutbox()
	m := http.NewServeMux()
	m.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", s.twilio(s.createMessage))
	m.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages.json", s.twilio(s.listMessages))
	m.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages/{sid}", s.twilio(s.fetchMessage))
	m.HandleFunc("POST /2010-04-01/Accounts/{account}/Calls.json", s.twilio(s.createCall))
	m.HandleFunc("GET /2010-04-01/Accounts/{account}/Calls.json", s.twilio(s.listCalls))
	m.HandleFunc("GET /2010-04-01/Accounts/{account}/Calls/{sid}", s.twilio(s.fetchCall))
	m.HandleFunc("POST /v3/mail/send", s.mailSend)
	m.HandleFunc("GET /v3/messages", s.emailActivity)
	m.HandleFunc("GET /outbox", s.guarded(s.getOutbox))
	m.HandleFunc("DELETE /outbox", s.guarded(s.deleteOutbox))
	m.HandleFunc("GET /_control", s.guarded(s.getControl))
	m.HandleFunc("POST /_control", s.guarded(s.postControl))
	m.HandleFunc("GET /{$}", s.guarded(s.outboxPage))
	s.mux = m
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// guarded answers the outbox and control endpoints only to whom
// Config.ControlToken says: loopback callers, or the token's holders.
func (s *Server) guarded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok := s.cfg.ControlToken; tok != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
				http.Error(w, "the sandbox's outbox and control need its SANDBOX_CONTROL_TOKEN", http.StatusUnauthorized)
				return
			}
			h(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "the sandbox's outbox and control answer loopback callers only (set SANDBOX_CONTROL_TOKEN to reach them from elsewhere)", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

// SetFaults replaces the fault injection settings.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Outbox returns a copy of every message received so far, oldest first.
func (s *Server) Outbox() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Entry, len(s.outbox))
	for i, e := range s.outbox {
		out[i] = *e
	}
	return out
}

// Reset empties the outbox and forgets messages and calls.
func (s *Server) Reset() {
	s.mu.Lock()
	s.outbox = nil
	s.messages = map[string]*message{}
	s.calls = map[string]*call{}
	s.mu.Unlock()
	s.saveOutbox()
}

// fault decides, under the lock, whether to fail this request up front
// and whether to lose its answer after storing it.
func (s *Server) fault() (fail bool, status, code int, lose bool, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	fail = f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate
	lose = f.LostResponseRate > 0 && s.rng.Float64() < f.LostResponseRate
	status = f.ErrorStatus
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	code = f.ErrorCode
	if code == 0 {
		code = 20500
		if status == http.StatusTooManyRequests {
			code = 20429
		}
	}
	return fail, status, code, lose, time.Duration(f.Latency)
}

// twilioError writes Twilio's JSON error body.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type twilioHandler func(w http.ResponseWriter, r *http.Request, lose bool)

// signKey is what status callbacks are signed with: the configured token,
// or else the token the request authenticated with, as Twilio signs with
// the account's auth token.
func (s *Server) signKey(r *http.Request) string {
	if s.cfg.AuthToken != "" {
		return s.cfg.AuthToken
	}
	_, pass, _ := r.BasicAuth()
	return pass
}

// twilio wraps a Twilio endpoint with auth, account check and faults.
func (s *Server) twilio(h twilioHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fail, status, code, lose, latency := s.fault()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		user, pass, ok := r.BasicAuth()
		if !ok || (s.cfg.AccountSID != "" && user != s.cfg.AccountSID) || (s.cfg.AuthToken != "" && pass != s.cfg.AuthToken) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		if acct := r.PathValue("account"); s.cfg.AccountSID != "" && acct != s.cfg.AccountSID {
			twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
			return
		}
		if fail {
			twilioError(w, status, code, "Sandbox: injected failure")
			return
		}
		if err := r.ParseForm(); err != nil {
			twilioError(w, http.StatusBadRequest, 20001, "Malformed form body")
			return
		}
		h(w, r, lose)
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// checkNumber answers like Twilio for numbers it will not reach.
func (s *Server) checkNumber(w http.ResponseWriter, field, n string) bool {
	if !e164.MatchString(n) {
		twilioError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid '%s' Phone Number: %s", field, n))
		return false
	}
	prefixes := make([]string, 0, len(s.cfg.RejectPrefixes))
	for p := range s.cfg.RejectPrefixes {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	for _, p := range prefixes {
		if field != "To" || !strings.HasPrefix(n, p) { // test prefixes are for recipients
			continue
		}
		switch code := s.cfg.RejectPrefixes[p]; code {
		case 21610:
			twilioError(w, http.StatusBadRequest, code, "Attempt to send to unsubscribed recipient")
		case 21614:
			twilioError(w, http.StatusBadRequest, code, fmt.Sprintf("'%s' number %s is not a valid mobile number", field, n))
		default:
			twilioError(w, http.StatusBadRequest, code, fmt.Sprintf("Invalid '%s' Phone Number: %s", field, n))
		}
		return false
	}
	return true
}

func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// twilioTime is the RFC 2822 form Twilio uses in JSON.
func twilioTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Sign computes X-Twilio-Signature for a form POST to rawURL, as Twilio
// does (and twilio-go's RequestValidator checks): base64(HMAC-SHA1(token,
// url + sorted key+value pairs)).
func Sign(authToken, rawURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params.Get(k))
	}
	h := hmac.New(sha1.New, []byte(authToken))
	h.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// callback posts a signed status callback; failures are ignored, as a
// real provider would retry or give up without telling the sender.
func (s *Server) callback(key, cbURL string, params url.Values) {
	if cbURL == "" {
		return
	}
	req, err := http.NewRequest(http.MethodPost, cbURL, strings.NewReader(params.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(key, cbURL, params))
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (jobflow sandbox)")
	resp, err := s.cfg.CallbackClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
}

func (s *Server) addEntry(e *Entry) {
	s.outbox = append(s.outbox, e)
}

func (s *Server) loadOutbox() {
	if s.cfg.OutboxFile == "" {
		return
	}
	b, err := os.ReadFile(s.cfg.OutboxFile)
	if err != nil {
		return
	}
	var entries []*Entry
	if json.Unmarshal(b, &entries) == nil {
		s.outbox = entries
	}
}

// saveOutbox mirrors the outbox to OutboxFile (best effort).
func (s *Server) saveOutbox() {
	if s.cfg.OutboxFile == "" {
		return
	}
	s.mu.Lock()
	b, err := json.MarshalIndent(s.outbox, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return
	}
	tmp := s.cfg.OutboxFile + ".tmp"
	if os.WriteFile(tmp, b, 0o640) == nil {
		_ = os.Rename(tmp, s.cfg.OutboxFile)
	}
}

// segments counts body as Twilio does (GSM-7 with its extension table, else
// UCS-2 in UTF-16 code units), so the outbox shows what a text would cost.
func segments(body string) int {
	return sms.Segments(body).Segments
}
