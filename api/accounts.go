package api

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// accountStarted tells the customer's account workflow (N-4) that a task was
// created, starting the account with the task's customer, the market's
// policy (P-1, MarketPolicy) and the app URL if it is not running yet
// (SignalWithStart: one call, no race between two tasks). It runs before the
// task starts, so the task's notification signals (N-1) find the account.
// An account's clock must never cost a customer a task, so a failure is
// logged, not returned.
func (s *Server) accountStarted(ctx context.Context, in task.TaskInput) {
	if in.AccountID == "" {
		return
	}
	policy, err := s.Partners.MarketPolicy(in.Market)
	if err != nil {
		s.logger().Warn("account policy", "market", in.Market, "error", err)
		policy = in.Policy
	}
	appURL := s.Visits.AppURL
	if appURL == "" {
		appURL = s.Visits.PublicBaseURL
	}
	id := account.AccountWorkflowID(in.AccountID)
	_, err = s.Visits.Client.SignalWithStartWorkflow(ctx, id, account.AccountSignalActivity,
		account.AccountActivitySignal{Kind: "task-created", Ref: task.TaskWorkflowID(in.TaskID)},
		client.StartWorkflowOptions{
			ID: id, TaskQueue: names.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				names.MarketKey.ValueSet(string(in.Market)),
				names.AccountStatusKey.ValueSet([]string{string(account.AccountActive)})),
			StaticSummary: "Customer account " + in.AccountID + " (N-4 inactivity)",
		},
		account.AccountWorkflowName,
		account.AccountInput{AccountID: in.AccountID, Market: in.Market, Customer: in.Customer, Policy: policy, AppURL: appURL})
	if err != nil {
		s.logger().Warn("account activity not recorded", "account", id, "error_type", errType(err))
	}
}

// customerActive signals the account of a task's customer after the
// customer acted through a link (rating, reading, answering): any activity
// resets the N-4 clock.
func (s *Server) customerActive(ctx context.Context, taskID, kind string) {
	st, err := s.queryTask(ctx, taskID)
	if err != nil || st.AccountID == "" {
		return
	}
	err = s.Visits.Client.SignalWorkflow(ctx, account.AccountWorkflowID(st.AccountID), "",
		account.AccountSignalActivity, account.AccountActivitySignal{Kind: kind, Ref: taskID})
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		s.logger().Warn("account activity not recorded", "task", taskID, "error_type", errType(err))
	}
}
