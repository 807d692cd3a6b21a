package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const testSecret = "acme-secret-0123456789abcdef"

func validBooking() BookingRequest {
	return BookingRequest{
		BookingRef: "A-1001",
		Market:     "SE",
		Region:     "Stockholm",
		Customer:   CustomerRequest{Name: "Eva Svensson", Phone: "+46701234567", Email: "eva@example.se", Language: "sv"},
		Address:    "Storgatan 1, 111 22 Stockholm",
		Product:    "Router X1",
		Problem:    "Wi-Fi drops every evening",
		WishedTimes: []WindowRequest{
			{From: t0.Add(24 * time.Hour), To: t0.Add(28 * time.Hour)},
		},
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"booking_ref":"x"}`)
	secret := []byte(testSecret)
	q := SignedRequest{"acme", "POST", "/v1/bookings", body}
	good := SignWithNonce(secret, t0, "nonce-0123456789", q)
	with := func(f func(*SignedRequest)) SignedRequest { c := q; f(&c); return c }
	v1 := "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v1=" + strings.Repeat("0", 64)
	cases := []struct {
		name, header string
		q            SignedRequest
		now          time.Time
		code         string
	}{
		{"good", good, q, t0, ""},
		{"good at the edge of the tolerance", good, q, t0.Add(5 * time.Minute), ""},
		{"method is lower case on the wire", good, with(func(c *SignedRequest) { c.Method = "post" }), t0, ""},
		{"wrong secret", Sign([]byte("another-secret-0123456789"), t0, q), q, t0, "invalid_signature"},
		{"body changed", good, with(func(c *SignedRequest) { c.Body = []byte(`{"booking_ref":"y"}`) }), t0, "invalid_signature"},
		{"path changed", good, with(func(c *SignedRequest) { c.Target = "/v1/tasks" }), t0, "invalid_signature"},
		{"query added", good, with(func(c *SignedRequest) { c.Target += "?x=1" }), t0, "invalid_signature"},
		{"method changed", good, with(func(c *SignedRequest) { c.Method = "GET" }), t0, "invalid_signature"},
		{"partner changed", good, with(func(c *SignedRequest) { c.Partner = "globex" }), t0, "invalid_signature"},
		{"stale", good, q, t0.Add(5*time.Minute + time.Second), "stale_signature"},
		{"from the future", good, q, t0.Add(-6 * time.Minute), "stale_signature"},
		{"missing", "", q, t0, "missing_signature"},
		{"old v1 form", v1, q, t0, "outdated_signature"},
		{"no nonce", strings.Replace(good, ",n=nonce-0123456789", "", 1), q, t0, "malformed_signature"},
		{"short nonce", strings.Replace(good, "nonce-0123456789", "n1", 1), q, t0, "malformed_signature"},
		{"two timestamps", good + ",t=1", q, t0, "malformed_signature"},
		{"unknown entry", good + ",v3=ab", q, t0, "malformed_signature"},
		{"no v2", "t=123,n=nonce-0123456789", q, t0, "malformed_signature"},
		{"bad hex", "t=123,n=nonce-0123456789,v2=zz", q, t0, "malformed_signature"},
		{"garbage", "hello", q, t0, "malformed_signature"},
		{"rotation: one of two v2 matches", good + ",v2=" + strings.Repeat("0", 64), q, t0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifySignature(secret, c.header, c.q, c.now)
			if c.code == "" {
				assert.NoError(t, err)
				return
			}
			var se *SignatureError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, c.code, se.Code)
		})
	}
}

// The worked example of README "Request signatures" and openapi.json:
// keep the three in step.
func TestSignatureWorkedExample(t *testing.T) {
	q := SignedRequest{Partner: "acme", Method: "POST", Target: "/v1/tasks/task-acme-T-1/delete", Body: nil}
	base := SignatureBase("1795424400", "3f9a1c0e7b2d4a6f8e5c1b0a9d8f7e6c", q)
	assert.Equal(t, "jobflow-sig-v2\n1795424400\n3f9a1c0e7b2d4a6f8e5c1b0a9d8f7e6c\nPOST\n/v1/tasks/task-acme-T-1/delete\nacme\n"+
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", base)
	assert.Equal(t, "t=1795424400,n=3f9a1c0e7b2d4a6f8e5c1b0a9d8f7e6c,v2="+workedExampleMAC,
		SignWithNonce([]byte("example-secret-0123456789"), time.Unix(1795424400, 0), "3f9a1c0e7b2d4a6f8e5c1b0a9d8f7e6c", q))
}

const workedExampleMAC = "6ef34d5e9b35167fbd5143434a2e36697dba941d8dcfc87217d60d88454708e3"

func TestReplayCache(t *testing.T) {
	c := NewReplayCache(2)
	require.NoError(t, c.Check("acme", "n-1", t0, t0))
	var se *SignatureError
	require.ErrorAs(t, c.Check("acme", "n-1", t0, t0.Add(time.Minute)), &se)
	assert.Equal(t, "replayed_signature", se.Code)
	require.NoError(t, c.Check("globex", "n-1", t0, t0), "nonces are per partner")
	require.ErrorAs(t, c.Check("acme", "n-2", t0, t0), &se)
	assert.Equal(t, "replay_cache_full", se.Code, "full: refused, never forgotten")
	require.NoError(t, c.Check("acme", "n-2", t0, t0.Add(SignatureTolerance+time.Second)), "expired entries make room")
}

func testPartners(t *testing.T) *Partners {
	t.Setenv("PARTNER_ACME_SECRET", testSecret)
	p, err := NewPartners(PartnersFile{
		Markets:  map[string]rules.Overrides{"DK": {"claim_lock": "45m"}},
		Partners: []PartnerConfig{{ID: "acme", Secret: "env:PARTNER_ACME_SECRET", Policy: map[string]string{"help_promise": "24h"}}},
	}, true)
	require.NoError(t, err)
	return p
}

// The signature is checked before anything else; an unknown partner, a
// forged or a stale signature answer 401 and never reach Temporal (the
// server here has no Temporal client at all).
func TestBookingSignatureHTTP(t *testing.T) {
	s := &Server{Partners: testPartners(t), Visits: &Visits{Now: func() time.Time { return t0 }}}
	h := s.Handler()
	body, _ := json.Marshal(validBooking())
	do := func(partner, sig string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(body))
		r.Header.Set(HeaderPartner, partner)
		r.Header.Set(HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, c := range []struct {
		name, partner, sig, code string
	}{
		{"unknown partner", "globex", Sign([]byte(testSecret), t0, SignedRequest{"globex", "POST", "/v1/bookings", body}), "invalid_signature"},
		{"forged", "acme", Sign([]byte("forged-secret-0123456789"), t0, SignedRequest{"acme", "POST", "/v1/bookings", body}), "invalid_signature"},
		{"signed for another path", "acme", Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/tasks", body}), "invalid_signature"},
		{"stale", "acme", Sign([]byte(testSecret), t0.Add(-10*time.Minute), SignedRequest{"acme", "POST", "/v1/bookings", body}), "stale_signature"},
		{"missing", "acme", "", "missing_signature"},
		{"missing, unknown partner: the same answer", "globex", "", "missing_signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := do(c.partner, c.sig)
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			var e ErrorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			assert.Equal(t, c.code, e.Error.Code)
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), MaxBodyBytes+1)
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(big))
		r.Header.Set(HeaderPartner, "acme")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	})
	t.Run("signed but unknown field", func(t *testing.T) {
		b := []byte(`{"booking_ref":"A-1","colour":"red"}`)
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(b))
		r.Header.Set(HeaderPartner, "acme")
		r.Header.Set(HeaderSignature, Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/bookings", b}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), `"unknown_field"`)
		assert.Contains(t, w.Body.String(), `"colour"`)
	})
}

func TestBookingValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(b *BookingRequest)
		code  string
		field string
	}{
		{"bad phone", func(b *BookingRequest) { b.Customer.Phone = "070-123 45 67" }, "invalid_phone", "customer.phone"},
		{"phone without plus", func(b *BookingRequest) { b.Customer.Phone = "46709998877" }, "invalid_phone", "customer.phone"},
		{"bad email", func(b *BookingRequest) { b.Customer.Email = "eva@" }, "invalid_email", "customer.email"},
		{"email with name", func(b *BookingRequest) { b.Customer.Email = "Eva <eva@example.se>" }, "invalid_email", "customer.email"},
		{"unknown market", func(b *BookingRequest) { b.Market = "NO" }, "unknown_market", "market"},
		{"unknown language", func(b *BookingRequest) { b.Customer.Language = "fi" }, "unknown_language", "customer.language"},
		{"window in the past", func(b *BookingRequest) {
			b.WishedTimes = []WindowRequest{{From: t0.Add(-3 * time.Hour), To: t0.Add(-time.Hour)}}
		}, "window_in_past", "wished_times[0]"},
		{"window reversed", func(b *BookingRequest) {
			b.WishedTimes = append(b.WishedTimes, WindowRequest{From: t0.Add(50 * time.Hour), To: t0.Add(49 * time.Hour)})
		}, "window_reversed", "wished_times[1]"},
		{"window without end", func(b *BookingRequest) { b.WishedTimes[0].To = time.Time{} }, "missing_field", "wished_times[0].to"},
		{"no windows", func(b *BookingRequest) { b.WishedTimes = nil }, "missing_field", "wished_times"},
		{"too many windows", func(b *BookingRequest) {
			for range 10 {
				b.WishedTimes = append(b.WishedTimes, b.WishedTimes[0])
			}
		}, "too_many_windows", "wished_times"},
		{"problem too long", func(b *BookingRequest) { b.Problem = strings.Repeat("x", 4001) }, "field_too_long", "problem"},
		{"name too long", func(b *BookingRequest) { b.Customer.Name = strings.Repeat("å", 201) }, "field_too_long", "customer.name"},
		{"missing ref", func(b *BookingRequest) { b.BookingRef = "" }, "missing_field", "booking_ref"},
		{"missing address", func(b *BookingRequest) { b.Address = "  " }, "missing_field", "address"},
		{"ref with a quote", func(b *BookingRequest) { b.BookingRef = `A'1` }, "invalid_booking_ref", "booking_ref"},
		{"ref with a slash", func(b *BookingRequest) { b.BookingRef = "A/1" }, "invalid_booking_ref", "booking_ref"},
		{"region with a quote", func(b *BookingRequest) { b.Region = `Stockholm' OR 1=1` }, "invalid_region", "region"},
		{"booked in the future", func(b *BookingRequest) { f := t0.Add(time.Hour); b.BookedAt = &f }, "booked_at_in_future", "booked_at"},
		{"partner mismatch", func(b *BookingRequest) { b.Partner = "globex" }, "partner_mismatch", "partner"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := validBooking()
			c.edit(&b)
			_, err := b.Validate("acme", t0)
			require.NotNil(t, err)
			assert.Equal(t, c.code, err.Code)
			assert.Equal(t, c.field, err.Field)
			assert.NotContains(t, err.Message, b.Customer.Phone, "messages never echo personal data")
		})
	}
	t.Run("valid", func(t *testing.T) {
		b, err := validBooking().Validate("acme", t0)
		require.Nil(t, err)
		assert.Equal(t, "acme", b.Partner)
		assert.Equal(t, t0, b.BookedAt, "booked_at defaults to now")
	})
}

