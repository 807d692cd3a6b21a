package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

type fakeTaskSource struct {
	ids   []string
	views map[string]TaskDigestView
}

func (f fakeTaskSource) OpenTasks(context.Context, string) ([]string, error) { return f.ids, nil }

func (f fakeTaskSource) DigestView(_ context.Context, id string, _, _ time.Time) (TaskDigestView, error) {
	v, ok := f.views[id]
	if !ok {
		return v, errors.New("not found")
	}
	return v, nil
}

// digestChannels fails e-mails to the addresses it is told to.
type digestChannels struct {
	LogChannels
	fail map[string]error
	sent []EmailRequest
}

func (d *digestChannels) SendEmail(ctx context.Context, r EmailRequest) (EmailResult, error) {
	if err := d.fail[r.To]; err != nil {
		return EmailResult{}, err
	}
	d.sent = append(d.sent, r)
	return EmailResult{MessageID: r.Step.Key()}, nil
}

func digestSource() fakeTaskSource {
	at := time.Date(2026, 3, 9, 14, 0, 0, 0, time.UTC)
	return fakeTaskSource{
		ids: []string{"task-9", "task-1", "task-2"},
		views: map[string]TaskDigestView{
			"task-1": {TaskID: "task-1", AccountID: "acc-1", Customer: DigestRecipient{Email: "a@example.test", Language: "sv"}, Unread: []DigestItem{{ID: 1, Kind: "accepted", At: at, Text: "accepted"}}},
			"task-2": {TaskID: "task-2", AccountID: "acc-2", Customer: DigestRecipient{Email: "bounce@example.test", Language: "da"}, Unread: []DigestItem{{ID: 3, Kind: "started", At: at, Text: "started"}}},
			"task-9": {TaskID: "task-9", AccountID: "acc-1", Customer: DigestRecipient{Email: "a@example.test", Language: "sv"}, Unread: []DigestItem{{ID: 2, Kind: "chat", At: at, Text: "chat"}}},
		},
	}
}

func runDigest(t *testing.T, ch *digestChannels) (DigestResult, error) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&Notifications{Tasks: digestSource(), Channels: ch})
	v, err := env.ExecuteActivity("SendTaskDigest", DigestRequest{Market: "SE", Date: "2026-03-10", Query: "q"})
	var res DigestResult
	if err == nil {
		err = v.Get(&res)
	}
	return res, err
}

func TestN1_SendTaskDigestGroupsByAccount(t *testing.T) {
	ch := &digestChannels{fail: map[string]error{
		"bounce@example.test": temporal.NewNonRetryableApplicationError("bad address", "EmailRejected", nil),
	}}
	res, err := runDigest(t, ch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tasks != 3 || res.Accounts != 2 || res.Emails != 1 || res.Notifications != 3 || len(res.Failed) != 1 || res.Failed[0] != "acc-2" {
		t.Fatalf("result %+v", res)
	}
	m := ch.sent[0]
	if m.Step.Key() != "digest-SE-2026-03-10/account-acc-1" || m.Message.Template != DigestTemplate || m.Message.Language != "sv" ||
		m.Message.Data["count"] != "2" || m.Message.Data["task_ids"] != "task-1,task-9" {
		t.Fatalf("digest %+v", m)
	}
}

func TestN1_SendTaskDigestRetriesTransientFailures(t *testing.T) {
	ch := &digestChannels{fail: map[string]error{"bounce@example.test": errors.New("connection reset")}}
	if _, err := runDigest(t, ch); err == nil {
		t.Fatal("a transient failure must fail the activity so it is retried")
	}
}
