package flowtest

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/stretchr/testify/assert"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
)

// sent is one message a fake channel accepted.
type Sent struct {
	Channel  string
	Template string
	Step     string
	Kind     string
	Data     map[string]string
}

// fakeChannels records every send; per-channel errors and the call outcome
// are set by the test.
//
// Every message is rendered with the real catalogue, so a workflow that
// sends a template without one of its fields fails its tests (renderErrs).
type FakeChannels struct {
	Mu          sync.Mutex
	Sent        []Sent
	renderErrs  []string
	CallOutcome activities.CallOutcome
	SmsErr      error
}

func (f *FakeChannels) add(s Sent, msg activities.Message) {
	errs := RenderErrors(msg)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	s.Data = msg.Data
	f.Sent = append(f.Sent, s)
	f.renderErrs = append(f.renderErrs, errs...)
}

// rendered fails the test if any message could not be rendered.
func (f *FakeChannels) Rendered(t *testing.T) {
	t.Helper()
	f.Mu.Lock()
	defer f.Mu.Unlock()
	assert.Empty(t, f.renderErrs, "every message must render in the customer's language with all its fields")
}

func (f *FakeChannels) SendSMS(ctx context.Context, r activities.SMSRequest) (activities.SMSResult, error) {
	if f.SmsErr != nil {
		return activities.SMSResult{}, f.SmsErr
	}
	f.add(Sent{Channel: "sms", Template: r.Message.Template, Step: r.Step.Name}, r.Message)
	return activities.SMSResult{SID: "SM" + r.Step.Name}, nil
}

func (f *FakeChannels) ReminderCall(ctx context.Context, r activities.CallRequest) (activities.CallResult, error) {
	f.add(Sent{Channel: "call", Template: r.Message.Template, Step: r.Step.Name}, r.Message)
	out := f.CallOutcome
	if out == "" {
		out = activities.CallAnswered
	}
	return activities.CallResult{SID: "CA" + r.Step.Name, Outcome: out}, nil
}

func (f *FakeChannels) SendEmail(ctx context.Context, r activities.EmailRequest) (activities.EmailResult, error) {
	f.add(Sent{Channel: "email", Template: r.Message.Template, Step: r.Step.Name}, r.Message)
	return activities.EmailResult{MessageID: r.Step.Name}, nil
}

func (f *FakeChannels) AlertOps(ctx context.Context, r activities.OpsAlert) (activities.AlertResult, error) {
	_ = activity.GetInfo(ctx)
	f.add(Sent{Channel: "ops", Template: r.Message.Template, Step: r.Step.Name, Kind: r.Kind}, r.Message)
	return activities.AlertResult{ID: r.Step.Name}, nil
}

func (f *FakeChannels) Templates(channel string) []string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []string
	for _, s := range f.Sent {
		if channel == "" || s.Channel == channel {
			out = append(out, s.Template)
		}
	}
	return out
}

// Monday 23 Nov 2026, 09:00 in Stockholm.
var T0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// quietLogger keeps test output to failures: the SDK's debug lines would
// bury them.
func QuietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4})))
}
