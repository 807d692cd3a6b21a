package task

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// --- issue #13: long tasks ---------------------------------------------------------

// taskStep is one scheduled Update of a multi-run test.
type taskStep struct {
	at   time.Time
	name string
	arg  any
	r    *taskResult
	run  int
}

// taskRun is what one run did, for the history bounds.
type taskRun struct {
	start, end time.Time
	updates    int
	sends      int
	inputBytes int // the run's input: the carried state after a continue-as-new
	updBytes   int // Update arguments and results
	sendBytes  int // activity inputs (the sends' data)
}

// historyEvents bounds the events of a run's history from what it did (the
// test environment keeps no history): the start, per Update its accepted
// and completed events and a workflow task (3), per send a timer pair, an
// activity (3 events) and two workflow tasks, per Update again a timer pair
// (each chat to the customer arms its N-2 unread timer) and the close.
func (r taskRun) historyEvents() int { return 3 + r.updates*(2+3+2) + r.sends*(2+3+6) + 2 }

// historyBytes bounds the run's history size: its input, every Update's
// argument and result, every send's input, and 200 bytes per event.
func (r taskRun) historyBytes() int {
	return r.inputBytes + r.updBytes + r.sendBytes + 200*r.historyEvents()
}

// runTaskAcrossRuns runs the task, starting each continued run in a fresh
// test environment at the time the last one ended, with the Updates not yet
// done (the time-skipping environment does not follow continue-as-new).
func runTaskAcrossRuns(t *testing.T, start time.Time, in TaskInput, steps []*taskStep) (TaskState, []taskRun, []taskSent) {
	t.Helper()
	var runs []taskRun
	var sent []taskSent
	runStart := start
	for run := 0; run < 50; run++ {
		h := newTaskHarness(t, runStart)
		h.env.SetTestTimeout(3 * time.Minute)
		// One callback at a time, each scheduling the next: the environment
		// takes only so many pending callbacks.
		var todo []*taskStep
		for _, s := range steps {
			if s.r == nil || !s.r.done {
				s.r, s.run = &taskResult{}, run
				todo = append(todo, s)
			}
		}
		var next func(i int)
		next = func(i int) {
			if i >= len(todo) {
				return
			}
			s := todo[i]
			h.env.RegisterDelayedCallback(func() {
				h.send(s.name, s.arg, s.r)
				next(i + 1)
			}, max(0, s.at.Sub(h.env.Now())))
		}
		next(0)
		inBytes, _ := json.Marshal(in)
		h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: TaskWorkflowID(in.TaskID)})
		h.mockAccount()
		h.env.ExecuteWorkflow(names.TaskWorkflowName, in)
		if !h.env.IsWorkflowCompleted() {
			t.Fatalf("run %d did not complete", run)
		}
		r := taskRun{start: runStart, end: h.env.Now(), inputBytes: len(inBytes)}
		for _, s := range steps {
			if s.run == run && s.r.done && s.r.rejected == nil {
				a, _ := json.Marshal(s.arg)
				b, _ := json.Marshal(s.r.res)
				r.updates++
				r.updBytes += len(a) + len(b)
			}
		}
		h.ch.mu.Lock()
		for _, e := range h.ch.renderErrs {
			t.Errorf("run %d: message does not render: %s", run, e)
		}
		for _, x := range h.ch.sent {
			d, _ := json.Marshal(x.Data)
			r.sends++
			r.sendBytes += len(d) + 300 // addresses, step, options
		}
		sent = append(sent, h.ch.sent...)
		h.ch.mu.Unlock()
		runs = append(runs, r)

		err := h.env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next TaskInput
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				t.Fatalf("run %d: continue-as-new input: %v", run, err)
			}
			if next.Carry == nil {
				t.Fatalf("run %d continued without carrying the task", run)
			}
			in, runStart = next, h.env.Now()
			continue
		}
		if err != nil {
			t.Fatalf("run %d failed: %v", run, err)
		}
		var st TaskState
		if err := h.env.GetWorkflowResult(&st); err != nil {
			t.Fatal(err)
		}
		return st, runs, sent
	}
	t.Fatal("the task never ended")
	return TaskState{}, nil, nil
}