func TestDecodeStrict(t *testing.T) {
	var b BookingRequest
	for body, code := range map[string]string{
		`{"booking_ref":"x","extra":1}`:          "unknown_field",
		`{"booking_ref":"x"} {"a":1}`:            "invalid_json",
		`{"booking_ref":`:                        "invalid_json",
		`{"booking_ref":5}`:                      "invalid_type",
		`{"wished_times":[{"from":"tomorrow"}]}`: "invalid_time",
		`[1,2]`:                                  "invalid_type",
	} {
		err := DecodeStrict([]byte(body), &b)
		require.NotNil(t, err, body)
		assert.Equal(t, code, err.Code, body)
	}
	assert.Nil(t, DecodeStrict([]byte(" {\"booking_ref\":\"x\"}\n"), &b))
}

func TestBookingHashIsCanonical(t *testing.T) {
	a := validBooking()
	b := validBooking()
	cet := time.FixedZone("CET", 3600)
	b.WishedTimes[0].From = b.WishedTimes[0].From.In(cet)
	assert.Equal(t, a.Hash("acme"), b.Hash("acme"), "the same instant in another zone is the same booking")
	b.Problem += "!"
	assert.NotEqual(t, a.Hash("acme"), b.Hash("acme"))
	assert.NotEqual(t, a.Hash("acme"), a.Hash("globex"))
	assert.Len(t, a.Hash("acme"), 64)
}

