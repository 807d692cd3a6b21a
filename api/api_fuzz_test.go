package api

// Fuzz targets for the API's input handling (issue 8 "bad input refused").
// Seed corpora: testdata/fuzz/<target>/. CI (scripts/test.sh) runs each
// target for FUZZ_TIME; `go test` alone replays the seeds.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

var (
	fzNow      = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	fzSecret   = []byte("fuzz-partner-secret-0123456789abcdef")
	stableCode = regexp.MustCompile(`^[a-z][a-z0-9_]{2,40}$`)
)

const fzBooking = `{"booking_ref":"F-1","market":"SE","region":"Stockholm",
 "customer":{"name":"Eva Exempel","phone":"+46700000001","email":"eva@example.com","language":"sv"},
 "address":"Exempelgatan 1","product":"router","problem":"wifi drops",
 "wished_times":[{"from":"2026-11-24T09:00:00+01:00","to":"2026-11-24T12:00:00+01:00"}]}`

func checkCode(t *testing.T, what, code string) {
	t.Helper()
	if !stableCode.MatchString(code) || code == "internal" {
		t.Fatalf("%s: unstable or missing error code %q", what, code)
	}
}

// FuzzDecodeAndValidateBooking: any body either decodes and validates into a
// booking that satisfies the rules, or is refused with a stable code; it
// never panics.
func FuzzDecodeAndValidateBooking(f *testing.F) {
	f.Add([]byte(fzBooking), "acme")
	f.Add([]byte(`{}`), "acme")
	f.Add([]byte(`{"booking_ref":1}`), "acme")
	f.Add([]byte(`{"unknown":true}`), "acme")
	f.Add([]byte(`[]`), "acme")
	f.Add([]byte(`{"booking_ref":"x"} {"trailing":1}`), "acme")
	f.Add([]byte(strings.Replace(fzBooking, `"+46700000001"`, `"0701234567"`, 1)), "acme")
	f.Add([]byte(strings.Replace(fzBooking, `2026-11-24T12`, `2026-11-24T08`, 1)), "Acme-Corp")
	f.Fuzz(func(t *testing.T, body []byte, partner string) {
		var req BookingRequest
		if e := DecodeStrict(body, &req); e != nil {
			checkCode(t, "decode", e.Code)
			return
		}
		_ = req.Hash(partner)
		b, e := req.Validate(partner, fzNow)
		if e != nil {
			checkCode(t, "validate", e.Code)
			return
		}
		switch {
		case !ValidPartnerID(b.Partner):
			t.Fatalf("accepted partner %q", b.Partner)
		case !phoneRe.MatchString(b.Customer.Phone):
			t.Fatalf("accepted phone %q", b.Customer.Phone)
		case !validEmail(b.Customer.Email):
			t.Fatalf("accepted e-mail %q", b.Customer.Email)
		case !bookingRefRe.MatchString(b.BookingRef) || len(b.BookingRef) > maxRefLen:
			t.Fatalf("accepted booking_ref %q", b.BookingRef)
		case len(b.WishedTimes) == 0 || len(b.WishedTimes) > maxWindows:
			t.Fatalf("accepted %d windows", len(b.WishedTimes))
		}
		for _, w := range b.WishedTimes {
			if !w.To.After(w.From) || !w.To.After(fzNow) {
				t.Fatalf("accepted window %v", w)
			}
		}
	})
}

