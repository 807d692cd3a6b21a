package outreach

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach/sandbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "sandboxtoken"
	testKey     = "SGsandboxkey"
	customer    = "+46701234567"
)

func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Config{AccountSID: testAccount, AuthToken: testToken, SendGridKey: testKey, StepDelay: 30 * time.Millisecond})
	ts := httptest.NewServer(sb)
	t.Cleanup(ts.Close)
	return sb, ts.URL
}

func testConfig(base string) Config {
	return Config{
		TwilioAccountSID: testAccount, TwilioAuthToken: testToken, TwilioFrom: "+46101234567", TwilioAPIBase: base,
		SendGridAPIKey: testKey, SendGridFrom: "Jobflow <noreply@jobflow.example>", SendGridAPIBase: base,
		OpsAlertChannel: "email", OpsAlertTo: "ops@jobflow.example", OpsAlertLanguage: "sv",
		CallTimeout: 3 * time.Second, CallPollInterval: 10 * time.Millisecond, CallRingSeconds: 30, HTTPTimeout: 2 * time.Second,
	}
}

func newChannels(t *testing.T, base string, ledger Ledger) *Channels {
	t.Helper()
	cfg := testConfig(base)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ch, err := NewChannelsWithLedger(cfg, ledger, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func visitData() map[string]string {
	return map[string]string{"name": "Anna", "appointment": "2026-03-03T13:00:00Z", "timezone": "Europe/Stockholm", "rating_url": "https://jobflow.example/r/1"}
}

func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

func TestChannelsThroughSandbox(t *testing.T) {
	sb, base := startSandbox(t)
	ch := newChannels(t, base, NewMemoryLedger())
	var env testsuite.WorkflowTestSuite
	aenv := env.NewTestActivityEnvironment()
	out := &activities.Outreach{Channels: ch}
	aenv.RegisterActivity(out)
	step := activities.Step{JobID: "visit-p1-1", Name: "booking-confirmation"}

	v, err := aenv.ExecuteActivity(out.SendSMS, activities.SMSRequest{Step: step, To: customer, Message: activities.Message{Template: "visit.booking_confirmation", Language: "da", Data: visitData()}})
	if err != nil {
		t.Fatal(err)
	}
	var sms activities.SMSResult
	_ = v.Get(&sms)
	v, err = aenv.ExecuteActivity(out.SendEmail, activities.EmailRequest{Step: activities.Step{JobID: "visit-p1-1", Name: "rating"}, To: "anna@example.com", ToName: "Anna",
		Message: activities.Message{Template: "visit.rating_request", Language: "de", Data: visitData()}, Categories: []string{"visit"}})
	if err != nil {
		t.Fatal(err)
	}
	// The workflows build every alert with "en": OPS_ALERT_LANGUAGE (sv here) wins.
	_, err = aenv.ExecuteActivity(out.AlertOps, activities.OpsAlert{Step: activities.Step{JobID: "visit-p1-1", Name: "alert-abort"}, Kind: "abort",
		Message: activities.Message{Template: "ops.abort", Language: "en", Data: map[string]string{"job_id": "visit-p1-1", "reason": "unsafe"}}})
	if err != nil {
		t.Fatal(err)
	}
	box := sb.Outbox()
	if len(box) != 3 {
		t.Fatalf("outbox: %+v", box)
	}
	if box[0].ID != sms.SID || box[0].Channel != "sms" || box[0].Template != "visit.booking_confirmation" || box[0].Language != "da" || box[0].To != customer {
		t.Errorf("sms entry: %+v", box[0])
	}
	if box[1].Channel != "email" || box[1].Subject != "Wie war Ihr Termin?" || box[1].CustomArgs["job_id"] != "visit-p1-1" || box[1].CustomArgs["step"] != "rating" || box[1].HTML == "" {
		t.Errorf("email entry: %+v", box[1])
	}
	if box[2].To != "ops@jobflow.example" || box[2].Language != "sv" || box[2].Template != "ops.abort" {
		t.Errorf("ops alert entry: %+v", box[2])
	}
}

func TestReminderCallOutcomes(t *testing.T) {
	sb, base := startSandbox(t)
	sb.SetFaults(sandbox.Faults{CallOutcomes: map[string]string{"+46709000001": "no-answer", "+46709000002": "busy", "+46709000003": "failed"}})
	ch := newChannels(t, base, NewMemoryLedger())
	var env testsuite.WorkflowTestSuite
	for to, want := range map[string]activities.CallOutcome{
		customer: activities.CallAnswered, "+46709000001": activities.CallNoAnswer,
		"+46709000002": activities.CallBusy, "+46709000003": activities.CallFailed,
	} {
		aenv := env.NewTestActivityEnvironment()
		aenv.RegisterActivity(ch.ReminderCall)
		v, err := aenv.ExecuteActivity(ch.ReminderCall, activities.CallRequest{Step: activities.Step{JobID: "visit-" + to, Name: "reminder-call"}, To: to,
			Message: activities.Message{Template: "visit.reminder_call", Language: "sv", Data: visitData()}})
		if err != nil {
			t.Fatalf("%s: %v", to, err)
		}
		var res activities.CallResult
		_ = v.Get(&res)
		if res.Outcome != want {
			t.Errorf("%s: outcome %s, want %s", to, res.Outcome, want)
		}
	}
	for _, e := range sb.Outbox() {
		if e.Channel != "call" || e.Language != "sv-SE" || e.Body == "" {
			t.Errorf("call entry: %+v", e)
		}
	}
}

// A retried call activity resumes polling the call its heartbeat names
// instead of calling again.
func TestReminderCallResumesFromHeartbeat(t *testing.T) {
	sb, base := startSandbox(t)
	ch := newChannels(t, base, NewMemoryLedger())
	req := activities.CallRequest{Step: activities.Step{JobID: "visit-1", Name: "reminder-call"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_call", Language: "en", Data: visitData()}}
	first, err := ch.ReminderCall(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh worker (empty ledger) sees the heartbeat of the earlier attempt.
	ch2 := newChannels(t, base, NewMemoryLedger())
	var env testsuite.WorkflowTestSuite
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(ch2.ReminderCall)
	aenv.SetHeartbeatDetails(Sent{Key: req.Step.Key(), Channel: "call", SID: first.SID, At: time.Now()})
	v, err := aenv.ExecuteActivity(ch2.ReminderCall, req)
	if err != nil {
		t.Fatal(err)
	}
	var res activities.CallResult
	_ = v.Get(&res)
	if res.SID != first.SID || len(sb.Outbox()) != 1 {
		t.Errorf("resumed %s (first %s), outbox %d", res.SID, first.SID, len(sb.Outbox()))
	}
}

// The ledger file survives a worker restart: the same step is not sent
// again by a new process.
func TestFileLedgerSurvivesRestart(t *testing.T) {
	sb, base := startSandbox(t)
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l1, err := OpenFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	req := activities.SMSRequest{Step: activities.Step{JobID: "visit-1", Name: "reminder-sms"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "sv", Data: visitData()}}
	r1, err := newChannels(t, base, l1).SendSMS(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	l1.Close()
	l2, err := OpenFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	r2, err := newChannels(t, base, l2).SendSMS(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r1.SID != r2.SID || len(sb.Outbox()) != 1 {
		t.Errorf("sids %s %s, outbox %d", r1.SID, r2.SID, len(sb.Outbox()))
	}
}

// sendAll is the tiny test workflow: every step once, through the
// activities with a retry policy like the visit workflow's.
type sendAllInput struct {
	Job   string
	Steps int
	Email bool
	Calls bool
}

func sendAllWorkflow(ctx workflow.Context, in sendAllInput) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		HeartbeatTimeout:    10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 1, MaximumAttempts: 100},
	})
	var out *activities.Outreach
	var failed []string
	for i := 0; i < in.Steps; i++ {
		msg := activities.Message{Template: "visit.booking_confirmation", Language: "sv",
			Data: map[string]string{"name": fmt.Sprintf("Kund %d", i), "appointment": "2026-03-03T13:00:00Z", "timezone": "Europe/Stockholm"}}
		step := activities.Step{JobID: in.Job, Name: fmt.Sprintf("confirm-%d", i)}
		var sms activities.SMSResult
		if err := workflow.ExecuteActivity(ctx, out.SendSMS, activities.SMSRequest{Step: step, To: customer, Message: msg}).Get(ctx, &sms); err != nil {
			failed = append(failed, step.Name+": "+err.Error())
		}
		if in.Email {
			step.Name = fmt.Sprintf("mail-%d", i)
			var r activities.EmailResult
			if err := workflow.ExecuteActivity(ctx, out.SendEmail, activities.EmailRequest{Step: step, To: "kund@example.com", Message: msg}).Get(ctx, &r); err != nil {
				failed = append(failed, step.Name+": "+err.Error())
			}
		}
		if in.Calls {
			step.Name = fmt.Sprintf("call-%d", i)
			msg.Template = "visit.reminder_call"
			var r activities.CallResult
			if err := workflow.ExecuteActivity(ctx, out.ReminderCall, activities.CallRequest{Step: step, To: fmt.Sprintf("+4670900%04d", i), Message: msg}).Get(ctx, &r); err != nil {
				failed = append(failed, step.Name+": "+err.Error())
			}
		}
	}
	return failed, nil
}

func runSendAll(t *testing.T, ch activities.Channels, in sendAllInput) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(sendAllWorkflow)
	env.RegisterActivity(&activities.Outreach{Channels: ch})
	env.ExecuteWorkflow(sendAllWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var failed []string
	_ = env.GetWorkflowResult(&failed)
	if len(failed) > 0 {
		t.Fatalf("steps failed: %v", failed)
	}
}

func countByStep(t *testing.T, box []sandbox.Entry) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range box {
		switch e.Channel {
		case "email":
			n["email/"+e.CustomArgs["step"]]++
		default:
			n[e.Channel+"/"+e.To+"/"+e.Body]++
		}
	}
	return n
}

// 30 % transient errors (answered before anything is stored) under
// Temporal's activity retries: exactly one message per step on every channel.
func TestExactlyOncePerStepUnderTransientErrors(t *testing.T) {
	sb, base := startSandbox(t)
	sb.SetFaults(sandbox.Faults{ErrorRate: 0.3, ErrorStatus: 503})
	ch := newChannels(t, base, NewMemoryLedger())
	const steps = 12
	runSendAll(t, ch, sendAllInput{Job: "visit-p1-7", Steps: steps, Email: true, Calls: true})
	n := countByStep(t, sb.Outbox())
	if len(n) != 3*steps {
		t.Errorf("%d distinct sends, want %d: %v", len(n), 3*steps, n)
	}
	for k, c := range n {
		if c != 1 {
			t.Errorf("%s sent %d times", k, c)
		}
	}
}

// Answers lost after the provider accepted (the hard case: the adapter sees
// an error for a message that went out) plus transient errors: the retry
// finds the earlier message at Twilio, or the earlier mail in SendGrid's
// Email Activity, and does not send again.
func TestExactlyOnceWhenAnswersAreLost(t *testing.T) {
	sb, base := startSandbox(t)
	sb.SetFaults(sandbox.Faults{ErrorRate: 0.2, LostResponseRate: 0.3, ErrorStatus: 500})
	ch := newChannels(t, base, NewMemoryLedger())
	const steps = 12
	runSendAll(t, ch, sendAllInput{Job: "visit-p1-8", Steps: steps, Email: true, Calls: true})
	n := countByStep(t, sb.Outbox())
	if len(n) != 3*steps {
		t.Errorf("%d distinct sends, want %d", len(n), 3*steps)
	}
	for k, c := range n {
		if c != 1 {
			t.Errorf("%s sent %d times", k, c)
		}
	}
}

// An invalid number ends as a non-retryable error of a stable type after
// exactly one attempt, not a retry loop.
func TestPermanentTwilioErrors(t *testing.T) {
	sb, base := startSandbox(t)
	ch := newChannels(t, base, NewMemoryLedger())
	for to, want := range map[string]string{
		"+46700000005": ErrInvalidRecipient, "0701234567": ErrInvalidRecipient,
		"+46700000015": ErrUnsubscribed, "+46700000025": ErrNotMobile,
	} {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestWorkflowEnvironment()
		attempts := 0
		env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { attempts++ })
		env.RegisterActivity(&activities.Outreach{Channels: ch})
		wf := func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
				RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 10}})
			var out *activities.Outreach
			return workflow.ExecuteActivity(ctx, out.SendSMS, activities.SMSRequest{Step: activities.Step{JobID: "visit-x", Name: "confirm"}, To: to,
				Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: visitData()}}).Get(ctx, nil)
		}
		env.RegisterWorkflow(wf)
		env.ExecuteWorkflow(wf)
		err := env.GetWorkflowError()
		typ, permanent := activities.DeliveryFailure(err)
		if !permanent || typ != want {
			t.Errorf("%s: %v (type %q), want %s", to, err, errType(err), want)
		}
		if attempts != 1 {
			t.Errorf("%s: %d attempts, want 1", to, attempts)
		}
	}
	if len(sb.Outbox()) != 0 {
		t.Errorf("rejected numbers reached the outbox")
	}
}

