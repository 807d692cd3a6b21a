package task

import (
	"fmt"
	"strings"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
	"go.temporal.io/sdk/workflow"
)

// --- T-8 hand-over, R-1 rating ----------------------------------------------------------

func (t *task) validateHandover(ctx workflow.Context, r TaskHandoverRequest) error {
	if err := t.mustBeAssistant(r.Assistant); err != nil {
		return err
	}
	if !t.st.Status.Working() {
		return taskRefuse("the task is %s; results are handed over on an accepted task (T-8)", t.st.Status)
	}
	if len(t.st.Handovers) >= MaxTaskHandovers-1 && !r.Final {
		return taskRefuse("the task had %d intermediate results; hand over the final one (T-8)", MaxTaskHandovers-1)
	}
	return nil
}

func (t *task) handover(ctx workflow.Context, r TaskHandoverRequest) (TaskUpdateResult, error) {
	id := len(t.st.Handovers) + 1
	kind := "intermediate result"
	if r.Final {
		kind = "final result"
	}
	// N-1: a hand-over still unread after HandoverUnreadDelay goes by e-mail.
	nid := t.addNotification(ctx, TaskNotification{Kind: NoteHandedOver, Text: kind + " handed over", Link: r.ResultURL, Intermediate: !r.Final},
		t.in.Policy.HandoverUnreadDelay, "task.handover")
	t.st.Handovers = append(t.st.Handovers, TaskHandover{ID: id, At: workflow.Now(ctx), Assistant: r.Assistant,
		Final: r.Final, Note: r.Note, ResultRef: r.ResultRef, NotificationID: nid})
	by := jobcore.Actor{Role: names.RoleAssistant, ID: r.Assistant}
	if r.Final {
		t.stopDeadline()
		t.setStatus(ctx, "handed-over", by, TaskHandedOver, fmt.Sprintf("hand-over %d, final (T-8)", id))
	} else {
		t.log(ctx, "intermediate-handover", by, t.st.Status, fmt.Sprintf("hand-over %d (T-8)", id))
	}
	res := t.result()
	res.HandoverID, res.NotificationID = id, nid
	return res, nil
}

func (t *task) validateRate(ctx workflow.Context, r jobcore.RateRequest) error {
	if t.st.Status != TaskHandedOver {
		return taskRefuse("the task is %s; it can be rated after the final hand-over, within the rating window (R-1)", t.st.Status)
	}
	if r.Stars < 1 || r.Stars > 5 {
		return taskRefuse("give 1 to 5 stars (R-1)")
	}
	if len(r.Comment) > 2000 {
		return taskRefuse("a comment is at most 2000 characters")
	}
	return nil
}

// rate records the rating. R-2 as for visits: 4-5 stars need
// nothing; 1-3 stars start the rating follow-up (workflows/rating) as an
// abandoned child, from a tracked coroutine so the Update answers at once
// and the task closes only once the child has started. Every R-2 message
// (the 3-star question, the team lead's alert and decision) goes from the
// follow-up. Tasks had no histories before this, so no version guard.
func (t *task) rate(ctx workflow.Context, r jobcore.RateRequest) (TaskUpdateResult, error) {
	t.st.Rating = &r
	note := fmt.Sprintf("%d stars (R-1)", r.Stars)
	if rating.NeedsRatingFollowUp(r.Stars) {
		note += "; follow-up " + rating.RatingFollowUpID(t.st.ID) + " (R-2)"
	}
	t.setStatus(ctx, "rated", jobcore.Actor{Role: names.RoleCustomer, ID: t.st.AccountID}, TaskRated, note)
	res := t.result()
	if !rating.NeedsRatingFollowUp(r.Stars) {
		return res, nil
	}
	in := rating.RatingFollowUpInput{
		Job:      jobcore.JobRef{ID: t.st.ID, Kind: names.JobTask, Partner: t.st.Partner, Market: t.st.Market},
		Worker:   t.st.AssistantID,
		Customer: t.in.Customer,
		Stars:    r.Stars,
		Comment:  r.Comment,
		Policy:   t.in.Policy,
	}
	if in.Customer.Language == "" {
		in.Customer.Language = t.in.Language
	}
	t.out.Go(ctx, func(ctx workflow.Context) {
		if err := rating.StartRatingFollowUp(ctx, in); err != nil {
			// Never lose a low rating: fall back to telling the team lead.
			workflow.GetLogger(ctx).Error("rating follow-up not started", "workflow_id", rating.RatingFollowUpID(t.st.ID), "error", err)
			t.log(ctx, "rating-followup-failed", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, "follow-up not started; team lead alerted (R-2)")
			t.alertOpsNow(ctx, "rating_low", "ops.rating_low", "low rating to the team lead (R-2)",
				map[string]string{"job_id": t.st.ID, "stars": fmt.Sprint(r.Stars), "assistant_id": t.st.AssistantID})
			return
		}
		t.log(ctx, "rating-followup", jobcore.Actor{Role: names.RoleSystem}, t.st.Status, "follow-up "+rating.RatingFollowUpID(t.st.ID)+" started (R-2)")
	})
	res.RatingFollowUpID = rating.RatingFollowUpID(t.st.ID)
	return res, nil
}

