package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue #16, H1: a captured signature is good for its own request once.
// The attacks of the report (a GET's empty-body signature replayed on
// another task's customer-links and delete; a signed body replayed on
// another task) answer 401 and never reach Temporal (the server has no
// Temporal client: reaching it would panic).
func TestH1CapturedSignatureDoesNotTravel(t *testing.T) {
	s := taskServer(t)
	captured := map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), t0,
		SignedRequest{"acme", "GET", "/v1/tasks/task-acme-T-1", nil})}
	change := []byte(`{"description":"new"}`)
	capturedPost := map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), t0,
		SignedRequest{"acme", "POST", "/v1/tasks/task-acme-T-1/change", change})}
	for _, c := range []struct {
		name, method, path string
		header             map[string]string
		body               []byte
	}{
		{"GET's signature on another task's customer-links", "POST", "/v1/tasks/task-acme-T-2/customer-links", captured, nil},
		{"GET's signature on another task's delete", "POST", "/v1/tasks/task-acme-T-2/delete", captured, nil},
		{"GET's signature on the same task's delete", "POST", "/v1/tasks/task-acme-T-1/delete", captured, nil},
		{"GET's signature on another task's GET", "GET", "/v1/tasks/task-acme-T-2", captured, nil},
		{"a signed change on another task", "POST", "/v1/tasks/task-acme-T-2/change", capturedPost, change},
		{"a signed change with a query added", "POST", "/v1/tasks/task-acme-T-1/change?x=1", capturedPost, change},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := s.request(c.method, c.path, c.header, c.body)
			assert.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			assert.Equal(t, "invalid_signature", errCode(t, w))
		})
	}
}

// H1: the same signed request sent twice: the second is refused and starts
// nothing.
func TestH1ReplayedBookingRefused(t *testing.T) {
	fake := &fakeTemporal{}
	p := testPartners(t)
	s := &Server{Partners: p, Visits: &Visits{Client: fake, Partners: p, Now: func() time.Time { return t0 }}}
	h := s.Handler()
	body, _ := json.Marshal(validBooking())
	sig := Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/bookings", body})
	send := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(body))
		r.Header.Set(HeaderPartner, "acme")
		r.Header.Set(HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	require.Equal(t, http.StatusCreated, send().Code)
	w := send()
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, "replayed_signature", errCode(t, w))
	assert.Len(t, fake.memos, 1, "the replay started nothing")
}

// Low: an unknown and a known partner get the same 401 for the same
// header, whatever is wrong with it.
func TestUnknownPartnerSameAnswer(t *testing.T) {
	s := taskServer(t)
	body := []byte(`{}`)
	for _, sig := range []string{
		"",
		"garbage",
		"t=1,v1=" + "00",
		Sign([]byte("forged-secret-0123456789"), t0, SignedRequest{"acme", "POST", "/v1/tasks", body}),
		Sign([]byte("forged-secret-0123456789"), t0.Add(-time.Hour), SignedRequest{"acme", "POST", "/v1/tasks", body}),
	} {
		known := s.request("POST", "/v1/tasks", map[string]string{HeaderPartner: "acme", HeaderSignature: sig}, body)
		unknown := s.request("POST", "/v1/tasks", map[string]string{HeaderPartner: "globex", HeaderSignature: sig}, body)
		assert.Equal(t, http.StatusUnauthorized, known.Code)
		assert.Equal(t, known.Code, unknown.Code, sig)
		assert.Equal(t, known.Body.String(), unknown.Body.String(), sig)
	}
}
