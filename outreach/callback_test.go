package outreach

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sandbox"
)

// The sandbox's signed callbacks pass the handler's verification; a forged
// one does not.
func TestStatusCallbackHandlerVerifiesSandboxSignatures(t *testing.T) {
	var mu sync.Mutex
	var events []StatusEvent
	var public string
	mux := http.NewServeMux()
	cb := httptest.NewServer(mux)
	defer cb.Close()
	public = cb.URL
	mux.Handle(StatusCallbackPath, StatusCallbackHandler(testToken, public, func(_ context.Context, ev StatusEvent) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}))
	sb := sandbox.New(sandbox.Config{AccountSID: testAccount, AuthToken: testToken, StepDelay: 20 * time.Millisecond})
	ts := httptest.NewServer(sb)
	defer ts.Close()
	cfg := testConfig(ts.URL)
	cfg.PublicBaseURL = public
	ch, err := NewChannelsWithLedger(cfg, NewMemoryLedger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.ReminderCall(context.Background(), activities.CallRequest{Step: activities.Step{JobID: "visit-9", Name: "reminder-call"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_call", Language: "sv", Data: visitData()}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0] != (StatusEvent{Step: "visit-9/reminder-call", SID: res.SID, Kind: "call", Status: "completed"}) {
		t.Errorf("events: %+v", events)
	}
	resp, err := http.PostForm(public+StatusCallbackPath+"?step=x", map[string][]string{"CallSid": {"CAforged"}, "CallStatus": {"completed"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged callback: %d", resp.StatusCode)
	}
}