// FuzzVerifySignature: the parser and checker never panic, refuse with a
// stable code, accept a correct signature within the tolerance, and never
// accept a signature for another body, method, path, partner or secret.
func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte(fzBooking), "t=1795424400,v1=00", int64(0), []byte("x"), "POST", "/v1/bookings", "acme")
	f.Add([]byte(""), "", int64(301), []byte(""), "GET", "/v1/tasks/task-acme-T-1", "acme")
	f.Add([]byte("{}"), "t=abc,n=0123456789abcdef,v2=zz", int64(-299), []byte("{}"), "POST", "/v1/tasks/task-acme-T-2/delete", "acme")
	f.Add([]byte("{}"), "v2="+strings.Repeat("ab", 32), int64(5), []byte("{ }"), "POST", "/x?a=1", "globex")
	f.Add([]byte("{}"), "t=1795424400,n=0123456789abcdef,n=x,v2="+strings.Repeat("ab", 32)+",v2=", int64(1), []byte{0}, "post", "/", "")
	codes := map[string]bool{"missing_signature": true, "malformed_signature": true, "stale_signature": true,
		"invalid_signature": true, "outdated_signature": true}
	f.Fuzz(func(t *testing.T, body []byte, header string, skew int64, other []byte, method, target, partner string) {
		q := SignedRequest{Partner: partner, Method: method, Target: target, Body: body}
		if _, err := ParseSignature(header); err != nil {
			if se, ok := err.(*SignatureError); !ok || !codes[se.Code] {
				t.Fatalf("parse error %T %v has no stable code", err, err)
			}
		}
		if err := VerifySignature(fzSecret, header, q, fzNow); err != nil {
			se, ok := err.(*SignatureError)
			if !ok || !codes[se.Code] {
				t.Fatalf("error %T %v has no stable code", err, err)
			}
		} else if !strings.Contains(header, "v2=") {
			t.Fatalf("accepted %q without v2", header)
		}
		skew %= 1000
		good := Sign(fzSecret, fzNow.Add(time.Duration(skew)*time.Second), q)
		err := VerifySignature(fzSecret, good, q, fzNow)
		if within := skew >= -300 && skew <= 300; within != (err == nil) {
			t.Fatalf("skew %ds: %v", skew, err)
		}
		if err != nil {
			return
		}
		for _, o := range []SignedRequest{
			{partner, method, target, other}, {partner + "x", method, target, body},
			{partner, method + "X", target, body}, {partner, method, target + "/delete", body},
			{partner, method, target + "?x=1", body},
		} {
			if (o.Partner != q.Partner || strings.ToUpper(o.Method) != strings.ToUpper(q.Method) || o.Target != q.Target || !bytes.Equal(o.Body, q.Body)) &&
				VerifySignature(fzSecret, good, o, fzNow) == nil {
				t.Fatalf("signature for %+v accepted for %+v", q, o)
			}
		}
		if VerifySignature(append([]byte("x"), fzSecret...), good, q, fzNow) == nil {
			t.Fatal("signature accepted with another secret")
		}
	})
}

