package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/jobflow/jobflow/activities"
	catalogue "github.com/jobflow/jobflow/outreach"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"strings"
	"sync"
	"testing"
	"time"
)

// --- harness shared by the task, account and digest tests -------------------

// taskSent is one send the fake channels saw, with the workflow clock.
type taskSent struct {
	At       time.Time
	Channel  string // email, sms, ops
	Template string
	To       string
	Step     string
	Data     map[string]string
}

// taskChannels records every send at the test environment's clock.
// Every message is rendered with the real catalogue: a send whose template
// lacks a field fails the test (renderErrs), as for visits.
type taskChannels struct {
	mu         sync.Mutex
	env        *testsuite.TestWorkflowEnvironment
	sent       []taskSent
	renderErrs []string
	emailErr   error // when set, every customer e-mail fails with it
}

func (f *taskChannels) add(s taskSent, msg activities.Message) {
	_, err := catalogue.Render(msg)
	f.mu.Lock()
	defer f.mu.Unlock()
	s.At = f.env.Now()
	f.sent = append(f.sent, s)
	if err != nil {
		f.renderErrs = append(f.renderErrs, s.Template+": "+err.Error())
	}
}

func (f *taskChannels) SendSMS(_ context.Context, r activities.SMSRequest) (activities.SMSResult, error) {
	f.add(taskSent{Channel: "sms", Template: r.Message.Template, To: r.To, Step: r.Step.Key(), Data: r.Message.Data}, r.Message)
	return activities.SMSResult{SID: "sms-" + r.Step.Key()}, nil
}

func (f *taskChannels) ReminderCall(_ context.Context, r activities.CallRequest) (activities.CallResult, error) {
	f.add(taskSent{Channel: "call", Template: r.Message.Template, To: r.To, Step: r.Step.Key(), Data: r.Message.Data}, r.Message)
	return activities.CallResult{SID: "call-" + r.Step.Key(), Outcome: activities.CallAnswered}, nil
}

func (f *taskChannels) SendEmail(_ context.Context, r activities.EmailRequest) (activities.EmailResult, error) {
	f.add(taskSent{Channel: "email", Template: r.Message.Template, To: r.To, Step: r.Step.Key(), Data: r.Message.Data}, r.Message)
	if f.emailErr != nil {
		return activities.EmailResult{}, f.emailErr
	}
	return activities.EmailResult{MessageID: "email-" + r.Step.Key()}, nil
}

func (f *taskChannels) AlertOps(_ context.Context, r activities.OpsAlert) (activities.AlertResult, error) {
	f.add(taskSent{Channel: "ops", Template: r.Message.Template, Step: r.Step.Key(), Data: r.Message.Data}, r.Message)
	return activities.AlertResult{ID: "ops-" + r.Step.Key()}, nil
}

// of returns the sends of one template, in order.
func (f *taskChannels) of(template string) []taskSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []taskSent
	for _, s := range f.sent {
		if s.Template == template {
			out = append(out, s)
		}
	}
	return out
}

// berlin, stockholm: wall-clock times in the markets' zones.
func berlin(s string) time.Time { return wall(rules.Germany, s) }

func wall(m rules.Market, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, m.Location())
	if err != nil {
		panic(err)
	}
	return t
}

type taskHarness struct {
	t     *testing.T
	suite testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	ch    *taskChannels
	start time.Time

	// The task's signals to its account (account_notify.go); with
	// accountDown they fail, as when the account is not running.
	accountDown    bool
	accountSignals []any
	// retired: run NotificationDigest as a new run (ChangeDigestRetired).
	retired bool
}

func newTaskHarness(t *testing.T, start time.Time) *taskHarness {
	h := &taskHarness{t: t, start: start}
	h.suite.SetLogger(taskQuietLogger{})
	h.env = h.suite.NewTestWorkflowEnvironment()
	h.env.SetStartTime(start)
	h.env.SetTestTimeout(30 * time.Second)
	h.ch = &taskChannels{env: h.env}
	h.env.RegisterActivity(&activities.Outreach{Channels: h.ch})
	registerTaskFlows(h.env)
	return h
}

// mockAccount answers the task's signals to its account (after every
// registration: the test suite wants mocks last).
func (h *taskHarness) mockAccount() {
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Maybe().Return(
		func(_, _, _, _ string, arg any) error {
			h.ch.mu.Lock()
			defer h.ch.mu.Unlock()
			h.accountSignals = append(h.accountSignals, arg)
			if h.accountDown {
				return errors.New("account not running")
			}
			return nil
		})
}

// registerTaskFlows registers the task, account and digest
// workflows under their names.
func registerTaskFlows(env *testsuite.TestWorkflowEnvironment) {
	Register(env)
	account.Register(env)
	account.RegisterDigest(env)
}

// taskResult is an update's outcome, filled when it completes.
type taskResult struct {
	done     bool
	rejected error
	err      error
	res      TaskUpdateResult // the Update's small answer; the state is the Query's (issue #13)
}