func TestLinkTokens(t *testing.T) {
	secret := []byte("link-secret-0123456789abcdef0123456789")
	id := "visit-acme-A-1001"
	tok := SignLink(secret, id, LinkActionRate, t0.Add(time.Hour))
	assert.NoError(t, VerifyLink(secret, tok, id, LinkActionRate, t0))
	assert.NotEqual(t, tok, SignLink(secret, id, LinkActionRate, t0.Add(time.Hour)), "a nonce makes every token unique")
	assert.ErrorIs(t, VerifyLink(secret, tok, id, LinkActionRate, t0.Add(time.Hour)), ErrLinkExpired)
	assert.ErrorIs(t, VerifyLink(secret, tok, "visit-acme-A-1002", LinkActionRate, t0), ErrLinkScope)
	assert.ErrorIs(t, VerifyLink(secret, tok, id, "cancel", t0), ErrLinkScope)
	assert.ErrorIs(t, VerifyLink([]byte("another-secret-0123456789abcdef"), tok, id, LinkActionRate, t0), ErrLinkSignature)
	// Tamper with the payload: flip the expiry year far ahead.
	enc, sig, _ := strings.Cut(tok, ".")
	tampered := strings.ToUpper(enc[:3]) + enc[3:] + "." + sig
	assert.Error(t, VerifyLink(secret, tampered, id, LinkActionRate, t0))
	assert.ErrorIs(t, VerifyLink(secret, "nonsense", id, LinkActionRate, t0), ErrLinkMalformed)
	assert.ErrorIs(t, VerifyLink(secret, "", id, LinkActionRate, t0), ErrLinkMalformed)

	link := RatingLink(secret, "http://127.0.0.1:8080/", id, t0.Add(time.Hour))
	assert.True(t, strings.HasPrefix(link, "http://127.0.0.1:8080/v1/visits/visit-acme-A-1001/rating?token="), link)
}