func TestErrorClassification(t *testing.T) {
	type answer struct {
		status int
		body   string
	}
	twilioCases := map[answer]string{
		{429, `{"code":20429,"message":"Too Many Requests","status":429}`}: ErrRefused, // Twilio's own body: nothing stored
		{503, `{"code":20503,"message":"Unavailable","status":503}`}:       ErrRefused,
		{500, `{"code":20500,"message":"Internal","status":500}`}:          ErrTransient, // may have been stored
		{503, `<html>Service Unavailable</html>`}:                          ErrTransient, // undecodable body: a proxy, fate unknown
		{400, `{"code":21211,"message":"Invalid To","status":400}`}:        ErrInvalidRecipient,
		{400, `{"code":21610,"message":"Unsubscribed","status":400}`}:      ErrUnsubscribed,
		{400, `{"code":21614,"message":"Not mobile","status":400}`}:        ErrNotMobile,
		{400, `{"code":21408,"message":"Region","status":400}`}:            ErrRejectedByProvider,
		{401, `{"code":20003,"message":"Authenticate","status":401}`}:      ErrProviderAuth,
	}
	for a, want := range twilioCases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(a.status)
			fmt.Fprint(w, a.body)
		}))
		ch := newChannels(t, srv.URL, NewMemoryLedger())
		_, err := ch.SendSMS(context.Background(), activities.SMSRequest{Step: activities.Step{JobID: "j", Name: "s"}, To: customer,
			Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: visitData()}})
		if got := errType(err); got != want {
			t.Errorf("twilio %d %s: type %q, want %q (%v)", a.status, a.body, got, want, err)
		}
		if _, permanent := activities.DeliveryFailure(err); permanent == (want == ErrTransient || want == ErrRefused) {
			t.Errorf("twilio %d: permanent=%v", a.status, permanent)
		}
		srv.Close()
	}
	sendgridCases := map[int]string{400: ErrEmailRejected, 401: ErrEmailAuth, 403: ErrEmailAuth, 413: ErrEmailRejected,
		429: ErrRefused, 503: ErrRefused, 500: ErrTransient, 502: ErrTransient} // 429/503 with SendGrid's error body
	for status, want := range sendgridCases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"errors":[{"message":"The to email does not contain a valid address.","field":"personalizations.0.to.0.email"}]}`)
		}))
		ch := newChannels(t, srv.URL, NewMemoryLedger())
		_, err := ch.SendEmail(context.Background(), activities.EmailRequest{Step: activities.Step{JobID: "j", Name: "m"}, To: "a@example.com",
			Message: activities.Message{Template: "visit.rating_request", Language: "en", Data: visitData()}})
		if got := errType(err); got != want {
			t.Errorf("sendgrid %d: type %q, want %q", status, got, want)
		}
		srv.Close()
	}
	// SendGrid 503 from something that is not SendGrid (no error body): unknown.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	_, err := newChannels(t, bare.URL, NewMemoryLedger()).SendEmail(context.Background(), activities.EmailRequest{Step: activities.Step{JobID: "j", Name: "b"},
		To: "a@example.com", Message: activities.Message{Template: "visit.rating_request", Language: "en", Data: visitData()}})
	if errType(err) != ErrTransient {
		t.Errorf("sendgrid 503 without its error body: %v", err)
	}
	bare.Close()
	// Network failure: nothing listens, the connection is refused: nothing sent.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	ch := newChannels(t, url, NewMemoryLedger())
	_, err = ch.SendSMS(context.Background(), activities.SMSRequest{Step: activities.Step{JobID: "j", Name: "n"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: visitData()}})
	if errType(err) != ErrRefused {
		t.Errorf("connection refused: %v", err)
	}
	// Provider text (which can quote the number) stays out of the error.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"code":21211,"message":"The 'To' number +46701234567 is not valid","status":400}`)
	}))
	defer srv2.Close()
	_, err = newChannels(t, srv2.URL, NewMemoryLedger()).SendSMS(context.Background(), activities.SMSRequest{Step: activities.Step{JobID: "j", Name: "p"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: visitData()}})
	if err == nil || strings.Contains(err.Error(), customer) {
		t.Errorf("error leaks the number: %v", err)
	}
}