// --- N-1/N-2 notifications and chat ---------------------------------------------------

// notify adds an in-app notification; with a delay, one still unread after
// it goes by e-mail at the next e-mail slot (N-1 hand-over, N-2 chat).
func (t *task) notify(ctx workflow.Context, kind, text string, unreadDelay time.Duration, template string) int {
	return t.addNotification(ctx, TaskNotification{Kind: kind, Text: text}, unreadDelay, template)
}

func (t *task) notifyLink(ctx workflow.Context, kind, text, link string, unreadDelay time.Duration, template string) int {
	return t.addNotification(ctx, TaskNotification{Kind: kind, Text: text, Link: link}, unreadDelay, template)
}

// addNotification numbers and keeps n (its kind, text, link and flags
// set by the caller) and tells the account.
func (t *task) addNotification(ctx workflow.Context, n TaskNotification, unreadDelay time.Duration, template string) int {
	now := workflow.Now(ctx)
	t.st.NotificationsTotal = max(t.st.NotificationsTotal, len(t.st.Notifications)) + 1
	id := t.st.NotificationsTotal
	n.ID, n.At = id, now
	owned := t.toAccount(ctx, n, unreadDelay, template) // N-1: the account is told; it owns the hand-over e-mail (account_notify.go)
	if unreadDelay > 0 && template != "" && !owned {
		due := now.Add(unreadDelay)
		n.EmailTemplate, n.EmailDueAt = template, &due
	}
	t.st.Notifications = append(t.st.Notifications, n)
	if t.bounded {
		t.trimNotifications()
	}
	if n.EmailTemplate != "" {
		t.watchUnread(ctx, id, unreadDelay)
	}
	return id
}

// notification is the notification id, nil when there is none (any more).
func (t *task) notification(id int) *TaskNotification {
	for i := range t.st.Notifications {
		if t.st.Notifications[i].ID == id {
			return &t.st.Notifications[i]
		}
	}
	return nil
}

// trimNotifications keeps TaskNotificationsKeep: it drops the oldest read
// or e-mailed (settled) notification first, the oldest at all only when
// every one is unread.
func (t *task) trimNotifications() {
	for len(t.st.Notifications) > TaskNotificationsKeep {
		drop := 0
		for i, n := range t.st.Notifications {
			if n.ReadAt != nil || n.EmailedAt != nil || (n.EmailTemplate != "" && n.EmailDone) {
				drop = i
				break
			}
		}
		t.st.Notifications = append(t.st.Notifications[:drop], t.st.Notifications[drop+1:]...)
	}
}

