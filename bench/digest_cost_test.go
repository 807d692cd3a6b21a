package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/task"
)

// The N-1 digest's cost (issue #13, BENCHMARKS.md "Digest cost"): the
// retired fan-out (NotificationDigest -> SendTaskDigest) queried every open
// task of the market; the account digest costs the signals of the unread
// notifications and one e-mail, whatever the number of open tasks. Both are
// counted here in-process (no dev server), so this runs in `go test ./...`
// and fails if the account's cost starts to depend on open tasks.

// countingChannels counts e-mails.
type countingChannels struct{ emails atomic.Int64 }

func (c *countingChannels) SendSMS(context.Context, activities.SMSRequest) (activities.SMSResult, error) {
	return activities.SMSResult{}, nil
}
func (c *countingChannels) ReminderCall(context.Context, activities.CallRequest) (activities.CallResult, error) {
	return activities.CallResult{Outcome: activities.CallAnswered}, nil
}
func (c *countingChannels) SendEmail(context.Context, activities.EmailRequest) (activities.EmailResult, error) {
	c.emails.Add(1)
	return activities.EmailResult{MessageID: "m"}, nil
}
func (c *countingChannels) AlertOps(context.Context, activities.OpsAlert) (activities.AlertResult, error) {
	return activities.AlertResult{}, nil
}

// openTasks is the retired design's TaskSource: `tasks` open tasks of one
// customer, the first `unread` of them with one unread notification.
type openTasks struct {
	tasks, unread int
	queries       atomic.Int64
}

func (o *openTasks) OpenTasks(context.Context, string) ([]string, error) {
	ids := make([]string, o.tasks)
	for i := range ids {
		ids[i] = fmt.Sprintf("task-%05d", i)
	}
	return ids, nil
}

func (o *openTasks) DigestView(_ context.Context, id string, since, until time.Time) (activities.TaskDigestView, error) {
	o.queries.Add(1)
	v := activities.TaskDigestView{TaskID: id, AccountID: "acc-1", Market: "DE", Unread: []activities.DigestItem{},
		Customer: activities.DigestRecipient{Name: "Erika", Email: "erika@example.test", Language: "de"}}
	var n int
	fmt.Sscanf(id, "task-%d", &n)
	if n < o.unread {
		v.Unread = append(v.Unread, activities.DigestItem{ID: 1, Kind: "changed", At: since, Text: "changed"})
	}
	return v, nil
}

type digestCost struct {
	queries, signals, activities int64
}

// fanOutCost runs the retired activity once.
func fanOutCost(t *testing.T, tasks, unread int) digestCost {
	src := &openTasks{tasks: tasks, unread: unread}
	ch := &countingChannels{}
	n := &activities.Notifications{Tasks: src, Channels: ch}
	res, err := n.SendTaskDigest(context.Background(), activities.DigestRequest{Market: "DE", Date: "2026-03-11",
		Since: time.Now().Add(-24 * time.Hour), Until: time.Now()})
	if err != nil || res.Emails != 1 {
		t.Fatalf("fan-out digest: %+v %v", res, err)
	}
	return digestCost{queries: src.queries.Load(), activities: 1}
}

// accountCost runs one account whose customer has `tasks` open tasks, of
// which `unread` added a notification on Tuesday: the tasks without one send
// nothing, so they do not appear here at all (that is the point).
func accountCost(t *testing.T, tasks, unread int) digestCost {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC) // Tuesday 09:00 in Berlin
	env.SetStartTime(start)
	ch := &countingChannels{}
	var calls atomic.Int64
	env.RegisterActivity(&activities.Outreach{Channels: ch})
	workflows.Register(env)
	var signals int64
	for i := 0; i < unread; i++ {
		i := i
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(account.AccountSignalNotify, account.AccountNotifySignal{
				TaskID: fmt.Sprintf("task-%05d", i), ID: 1, Kind: task.NoteChanged, At: env.Now(), Text: "changed"})
		}, time.Hour+time.Duration(i)*time.Second)
		signals++
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, 30*time.Hour) // after Wednesday 08:00
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: account.AccountWorkflowID("acc-1")})
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { calls.Add(1) })
	env.ExecuteWorkflow(account.AccountWorkflowName, account.AccountInput{AccountID: "acc-1", Market: rules.Germany,
		AppURL: "https://app.example.test", Policy: rules.DefaultPolicy(),
		Customer: jobcore.Customer{Name: "Erika", Email: "erika@example.test", Language: rules.German}})
	if ch.emails.Load() != 1 {
		t.Fatalf("account with %d tasks, %d unread: %d e-mails, want one digest", tasks, unread, ch.emails.Load())
	}
	return digestCost{signals: signals, activities: calls.Load()}
}

func TestN1_DigestCostGrowsWithUnreadNotOpenTasks(t *testing.T) {
	t.Logf("| open tasks | unread | fan-out: task queries | fan-out: activities | account: signals | account: activities |")
	t.Logf("|---:|---:|---:|---:|---:|---:|")
	var base digestCost
	for i, c := range []struct{ tasks, unread int }{{10, 3}, {100, 3}, {1000, 3}, {1000, 30}} {
		old, acc := fanOutCost(t, c.tasks, c.unread), accountCost(t, c.tasks, c.unread)
		t.Logf("| %d | %d | %d | %d | %d | %d |", c.tasks, c.unread, old.queries, old.activities, acc.signals, acc.activities)
		if old.queries != int64(c.tasks) {
			t.Fatalf("fan-out queried %d of %d tasks", old.queries, c.tasks)
		}
		if acc.activities != 1 || acc.signals != int64(c.unread) {
			t.Fatalf("account digest with %d tasks: %+v, want %d signals and 1 activity", c.tasks, acc, c.unread)
		}
		if i == 0 {
			base = acc
		} else if c.unread == 3 && acc != base {
			t.Fatalf("account cost changed with open tasks: %+v vs %+v", acc, base)
		}
	}
}