// Issue #14: texts that ask the customer to reply are sent from a no-reply
// address, so the mail carries SENDGRID_REPLY_TO as its Reply-To; without
// it there is none, and a bad address is refused at start-up.
func TestSendGridReplyTo(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	cfg.SendGridReplyTo = "Jobflow Support <support@jobflow.example>"
	sg, err := NewSendGrid(cfg, nil)
	require.NoError(t, err)
	msg := activities.Message{Template: "rating.followup", Language: "en", Data: map[string]string{"name": "Test"}}
	m := sg.buildMail(activities.EmailRequest{To: "kund@example.com", Message: msg}, Rendered{Subject: "s", Text: "t", HTML: "<p>t</p>"})
	require.NotNil(t, m.ReplyTo)
	assert.Equal(t, "support@jobflow.example", m.ReplyTo.Address)

	cfg.SendGridReplyTo = ""
	sg, err = NewSendGrid(cfg, nil)
	require.NoError(t, err)
	assert.Nil(t, sg.buildMail(activities.EmailRequest{To: "kund@example.com", Message: msg}, Rendered{Subject: "s", Text: "t"}).ReplyTo)

	cfg.SendGridReplyTo = "not an address"
	_, err = NewSendGrid(cfg, nil)
	assert.ErrorContains(t, err, "SENDGRID_REPLY_TO")
}
