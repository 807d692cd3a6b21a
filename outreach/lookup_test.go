package outreach

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sandbox"
)

// scripted puts a script of failing answers in front of the sandbox: the
// n-th create request (SMS or mail) gets the n-th scripted status, the rest
// pass through. It logs every provider request as "POST"/"GET" (creates and
// look-ups), so a test sees how many calls each retry made.
type scripted struct {
	sb     *sandbox.Server
	mu     sync.Mutex
	script []int
	log    []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	create := r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/Messages.json") || r.URL.Path == "/v3/mail/send")
	lookup := r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/Messages.json") || r.URL.Path == "/v3/messages")
	s.mu.Lock()
	status := 0
	switch {
	case create:
		s.log = append(s.log, "POST")
		if len(s.script) > 0 {
			status, s.script = s.script[0], s.script[1:]
		}
	case lookup:
		s.log = append(s.log, "GET")
	}
	s.mu.Unlock()
	if status == 0 {
		s.sb.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.URL.Path == "/v3/mail/send" {
		fmt.Fprint(w, `{"errors":[{"message":"Service unavailable","field":null}]}`)
		return
	}
	fmt.Fprintf(w, `{"code":20%03d,"message":"Scripted","status":%d}`, status, status)
}

func oneSendWorkflow(ctx workflow.Context, email bool) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 1, MaximumAttempts: 10},
	})
	var out *activities.Outreach
	step := activities.Step{JobID: "visit-lookup-1", Name: "start-notice"}
	msg := activities.Message{Template: "visit.reminder_sms", Language: "sv", Data: visitData()}
	if email {
		return workflow.ExecuteActivity(ctx, out.SendEmail, activities.EmailRequest{Step: step, To: "kund@example.com", Message: msg}).Get(ctx, nil)
	}
	return workflow.ExecuteActivity(ctx, out.SendSMS, activities.SMSRequest{Step: step, To: customer, Message: msg}).Get(ctx, nil)
}

// Issue 12: a retry looks the provider up only when the earlier attempt's
// fate is unknown. After a definite refusal (429/503 with the provider's
// error body) the next attempt makes one provider call, the send; after an
// unknown outcome (500) it still looks up first, and once the fate was
// unknown every later attempt looks up (a look-up that finds nothing does
// not vouch: the provider's lists lag).
func TestRetryLooksUpOnlyWhenTheFateIsUnknown(t *testing.T) {
	cases := []struct {
		name   string
		email  bool
		script []int
		want   string
	}{
		{"sms 503 refused: straight resend", false, []int{503}, "POST POST"},
		{"sms 429 refused: straight resend", false, []int{429}, "POST POST"},
		{"sms 500 unknown: look up first", false, []int{500}, "POST GET POST"},
		{"sms 500 then 503: still unknown, look up again", false, []int{500, 503}, "POST GET POST GET POST"},
		{"sms 503 then 500: unknown again", false, []int{503, 500}, "POST POST GET POST"},
		{"sms 503 twice", false, []int{503, 503}, "POST POST POST"},
		{"email 503 refused: straight resend", true, []int{503}, "POST POST"},
		{"email 500 unknown: look up first", true, []int{500}, "POST GET POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb, _ := startSandbox(t)
			front := &scripted{sb: sb, script: tc.script}
			ts := httptest.NewServer(front)
			defer ts.Close()
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflow(oneSendWorkflow)
			env.RegisterActivity(&activities.Outreach{Channels: newChannels(t, ts.URL, NewMemoryLedger())})
			env.ExecuteWorkflow(oneSendWorkflow, tc.email)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(front.log, " "); got != tc.want {
				t.Errorf("provider calls %q, want %q", got, tc.want)
			}
			if n := len(sb.Outbox()); n != 1 {
				t.Errorf("%d deliveries, want 1", n)
			}
		})
	}
}
