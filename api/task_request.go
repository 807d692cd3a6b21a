package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// Validate checks a task request and returns the workflow's input without
// the fields the server fills (policy, links, creator). now is the
// reference for the deadline and a missing created_at.
func (q TaskRequest) Validate(partner string, now time.Time) (task.TaskInput, *ValidationError) {
	var zero task.TaskInput
	text := func(field, v string, max int) *ValidationError {
		if strings.TrimSpace(v) == "" {
			return invalid("missing_field", field, field+" is required")
		}
		if utf8.RuneCountInString(v) > max || !utf8.ValidString(v) {
			return invalid("field_too_long", field, fmt.Sprintf("%s is longer than %d characters", field, max))
		}
		return nil
	}
	if q.Partner != "" && q.Partner != partner {
		return zero, invalid("partner_mismatch", "partner", "partner in the body differs from the authenticated partner")
	}
	if partner == "" {
		return zero, invalid("missing_field", "partner", "partner (whose customer the task is for) is required")
	}
	if !ValidPartnerID(partner) {
		return zero, invalid("invalid_partner", "partner", "partner ids are 1-32 characters a-z, 0-9 and _")
	}
	if e := text("task_ref", q.TaskRef, maxRefLen); e != nil {
		return zero, e
	}
	if !bookingRefRe.MatchString(q.TaskRef) {
		return zero, invalid("invalid_task_ref", "task_ref", "task_ref may hold only letters A-Z, digits, '.', '_' and '-', starting with a letter or digit")
	}
	if !tokenIDRe.MatchString(q.AccountID) {
		return zero, invalid("missing_field", "account_id", "account_id (the customer's account: letters, digits, '.', '_', '-') is required")
	}
	if strings.TrimSpace(q.Market) == "" {
		return zero, invalid("missing_field", "market", "market is required")
	}
	market, err := rules.ParseMarket(q.Market)
	if err != nil {
		return zero, invalid("unknown_market", "market", err.Error())
	}
	if strings.TrimSpace(q.Language) == "" {
		return zero, invalid("missing_field", "language", "language (the task's language: sv, da, de or en) is required")
	}
	lang, err := rules.ParseLanguage(q.Language)
	if err != nil {
		return zero, invalid("unknown_language", "language", err.Error())
	}
	if e := text("title", q.Title, maxTitleLen); e != nil {
		return zero, e
	}
	if e := text("description", q.Description, maxDescriptionLen); e != nil {
		return zero, e
	}
	if q.BudgetMinutes < 1 || q.BudgetMinutes > maxBudgetMinutes {
		return zero, invalid("invalid_budget", "budget_minutes", fmt.Sprintf("budget_minutes must be 1..%d", maxBudgetMinutes))
	}
	switch {
	case q.Deadline.IsZero():
		return zero, invalid("missing_field", "deadline", "deadline (RFC 3339) is required")
	case !q.Deadline.After(now):
		return zero, invalid("deadline_in_past", "deadline", "the deadline has already passed")
	case q.Deadline.After(now.Add(maxDeadlineAhead)):
		return zero, invalid("deadline_too_far", "deadline", "the deadline is more than two years ahead")
	}
	if e := text("customer.name", q.Customer.Name, maxNameLen); e != nil {
		return zero, e
	}
	if e := text("customer.email", q.Customer.Email, maxEmailLen); e != nil {
		return zero, e
	}
	if !validEmail(q.Customer.Email) {
		return zero, invalid("invalid_email", "customer.email", "customer.email must be a plain address such as name@example.com")
	}
	if q.Customer.Phone != "" && !phoneRe.MatchString(q.Customer.Phone) {
		return zero, invalid("invalid_phone", "customer.phone", "customer.phone must be in E.164 form: + and country code, digits only, e.g. +4915112345678")
	}
	custLang := lang
	if q.Customer.Language != "" {
		if custLang, err = rules.ParseLanguage(q.Customer.Language); err != nil {
			return zero, invalid("unknown_language", "customer.language", err.Error())
		}
	}
	if !tokenIDRe.MatchString(q.Assistant.ID) {
		return zero, invalid("missing_field", "assistant.id", "assistant.id (the virtual assistant's id) is required")
	}
	if q.Assistant.Email != "" && (len(q.Assistant.Email) > maxEmailLen || !validEmail(q.Assistant.Email)) {
		return zero, invalid("invalid_email", "assistant.email", "assistant.email must be a plain address such as name@example.com")
	}
	var asgLang rules.Language
	if q.Assistant.Language != "" {
		if asgLang, err = rules.ParseLanguage(q.Assistant.Language); err != nil {
			return zero, invalid("unknown_language", "assistant.language", err.Error())
		}
	}
	created := now.UTC()
	if q.CreatedAt != nil {
		if q.CreatedAt.After(now.Add(maxFutureSkew)) {
			return zero, invalid("created_at_in_future", "created_at", "created_at lies in the future")
		}
		created = q.CreatedAt.UTC()
	}
	return task.TaskInput{
		TaskID: partner + "-" + q.TaskRef, AccountID: ScopedAccountID(partner, q.AccountID), Partner: partner, Market: market, Language: lang,
		Title: q.Title, Description: q.Description, BudgetMinutes: q.BudgetMinutes, Deadline: q.Deadline.UTC(),
		Customer:  jobcore.Customer{Name: q.Customer.Name, Phone: q.Customer.Phone, Email: q.Customer.Email, Language: custLang},
		Assistant: task.TaskAssistant{ID: q.Assistant.ID, Email: q.Assistant.Email, Language: asgLang},
		CreatedAt: created,
	}, nil
}

