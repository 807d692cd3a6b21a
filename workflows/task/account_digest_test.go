package task

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The account's N-1 digest and hand-over e-mail (account_digest.go), driven
// by the signals tasks send (account_notify.go). Every send is rendered with
// the real catalogue (taskChannels); a render error fails the test.

func newGermanAccount() account.AccountInput {
	return account.AccountInput{
		AccountID: "acc-1", Market: rules.Germany, AppURL: "https://app.example.test/",
		Customer: jobcore.Customer{Name: "Erika Muster", Email: "erika@example.test", Phone: "+4915100000000", Language: rules.German},
		Policy:   rules.DefaultPolicy(),
	}
}

func (h *taskHarness) notifyAccount(when time.Time, s account.AccountNotifySignal) {
	h.at(when, func() {
		if s.At.IsZero() {
			s.At = h.env.Now()
		}
		h.env.SignalWorkflow(account.AccountSignalNotify, s)
	})
}

func (h *taskHarness) readAccount(when time.Time, s account.AccountReadSignal) {
	h.at(when, func() { h.env.SignalWorkflow(account.AccountSignalRead, s) })
}

// runAccountChecked runs the account until cancelAt and fails on a message
// that does not render.
func (h *taskHarness) runAccountChecked(in account.AccountInput, cancelAt time.Time) {
	h.t.Helper()
	err := h.runAccount(in, cancelAt)
	if err != nil && !errors.Is(err, workflow.ErrCanceled) && !strings.Contains(err.Error(), "canceled") {
		h.t.Fatalf("account failed: %v", err)
	}
	h.ch.mu.Lock()
	defer h.ch.mu.Unlock()
	for _, e := range h.ch.renderErrs {
		h.t.Errorf("message does not render: %s", e)
	}
}

func note(task string, id int, kind, text string) account.AccountNotifySignal {
	return account.AccountNotifySignal{TaskID: task, TaskTitle: "Titel " + task, ID: id, Kind: kind, Text: text}
}

func handoverNote(task string, id int) account.AccountNotifySignal {
	s := note(task, id, NoteHandedOver, "final result handed over")
	s.EmailAfter = 30 * time.Minute
	return s
}