// Every route the mux serves is in openapi.json, and every operation of
// openapi.json is served.
func TestRoutesMatchOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(OpenAPI(), &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."), "an OpenAPI 3 document")
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range (&Server{}).Routes() {
		served[r.Method+" "+r.Path] = true
	}
	var missingInDoc, missingInMux []string
	for k := range served {
		if !documented[k] {
			missingInDoc = append(missingInDoc, k)
		}
	}
	for k := range documented {
		if !served[k] {
			missingInMux = append(missingInMux, k)
		}
	}
	sort.Strings(missingInDoc)
	sort.Strings(missingInMux)
	assert.Empty(t, missingInDoc, "routes served but not in api/openapi.json")
	assert.Empty(t, missingInMux, "operations in api/openapi.json that no route serves")

	// And the served document is the embedded file.
	w := httptest.NewRecorder()
	(&Server{}).Handler().ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	assert.Equal(t, http.StatusOK, w.Code)
	file, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	assert.Equal(t, file, w.Body.Bytes())
}

func TestListQuery(t *testing.T) {
	q, err := ListQuery(map[string]string{"status": "open", "region": "Malmö Syd"})
	require.Nil(t, err)
	assert.Equal(t, "WorkflowType = 'Visit' AND VisitStatus = 'open' AND Region = 'malmö syd'", q, "issue #17: regions are matched in their normal form (rules.NormalRegion)")
	for k, v := range map[string]string{
		"status":  "open' OR '1'='1",
		"region":  `x" OR WorkflowType != "`,
		"partner": "acme'",
		"market":  "SE OR 1=1",
		"buddy":   "b-1' OR BuddyId != 'x",
	} {
		_, err := ListQuery(map[string]string{k: v})
		assert.NotNil(t, err, "%s=%q must be refused", k, v)
	}
	assert.Equal(t, `'it\'s'`, quote("it's"))
}