// maxUpdateResult is the most an Update may put into the history per call (issue #13).
const maxUpdateResult = 1024

// at runs f at the wall-clock time `when` (after the start).
func (h *taskHarness) at(when time.Time, f func()) {
	d := when.Sub(h.start)
	if d < 0 {
		h.t.Fatalf("callback at %s is before the start %s", when, h.start)
	}
	h.env.RegisterDelayedCallback(f, d)
}

// update sends an update at `when` and records its result.
func (h *taskHarness) update(when time.Time, name string, arg any) *taskResult {
	r := &taskResult{}
	h.at(when, func() { h.send(name, arg, r) })
	return r
}

// send sends an update now and records its result in r.
func (h *taskHarness) send(name string, arg any, r *taskResult) {
	{
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.done, r.rejected = true, err },
			OnComplete: func(v any, err error) {
				r.done, r.err = true, err
				if res, ok := v.(TaskUpdateResult); ok {
					r.res = res
				} else if v != nil {
					h.t.Errorf("%s answered %T, want TaskUpdateResult", name, v)
				}
				if b, _ := json.Marshal(v); len(b) > maxUpdateResult {
					h.t.Errorf("%s answered %d bytes, want at most %d (issue #13)", name, len(b), maxUpdateResult)
				}
			},
		}, arg)
	}
}

// query reads the task's state at `when`.
func (h *taskHarness) query(when time.Time) *TaskState {
	st := &TaskState{}
	h.at(when, func() {
		v, err := h.env.QueryWorkflow(TaskQuery)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		if err := v.Get(st); err != nil {
			h.t.Errorf("query decode: %v", err)
		}
	})
	return st
}

func (h *taskHarness) runTask(in TaskInput) TaskState {
	h.t.Helper()
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: TaskWorkflowID(in.TaskID)})
	h.mockAccount()
	h.env.ExecuteWorkflow(jobcore.TaskWorkflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("task workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("task workflow failed: %v", err)
	}
	var st TaskState
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	h.ch.mu.Lock()
	defer h.ch.mu.Unlock()
	for _, e := range h.ch.renderErrs {
		h.t.Errorf("message does not render: %s", e)
	}
	return st
}

func mustAccept(t *testing.T, name string, r *taskResult) {
	t.Helper()
	if !r.done {
		t.Fatalf("%s: update never completed", name)
	}
	if r.rejected != nil || r.err != nil {
		t.Fatalf("%s: refused: %v %v", name, r.rejected, r.err)
	}
}

func mustRefuse(t *testing.T, name string, r *taskResult, contains string) {
	t.Helper()
	if r.rejected == nil {
		t.Fatalf("%s: want refusal containing %q, got accepted (err %v)", name, contains, r.err)
	}
	if !strings.Contains(r.rejected.Error(), contains) {
		t.Fatalf("%s: refusal %q does not contain %q", name, r.rejected, contains)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s at %s, want %s", what, got.In(want.Location()), want)
	}
}

func oneSend(t *testing.T, ch *taskChannels, template string) taskSent {
	t.Helper()
	s := ch.of(template)
	if len(s) != 1 {
		t.Fatalf("%s sent %d times, want once (all: %+v)", template, len(s), ch.sent)
	}
	return s[0]
}

// taskQuietLogger drops the SDK's logs in tests.
type taskQuietLogger struct{}

func (taskQuietLogger) Debug(string, ...any) {}

func (taskQuietLogger) Info(string, ...any) {}

func (taskQuietLogger) Warn(string, ...any) {}

func (taskQuietLogger) Error(string, ...any) {}

var (
	taskCustomer  = jobcore.Actor{Role: jobcore.RoleCustomer, ID: "acc-1"}
	taskAssistant = jobcore.Actor{Role: jobcore.RoleAssistant, ID: "vpa-7"}
	taskOps       = jobcore.Actor{Role: jobcore.RoleOps, ID: "ops-1"}
)

// newTaskInput: a German task created by the customer at `created`.
func newTaskInput(created time.Time, deadline time.Time) TaskInput {
	return TaskInput{
		TaskID: "42", AccountID: "acc-1", Market: rules.Germany, Language: rules.German,
		Title: "Recherche Lieferanten", Description: "Zehn Lieferanten finden", BudgetMinutes: 180,
		Deadline:  deadline,
		Customer:  jobcore.Customer{Name: "Erika Muster", Email: "erika@example.test", Phone: "+4915100000000", Language: rules.German},
		Assistant: TaskAssistant{ID: "vpa-7", Email: "vpa7@example.test", Language: rules.German},
		CreatedBy: taskCustomer, LinkBase: "https://app.example.test/",
		Policy: rules.DefaultPolicy(),
	}
}

// --- T-1, T-2 -------------------------------------------------------------------