// Hash is the sha256 (hex) of the canonical request: partner set, times in
// UTC, re-encoded in Go's field order (see BookingRequest.Hash).
func (q TaskRequest) Hash(partner string) string {
	c := q
	c.Partner = partner
	c.Deadline = q.Deadline.UTC()
	if q.CreatedAt != nil {
		t := q.CreatedAt.UTC()
		c.CreatedAt = &t
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ErrTaskConflict: the partner's task_ref is already used by a different task.
var ErrTaskConflict = errors.New("task_ref is already used by a different task")

// StartTask starts a validated task, or finds the one a replay of the same
// request started (created false). Errors: ErrTaskConflict or Temporal's.
func (v *Visits) StartTask(ctx context.Context, in task.TaskInput, hash string) (TaskCreated, bool, error) {
	id := task.TaskWorkflowID(in.TaskID)
	opts := client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                names.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{MemoTaskHash: hash},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			names.TaskStatusKey.ValueSet([]string{string(task.TaskReview)}),
			names.AssistantIDKey.ValueSet(in.Assistant.ID),
			names.PartnerKey.ValueSet(in.Partner),
			names.MarketKey.ValueSet(string(in.Market)),
			names.TaskDeadlineKey.ValueSet(in.Deadline),
		),
		// Ids and codes only: the title may carry personal data (V-14).
		StaticSummary: fmt.Sprintf("Task %s in %s for assistant %s", id, in.Market, in.Assistant.ID),
		StaticDetails: fmt.Sprintf("**Partner** %s · **market** %s · **budget** %d min · **deadline** %s\n\n**Policy** extension answer window %s, deadline warning %s, rating window %s",
			in.Partner, in.Market, in.BudgetMinutes, in.Deadline.Format(time.RFC3339),
			in.Policy.ExtensionAnswerWindow, in.Policy.DeadlineWarningLead, in.Policy.RatingWindow),
	}
	run, err := v.Client.ExecuteWorkflow(ctx, opts, names.TaskWorkflowName, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			res, err := v.existingTask(ctx, id, hash)
			return res, false, err
		}
		return TaskCreated{}, false, err
	}
	return TaskCreated{TaskID: id, WorkflowID: id, RunID: run.GetRunID(), Status: string(task.TaskReview), UIURL: v.UILink(id)}, true, nil
}

func (v *Visits) existingTask(ctx context.Context, id, hash string) (TaskCreated, error) {
	desc, err := v.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return TaskCreated{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	var stored string
	if p := info.GetMemo().GetFields()[MemoTaskHash]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &stored)
	}
	if stored != hash {
		return TaskCreated{}, ErrTaskConflict
	}
	status := keywordAttr(info.GetSearchAttributes().GetIndexedFields()[names.TaskStatusKey.GetName()])
	if status == "" {
		status = strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	return TaskCreated{TaskID: id, WorkflowID: id, RunID: info.GetExecution().GetRunId(), Status: status, UIURL: v.UILink(id)}, nil
}

// TaskCustomerLinksFor mints the customer's rating and notification links.
func TaskCustomerLinksFor(secret []byte, publicBaseURL, taskID string, exp time.Time) *TaskCustomerLinks {
	base := strings.TrimRight(publicBaseURL, "/") + "/v1/tasks/" + url.PathEscape(taskID)
	return &TaskCustomerLinks{
		RatingURL:            base + "/rating?token=" + url.QueryEscape(SignLink(secret, taskID, LinkActionTaskRate, exp)),
		NotificationsReadURL: base + "/notifications/read?token=" + url.QueryEscape(SignLink(secret, taskID, LinkActionTaskRead, exp)),
		ExpiresAt:            exp,
	}
}
