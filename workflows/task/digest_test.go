package task

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"go.temporal.io/sdk/workflow"
)

// digestSource is a fake activities.TaskSource.
type digestSource struct {
	mu           sync.Mutex
	query        string
	since, until time.Time
	views        map[string]activities.TaskDigestView
}

func (d *digestSource) OpenTasks(_ context.Context, q string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.query = q
	ids := []string{"task-gone"}
	for id := range d.views {
		ids = append(ids, id)
	}
	return ids, nil
}

func (d *digestSource) DigestView(_ context.Context, id string, since, until time.Time) (activities.TaskDigestView, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.since, d.until = since, until
	v, ok := d.views[id]
	if !ok {
		return v, errors.New("workflow not found")
	}
	return v, nil
}

func digestViews() map[string]activities.TaskDigestView {
	erika := activities.DigestRecipient{Name: "Erika Muster", Email: "erika@example.test", Language: "de"}
	item := func(id int, kind string) activities.DigestItem {
		return activities.DigestItem{ID: id, Kind: kind, At: berlin("2026-03-09 15:00"), Text: kind}
	}
	return map[string]activities.TaskDigestView{
		"task-1": {TaskID: "task-1", AccountID: "acc-1", Customer: erika, Unread: []activities.DigestItem{item(1, "accepted"), item(2, "started")}},
		"task-2": {TaskID: "task-2", AccountID: "acc-1", Customer: erika, Unread: []activities.DigestItem{item(4, "changed")}},
		"task-3": {TaskID: "task-3", AccountID: "acc-2", Customer: activities.DigestRecipient{Email: "max@example.test", Language: "en"}, Unread: []activities.DigestItem{item(1, "created")}},
		"task-4": {TaskID: "task-4", AccountID: "acc-3", Customer: activities.DigestRecipient{Email: "nobody-unread@example.test"}},
	}
}

func (h *taskHarness) runDigest(m rules.Market, src *digestSource) account.DigestOutcome {
	h.t.Helper()
	h.env.RegisterActivity(&activities.Notifications{Tasks: src, Channels: h.ch})
	if !h.retired {
		// The retired design, as the histories recorded before
		// ChangeDigestRetired replay it.
		h.env.OnGetVersion(account.ChangeDigestRetired, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	}
	h.env.ExecuteWorkflow(account.DigestWorkflowName, account.DigestInput{Market: m, Policy: rules.DefaultPolicy()})
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("digest failed: %v", err)
	}
	var out account.DigestOutcome
	if err := h.env.GetWorkflowResult(&out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func TestN1_DigestOneEmailPerAccount(t *testing.T) {
	h := newTaskHarness(t, berlin("2026-03-10 08:00")) // Tuesday
	src := &digestSource{views: digestViews()}
	out := h.runDigest(rules.Germany, src)

	if out.Skipped != "" || out.Result == nil {
		t.Fatalf("outcome %+v", out)
	}
	r := out.Result
	if r.Tasks != 5 || r.Accounts != 2 || r.Emails != 2 || r.Notifications != 4 || len(r.Unreachable) != 1 {
		t.Fatalf("result %+v", r)
	}
	sameTime(t, "digest since (previous slot)", src.since, berlin("2026-03-09 08:00"))
	sameTime(t, "digest until", src.until, berlin("2026-03-10 08:00"))
	if src.query != "WorkflowType = 'Task' AND ExecutionStatus = 'Running' AND Market = 'DE'" {
		t.Fatalf("visibility query %q", src.query)
	}
	mails := h.ch.of("task.digest")
	if len(mails) != 2 {
		t.Fatalf("%d digests", len(mails))
	}
	m := mails[0]
	if m.To != "erika@example.test" || m.Step != "digest-DE-2026-03-10/account-acc-1" || m.Data["count"] != "3" || m.Data["task_ids"] != "task-1,task-2" {
		t.Fatalf("first digest %+v", m)
	}
	if !strings.Contains(m.Data["items"], "task-2: changed") {
		t.Fatalf("items %q", m.Data["items"])
	}
}

func TestN1_DigestOnMondayCoversTheWeekend(t *testing.T) {
	h := newTaskHarness(t, berlin("2026-03-16 08:00")) // Monday
	src := &digestSource{views: digestViews()}
	h.runDigest(rules.Germany, src)
	sameTime(t, "since", src.since, berlin("2026-03-13 08:00"))
}

func TestN1_DigestSkipsHolidays(t *testing.T) {
	h := newTaskHarness(t, berlin("2026-04-03 08:00")) // Good Friday
	src := &digestSource{views: digestViews()}
	out := h.runDigest(rules.Germany, src)
	if !strings.Contains(out.Skipped, "Karfreitag") || len(h.ch.sent) != 0 || src.query != "" {
		t.Fatalf("outcome %+v, sent %d", out, len(h.ch.sent))
	}
	// Tuesday after Easter covers everything since Maundy Thursday.
	if got := account.PreviousDigestSlot(rules.Germany, berlin("2026-04-07 08:00"), rules.DefaultPolicy()); !got.Equal(berlin("2026-04-02 08:00")) {
		t.Fatalf("previous slot %s", got)
	}
}

func TestN1_PreviousDigestSlot(t *testing.T) {
	p := rules.DefaultPolicy()
	cases := []struct {
		m         rules.Market
		now, want string
	}{
		{rules.Germany, "2026-03-10 08:00", "2026-03-09 08:00"},
		{rules.Germany, "2026-03-10 08:40", "2026-03-09 08:00"}, // a late run still covers its own slot
		{rules.Sweden, "2026-06-22 08:00", "2026-06-18 08:00"},  // Midsummer Eve Friday is off
		{rules.Denmark, "2025-06-06 08:00", "2025-06-04 08:00"}, // Constitution Day Thursday is off
	}
	for _, c := range cases {
		if got := account.PreviousDigestSlot(c.m, wall(c.m, c.now), p); !got.Equal(wall(c.m, c.want)) {
			t.Errorf("%s %s: got %s, want %s", c.m, c.now, got, c.want)
		}
	}
}

// Issue #13: NotificationDigest is retired; a new run (a schedule left
// behind) sends nothing and looks up no task: the accounts send digests.
func TestN1_DigestWorkflowRetiredSendsNothing(t *testing.T) {
	h := newTaskHarness(t, berlin("2026-03-10 08:00")) // Tuesday
	h.retired = true
	src := &digestSource{views: digestViews()}
	out := h.runDigest(rules.Germany, src)
	if !strings.Contains(out.Skipped, "retired") || out.Result != nil || len(h.ch.sent) != 0 {
		t.Fatalf("retired digest ran: %+v, sent %d", out, len(h.ch.sent))
	}
}
