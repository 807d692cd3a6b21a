package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The links in customers' e-mails open in a browser (GET): a valid token
// shows the form, a forged or expired one says so and shows none.
func TestCustomerLinkPages(t *testing.T) {
	secret := []byte("link-secret-for-tests-0123456789abcdef")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &Server{LinkSecret: secret, Visits: &Visits{Now: func() time.Time { return now }}}
	h := s.Handler()
	id := "visit-acme-A-1"
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	for _, tc := range []struct{ path, action, want string }{
		{"/v1/visits/" + id + "/rating", LinkActionRate, "data-stars"},
		{"/v1/visits/" + id + "/complaint", LinkActionComplain, "What went wrong?"},
	} {
		good := SignLink(secret, id, tc.action, now.Add(time.Hour))
		rec := get(tc.path + "?token=" + url.QueryEscape(good))
		assert.Equal(t, http.StatusOK, rec.Code, tc.path)
		assert.Contains(t, rec.Body.String(), tc.want)

		rec = get(tc.path + "?token=" + url.QueryEscape("x"+good))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Contains(t, rec.Body.String(), "not valid")
		assert.False(t, strings.Contains(rec.Body.String(), "<form"), "no form behind a forged link")

		old := SignLink(secret, id, tc.action, now.Add(-time.Minute))
		rec = get(tc.path + "?token=" + url.QueryEscape(old))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Contains(t, rec.Body.String(), "expired")

		other := SignLink(secret, id, "other-action", now.Add(time.Hour))
		assert.Equal(t, http.StatusUnauthorized, get(tc.path+"?token="+url.QueryEscape(other)).Code, "a token for another action")
	}
}