func TestT1_AckNamesTheReviewDeadline(t *testing.T) {
	start := berlin("2026-03-09 10:00") // Monday
	h := newTaskHarness(t, start)
	del := h.update(berlin("2026-03-09 11:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer, Reason: "created by mistake"})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	ack := oneSend(t, h.ch, "task.ack")
	sameTime(t, "ack", ack.At, start)
	if got, want := ack.Data["review_deadline"], "2026-03-09T18:00:00+01:00"; got != want {
		t.Fatalf("ack names review deadline %q, want %q", got, want)
	}
	if ack.To != "erika@example.test" || ack.Step != "task-42/ack-1" {
		t.Fatalf("ack to %q step %q", ack.To, ack.Step)
	}
	mustAccept(t, "delete", del)
	if st.Status != TaskDeleted {
		t.Fatalf("status %s, want deleted", st.Status)
	}
	sameTime(t, "review deadline", st.ReviewDeadline, berlin("2026-03-09 18:00"))
	if len(st.Log) != 2 || st.Log[1].Action != "deleted" || st.Log[1].By != taskCustomer || st.Log[1].From != TaskReview {
		t.Fatalf("log %+v", st.Log)
	}
}

// The example: Thursday before Easter, 15:00, Germany -> Tuesday 12:00;
// nobody reviews, so ops hear of it at that moment.
func TestT2_ReviewDeadlineOverEasterAndOverdueEscalates(t *testing.T) {
	start := berlin("2026-04-02 15:00")
	h := newTaskHarness(t, start)
	q := h.query(berlin("2026-04-02 15:01"))
	del := h.update(berlin("2026-04-07 13:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskOps, Reason: "duplicate"})
	st := h.runTask(newTaskInput(start, berlin("2026-04-20 17:00")))

	sameTime(t, "review deadline", q.ReviewDeadline, berlin("2026-04-07 12:00"))
	if got := oneSend(t, h.ch, "task.ack").Data["review_deadline"]; got != "2026-04-07T12:00:00+02:00" {
		t.Fatalf("ack names %q", got)
	}
	alert := oneSend(t, h.ch, "ops.task_review_overdue")
	sameTime(t, "review overdue alert", alert.At, berlin("2026-04-07 12:00"))
	if _, leaked := alert.Data["name"]; leaked {
		t.Fatal("ops alert carries the customer's name")
	}
	mustAccept(t, "delete", del)
	if !st.ReviewOverdue {
		t.Fatal("review not marked overdue")
	}
}

func TestT1_QuestionsInTimeAreAReaction(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	ask := h.update(berlin("2026-03-09 11:00"), TaskUpdateAskQuestions, TaskQuestionsRequest{Assistant: "vpa-7", Questions: "Welche Region?"})
	del := h.update(berlin("2026-03-10 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))
	mustAccept(t, "ask", ask)
	mustAccept(t, "delete after questions (still review)", del)
	if len(h.ch.of("ops.task_review_overdue")) != 0 || st.ReviewOverdue {
		t.Fatal("questions asked in time, yet the review escalated")
	}
	if len(st.Chat) != 1 || st.Notifications[0].Kind != NoteChat {
		t.Fatalf("questions not in chat/notifications: %+v %+v", st.Chat, st.Notifications)
	}
}

// --- T-3 ------------------------------------------------------------------------

func TestT3_SpecialistAreaNeedsOpsRelease(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	early := h.update(berlin("2026-03-09 10:10"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaDesign})
	wrongArea := h.update(berlin("2026-03-09 10:20"), TaskUpdateRelease, TaskReleaseRequest{Ops: "ops-1", Area: rules.AreaMarketing})
	rel := h.update(berlin("2026-03-09 10:30"), TaskUpdateRelease, TaskReleaseRequest{Ops: "ops-1", Area: rules.AreaDesign})
	otherSpecialist := h.update(berlin("2026-03-09 10:35"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaSales})
	acc := h.update(berlin("2026-03-09 10:40"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaDesign})
	accepted := h.query(berlin("2026-03-09 10:41"))
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 11:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustRefuse(t, "design before release", early, "ops must release it")
	mustRefuse(t, "release marketing", wrongArea, "not a specialist area")
	mustAccept(t, "release", rel)
	mustRefuse(t, "sales after a design release", otherSpecialist, "ops must release it")
	mustAccept(t, "accept design", acc)
	if acc.res.Status != TaskAccepted {
		t.Fatalf("accept answered %+v", acc.res)
	}
	if accepted.WorkArea != rules.AreaDesign || accepted.CustomerFactor != "2.0" || accepted.AssistantFactor != "1.8" || accepted.CustomerBudgetMinutes != 360 {
		t.Fatalf("accepted state %+v", accepted)
	}
	if len(h.ch.of("task.marketing_factor")) != 0 {
		t.Fatal("design sent the marketing message")
	}
	if st.Status != TaskRated {
		t.Fatalf("status %s", st.Status)
	}
}

func TestT3_MarketingTellsFactorAndBudget(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	acc := h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaMarketing})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 11:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 4})
	h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustAccept(t, "accept marketing", acc)
	m := oneSend(t, h.ch, "task.marketing_factor")
	sameTime(t, "marketing message", m.At, berlin("2026-03-09 10:30"))
	for k, want := range map[string]string{"factor": "1.3", "work_minutes": "180", "customer_minutes": "234", "customer_time": "3:54", "work_time": "3:00"} {
		if m.Data[k] != want {
			t.Errorf("%s = %q, want %q", k, m.Data[k], want)
		}
	}
}

// --- T-4 ------------------------------------------------------------------------

func TestT4_DeleteRefusedOnceAccepted(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	byAssistant := h.update(berlin("2026-03-09 10:10"), TaskUpdateDelete, TaskDeleteRequest{By: taskAssistant})
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	del := h.update(berlin("2026-03-09 11:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.update(berlin("2026-03-09 12:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 12:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 17:00")))

	mustRefuse(t, "delete by assistant", byAssistant, "only the customer or ops")
	mustRefuse(t, "delete after accept", del, "deleted only while in review; once accepted it can only be handed over (T-4)")
	if st.Status != TaskRated {
		t.Fatalf("status %s", st.Status)
	}
}

// --- T-5 ------------------------------------------------------------------------

func TestT5_DeadlineWarningThenRefundFlagAndOpsAlert(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00") // Friday
	h := newTaskHarness(t, start)
	rating.Register(h.env) // 2 stars start the follow-up child (rating.go)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	before := h.query(berlin("2026-03-13 14:59"))
	after := h.query(berlin("2026-03-13 15:01"))
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	rated := h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 2})
	decided := h.decideFollowUp(berlin("2026-03-16 11:00"), TaskWorkflowID("42"))
	st := h.runTask(newTaskInput(start, deadline))

	warn := oneSend(t, h.ch, "assistant.deadline_warning")
	sameTime(t, "deadline warning", warn.At, berlin("2026-03-11 15:00")) // 48 h ahead, inside the e-mail window
	if warn.To != "vpa7@example.test" || warn.Data["deadline"] != "2026-03-13T15:00:00+01:00" {
		t.Fatalf("warning %+v", warn)
	}
	if before.RefundEligible || !after.RefundEligible || !after.DeadlineMissed {
		t.Fatalf("refund flag before %v after %v", before.RefundEligible, after.RefundEligible)
	}
	missed := oneSend(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed alert", missed.At, deadline)
	if missed.Data["refund_eligible"] != "true" || missed.Data["task_id"] != "task-42" {
		t.Fatalf("alert data %+v", missed.Data)
	}
	if !st.RefundEligible {
		t.Fatal("refund flag lost")
	}
	// 2 stars start the follow-up, which alerts the team lead once; the
	// task itself sends nothing of its own about the rating.
	mustAccept(t, "rate", rated)
	low := oneSend(t, h.ch, "ops.rating_low")
	sameTime(t, "team lead alert", low.At, berlin("2026-03-16 10:10"))
	if low.Data["job_id"] != "task-42" || low.Data["stars"] != "2" {
		t.Fatalf("alert data %+v", low.Data)
	}
	if len(h.ch.of("ops.task_low_rating")) != 0 {
		t.Fatal("the task alerted the team lead itself besides the follow-up")
	}
	if !*decided {
		t.Fatal("the team lead could not decide on the follow-up")
	}
	if !hasLog(st, "rating-followup") {
		t.Fatalf("no rating-followup line in the log %+v", st.Log)
	}
}

// decideFollowUp records the team lead's decision on the task's R-2
// follow-up at `when` (the follow-up outlives the task; the decision ends it).
func (h *taskHarness) decideFollowUp(when time.Time, taskWorkflowID string) *bool {
	ok := new(bool)
	h.at(when, func() {
		err := h.env.UpdateWorkflowByID(rating.RatingFollowUpID(taskWorkflowID), rating.UpdateRatingDecide, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(_ any, err error) { *ok = err == nil },
		}, rating.RatingDecideRequest{TeamLead: "tl-1", Decision: "talk to vpa-7", Answer: "Entschuldigung"})
		if err != nil {
			h.t.Errorf("decide: %v", err)
		}
	})
	return ok
}

func hasLog(st TaskState, action string) bool {
	for _, l := range st.Log {
		if l.Action == action {
			return true
		}
	}
	return false
}

func TestT5_HandoverInTimeNoRefund(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-12 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	st := h.runTask(newTaskInput(start, berlin("2026-03-13 15:00")))
	if st.RefundEligible || len(h.ch.of("ops.task_deadline_missed")) != 0 {
		t.Fatal("handed over in time, yet flagged")
	}
	if st.Status != TaskClosed {
		t.Fatalf("unrated task: status %s, want closed after the rating window", st.Status)
	}
}

// --- T-6 ------------------------------------------------------------------------

func TestT6_ExtensionDeclinedKeepsOldDeadline(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	req := h.update(berlin("2026-03-10 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "Quelle fehlt", NewDeadline: berlin("2026-03-18 15:00")})
	second := h.update(berlin("2026-03-10 11:05"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "again", NewDeadline: berlin("2026-03-19 15:00")})
	dec := h.update(berlin("2026-03-10 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: false})
	again := h.update(berlin("2026-03-10 12:05"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 4})
	st := h.runTask(newTaskInput(start, deadline))

	mustAccept(t, "request", req)
	mustRefuse(t, "second request while pending", second, "still waiting")
	mustAccept(t, "decline", dec)
	mustRefuse(t, "answer twice", again, "already declined")
	mail := oneSend(t, h.ch, "task.extension_request")
	sameTime(t, "extension e-mail", mail.At, berlin("2026-03-10 11:00"))
	if mail.Data["consent_url"] != "https://app.example.test/tasks/task-42/extensions/1" ||
		mail.Data["proposed_deadline"] != "2026-03-18T15:00:00+01:00" || mail.Data["reason"] != "Quelle fehlt" {
		t.Fatalf("extension e-mail data %+v", mail.Data)
	}
	sameTime(t, "deadline", st.Deadline, deadline)
	missed := oneSend(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed at the old deadline", missed.At, deadline)
	if st.Extensions[0].Status != ExtensionDeclined || !st.RefundEligible {
		t.Fatalf("extension %+v refund %v", st.Extensions[0], st.RefundEligible)
	}
}

func TestT6_ExtensionAgreedMovesDeadlineAndTimer(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	old, moved := berlin("2026-03-13 15:00"), berlin("2026-03-18 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-12 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "Kunde liefert später", NewDeadline: moved})
	agree := h.update(berlin("2026-03-12 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	atOld := h.query(berlin("2026-03-13 15:01"))
	h.update(berlin("2026-03-19 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-19 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, old))

	mustAccept(t, "agree", agree)
	sameTime(t, "deadline after agreement", agree.res.Deadline, moved)
	if atOld.RefundEligible {
		t.Fatal("the old deadline still fired after the customer agreed")
	}
	missed := oneSend(t, h.ch, "ops.task_deadline_missed")
	sameTime(t, "missed at the new deadline", missed.At, moved)
	warns := h.ch.of("assistant.deadline_warning")
	if len(warns) != 2 {
		t.Fatalf("%d deadline warnings, want one per deadline", len(warns))
	}
	sameTime(t, "warning for the old deadline", warns[0].At, berlin("2026-03-11 15:00"))
	sameTime(t, "warning for the new deadline", warns[1].At, berlin("2026-03-16 15:00"))
	if st.OriginalDeadline != old && !st.OriginalDeadline.Equal(old) {
		t.Fatal("original deadline lost")
	}
}

func TestT6_UnansweredRequestExpiresAndASecondOneWorks(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	old := berlin("2026-03-27 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-10 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r1", NewDeadline: berlin("2026-03-30 15:00")})
	expired := h.query(berlin("2026-03-13 11:01")) // 72 h later
	late := h.update(berlin("2026-03-13 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	h.update(berlin("2026-03-16 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r2", NewDeadline: berlin("2026-04-01 15:00")})
	agree := h.update(berlin("2026-03-16 13:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 2, Agree: true})
	h.update(berlin("2026-03-17 11:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "r3", NewDeadline: berlin("2026-04-08 15:00")})
	h.update(berlin("2026-03-17 12:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 3, Agree: true})
	h.update(berlin("2026-03-20 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-20 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, old))

	if expired.Extensions[0].Status != ExtensionExpired || !expired.Deadline.Equal(old) {
		t.Fatalf("after 72 h: %+v deadline %s", expired.Extensions[0], expired.Deadline)
	}
	mustRefuse(t, "answer after expiry", late, "already expired")
	mustAccept(t, "agree to the second", agree)
	sameTime(t, "deadline after the third", st.Deadline, berlin("2026-04-08 15:00"))
	if n := len(h.ch.of("task.extension_request")); n != 3 {
		t.Fatalf("%d extension e-mails, want 3", n)
	}
	if got := h.ch.of("task.extension_request")[2].Data["consent_url"]; got != "https://app.example.test/tasks/task-42/extensions/3" {
		t.Fatalf("third consent url %q", got)
	}
	if st.RefundEligible || len(h.ch.of("ops.task_deadline_missed")) != 0 {
		t.Fatal("deadline flagged")
	}
}

// T-6: the consent link carries the API's signed token (TaskInput.ConsentToken)
// for every request; the token is reusable, the answer is not: a second
// answer to the same request is refused, whatever it says.
func TestT6_ConsentLinkCarriesTheTokenAndAnswersOnce(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	in.ConsentToken = "tok.sig-_"
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	req := h.update(berlin("2026-03-10 10:00"), TaskUpdateRequestExtension, TaskExtensionRequest{Assistant: "vpa-7", Reason: "more sources", NewDeadline: berlin("2026-03-27 15:00")})
	requested := h.query(berlin("2026-03-10 10:01"))
	agree := h.update(berlin("2026-03-10 11:00"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: true})
	again := h.update(berlin("2026-03-10 11:01"), TaskUpdateRespondExtension, TaskExtensionResponse{ExtensionID: 1, Agree: false})
	h.update(berlin("2026-03-11 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-11 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(in)

	mustAccept(t, "request", req)
	want := "https://app.example.test/tasks/task-42/extensions/1?token=tok.sig-_"
	if req.res.ExtensionID != 1 || req.res.ExtensionStatus != ExtensionPending || req.res.ExtensionExpiresAt.IsZero() {
		t.Fatalf("request answered %+v", req.res)
	}
	if got := requested.Extensions[0].ConsentURL; got != want {
		t.Fatalf("consent url %q, want %q", got, want)
	}
	if got := oneSend(t, h.ch, "task.extension_request").Data; got["consent_url"] != want || got["task_title"] != in.Title {
		t.Fatalf("e-mail data %+v", got)
	}
	mustAccept(t, "agree", agree)
	mustRefuse(t, "second answer", again, "already agreed")
	sameTime(t, "deadline", st.Deadline, berlin("2026-03-27 15:00"))
}

// --- T-7 ------------------------------------------------------------------------

func TestT7_BudgetRequestOncePerCrossingWithReason(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-27 15:00"))
	in.BudgetMinutes = 100 // threshold: less than 20 min left
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	e1 := h.update(berlin("2026-03-09 12:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 80})
	noReason := h.update(berlin("2026-03-09 13:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5})
	e2 := h.update(berlin("2026-03-09 13:05"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5, Reason: "Mehr Quellen als erwartet"})
	e3 := h.update(berlin("2026-03-09 14:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 10})
	more := h.update(berlin("2026-03-09 15:00"), TaskUpdateChange, TaskChangeRequest{By: taskCustomer, BudgetMinutes: intp(200)})
	e4 := h.update(berlin("2026-03-10 10:00"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 70, Reason: "Zweite Runde"})
	h.update(berlin("2026-03-10 12:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	afterFinal := h.update(berlin("2026-03-10 12:30"), TaskUpdateLogTime, TaskTimeEntryRequest{Assistant: "vpa-7", Minutes: 5})
	h.update(berlin("2026-03-10 13:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(in)

	mustAccept(t, "80 min", e1)
	mustRefuse(t, "crossing without reason", noReason, "give the reason")
	mustAccept(t, "crossing with reason", e2)
	mustAccept(t, "already low", e3)
	mustAccept(t, "customer adds budget", more)
	mustAccept(t, "crossing again", e4)
	mustRefuse(t, "after the final hand-over", afterFinal, "before the final hand-over")
	asks := h.ch.of("task.budget_request")
	if len(asks) != 2 {
		t.Fatalf("%d budget requests, want 2 (one per crossing)", len(asks))
	}
	sameTime(t, "first ask", asks[0].At, berlin("2026-03-09 13:05"))
	if asks[0].Data["reason"] != "Mehr Quellen als erwartet" || asks[0].Data["remaining_minutes"] != "15" {
		t.Fatalf("first ask %+v", asks[0].Data)
	}
	if asks[1].Data["reason"] != "Zweite Runde" || asks[1].Data["remaining_minutes"] != "35" || asks[1].Data["budget_minutes"] != "200" {
		t.Fatalf("second ask %+v", asks[1].Data)
	}
	if st.UsedMinutes != 165 || st.RemainingMinutes != 35 || st.BudgetRequests != 2 {
		t.Fatalf("budget state used %d remaining %d requests %d", st.UsedMinutes, st.RemainingMinutes, st.BudgetRequests)
	}
}

func intp(i int) *int { return &i }

// --- T-8, R-1 ---------------------------------------------------------------------

func TestT8_IntermediateThenFinalHandoverThenRating(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	rating.Register(h.env) // 3 stars start the follow-up child (rating.go)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 10:40"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	mid := h.update(berlin("2026-03-10 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Note: "erste fünf", ResultRef: "cloud://42/v1"})
	earlyRate := h.update(berlin("2026-03-10 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	final := h.update(berlin("2026-03-11 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true, ResultRef: "cloud://42/v2"})
	badStars := h.update(berlin("2026-03-11 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 6})
	rate := h.update(berlin("2026-03-12 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 3, Comment: "ok"})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "intermediate", mid)
	if mid.res.Status != TaskStarted {
		t.Fatalf("intermediate hand-over changed status to %s", mid.res.Status)
	}
	mustRefuse(t, "rate before final", earlyRate, "after the final hand-over")
	mustAccept(t, "final", final)
	if final.res.Status != TaskHandedOver {
		t.Fatalf("final hand-over: %s", final.res.Status)
	}
	mustRefuse(t, "6 stars", badStars, "1 to 5")
	mustAccept(t, "rate", rate)
	if st.Status != TaskRated || st.Rating.Stars != 3 || len(st.Handovers) != 2 || st.Handovers[0].Final || !st.Handovers[1].Final {
		t.Fatalf("final state %s %+v %+v", st.Status, st.Rating, st.Handovers)
	}
	// The workflow ended at the rating, not at the end of the window: the
	// last lines are the rating and the start of its R-2 follow-up.
	if got := st.Log[len(st.Log)-1]; got.Action != "rating-followup" || !got.At.Equal(berlin("2026-03-12 09:00")) {
		t.Fatalf("last log line %+v", got)
	}
	if got := st.Log[len(st.Log)-2]; got.Action != "rated" || !got.At.Equal(berlin("2026-03-12 09:00")) {
		t.Fatalf("rating log line %+v", got)
	}
	// 3 stars, the follow-up asks kindly what could be better (in the
	// customer's language, inside the e-mail window: Thursday 09:00 is).
	ask := oneSend(t, h.ch, "task.rating_followup")
	if ask.To != "erika@example.test" {
		t.Fatalf("follow-up to %q", ask.To)
	}
}

// --- N-1, N-2, N-3 ------------------------------------------------------------------

// With the account unreachable the task e-mails the hand-over itself
// (account_notify.go); the account's own e-mail is in account_digest_test.go.
func TestN1_UnreadHandoverEmailedAfter30Minutes(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.accountDown = true
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7"}) // read in time
	read := h.update(berlin("2026-03-09 11:20"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	h.update(berlin("2026-03-09 14:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true}) // left unread
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "mark read", read)
	mail := oneSend(t, h.ch, "task.handover")
	sameTime(t, "hand-over e-mail", mail.At, berlin("2026-03-09 14:30"))
	var kinds []string
	for _, n := range st.Notifications {
		kinds = append(kinds, n.Kind)
	}
	if strings.Join(kinds, ",") != "accepted,handed_over,handed_over" {
		t.Fatalf("notifications %v", kinds)
	}
	if st.Notifications[2].EmailedAt == nil || st.Notifications[1].EmailedAt != nil {
		t.Fatal("EmailedAt not tracked")
	}
}

func TestN2_UnreadChatEmailedAfter2Hours(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	sent := h.update(berlin("2026-03-09 11:00"), TaskUpdateChat, TaskChatRequest{From: taskAssistant, MessageRef: "msg-1", MessageURL: "https://app.partner.test/chat/42#msg-1"})
	h.update(berlin("2026-03-09 11:30"), TaskUpdateChat, TaskChatRequest{From: taskCustomer, MessageRef: "msg-2"})
	stranger := h.update(berlin("2026-03-09 11:40"), TaskUpdateChat, TaskChatRequest{From: jobcore.Actor{Role: jobcore.RoleAssistant, ID: "vpa-9"}, MessageRef: "msg-3"})
	empty := h.update(berlin("2026-03-09 11:41"), TaskUpdateChat, TaskChatRequest{From: taskAssistant})
	textOnly := h.update(berlin("2026-03-09 11:42"), TaskUpdateChat, TaskChatRequest{From: taskAssistant, Text: "Kurze Frage"})
	h.update(berlin("2026-03-09 13:30"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-09 13:35"), TaskUpdateMarkRead, TaskMarkReadRequest{})
	read := h.query(berlin("2026-03-09 13:36"))
	h.update(berlin("2026-03-10 09:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))

	mustAccept(t, "chat", sent)
	if sent.res.ChatMessageID != 1 || sent.res.NotificationID == 0 {
		t.Fatalf("chat answered %+v", sent.res)
	}
	mustRefuse(t, "chat from another assistant", stranger, "not the task's assistant")
	mustRefuse(t, "chat without a message ref", empty, "message_ref")
	mustRefuse(t, "chat text without a message ref", textOnly, "stays in the app")
	mail := oneSend(t, h.ch, "task.chat_unread")
	sameTime(t, "chat e-mail", mail.At, berlin("2026-03-09 13:00"))
	// N-2: the e-mail says a message waits and links to it in the partner's app.
	if mail.Data["message_url"] != "https://app.partner.test/chat/42#msg-1" {
		t.Fatalf("chat e-mail data %+v", mail.Data)
	}
	if len(h.ch.of("task.handover")) != 0 {
		t.Fatal("hand-over read at once, yet e-mailed")
	}
	// Issue #13: the task keeps ids, authors, times and read state, no text.
	if len(read.Chat) != 2 || read.ChatTotal != 2 || read.Chat[0].Ref != "msg-1" || read.Chat[0].Text != "" || read.Chat[0].ReadAt == nil || read.Chat[1].From != taskCustomer {
		t.Fatalf("chat state %+v", read.Chat)
	}
}

// N-3: a task arriving on Saturday: its acknowledgement leaves Monday 08:00.
func TestN3_EmailDueSaturdayLeavesMonday0800(t *testing.T) {
	start := berlin("2026-03-14 10:00") // Saturday
	h := newTaskHarness(t, start)
	q := h.query(berlin("2026-03-14 10:01"))
	del := h.update(berlin("2026-03-16 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.runTask(newTaskInput(start, berlin("2026-03-27 15:00")))

	ack := oneSend(t, h.ch, "task.ack")
	sameTime(t, "ack", ack.At, berlin("2026-03-16 08:00"))
	sameTime(t, "review deadline (T-2: as if it arrived Monday)", q.ReviewDeadline, berlin("2026-03-16 18:00"))
	mustAccept(t, "delete", del)
}

// N-3: an unread hand-over due Friday 19:15 waits for Monday 08:00; one
// read over the weekend is not sent at all.
func TestN3_HandoverDueFridayEveningWaitsForMonday(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	h.accountDown = true // the task's own e-mail; the account's: account_digest_test.go
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-13 18:45"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 12:00"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(newTaskInput(start, berlin("2026-03-20 15:00")))
	mail := oneSend(t, h.ch, "task.handover")
	sameTime(t, "hand-over e-mail", mail.At, berlin("2026-03-16 08:00"))
}

func TestN1_ReassignKeepsTimersAndNotifies(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	deadline := berlin("2026-03-13 15:00")
	h := newTaskHarness(t, start)
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	byAssistant := h.update(berlin("2026-03-10 09:00"), TaskUpdateReassign, TaskReassignRequest{By: taskAssistant, To: TaskAssistant{ID: "vpa-8"}})
	re := h.update(berlin("2026-03-10 10:00"), TaskUpdateReassign, TaskReassignRequest{By: taskOps, To: TaskAssistant{ID: "vpa-8", Email: "vpa8@example.test"}, Reason: "Krankheit"})
	oldOne := h.update(berlin("2026-03-10 11:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-16 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-8", Final: true})
	h.update(berlin("2026-03-16 10:10"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	st := h.runTask(newTaskInput(start, deadline))

	mustRefuse(t, "reassign by assistant", byAssistant, "ops or the team lead")
	mustAccept(t, "reassign", re)
	mustRefuse(t, "old assistant hands over", oldOne, "not the task's assistant")
	warn := oneSend(t, h.ch, "assistant.deadline_warning")
	if warn.To != "vpa8@example.test" {
		t.Fatalf("warning went to %q, want the new assistant", warn.To)
	}
	sameTime(t, "deadline still fires", oneSend(t, h.ch, "ops.task_deadline_missed").At, deadline)
	found := false
	for _, n := range st.Notifications {
		found = found || n.Kind == NoteNewAssistant
	}
	if !found || st.AssistantID != "vpa-8" {
		t.Fatalf("new assistant not notified: %+v", st.Notifications)
	}
}

// The digest's view: unread, not e-mailed on their own, inside the window.
func TestN1_DigestViewListsUnreadNotifications(t *testing.T) {
	start := berlin("2026-03-09 10:00")
	h := newTaskHarness(t, start)
	in := newTaskInput(start, berlin("2026-03-20 15:00"))
	in.CreatedBy = taskAssistant // "created" notification for the customer
	h.update(berlin("2026-03-09 10:30"), TaskUpdateAccept, TaskAcceptRequest{By: taskAssistant, Area: rules.AreaBackoffice})
	h.update(berlin("2026-03-09 11:00"), TaskUpdateStart, TaskStartRequest{Assistant: "vpa-7"})
	h.update(berlin("2026-03-09 12:00"), TaskUpdateMarkRead, TaskMarkReadRequest{IDs: []int{2}})
	var view activities.TaskDigestView
	h.at(berlin("2026-03-10 08:00"), func() {
		v, err := h.env.QueryWorkflow(activities.TaskDigestQuery, berlin("2026-03-09 08:00"), berlin("2026-03-10 08:00"))
		if err != nil {
			t.Errorf("digest query: %v", err)
			return
		}
		_ = v.Get(&view)
	})
	h.update(berlin("2026-03-10 09:00"), TaskUpdateDelete, TaskDeleteRequest{By: taskCustomer})
	h.update(berlin("2026-03-10 10:00"), TaskUpdateHandover, TaskHandoverRequest{Assistant: "vpa-7", Final: true})
	h.update(berlin("2026-03-10 10:05"), TaskUpdateRate, jobcore.RateRequest{Stars: 5})
	h.runTask(in)

	var kinds []string
	for _, it := range view.Unread {
		kinds = append(kinds, it.Kind)
	}
	if strings.Join(kinds, ",") != "created,started" || view.AccountID != "acc-1" || view.Customer.Email != "erika@example.test" || view.TaskID != "task-42" {
		t.Fatalf("digest view %+v", view)
	}
}

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
		h.env.ExecuteWorkflow(jobcore.TaskWorkflowName, in)
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
