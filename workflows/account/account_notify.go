package account

import (
	"time"
)

// Tasks tell the customer's account about their in-app notifications (N-1).
//
// "Entities own their timers; no fan-out" (issue #13): the account workflow
// (workflows/account/inactivity.go, account_digest.go) owns the customer's unread
// notifications and their e-mail timers: the 08:00 working-day digest and
// the 30-minute hand-over e-mail. A task signals the account, fire and
// forget (workflow.SignalExternalWorkflow), when it adds a notification and
// when notifications are read or the task is deleted; nothing loops over
// open workflows.
//
// The task keeps its own N-2 chat e-mail (2 h unread): its signal says so
// (TaskEmailsAfter) and the account leaves such a notification out of a
// digest once the task's own e-mail is due. A task without an account id
// keeps the old in-task hand-over e-mail; so does one whose signal fails
// (the account is not running), so a hand-over e-mail is never lost.
//
// Versioning: ChangeTaskNotifiesAccount guards every signal; histories
// recorded before it (testdata/task_*.json) replay with DefaultVersion and
// send none, and the task then e-mails hand-overs itself as before.
const (
	// ChangeTaskNotifiesAccount is the GetVersion change id of the task's
	// signals to its account (issue #13).
	ChangeTaskNotifiesAccount = "task-notifies-account"

	// AccountSignalNotify carries an AccountNotifySignal.
	AccountSignalNotify = "notification"
	// AccountSignalRead carries an AccountReadSignal.
	AccountSignalRead = "notifications-read"
)

// AccountNotifySignal is one in-app notification a task added (N-1). No
// personal data beyond the task's title.
type AccountNotifySignal struct {
	TaskID    string    `json:"task_id"` // the task's workflow id
	TaskTitle string    `json:"task_title,omitempty"`
	ID        int       `json:"id"` // the notification's id in the task
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	Text      string    `json:"text"`
	// EmailAfter > 0: the account e-mails this notification on its own if
	// it is still unread after EmailAfter (N-1 hand-over, the task's policy
	// value HandoverUnreadDelay, P-1), at the next e-mail slot (N-3).
	EmailAfter time.Duration `json:"email_after,omitempty"`
	// TaskEmailsAfter > 0: the task e-mails it itself if still unread after
	// this (N-2 chat); a digest leaves it out once that is due.
	TaskEmailsAfter time.Duration `json:"task_emails_after,omitempty"`
	// Link and Intermediate of a hand-over (T-8, issue #14): the e-mail
	// links the result and invites no rating for an intermediate one.
	Link         string `json:"link,omitempty"`
	Intermediate bool   `json:"intermediate,omitempty"`
}

// AccountReadSignal: notifications of a task were read (IDs), or all of
// them no longer count (All: the task was deleted, T-4).
type AccountReadSignal struct {
	TaskID string `json:"task_id"`
	IDs    []int  `json:"ids,omitempty"`
	All    bool   `json:"all,omitempty"`
}
