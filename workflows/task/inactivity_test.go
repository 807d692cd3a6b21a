package task

import (
	"errors"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

func stockholm(s string) time.Time { return wall(rules.Sweden, s) }

func newAccountInput() account.AccountInput {
	return account.AccountInput{
		AccountID: "acc-1", Market: rules.Sweden,
		Customer: jobcore.Customer{Name: "Sven Svensson", Email: "sven@example.test", Phone: "+46700000000", Language: rules.Swedish},
		Policy:   rules.DefaultPolicy(),
	}
}

func (h *taskHarness) queryAccount(when time.Time) *account.AccountState {
	st := &account.AccountState{}
	h.at(when, func() {
		v, err := h.env.QueryWorkflow(account.AccountQuery)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		_ = v.Get(st)
	})
	return st
}

func (h *taskHarness) signalActivity(when time.Time, kind string) {
	h.at(when, func() { h.env.SignalWorkflow(account.AccountSignalActivity, account.AccountActivitySignal{Kind: kind}) })
}

// runAccount runs until the workflow ends (cancelled by the test, or
// continued as new) and returns its error.
func (h *taskHarness) runAccount(in account.AccountInput, cancelAt time.Time) error {
	h.t.Helper()
	if !cancelAt.IsZero() {
		h.at(cancelAt, h.env.CancelWorkflow)
	}
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: account.AccountWorkflowID(in.AccountID)})
	h.env.ExecuteWorkflow(account.AccountWorkflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("account workflow did not end")
	}
	return h.env.GetWorkflowError()
}

// N-4: 3 weeks -> friendly message, 7 weeks -> unused hours (here Easter
// Monday, so Tuesday 08:00, N-3), 10 weeks -> inactive.
func TestN4_NudgesAt3And7WeeksInactiveAt10(t *testing.T) {
	start := stockholm("2026-02-16 10:00") // Monday
	h := newTaskHarness(t, start)
	emailed := h.queryAccount(stockholm("2026-04-27 09:59"))
	inactive := h.queryAccount(stockholm("2026-04-27 10:01"))
	h.runAccount(newAccountInput(), stockholm("2026-05-01 10:00"))

	nudge := oneSend(t, h.ch, "account.nudge")
	sameTime(t, "nudge", nudge.At, stockholm("2026-03-09 10:00"))
	if nudge.To != "sven@example.test" || nudge.Data["account_id"] != "acc-1" {
		t.Fatalf("nudge %+v", nudge)
	}
	sameTime(t, "unused hours", oneSend(t, h.ch, "account.unused_hours").At, stockholm("2026-04-07 08:00"))
	if emailed.Stage != account.AccountEmailed || emailed.Inactive {
		t.Fatalf("before 10 weeks: %+v", emailed)
	}
	if inactive.Stage != account.AccountInactive || !inactive.Inactive {
		t.Fatalf("after 10 weeks: %+v", inactive)
	}
}

func TestN4_ActivityResetsTheClockAndReactivates(t *testing.T) {
	start := stockholm("2026-03-02 10:00") // Monday
	h := newTaskHarness(t, start)
	h.signalActivity(stockholm("2026-03-18 10:00"), "task-created")
	// Reset: the nudge comes 3 weeks after the 18th, not after the 2nd.
	inactive := h.queryAccount(stockholm("2026-05-28 10:01"))
	h.signalActivity(stockholm("2026-06-01 11:00"), "login")
	back := h.queryAccount(stockholm("2026-06-01 11:01"))
	h.runAccount(newAccountInput(), stockholm("2026-06-02 10:00"))

	nudges := h.ch.of("account.nudge")
	if len(nudges) != 1 {
		t.Fatalf("%d nudges", len(nudges))
	}
	sameTime(t, "nudge after reset", nudges[0].At, stockholm("2026-04-08 10:00"))
	if !inactive.Inactive {
		t.Fatalf("10 weeks after the 18th: %+v", inactive)
	}
	if back.Inactive || back.Stage != account.AccountActive || !back.LastActivity.Equal(stockholm("2026-06-01 11:00")) {
		t.Fatalf("after new activity: %+v", back)
	}
	if last := back.Log[len(back.Log)-1]; last.Action != "reactivated" {
		t.Fatalf("log %+v", back.Log)
	}
}

func TestN4_ContinueAsNewAfterBoundedSignals(t *testing.T) {
	start := stockholm("2026-03-02 10:00")
	h := newTaskHarness(t, start)
	for i := 1; i <= account.AccountSignalsPerRun; i++ {
		h.signalActivity(start.Add(time.Duration(i)*time.Minute), "chat")
	}
	err := h.runAccount(newAccountInput(), time.Time{})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	if can.WorkflowType.Name != account.AccountWorkflowName {
		t.Fatalf("continued as %q", can.WorkflowType.Name)
	}
	var next account.AccountInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Runs != 1 || next.Stage != account.AccountActive || !next.LastActivity.Equal(start.Add(account.AccountSignalsPerRun*time.Minute)) ||
		next.Customer.Email != "sven@example.test" || next.Policy.InactivityNudge != 21*24*time.Hour {
		t.Fatalf("carried input %+v", next)
	}
	if len(h.ch.sent) != 0 {
		t.Fatal("sent something within 100 minutes")
	}
}

// A carried stage continues where the previous run stopped.
func TestN4_ContinuedRunKeepsItsClock(t *testing.T) {
	start := stockholm("2026-03-02 10:00")
	h := newTaskHarness(t, start)
	in := newAccountInput()
	in.LastActivity, in.Stage, in.Runs = stockholm("2026-01-26 10:00"), account.AccountNudged, 3 // nudged already
	h.runAccount(in, stockholm("2026-03-20 10:00"))
	if len(h.ch.of("account.nudge")) != 0 {
		t.Fatal("nudged twice")
	}
	sameTime(t, "unused hours 7 weeks after the carried activity", oneSend(t, h.ch, "account.unused_hours").At, stockholm("2026-03-16 10:00"))
}

func TestN4_ContinueAsNewWhenSuggested(t *testing.T) {
	start := stockholm("2026-03-02 10:00")
	h := newTaskHarness(t, start)
	h.env.SetContinueAsNewSuggested(true)
	h.signalActivity(start.Add(time.Minute), "login")
	err := h.runAccount(newAccountInput(), time.Time{})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
}
