package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Tasks tell the customer's account about their in-app notifications (N-1).
//
// "Entities own their timers; no fan-out" (issue #13): the account workflow
// (workflows/inactivity.go, account_digest.go) owns the customer's unread
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
}

// AccountReadSignal: notifications of a task were read (IDs), or all of
// them no longer count (All: the task was deleted, T-4).
type AccountReadSignal struct {
	TaskID string `json:"task_id"`
	IDs    []int  `json:"ids,omitempty"`
	All    bool   `json:"all,omitempty"`
}

// accountOn reports whether this task signals its account (version and an
// account id).
func (t *task) accountOn(ctx workflow.Context) bool {
	if t.in.AccountID == "" {
		return false
	}
	return workflow.GetVersion(ctx, ChangeTaskNotifiesAccount, workflow.DefaultVersion, 1) >= 1
}

// toAccount tells the account about notification id; true when the account
// now owns its unread e-mail (the N-1 hand-over), so notifyLink arms no e-mail.
// If the signal fails, the task falls back to its own hand-over e-mail.
func (t *task) toAccount(ctx workflow.Context, id int, kind, text string, unreadDelay time.Duration, template string) bool {
	if !t.accountOn(ctx) {
		return false
	}
	s := AccountNotifySignal{TaskID: t.st.ID, TaskTitle: t.st.Title, ID: id, Kind: kind, At: workflow.Now(ctx), Text: text}
	owns := unreadDelay > 0 && template == "task.handover"
	switch {
	case owns:
		s.EmailAfter = unreadDelay
	case unreadDelay > 0 && template != "":
		s.TaskEmailsAfter = unreadDelay
	}
	f := workflow.SignalExternalWorkflow(ctx, AccountWorkflowID(t.in.AccountID), "", AccountSignalNotify, s)
	t.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.pending-- }()
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("account not told of a notification", "account", AccountWorkflowID(t.in.AccountID), "error", err)
			if owns {
				t.ownUnreadEmail(ctx, id, s.At.Add(unreadDelay), template)
			}
		}
	})
	return owns
}

// ownUnreadEmail arms the task's own unread e-mail for a hand-over the
// account could not take (as before ChangeTaskNotifiesAccount): the
// notification gets its e-mail template and due time, so a continued run
// re-arms it too, and watchUnread sends it if it is still unread.
func (t *task) ownUnreadEmail(ctx workflow.Context, id int, due time.Time, template string) {
	n := t.notification(id)
	if n == nil || n.ReadAt != nil || n.EmailTemplate != "" {
		return
	}
	n.EmailTemplate, n.EmailDueAt = template, &due
	t.watchUnread(ctx, id, due.Sub(workflow.Now(ctx)))
}

// unreadIDs lists the unread notifications; markRead passes it, taken
// before marking, to accountRead.
func (t *task) unreadIDs() []int {
	var ids []int
	for _, n := range t.st.Notifications {
		if n.ReadAt == nil {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// accountRead tells the account which of the notifications unread before
// (ids) are read now.
func (t *task) accountRead(ctx workflow.Context, before []int) {
	var read []int
	for _, id := range before {
		if n := t.notification(id); n != nil && n.ReadAt != nil {
			read = append(read, id)
		}
	}
	if len(read) == 0 || !t.accountOn(ctx) {
		return
	}
	t.signalAccount(ctx, AccountReadSignal{TaskID: t.st.ID, IDs: read})
}

// accountForget: a deleted task's notifications leave the account (T-4).
func (t *task) accountForget(ctx workflow.Context) {
	if !t.accountOn(ctx) {
		return
	}
	t.signalAccount(ctx, AccountReadSignal{TaskID: t.st.ID, All: true})
}

func (t *task) signalAccount(ctx workflow.Context, s AccountReadSignal) {
	f := workflow.SignalExternalWorkflow(ctx, AccountWorkflowID(t.in.AccountID), "", AccountSignalRead, s)
	t.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.pending-- }()
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("account not told of read notifications", "account", AccountWorkflowID(t.in.AccountID), "error", err)
		}
	})
}
