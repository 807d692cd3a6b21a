package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// RETIRED (issue #13): the customer's account workflow sends the digest
// (workflows/account/account_digest.go) from the notifications its tasks signal;
// nothing lists or queries open tasks. SendTaskDigest stays registered for
// NotificationDigest histories started before the change.
//
// The N-1 digest as it was. Design: the NotificationDigest workflow (workflows/
// digest.go), started by a Temporal Schedule at 08:00 Mon-Fri per market,
// runs one SendTaskDigest activity. The activity lists the running task
// workflows of the market through visibility, asks each one through the
// TaskDigestQuery for the in-app notifications the customer has not read
// (created in [Since, Until) and not already e-mailed on their own, N-1/N-2),
// groups them by customer account and sends one e-mail per account. The
// customer's e-mail address is read by the query and used inside the
// activity only, so it never enters the digest workflow's history.
// Retries are safe with adapters that honour Step keys: one step per account
// and digest day.

// TaskDigestQuery is the query every task workflow answers with its
// TaskDigestView; args: since, until time.Time.
const TaskDigestQuery = "digest-view"

// DigestItem is one unread in-app notification (no personal data).
type DigestItem struct {
	ID   int       `json:"id"`
	Kind string    `json:"kind"` // created, changed, accepted, started, handed_over, new_assistant, chat, extension_request
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// DigestRecipient is the customer a digest goes to (personal data: used to
// send, never logged).
type DigestRecipient struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language"`
}

// TaskDigestView is a task's answer to TaskDigestQuery.
type TaskDigestView struct {
	TaskID    string          `json:"task_id"` // the workflow id
	AccountID string          `json:"account_id"`
	Market    string          `json:"market"`
	Title     string          `json:"title"`
	Customer  DigestRecipient `json:"customer"`
	Unread    []DigestItem    `json:"unread"`
}

// TaskSource finds open tasks and reads their unread notifications.
type TaskSource interface {
	// OpenTasks returns the workflow ids matching a visibility query.
	OpenTasks(ctx context.Context, query string) ([]string, error)
	// DigestView queries one task workflow.
	DigestView(ctx context.Context, workflowID string, since, until time.Time) (TaskDigestView, error)
}

// TemporalTasks is the TaskSource backed by the Temporal client.
type TemporalTasks struct {
	Client client.Client
}

// OpenTasks pages through the visibility query.
func (t TemporalTasks) OpenTasks(ctx context.Context, query string) ([]string, error) {
	var ids []string
	var token []byte
	for {
		resp, err := t.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return ids, nil
		}
	}
}

// DigestView runs TaskDigestQuery on the task's current run.
func (t TemporalTasks) DigestView(ctx context.Context, workflowID string, since, until time.Time) (TaskDigestView, error) {
	var v TaskDigestView
	res, err := t.Client.QueryWorkflow(ctx, workflowID, "", TaskDigestQuery, since, until)
	if err != nil {
		return v, err
	}
	return v, res.Get(&v)
}

// DigestRequest asks for one market's digest.
type DigestRequest struct {
	Market string    `json:"market"`
	Date   string    `json:"date"` // the digest day in the market, YYYY-MM-DD: part of every step key
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	Query  string    `json:"query"` // visibility query selecting the market's open tasks
}

// DigestResult counts what was sent; accounts are named by id only.
type DigestResult struct {
	Tasks         int      `json:"tasks"`                 // tasks asked
	Accounts      int      `json:"accounts"`              // accounts with unread notifications
	Emails        int      `json:"emails"`                // digests sent
	Notifications int      `json:"notifications"`         // unread notifications listed
	Failed        []string `json:"failed,omitempty"`      // account ids whose digest failed for good
	Unreachable   []string `json:"unreachable,omitempty"` // task ids that could not be queried
}

// Notifications sends the N-1 digest.
type Notifications struct {
	Tasks    TaskSource
	Channels Channels
}

// DigestTemplate is the template of the digest e-mail.
const DigestTemplate = "task.digest"

// SendTaskDigest queries the market's open tasks and e-mails one digest per
// customer account with unread notifications. A task that cannot be queried
// (it just closed) is skipped and named in the result; a permanent delivery
// failure is named in Failed; any other send error fails the activity so it
// is retried (steps already sent are deduplicated by the adapters).
func (n *Notifications) SendTaskDigest(ctx context.Context, req DigestRequest) (DigestResult, error) {
	var res DigestResult
	ids, err := n.Tasks.OpenTasks(ctx, req.Query)
	if err != nil {
		return res, err
	}
	sort.Strings(ids)
	type account struct {
		to    DigestRecipient
		tasks []TaskDigestView
	}
	byAccount := map[string]*account{}
	var order []string
	for _, id := range ids {
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, id)
		}
		res.Tasks++
		v, err := n.Tasks.DigestView(ctx, id, req.Since, req.Until)
		if err != nil {
			res.Unreachable = append(res.Unreachable, id)
			continue
		}
		if len(v.Unread) == 0 || v.Customer.Email == "" {
			continue
		}
		key := v.AccountID
		if key == "" {
			key = "task:" + v.TaskID
		}
		a := byAccount[key]
		if a == nil {
			a = &account{to: v.Customer}
			byAccount[key] = a
			order = append(order, key)
		}
		a.tasks = append(a.tasks, v)
		res.Notifications += len(v.Unread)
	}
	res.Accounts = len(order)
	for _, key := range order {
		a := byAccount[key]
		taskIDs := make([]string, 0, len(a.tasks))
		var lines []string
		count := 0
		for _, t := range a.tasks {
			taskIDs = append(taskIDs, t.TaskID)
			for _, it := range t.Unread {
				lines = append(lines, fmt.Sprintf("%s: %s", t.TaskID, it.Text))
				count++
			}
		}
		email := EmailRequest{
			Step:   Step{JobID: "digest-" + req.Market + "-" + req.Date, Name: "account-" + key},
			To:     a.to.Email,
			ToName: a.to.Name,
			Message: Message{Template: DigestTemplate, Language: a.to.Language, Data: map[string]string{
				"name":       a.to.Name,
				"account_id": key,
				"date":       req.Date,
				"count":      fmt.Sprint(count),
				"task_ids":   strings.Join(taskIDs, ","),
				"items":      strings.Join(lines, "\n"),
			}},
			Categories: []string{"task", DigestTemplate},
		}
		if _, err := n.Channels.SendEmail(ctx, email); err != nil {
			var app *temporal.ApplicationError
			if errors.As(err, &app) && app.NonRetryable() {
				res.Failed = append(res.Failed, key)
				continue
			}
			return res, err
		}
		res.Emails++
	}
	return res, nil
}