func TestConfigFiles(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "globex.secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("globex-secret-0123456789\n"), 0o600))
	t.Setenv("PARTNER_ACME_SECRET", testSecret)
	pf := filepath.Join(dir, "partners.json")
	require.NoError(t, os.WriteFile(pf, []byte(`{
		"markets": {"SE": {"claim_lock": "90m"}},
		"partners": [
			{"id": "acme", "secret": "env:PARTNER_ACME_SECRET", "policy": {"help_promise": "24h"}},
			{"id": "globex", "secret": "file:`+secretFile+`", "markets": ["DK"]}
		]}`), 0o600))
	p, err := LoadPartners(pf, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex"}, p.IDs())
	pol, verr := p.Policy("acme", "SE")
	require.Nil(t, verr)
	assert.Equal(t, 90*time.Minute, pol.ClaimLock, "market override")
	assert.Equal(t, 24*time.Hour, pol.HelpPromise, "partner override")
	g, _ := p.Get("globex")
	assert.Equal(t, "globex-secret-0123456789", string(g.secret), "file secret, newline trimmed")
	_, verr = p.Policy("globex", "SE")
	require.NotNil(t, verr)
	assert.Equal(t, "market_not_allowed", verr.Code)

	for name, body := range map[string]string{
		"inline secret":    `{"partners":[{"id":"acme","secret":"hunter2hunter2hunter2"}]}`,
		"dash in id":       `{"partners":[{"id":"ac-me","secret":"env:PARTNER_ACME_SECRET"}]}`,
		"bad override":     `{"partners":[{"id":"acme","secret":"env:PARTNER_ACME_SECRET","policy":{"claim_lock":"soon"}}]}`,
		"unknown override": `{"partners":[{"id":"acme","secret":"env:PARTNER_ACME_SECRET","policy":{"coffee":"1h"}}]}`,
		"missing env":      `{"partners":[{"id":"acme","secret":"env:NO_SUCH_VARIABLE_X"}]}`,
		"unknown field":    `{"partners":[{"id":"acme","secret":"env:PARTNER_ACME_SECRET","colour":"red"}]}`,
	} {
		require.NoError(t, os.WriteFile(pf, []byte(body), 0o600))
		_, err := LoadPartners(pf, true)
		assert.Error(t, err, name)
		assert.NotContains(t, fmtErr(err), testSecret, "errors never print secrets")
	}

	tokens, err := LoadTokens("", `{"buddy-token-b1-0123456789":{"role":"buddy","id":"b-1"},
		"sha256:`+sha256hex("ops-token-o1-0123456789")+`":{"role":"ops","id":"o-1"}}`)
	require.NoError(t, err)
	p1, ok := tokens.Lookup("buddy-token-b1-0123456789")
	assert.True(t, ok)
	assert.Equal(t, Principal{Role: "buddy", ID: "b-1"}, p1)
	p2, ok := tokens.Lookup("ops-token-o1-0123456789")
	assert.True(t, ok)
	assert.Equal(t, "ops", p2.Role)
	_, ok = tokens.Lookup("nope")
	assert.False(t, ok)
	_, err = LoadTokens("", `{"short":{"role":"buddy","id":"b-1"}}`)
	assert.Error(t, err)
	_, err = LoadTokens("", `{"buddy-token-b1-0123456789":{"role":"admin","id":"b-1"}}`)
	assert.Error(t, err)
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestImportRejectsWithoutStoppingOthers(t *testing.T) {
	// Lines that fail before Temporal is asked: the summary names each line.
	in := strings.Join([]string{
		`{"partner":"acme","booking_ref":"A-1","market":"NO"}`,
		``,
		`not json`,
		`{"booking_ref":"A-2"}`,
		`{"partner":"acme","colour":"red"}`,
	}, "\n")
	var progress bytes.Buffer
	sum, err := Import(t.Context(), &Visits{Now: func() time.Time { return t0 }}, strings.NewReader(in), ImportOptions{Progress: &progress, Every: 2})
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Lines)
	require.Len(t, sum.Rejected, 4)
	assert.Equal(t, []int{1, 3, 4, 5}, []int{sum.Rejected[0].Line, sum.Rejected[1].Line, sum.Rejected[2].Line, sum.Rejected[3].Line})
	assert.Equal(t, "unknown_market", sum.Rejected[0].Code)
	assert.Equal(t, "invalid_json", sum.Rejected[1].Code)
	assert.Equal(t, "missing_field", sum.Rejected[2].Code)
	assert.Equal(t, "unknown_field", sum.Rejected[3].Code)
	assert.Contains(t, progress.String(), "import: 2 bookings done")
	assert.Contains(t, progress.String(), "import: 4 bookings done")
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