// Issue #13 with T-5, N-1, N-2, T-7: a task driven through 2,100 chat
// messages (and mark-read and log-time Updates between them) continues as
// new several times; each run stays under 2 MB and 10k history events and
// takes far fewer than the server's 2,000 Updates; no Update answers more
// than 1 KB (the harness checks every answer); the state stays capped and
// keeps no chat text; the deadline carried across runs still warns once and
// flags the miss once, refund eligible (T-5).
func TestT5_N2_LongChatContinuesAsNewAndKeepsTheDeadline(t *testing.T) {
	start := berlin("2026-03-09 09:00") // Monday
	deadline := berlin("2026-03-11 15:00")
	in := newTaskInput(start, deadline)
	in.BudgetMinutes = 100000
	steps := []*taskStep{{at: berlin("2026-03-09 09:10"), name: TaskUpdateAccept, arg: TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice}}}
	const chats = 2100
	for i := 0; i < chats; i++ {
		at := berlin("2026-03-09 09:15").Add(time.Duration(i) * 2 * time.Minute)
		from := taskAssistant
		if i%2 == 1 {
			from = taskCustomer
		}
		steps = append(steps, &taskStep{at: at, name: TaskUpdateChat,
			arg: TaskChatRequest{From: from, MessageRef: fmt.Sprintf("msg-%d", i), MessageURL: fmt.Sprintf("https://app.partner.test/chat/42#msg-%d", i)}})
		if i%10 == 9 {
			steps = append(steps, &taskStep{at: at.Add(time.Minute), name: TaskUpdateMarkRead, arg: TaskMarkReadRequest{}})
		}
		if i%25 == 24 {
			steps = append(steps, &taskStep{at: at.Add(time.Minute), name: TaskUpdateLogTime,
				arg: TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 1, Note: "chat", Reason: "long chat"}})
		}
	}
	steps = append(steps,
		&taskStep{at: berlin("2026-03-12 10:00"), name: TaskUpdateHandover, arg: TaskHandoverRequest{Assistant: "vpa-7", Final: true}},
		&taskStep{at: berlin("2026-03-12 10:05"), name: TaskUpdateRate, arg: jobcore.RateRequest{Stars: 5}})

	st, runs, sent := runTaskAcrossRuns(t, start, in, steps)

	for _, s := range steps {
		if !s.r.done || s.r.rejected != nil || s.r.err != nil {
			t.Fatalf("%s at %s: done %v, refused %v %v", s.name, s.at, s.r.done, s.r.rejected, s.r.err)
		}
	}
	if len(runs) < 2 || st.Runs != len(runs)-1 {
		t.Fatalf("%d runs, state counts %d continue-as-new", len(runs), st.Runs)
	}
	for i, r := range runs {
		if r.updates > TaskContinueAsNewUpdates+5 || r.updates >= 2000 {
			t.Errorf("run %d took %d Updates", i, r.updates)
		}
		if r.historyEvents() >= 10000 || r.historyBytes() >= 2<<20 {
			t.Errorf("run %d: history about %d events, %d bytes (want under 10k, 2 MB)", i, r.historyEvents(), r.historyBytes())
		}
		if r.inputBytes > 256<<10 {
			t.Errorf("run %d: carried input %d bytes", i, r.inputBytes)
		}
	}
	t.Logf("%d runs; last carried input %d bytes; first run %d updates, ~%d events, ~%d bytes",
		len(runs), runs[len(runs)-1].inputBytes, runs[0].updates, runs[0].historyEvents(), runs[0].historyBytes())

	// Bounded state, no chat text (issue #13, N-2).
	if st.ChatTotal != chats || len(st.Chat) > TaskChatKeep || len(st.Notifications) > TaskNotificationsKeep ||
		len(st.Log) > TaskLogKeep || len(st.Deliveries) > TaskDeliveriesKeep || len(st.TimeEntries) > TaskTimeEntriesKeep {
		t.Fatalf("state not capped: chat %d/%d, notifications %d, log %d, deliveries %d, time entries %d",
			len(st.Chat), st.ChatTotal, len(st.Notifications), len(st.Log), len(st.Deliveries), len(st.TimeEntries))
	}
	for _, c := range st.Chat {
		if c.Text != "" || c.Ref == "" {
			t.Fatalf("chat message %+v", c)
		}
	}
	if st.UsedMinutes != chats/25 || st.TimeEntriesTotal != chats/25 {
		t.Fatalf("T-7: used %d min in %d entries", st.UsedMinutes, st.TimeEntriesTotal)
	}

	// T-5 across runs: one warning, one miss at the carried deadline.
	of := func(template string) []taskSent {
		var out []taskSent
		for _, s := range sent {
			if s.Template == template {
				out = append(out, s)
			}
		}
		return out
	}
	missed := of("ops.task_deadline_missed")
	if len(missed) != 1 {
		t.Fatalf("T-5: deadline-missed alert sent %d times", len(missed))
	}
	sameTime(t, "T-5 deadline missed", missed[0].At, deadline)
	if missedRun := func() int {
		for i, r := range runs {
			if !deadline.Before(r.start) && deadline.Before(r.end) {
				return i
			}
		}
		return -1
	}(); missedRun < 1 {
		t.Fatalf("T-5: the deadline fell in run %d, want a continued run", missedRun)
	}
	if len(of("assistant.deadline_warning")) != 1 {
		t.Fatalf("T-5: warning sent %d times", len(of("assistant.deadline_warning")))
	}
	if !st.RefundEligible || st.Status != TaskRated {
		t.Fatalf("final: status %s, refund eligible %v", st.Status, st.RefundEligible)
	}
	// N-2: unread messages were e-mailed with their link; read ones not.
	for _, m := range of("task.chat_unread") {
		if !strings.HasPrefix(m.Data["message_url"], "https://app.partner.test/chat/42#msg-") {
			t.Fatalf("N-2 e-mail without the message's link: %+v", m.Data)
		}
	}
	// Step keys stay unique across runs (the adapters deduplicate by them).
	keys := map[string]bool{}
	for _, s := range sent {
		if keys[s.Step] {
			t.Fatalf("step %s sent twice", s.Step)
		}
		keys[s.Step] = true
	}
}