// FuzzDecodeStrict: the strict decoder never panics, refuses with a stable
// code, accepts only valid UTF-8 without replacement characters, and
// refuses any body with a second, case-variant booking_ref key.
func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(fzBooking))
	f.Add([]byte(`{"booking_ref":"A","BOOKING_REF":"B"}`))
	f.Add([]byte(`{"customer":{"name":"A","NAME":"B"},"wished_times":[{"from":1,"From":2}]}`))
	f.Add([]byte("{\"booking_ref\":\"\xff\"}"))
	f.Add([]byte(`{"booking_ref":"\ud800"}`))
	f.Add([]byte(`{"a":{"b":{"c":[[{"d":1,"D":2}]]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b BookingRequest
		if e := DecodeStrict(data, &b); e != nil {
			checkCode(t, "decode", e.Code)
		} else {
			if !utf8.Valid(data) {
				t.Fatalf("accepted invalid UTF-8 %q", data)
			}
			for _, s := range []string{b.BookingRef, b.Customer.Name, b.Customer.Email, b.Problem, b.Address} {
				if strings.ContainsRune(s, utf8.RuneError) {
					t.Fatalf("accepted U+FFFD in %q", data)
				}
			}
		}
		if i := bytes.IndexByte(data, '{'); i >= 0 {
			dup := append(append(append([]byte{}, data[:i+1]...), `"BOOKING_REF":"Z",`...), data[i+1:]...)
			if DecodeStrict(dup, &b) == nil {
				t.Fatalf("accepted a second booking_ref: %q", dup)
			}
		}
	})
}

// FuzzLinkTokens: a minted link verifies for its visit and action only, and
// no change to a token makes it verify for something else: a tampered token
// that still verifies must carry the same signed content and MAC (base64
// spelling variants of the MAC's last character decode to the same bytes).
func FuzzLinkTokens(f *testing.F) {
	f.Add("visit-acme-A-1001", "rate", uint16(3), byte('A'), int64(3600))
	f.Add("visit-acme-A|1001", "rate", uint16(0), byte('.'), int64(1))
	f.Add("", "", uint16(70), byte(0), int64(-5))
	f.Add("visit-x", "choose", uint16(200), byte('-'), int64(0))
	f.Fuzz(func(t *testing.T, visit, action string, pos uint16, b byte, ttl int64) {
		ttl %= 1 << 30
		exp := fzNow.Add(time.Duration(ttl) * time.Second)
		tok := SignLink(fzSecret, visit, action, exp)
		err := VerifyLink(fzSecret, tok, visit, action, fzNow)
		plain := !strings.Contains(visit+action, "|")
		if plain && ttl > 0 && err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		if err == nil && (ttl <= 0 || !plain) {
			t.Fatalf("token verified (ttl %d, visit %q, action %q)", ttl, visit, action)
		}
		if VerifyLink(fzSecret, tok, visit+"x", action, fzNow) == nil || VerifyLink(fzSecret, tok, visit, action+"x", fzNow) == nil {
			t.Fatal("token verified for another visit or action")
		}
		if VerifyLink([]byte("another-secret-0123456789abcdefgh"), tok, visit, action, fzNow) == nil {
			t.Fatal("token verified with another secret")
		}
		tampered := []byte(tok)
		if len(tampered) > 0 {
			tampered[int(pos)%len(tampered)] = b
		}
		if string(tampered) == tok || VerifyLink(fzSecret, string(tampered), visit, action, fzNow) != nil {
			return
		}
		enc, sig, _ := strings.Cut(tok, ".")
		enc2, sig2, _ := strings.Cut(string(tampered), ".")
		m1, _ := base64.RawURLEncoding.DecodeString(sig)
		m2, _ := base64.RawURLEncoding.DecodeString(sig2)
		if enc != enc2 || !bytes.Equal(m1, m2) {
			t.Fatalf("tampered token %q verified (original %q)", tampered, tok)
		}
	})
}

// fakeTemporal is the part of client.Client POST /v1/bookings uses:
// ExecuteWorkflow (ids are unique, like WORKFLOW_ID_CONFLICT_POLICY_FAIL)
// and DescribeWorkflowExecution (the memo's booking hash).
type fakeTemporal struct {
	client.Client
	mu    sync.Mutex
	memos map[string]*commonpb.Memo
}

type fakeRun struct {
	client.WorkflowRun
	id string
}

func (r fakeRun) GetID() string    { return r.id }
func (r fakeRun) GetRunID() string { return "run-" + r.id }

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.memos == nil {
		f.memos = map[string]*commonpb.Memo{}
	}
	if _, ok := f.memos[o.ID]; ok {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", "run-"+o.ID)
	}
	m := &commonpb.Memo{Fields: map[string]*commonpb.Payload{}}
	for k, v := range o.Memo {
		p, err := converter.GetDefaultDataConverter().ToPayload(v)
		if err != nil {
			return nil, err
		}
		m.Fields[k] = p
	}
	f.memos[o.ID] = m
	return fakeRun{id: o.ID}, nil
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.memos[id]
	if !ok {
		return nil, serviceerror.NewNotFound("no such workflow")
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-" + id}, Memo: m}}, nil
}

// FuzzBookingHTTP: POST /v1/bookings never answers 5xx to any body or
// header, signed or not, and every 4xx carries {"error":{"code":...}} with
// a stable code.
func FuzzBookingHTTP(f *testing.F) {
	f.Setenv("FUZZ_ACME_SECRET", string(fzSecret))
	partners, err := NewPartners(PartnersFile{Partners: []PartnerConfig{{ID: "acme", Secret: "env:FUZZ_ACME_SECRET"}}}, true)
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{Partners: partners, Visits: &Visits{Client: &fakeTemporal{}, Partners: partners, Now: func() time.Time { return fzNow }}}
	h := s.Handler()
	f.Add([]byte(fzBooking), "acme", true, "")
	f.Add([]byte(fzBooking), "acme", false, "t=1,v1=00")
	f.Add([]byte(`{"booking_ref":"F-2"`), "acme", true, "")
	f.Add([]byte(`{"booking_ref":"F-1","market":"XX"}`), "acme", true, "")
	f.Add([]byte(strings.Repeat("a", MaxBodyBytes+1)), "acme", true, "")
	f.Add([]byte(fzBooking), "nobody", true, "")
	f.Add([]byte(strings.Replace(fzBooking, `"F-1"`, `"F-9"`, 1)), "ACME", true, "")
	f.Fuzz(func(t *testing.T, body []byte, partner string, sign bool, sig string) {
		if sign {
			sig = Sign(fzSecret, fzNow, SignedRequest{partner, "POST", "/v1/bookings", body})
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/bookings", bytes.NewReader(body))
		req.Header.Set(HeaderPartner, partner)
		req.Header.Set(HeaderSignature, sig)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.String())
		}
		if rec.Code >= 400 {
			var eb ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
				t.Fatalf("status %d without a JSON error body: %q", rec.Code, rec.Body.String())
			}
			checkCode(t, "http", eb.Error.Code)
		}
	})
}