// watchUnread e-mails notification id if it is still unread after wait
// (N-1 hand-over, N-2 chat). The wait counts in unreadWatch (a continued
// run re-arms it from EmailDueAt), the send in inflight.
func (t *task) watchUnread(ctx workflow.Context, id int, wait time.Duration) {
	n := t.notification(id)
	kind, text, link, template, delay := n.Kind, n.Text, n.Link, n.EmailTemplate, n.EmailDueAt.Sub(n.At)
	intermediate := n.Intermediate
	unread := func() bool {
		n := t.notification(id)
		return n != nil && n.ReadAt == nil && t.st.Status != TaskDeleted
	}
	t.unreadWatch++
	t.out.Go(ctx, func(ctx workflow.Context) {
		defer func() { t.unreadWatch-- }()
		if wait > 0 {
			read, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      wait,
				TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("%s unread for %s (N-1/N-2)", kind, delay)},
			}, func() bool { return !unread() })
			if err != nil || read {
				return
			}
		}
		data := map[string]string{"notification_id": fmt.Sprint(id), "kind": kind, "text": text}
		switch {
		case kind == NoteHandedOver: // T-8, issue #14: the result's link; no rating invite for an intermediate one
			if link != "" {
				data["result_url"] = link
			}
			if intermediate {
				data["intermediate"] = "true"
			}
		case link != "":
			data["message_url"] = link
		}
		settle := func(at *time.Time) {
			if n := t.notification(id); n != nil {
				n.EmailDone = true
				if at != nil {
					n.EmailedAt = at
				}
			}
		}
		t.emailCustomerCarried(ctx, fmt.Sprintf("%s-unread-%d", kind, id), template, kind+" unread e-mail (N-1/N-2)",
			data, unread, settle)
	})
}

func (t *task) validateMarkRead(ctx workflow.Context, r TaskMarkReadRequest) error {
	total := max(t.st.NotificationsTotal, len(t.st.Notifications))
	for _, id := range r.IDs {
		if id < 1 || id > total {
			return taskRefuse("there is no notification %d (N-1)", id)
		}
	}
	// Issue #16, M1: a mark-read that changes nothing is refused, so the
	// customer's link cannot drive Updates without bound (refused Updates
	// are not written to the history).
	unread := func(n *TaskNotification) bool { return n != nil && n.ReadAt == nil }
	if len(r.IDs) == 0 {
		for i := range t.st.Notifications {
			if unread(&t.st.Notifications[i]) {
				return nil
			}
		}
	}
	for _, id := range r.IDs {
		if unread(t.notification(id)) {
			return nil
		}
	}
	return taskRefuse("nothing unread to mark (N-1)")
}

func (t *task) markRead(ctx workflow.Context, r TaskMarkReadRequest) (TaskUpdateResult, error) {
	defer t.accountRead(ctx, t.unreadIDs()) // N-1: the account learns what was read (account_notify.go)
	now := workflow.Now(ctx)
	mark := func(n *TaskNotification) {
		if n != nil && n.ReadAt == nil {
			n.ReadAt = &now
		}
	}
	if len(r.IDs) == 0 {
		for i := range t.st.Notifications {
			mark(&t.st.Notifications[i])
		}
	}
	for _, id := range r.IDs {
		mark(t.notification(id))
	}
	for i := range t.st.Chat { // N-2: a message is read with its notification
		c := &t.st.Chat[i]
		if n := t.notification(c.NotificationID); c.ReadAt == nil && n != nil && n.ReadAt != nil {
			c.ReadAt = n.ReadAt
		}
	}
	res := t.result()
	for _, n := range t.st.Notifications {
		if n.ReadAt == nil {
			res.Unread++
		}
	}
	return res, nil
}

func (t *task) validateChat(ctx workflow.Context, r TaskChatRequest) error {
	if strings.TrimSpace(r.MessageRef) == "" && (t.bounded || strings.TrimSpace(r.Text) == "") {
		// Issue #13: the text stays in the partner's app; only histories
		// from before carry it.
		return taskRefuse("give the partner app's message_ref; the message's text stays in the app (N-2)")
	}
	switch r.From.Role {
	case names.RoleCustomer, names.RoleOps, names.RoleTeamLead:
	case names.RoleAssistant:
		if r.From.ID != t.st.AssistantID {
			return taskRefuse("%s is not the task's assistant", r.From.ID)
		}
	default:
		return taskRefuse("chat messages come from the customer, the assistant, the team lead or ops")
	}
	if t.st.Status == TaskDeleted {
		return taskRefuse("the task was deleted")
	}
	return nil
}