// T-1, T-2 (issue #13): an unreviewed task does not wait forever after the
// review-overdue alert: ops are alerted again every review_escalation (4 h)
// and review_give_up (72 h) after the reaction time the task closes with
// closed_reason review_not_done, which ops filter on.
func TestT1_UnreviewedTaskEscalatesThenClosesWithReason(t *testing.T) {
	start := berlin("2026-03-09 10:00") // Monday: reviewed by 18:00 (T-2)
	h := newTaskHarness(t, start)
	st := h.runTask(newTaskInput(start, berlin("2026-03-27 15:00")))
	checkReviewEscalations(t, st, h.ch.of("ops.task_review_overdue"), berlin("2026-03-09 18:00"), rules.DefaultPolicy())
}

func checkReviewEscalations(t *testing.T, st TaskState, alerts []taskSent, review time.Time, p rules.Policy) {
	t.Helper()
	n := int(p.ReviewGiveUp/p.ReviewEscalation) - 1 // escalations strictly before the close
	if len(alerts) != n+2 {
		t.Fatalf("T-1: %d review alerts, want the first, %d escalations and the close", len(alerts), n)
	}
	sameTime(t, "T-1 first alert", alerts[0].At, review)
	for i := 1; i <= n; i++ {
		sameTime(t, fmt.Sprintf("T-1 escalation %d", i), alerts[i].At, review.Add(time.Duration(i)*p.ReviewEscalation))
		if alerts[i].Data["escalation"] != fmt.Sprint(i) {
			t.Fatalf("escalation %d data %+v", i, alerts[i].Data)
		}
	}
	last := alerts[n+1]
	sameTime(t, "T-1 closed unreviewed", last.At, review.Add(p.ReviewGiveUp))
	if last.Data["closed"] != "true" || last.Data["closed_reason"] != TaskClosedReviewNotDone {
		t.Fatalf("closing alert %+v", last.Data)
	}
	if st.Status != TaskClosed || st.ClosedReason != TaskClosedReviewNotDone || st.ReviewEscalations != n || !st.ReviewOverdue {
		t.Fatalf("T-1: status %s, reason %q, %d escalations", st.Status, st.ClosedReason, st.ReviewEscalations)
	}
	if !hasLog(st, "closed-unreviewed") {
		t.Fatal("no log line for the close")
	}
}