// N-1: notifications of several tasks during Tuesday go out in ONE digest at
// 08:00 on Wednesday, the next working day, with every unread one listed.
func TestN1_AccountDigestAt0800NextWorkingDayWithSeveralTasks(t *testing.T) {
	start := berlin("2026-03-10 09:00") // Tuesday
	h := newTaskHarness(t, start)
	h.notifyAccount(berlin("2026-03-10 10:00"), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.notifyAccount(berlin("2026-03-10 11:00"), note("task-2", 1, NoteStarted, "work on your task has started"))
	h.notifyAccount(berlin("2026-03-10 15:00"), note("task-1", 2, NoteChanged, "your task was changed"))
	q := h.queryAccount(berlin("2026-03-10 16:00"))
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-12 12:00"))

	if q.UnreadCount != 3 || q.DigestAt == nil || !q.DigestAt.Equal(berlin("2026-03-11 08:00")) {
		t.Fatalf("account before the digest: %d unread, digest at %v", q.UnreadCount, q.DigestAt)
	}
	d := oneSend(t, h.ch, account.AccountDigestTemplate)
	sameTime(t, "digest", d.At, berlin("2026-03-11 08:00"))
	if d.To != "erika@example.test" || d.Data["count"] != "3" || d.Data["task_ids"] != "task-1,task-2" ||
		d.Data["app_url"] != "https://app.example.test/" {
		t.Fatalf("digest data %+v", d.Data)
	}
	for _, want := range []string{"accepted", "has started", "changed"} {
		if !strings.Contains(d.Data["items"], want) {
			t.Fatalf("digest items lack %q: %q", want, d.Data["items"])
		}
	}
}

// N-1 (working days), P-2: notifications on the Thursday before Easter wait
// for Tuesday 08:00: no digest on Good Friday, the weekend or Easter Monday.
func TestN1_AccountNoDigestOnWeekendOrHoliday(t *testing.T) {
	start := berlin("2026-04-02 09:00") // Thursday
	h := newTaskHarness(t, start)
	h.notifyAccount(berlin("2026-04-02 10:00"), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.notifyAccount(berlin("2026-04-04 11:00"), note("task-2", 1, NoteStarted, "work on your task has started")) // Saturday
	h.runAccountChecked(newGermanAccount(), berlin("2026-04-08 12:00"))

	d := oneSend(t, h.ch, account.AccountDigestTemplate)
	sameTime(t, "digest after Easter", d.At, berlin("2026-04-07 08:00"))
	if d.Data["count"] != "2" {
		t.Fatalf("digest lists %s, want both", d.Data["count"])
	}
}

// P-1: the market's override of the digest time reaches the account (its
// input policy): digest at 09:30, not 08:00.
func TestP1_AccountDigestUsesMarketPolicyOverride(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	in := newGermanAccount()
	var err error
	in.Policy, err = rules.Resolve(rules.Overrides{"digest_at": "09:30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.notifyAccount(berlin("2026-03-10 10:00"), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.runAccountChecked(in, berlin("2026-03-11 12:00"))
	sameTime(t, "digest at the market's time", oneSend(t, h.ch, account.AccountDigestTemplate).At, berlin("2026-03-11 09:30"))
}

// N-1: a notification read before 08:00 is not in the digest; when all are
// read there is no digest at all.
func TestN1_AccountReadNotificationNotInDigest(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	h.notifyAccount(berlin("2026-03-10 10:00"), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.notifyAccount(berlin("2026-03-10 11:00"), note("task-2", 1, NoteStarted, "work on your task has started"))
	h.readAccount(berlin("2026-03-10 12:00"), account.AccountReadSignal{TaskID: "task-1", IDs: []int{1}})
	// Wednesday: one more, read the same day: Thursday has no digest.
	h.notifyAccount(berlin("2026-03-11 10:00"), note("task-2", 2, NoteChanged, "your task was changed"))
	h.readAccount(berlin("2026-03-11 17:00"), account.AccountReadSignal{TaskID: "task-2", IDs: []int{2}})
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-13 12:00"))

	d := oneSend(t, h.ch, account.AccountDigestTemplate)
	sameTime(t, "digest", d.At, berlin("2026-03-11 08:00"))
	if d.Data["count"] != "1" || strings.Contains(d.Data["items"], "accepted") || d.Data["task_ids"] != "task-2" {
		t.Fatalf("read notification in the digest: %+v", d.Data)
	}
}

// N-1, N-3: a hand-over unread after 30 minutes goes by e-mail on its own,
// from the account, and is not repeated in the digest; one read in time is
// not e-mailed; one due Friday 19:15 waits for Monday 08:00.
func TestN1_AccountHandoverEmailAfter30MinutesIfUnread(t *testing.T) {
	start := berlin("2026-03-09 09:00") // Monday
	h := newTaskHarness(t, start)
	h.notifyAccount(berlin("2026-03-09 14:00"), handoverNote("task-1", 3))
	h.notifyAccount(berlin("2026-03-09 15:00"), handoverNote("task-2", 4))
	h.readAccount(berlin("2026-03-09 15:20"), account.AccountReadSignal{TaskID: "task-2", IDs: []int{4}})
	h.notifyAccount(berlin("2026-03-13 18:45"), handoverNote("task-3", 5)) // Friday
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-17 12:00"))

	mails := h.ch.of(account.AccountHandoverTemplate)
	if len(mails) != 2 {
		t.Fatalf("hand-over e-mails %+v, want task-1 and task-3", mails)
	}
	sameTime(t, "hand-over e-mail", mails[0].At, berlin("2026-03-09 14:30"))
	sameTime(t, "hand-over e-mail after the weekend (N-3)", mails[1].At, berlin("2026-03-16 08:00"))
	if mails[0].Data["task_id"] != "task-1" || mails[0].Data["task_title"] != "Titel task-1" || mails[1].Data["task_id"] != "task-3" {
		t.Fatalf("hand-over data %+v / %+v", mails[0].Data, mails[1].Data)
	}
	if n := len(h.ch.of(account.AccountDigestTemplate)); n != 0 {
		t.Fatalf("hand-overs also went in %d digests", n)
	}
}

// N-2: a chat message the task e-mails itself after 2 hours is not in the
// next morning's digest; one from 07:00 (its own e-mail due after 08:00) is.
func TestN2_AccountDigestLeavesOutChatTheTaskEmails(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	chat := note("task-1", 1, NoteChat, "a new chat message")
	chat.TaskEmailsAfter = 2 * time.Hour
	h.notifyAccount(berlin("2026-03-10 10:00"), chat)
	early := chat
	early.ID = 2
	h.notifyAccount(berlin("2026-03-11 07:00"), early)
	h.notifyAccount(berlin("2026-03-10 11:00"), note("task-1", 3, NoteStarted, "work on your task has started"))
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-11 12:00"))
	d := oneSend(t, h.ch, account.AccountDigestTemplate)
	if d.Data["count"] != "2" || strings.Count(d.Data["items"], "chat") != 1 {
		t.Fatalf("digest %+v", d.Data)
	}
}

// The account's notifications are bounded: the newest AccountUnreadKeep are
// kept, older unread ones counted; the digest names them all.
func TestN1_AccountUnreadListIsBounded(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	for i := 1; i <= account.AccountUnreadKeep+10; i++ {
		h.notifyAccount(start.Add(time.Duration(i)*time.Minute), note("task-1", i, NoteChanged, "your task was changed"))
	}
	h.readAccount(start.Add(2*time.Hour), account.AccountReadSignal{TaskID: "task-1", IDs: []int{1, 60}}) // one dropped, one kept
	q := h.queryAccount(start.Add(3 * time.Hour))
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-11 12:00"))
	if len(q.Unread) != account.AccountUnreadKeep-1 || q.UnreadCount != account.AccountUnreadKeep+8 {
		t.Fatalf("kept %d, count %d", len(q.Unread), q.UnreadCount)
	}
	if d := oneSend(t, h.ch, account.AccountDigestTemplate); d.Data["count"] != "58" {
		t.Fatalf("digest count %s", d.Data["count"])
	}
}

// Continue-as-new carries the unread notifications and the pending digest
// time, and the signals still buffered.
func TestN1_AccountContinueAsNewCarriesUnreadAndDigest(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	h.notifyAccount(start.Add(time.Minute), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.notifyAccount(start.Add(90*time.Minute), handoverNote("task-1", 2)) // e-mail due after the run
	for i := 2; i <= account.AccountSignalsPerRun; i++ {
		if i != 90 {
			h.signalActivity(start.Add(time.Duration(i)*time.Minute), "chat")
		}
	}
	err := h.runAccount(newGermanAccount(), time.Time{})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next account.AccountInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if len(next.Unread) != 2 || next.DigestAt == nil || !next.DigestAt.Equal(berlin("2026-03-11 08:00")) ||
		next.Unread[1].EmailAt == nil || !next.Unread[1].EmailAt.Equal(start.Add(120*time.Minute)) || next.AppURL == "" {
		t.Fatalf("carried %+v", next)
	}

	// The next run sends both at their times.
	h2 := newTaskHarness(t, start.Add(account.AccountSignalsPerRun*time.Minute))
	h2.runAccountChecked(next, berlin("2026-03-11 12:00"))
	sameTime(t, "carried hand-over", oneSend(t, h2.ch, account.AccountHandoverTemplate).At, start.Add(120*time.Minute))
	sameTime(t, "carried digest", oneSend(t, h2.ch, account.AccountDigestTemplate).At, berlin("2026-03-11 08:00"))
}

// A run from before ChangeAccountNotifications (DefaultVersion) whose first
// iteration was replayed (its upgrade check pinned to DefaultVersion) leaves
// a notification buffered, then continues as new at its next wake-up
// (ChangeAccountNotificationsUpgrade-1), carrying the notification, its
// clock and the app URL; it sends nothing itself.
func TestN1_AccountPreChangeRunContinuesAsNew(t *testing.T) {
	start := berlin("2026-03-10 09:00")
	h := newTaskHarness(t, start)
	h.env.OnGetVersion(account.ChangeAccountNotifications, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	h.env.OnGetVersion(account.ChangeAccountNotificationsUpgrade+"-0", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	in := newGermanAccount()
	in.LastActivity, in.Stage, in.Runs = berlin("2026-03-01 10:00"), account.AccountActive, 2
	h.notifyAccount(start.Add(30*time.Minute), note("task-1", 1, NoteAccepted, "your task was accepted"))
	h.signalActivity(start.Add(time.Hour), "login")
	err := h.runAccount(in, berlin("2026-03-12 12:00"))
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next account.AccountInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Runs != 3 || !next.LastActivity.Equal(start.Add(time.Hour)) || next.AppURL != in.AppURL ||
		len(next.Pending) != 1 || next.Pending[0].TaskID != "task-1" || len(h.ch.sent) != 0 {
		t.Fatalf("carried %+v, sent %d", next, len(h.ch.sent))
	}
}

// --- tasks and their account together -----------------------------------------

// accountFlowInput: a test parent that runs the account and tasks as
// children, so the tasks' SignalExternalWorkflow reaches the real account.
type accountFlowInput struct {
	Account account.AccountInput
	Tasks   []TaskInput
	Until   time.Duration
}

func accountFlowForTest(ctx workflow.Context, in accountFlowInput) error {
	actx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: account.AccountWorkflowID(in.Account.AccountID)})
	acc := workflow.ExecuteChildWorkflow(actx, account.AccountWorkflowName, in.Account)
	if err := acc.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return err
	}
	for _, t := range in.Tasks {
		tctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: TaskWorkflowID(t.TaskID)})
		if err := workflow.ExecuteChildWorkflow(tctx, names.TaskWorkflowName, t).GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return err
		}
	}
	return workflow.Sleep(ctx, in.Until)
}

func (h *taskHarness) updateTask(when time.Time, taskID, name string, arg any) *taskResult {
	r := &taskResult{}
	h.at(when, func() {
		// A distinct update id each: the suite deduplicates by id.
		err := h.env.UpdateWorkflowByID(TaskWorkflowID(taskID), name, fmt.Sprintf("%s-%d", name, when.Unix()), &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { r.done, r.rejected = true, err },
			OnComplete: func(v any, err error) { r.done, r.err = true, err },
		}, arg)
		if err != nil {
			r.done, r.err = true, err
		}
	})
	return r
}

// N-1 end to end: two tasks of one customer signal the account (no query, no
// fan-out); the account sends the hand-over after 30 minutes and one digest
// at 08:00 the next working day with both tasks' unread notifications; the
// notification the customer read is not in it, and no task sends a
// hand-over e-mail itself.
func TestN1_TasksSignalTheirAccountWhichSendsDigestAndHandover(t *testing.T) {
	start := berlin("2026-03-10 09:00") // Tuesday
	h := newTaskHarness(t, start)
	h.env.RegisterWorkflow(accountFlowForTest)
	t1 := newTaskInput(start, berlin("2026-03-20 15:00"))
	t2 := newTaskInput(start, berlin("2026-03-20 15:00"))
	t2.TaskID, t2.Title = "43", "Reise planen"
	acc := newGermanAccount()

	h.updateTask(berlin("2026-03-10 10:00"), "42", TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.updateTask(berlin("2026-03-10 10:05"), "43", TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.updateTask(berlin("2026-03-10 11:00"), "43", TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	read := h.updateTask(berlin("2026-03-10 12:00"), "42", TaskUpdateMarkRead, TaskMarkReadRequest{}) // "accepted" of 42 read
	h.updateTask(berlin("2026-03-10 16:00"), "42", TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	var st account.AccountState
	h.at(berlin("2026-03-10 17:00"), func() {
		v, err := h.env.QueryWorkflowByID(account.AccountWorkflowID("acc-1"), account.AccountQuery)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Errorf("account query: %v", err)
		}
	})
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "flow"})
	h.env.ExecuteWorkflow(accountFlowForTest, accountFlowInput{Account: acc, Tasks: []TaskInput{t1, t2}, Until: 48 * time.Hour})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	mustAccept(t, "mark read", read)
	for _, e := range h.ch.renderErrs {
		t.Errorf("message does not render: %s", e)
	}

	if st.UnreadCount != 2 { // 43 accepted, 43 started (42's hand-over already e-mailed at 16:30)
		t.Fatalf("account at 17:00: %d unread %+v", st.UnreadCount, st.Unread)
	}
	ho := oneSend(t, h.ch, "task.handover")
	sameTime(t, "hand-over e-mail from the account", ho.At, berlin("2026-03-10 16:30"))
	if !strings.HasPrefix(ho.Step, account.AccountWorkflowID("acc-1")) {
		t.Fatalf("hand-over sent by %s, want the account", ho.Step)
	}
	d := oneSend(t, h.ch, account.AccountDigestTemplate)
	sameTime(t, "digest", d.At, berlin("2026-03-11 08:00"))
	if d.Data["count"] != "2" || d.Data["task_ids"] != "task-43" || !strings.Contains(d.Data["items"], "Reise planen") {
		t.Fatalf("digest %+v", d.Data)
	}
}

// T-8, issue #14: an intermediate result's hand-over e-mail invites no
// rating and links the result, whether the account sends it (the task
// told it) or the task itself (the account was not reachable).
func TestT8_IntermediateHandoverMailLinksTheResultWithoutRatingInvite(t *testing.T) {
	start := berlin("2026-03-09 09:00") // Monday
	h := newTaskHarness(t, start)
	s := handoverNote("task-1", 3)
	s.Text, s.Intermediate, s.Link = "intermediate result handed over", true, "https://app.example/tasks/task-1/results/3"
	h.notifyAccount(berlin("2026-03-09 14:00"), s)
	h.runAccountChecked(newGermanAccount(), berlin("2026-03-10 12:00"))
	mails := h.ch.of(account.AccountHandoverTemplate)
	require.Len(t, mails, 1)
	assert.Equal(t, "true", mails[0].Data["intermediate"])
	assert.Equal(t, "https://app.example/tasks/task-1/results/3", mails[0].Data["result_url"])

	h2 := newTaskHarness(t, start)
	h2.accountDown = true
	h2.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h2.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", ResultURL: "https://app.example/r/1"})
	h2.update(berlin("2026-03-09 14:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h2.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h2.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))
	own := h2.ch.of("task.handover")
	require.Len(t, own, 2, "both hand-overs left unread")
	assert.Equal(t, "true", own[0].Data["intermediate"])
	assert.Equal(t, "https://app.example/r/1", own[0].Data["result_url"])
	assert.Empty(t, own[1].Data["intermediate"], "the final result invites the rating")
}
