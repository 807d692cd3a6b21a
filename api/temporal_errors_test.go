package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.temporal.io/api/serviceerror"
)

// Temporal's errors map to stable codes: a timeout on either side is 504
// temporal_timeout (the outcome is unknown, a retry of the same request is
// safe), an unreachable server 503, anything else 500 internal.
func TestFailTemporalClassifiesTimeouts(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{context.DeadlineExceeded, http.StatusGatewayTimeout, "temporal_timeout"},
		{fmt.Errorf("start: %w", serviceerror.NewDeadlineExceeded("context deadline exceeded")), http.StatusGatewayTimeout, "temporal_timeout"},
		{serviceerror.NewUnavailable("down"), http.StatusServiceUnavailable, "temporal_unavailable"},
		{serviceerror.NewNotFound("gone"), http.StatusNotFound, "visit_not_found"},
		{serviceerror.NewInternal("boom"), http.StatusInternalServerError, "internal"},
	}
	s := &Server{}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/bookings", nil)
		req = req.WithContext(context.WithValue(req.Context(), logKey{}, &logInfo{}))
		s.failTemporal(rec, req, tc.err)
		if rec.Code != tc.status || info(req).code != tc.code {
			t.Errorf("%v: %d %q, want %d %q", tc.err, rec.Code, info(req).code, tc.status, tc.code)
		}
	}
}
