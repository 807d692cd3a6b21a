package task

import (
	"time"

	"github.com/jobflow/jobflow/workflows/account"
	"go.temporal.io/sdk/workflow"
)

// accountOn reports whether this task signals its account (version and an
// account id).
func (t *task) accountOn(ctx workflow.Context) bool {
	if t.in.AccountID == "" {
		return false
	}
	return workflow.GetVersion(ctx, account.ChangeTaskNotifiesAccount, workflow.DefaultVersion, 1) >= 1
}

// toAccount tells the account about notification id; true when the account
// now owns its unread e-mail (the N-1 hand-over), so notifyLink arms no e-mail.
// If the signal fails, the task falls back to its own hand-over e-mail.
func (t *task) toAccount(ctx workflow.Context, n TaskNotification, unreadDelay time.Duration, template string) bool {
	if !t.accountOn(ctx) {
		return false
	}
	id := n.ID
	s := account.AccountNotifySignal{TaskID: t.st.ID, TaskTitle: t.st.Title, ID: id, Kind: n.Kind, At: workflow.Now(ctx), Text: n.Text,
		Link: n.Link, Intermediate: n.Intermediate}
	owns := unreadDelay > 0 && template == "task.handover"
	switch {
	case owns:
		s.EmailAfter = unreadDelay
	case unreadDelay > 0 && template != "":
		s.TaskEmailsAfter = unreadDelay
	}
	f := workflow.SignalExternalWorkflow(ctx, account.AccountWorkflowID(t.in.AccountID), "", account.AccountSignalNotify, s)
	t.out.Go(ctx, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("account not told of a notification", "account", account.AccountWorkflowID(t.in.AccountID), "error", err)
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
	t.signalAccount(ctx, account.AccountReadSignal{TaskID: t.st.ID, IDs: read})
}

// accountForget: a deleted task's notifications leave the account (T-4).
func (t *task) accountForget(ctx workflow.Context) {
	if !t.accountOn(ctx) {
		return
	}
	t.signalAccount(ctx, account.AccountReadSignal{TaskID: t.st.ID, All: true})
}

func (t *task) signalAccount(ctx workflow.Context, s account.AccountReadSignal) {
	f := workflow.SignalExternalWorkflow(ctx, account.AccountWorkflowID(t.in.AccountID), "", account.AccountSignalRead, s)
	t.out.Go(ctx, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("account not told of read notifications", "account", account.AccountWorkflowID(t.in.AccountID), "error", err)
		}
	})
}