// T-1 with issue #13: the escalations go on across continue-as-new from the
// carried count and review deadline: no alert twice, none lost.
func TestT1_ReviewEscalationsSurviveContinueAsNew(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	in := newTaskInput(start, berlin("2026-03-27 15:00"))
	var steps []*taskStep
	for i := 0; i < 700; i++ { // the customer writes while nobody reviews
		steps = append(steps, &taskStep{at: start.Add(5*time.Minute + time.Duration(i)*5*time.Minute), name: TaskUpdateChat,
			arg: TaskChatRequest{From: taskCustomer, MessageRef: fmt.Sprintf("c-%d", i)}})
	}
	st, runs, sent := runTaskAcrossRuns(t, start, in, steps)
	if len(runs) < 3 {
		t.Fatalf("%d runs, want continue-as-new during the escalations", len(runs))
	}
	var alerts []taskSent
	for _, s := range sent {
		if s.Template == "ops.task_review_overdue" {
			alerts = append(alerts, s)
		}
	}
	checkReviewEscalations(t, st, alerts, berlin("2026-03-09 18:00"), rules.DefaultPolicy())
}

// Issue 14: a customer e-mail the provider refuses reaches ops as
// ops.delivery_failed naming the task, the step, the channel and the error
// type, and the alert renders (it used to fail with ErrTemplate).
func TestTaskDeliveryFailureAlertsOpsAndRenders(t *testing.T) {
	start := berlin("2026-03-09 10:00") // Monday, inside the e-mail window
	h := newTaskHarness(t, start)
	h.ch.emailErr = temporal.NewNonRetryableApplicationError("bad address", activities.ErrEmailRejected, nil)
	h.update(berlin("2026-03-09 11:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer, Reason: "created by mistake"})
	h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))
	alerts := h.ch.of("ops.delivery_failed")
	if len(alerts) == 0 {
		t.Fatal("no ops.delivery_failed alert for the refused ack e-mail")
	}
	d := alerts[0].Data
	if d["job_id"] != "task-42" || d["channel"] != "email" || d["error_type"] != "failed: "+activities.ErrEmailRejected || !strings.HasPrefix(d["step"], "ack") {
		t.Errorf("alert data %v", d)
	}
}

// sendID sends an Update with the caller's Update id (the API's
// Idempotency-Key).
func (h *taskHarness) sendID(when time.Time, name, id string, arg any) *taskResult {
	r := &taskResult{}
	h.at(when, func() {
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.done, r.rejected = true, err },
			OnComplete: func(v any, err error) {
				r.done, r.err = true, err
				if res, ok := v.(TaskUpdateResult); ok {
					r.res = res
				}
			},
		}, arg)
	})
	return r
}

// runUntilCancelled runs the task until `until`, returns its state then.
func (h *taskHarness) runUntilCancelled(in TaskInput, until time.Time) TaskState {
	h.t.Helper()
	st := &TaskState{}
	h.at(until, func() {
		v, err := h.env.QueryWorkflow(TaskQuery)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
		h.env.CancelWorkflow()
	})
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: TaskWorkflowID(in.TaskID)})
	h.mockAccount()
	h.env.ExecuteWorkflow(names.TaskWorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	return *st
}

// Issue #13: Temporal dedupes an Update id within a run only; a request
// retried with the same Idempotency-Key after the task continued as new is
// refused as a duplicate (the API answers it with the current result), not
// applied twice. The carried ids are bounded (TaskCarriedUpdateIDs).
func TestT7_RetryAcrossContinueAsNewIsNotAppliedTwice(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	first := h.sendID(berlin("2026-03-09 11:00"), TaskUpdateLogTime, "key-1", TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 30})
	st := h.runUntilCancelled(in, berlin("2026-03-09 11:30"))
	mustAccept(t, "first log-time", first)
	require.Len(t, st.TimeEntries, 1)

	// The next run, as continue-as-new hands it over (the ids of the run).
	next := in
	next.Carry = &TaskCarry{State: st, Assistant: in.Assistant, UpdateIDs: []string{"key-0", "key-1"}}
	h2 := newTaskHarness(t, berlin("2026-03-09 11:30"))
	retry := h2.sendID(berlin("2026-03-09 11:31"), TaskUpdateLogTime, "key-1", TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 30})
	fresh := h2.sendID(berlin("2026-03-09 11:32"), TaskUpdateLogTime, "key-2", TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 15})
	st2 := h2.runUntilCancelled(next, berlin("2026-03-09 12:00"))
	mustRefuse(t, "the retried request", retry, "already applied")
	var app *temporal.ApplicationError
	require.ErrorAs(t, retry.rejected, &app)
	assert.Equal(t, ErrTypeDuplicateRequest, app.Type())
	mustAccept(t, "a new request", fresh)
	assert.Len(t, st2.TimeEntries, 2, "the retry added nothing")
	assert.Equal(t, 45, st2.UsedMinutes)
}