func (t *task) chat(ctx workflow.Context, r TaskChatRequest) (TaskUpdateResult, error) {
	msg := TaskChatMessage{From: r.From, Ref: r.MessageRef, URL: r.MessageURL}
	if !t.bounded {
		msg.Text = r.Text // histories from before issue #13
	}
	res := t.result()
	res.ChatMessageID, res.NotificationID = t.addChat(ctx, msg)
	return res, nil
}

// addChat records a message; one to the customer becomes an in-app
// notification that goes by e-mail, with the message's link, if unread
// after ChatUnreadDelay (N-2). Messages from the customer are not e-mailed
// to the assistant here (the assistant works in the app; see the report).
func (t *task) addChat(ctx workflow.Context, msg TaskChatMessage) (msgID, noteID int) {
	t.st.ChatTotal = max(t.st.ChatTotal, len(t.st.Chat)) + 1
	msg.ID, msg.At = t.st.ChatTotal, workflow.Now(ctx)
	if msg.From.Role != names.RoleCustomer {
		noteID = t.notifyLink(ctx, NoteChat, "a new chat message", msg.URL, t.in.Policy.ChatUnreadDelay, "task.chat_unread")
		msg.NotificationID = noteID
	}
	t.st.Chat = append(t.st.Chat, msg)
	if t.bounded {
		t.st.Chat = jobcore.KeepNewest(t.st.Chat, TaskChatKeep)
	}
	return msg.ID, noteID
}

// digestView answers the digest's query (N-1): unread notifications created
// in [since, until) that were not e-mailed on their own.
func (t *task) digestView(since, until time.Time) (activities.TaskDigestView, error) {
	v := activities.TaskDigestView{
		TaskID: t.st.ID, AccountID: t.st.AccountID, Market: string(t.st.Market), Title: t.st.Title,
		Customer: activities.DigestRecipient{Name: t.in.Customer.Name, Email: t.in.Customer.Email, Language: t.customerLanguage()},
		Unread:   []activities.DigestItem{},
	}
	for _, n := range t.st.Notifications {
		if n.ReadAt != nil || n.EmailedAt != nil || n.At.Before(since) || !n.At.Before(until) {
			continue
		}
		v.Unread = append(v.Unread, activities.DigestItem{ID: n.ID, Kind: n.Kind, At: n.At, Text: n.Text})
	}
	return v, nil
}

// --- reassign --------------------------------------------------------------------

func (t *task) validateReassign(ctx workflow.Context, r TaskReassignRequest) error {
	if r.By.Role != names.RoleOps && r.By.Role != names.RoleTeamLead {
		return taskRefuse("ops or the team lead assign a new assistant (A-1)")
	}
	if r.To.ID == "" {
		return taskRefuse("name the new assistant")
	}
	if r.To.ID == t.st.AssistantID {
		return taskRefuse("%s already works on the task", r.To.ID)
	}
	if t.st.Status.Terminal() {
		return taskRefuse("the task is %s", t.st.Status)
	}
	return nil
}

// reassign hands the task to a new assistant; every timer keeps running
// (deadline, review, extension windows).
func (t *task) reassign(ctx workflow.Context, r TaskReassignRequest) (TaskUpdateResult, error) {
	from := t.st.AssistantID
	t.asg, t.st.AssistantID = r.To, r.To.ID
	t.log(ctx, "reassigned", r.By, t.st.Status, fmt.Sprintf("%s -> %s: %s", from, r.To.ID, r.Reason))
	t.notify(ctx, NoteNewAssistant, "a new assistant works on your task", 0, "")
	t.publish(ctx)
	return t.result(), nil
}
