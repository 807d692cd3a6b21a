package outreach

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// twilioSignature is X-Twilio-Signature as Twilio computes it: base64
// HMAC-SHA1 of the full URL followed by every POST parameter, sorted by
// name, as name+value.
func twilioSignature(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(form.Get(k))
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FuzzStatusCallback: the Twilio status webhook never panics and never
// answers 500 to any method, query, body or signature. Unsigned or wrongly
// signed requests never reach the sink; correctly signed ones do, with the
// step from the query. (503 is the handler's deliberate answer when the
// sink fails, so Twilio retries; the sink here fails on request.)
func FuzzStatusCallback(f *testing.F) {
	const token, base = "fuzz-twilio-auth-token", "https://api.example.com"
	f.Add("POST", "step=visit-acme-A-1/reminder-sms-1", "MessageSid=SM1&MessageStatus=delivered", true, "", false)
	f.Add("POST", "step=x", "CallSid=CA1&CallStatus=no-answer", true, "", true)
	f.Add("POST", "", "%zz=1&&=", false, "bogus", false)
	f.Add("GET", "step=a", "", false, "", false)
	f.Add("POST", "step=%ff%fe", "MessageSid=\x00&MessageStatus=\xff", true, "", false)
	f.Add("POST", "a=1&a=2", "a=1&a=2&b=", true, "", false)
	f.Fuzz(func(t *testing.T, method, query, body string, sign bool, sig string, sinkFails bool) {
		if !validMethod(method) {
			method = "POST"
		}
		var got *StatusEvent
		h := StatusCallbackHandler(token, base, func(_ context.Context, ev StatusEvent) error {
			got = &ev
			if sinkFails {
				return errors.New("ledger down")
			}
			return nil
		})
		target := "http://127.0.0.1" + StatusCallbackPath
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, formErr := url.ParseQuery(body)
		signed := false
		_, queryErr := url.ParseQuery(req.URL.RawQuery)
		if sign && formErr == nil && queryErr == nil && method == "POST" {
			sig = twilioSignature(token, base+req.URL.RequestURI(), firstValues(form))
			signed = true
		}
		req.Header.Set("X-Twilio-Signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusInternalServerError || (rec.Code >= 500 && !(sinkFails && got != nil)):
			t.Fatalf("status %d", rec.Code)
		case got != nil && !signed && sig != twilioSignature(token, base+req.URL.RequestURI(), firstValues(form)):
			t.Fatalf("unsigned request reached the sink: %+v", got)
		case signed && got == nil:
			t.Fatalf("signed request refused: %d %s", rec.Code, rec.Body)
		case signed && got.Step != req.URL.Query().Get("step"):
			t.Fatalf("step %q, want %q", got.Step, req.URL.Query().Get("step"))
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS":
		return true
	}
	return false
}

func firstValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out.Set(k, vs[0])
	}
	return out
}
