package outreach

import (
	"context"
	"net/http"
	"strings"

	twclient "github.com/twilio/twilio-go/client"
)

// StatusEvent is one verified Twilio status callback: which step (from the
// callback URL's query), which message or call, and its status.
type StatusEvent struct {
	Step   string `json:"step"`
	SID    string `json:"sid"`
	Kind   string `json:"kind"`   // sms | call
	Status string `json:"status"` // e.g. delivered, undelivered, completed, no-answer, busy, failed
}

// StatusCallbackHandler serves StatusCallbackPath: it verifies
// X-Twilio-Signature with twilio-go's RequestValidator against the public
// URL Twilio called (PUBLIC_BASE_URL + path and query) and hands the event
// to sink. Unsigned or wrongly signed requests get 403. Mount it where
// PUBLIC_BASE_URL + StatusCallbackPath arrives (the API server).
func StatusCallbackHandler(authToken, publicBaseURL string, sink func(context.Context, StatusEvent) error) http.Handler {
	v := twclient.NewRequestValidator(authToken)
	base := strings.TrimSuffix(publicBaseURL, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		params := map[string]string{}
		for k, vals := range r.PostForm {
			params[k] = vals[0]
		}
		if !v.Validate(base+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		ev := StatusEvent{Step: r.URL.Query().Get("step")}
		if sid := r.PostForm.Get("CallSid"); sid != "" {
			ev.SID, ev.Kind, ev.Status = sid, "call", r.PostForm.Get("CallStatus")
		} else {
			ev.SID, ev.Kind, ev.Status = r.PostForm.Get("MessageSid"), "sms", r.PostForm.Get("MessageStatus")
		}
		if err := sink(r.Context(), ev); err != nil {
			// Twilio retries callbacks on 5xx.
			http.Error(w, "not recorded", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
