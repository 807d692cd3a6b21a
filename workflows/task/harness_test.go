package task

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
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
	errs := flowtest.RenderErrors(msg)
	f.mu.Lock()
	defer f.mu.Unlock()
	s.At = f.env.Now()
	f.sent = append(f.sent, s)
	f.renderErrs = append(f.renderErrs, errs...)
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
	h.env.ExecuteWorkflow(names.TaskWorkflowName, in)
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

// firstAlert is the one first alert of a template: its later escalations
// (Data "escalation") and the closing alert (Data "closed") left out.
func firstAlert(t *testing.T, ch *taskChannels, template string) taskSent {
	t.Helper()
	var first []taskSent
	for _, s := range ch.of(template) {
		if s.Data["escalation"] == "" && s.Data["closed"] == "" {
			first = append(first, s)
		}
	}
	if len(first) != 1 {
		t.Fatalf("%s first alert sent %d times, want once (all: %+v)", template, len(first), ch.sent)
	}
	return first[0]
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
	taskCustomer  = jobcore.Actor{Role: names.RoleCustomer, ID: "acc-1"}
	taskAssistant = jobcore.Actor{Role: names.RoleAssistant, ID: "vpa-7"}
	taskOps       = jobcore.Actor{Role: names.RoleOps, ID: "ops-1"}
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
