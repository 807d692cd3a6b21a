package account

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"go.temporal.io/sdk/workflow"
)

// The account's notifications (N-1, issue #13 "Entities own their timers").
//
// The CustomerAccount workflow keeps the customer's unread in-app
// notifications that have not been e-mailed yet (AccountSignalNotify /
// AccountSignalRead from the tasks, account_notify.go) and sends:
//
//   - the digest: at DigestAt (08:00) on the first working day of the
//     account's market (rules.NextDigest: weekends and public holidays
//     skipped, P-2) after the oldest notification waiting for it, moved into
//     the e-mail window if the policy puts DigestAt outside it (N-3). It
//     lists every notification unread at that moment (the seed: "die
//     gesammelten noch nicht gelesenen Notifications des vergangenen
//     Tags"); each notification goes in one digest only.
//   - the hand-over e-mail: a hand-over still unread EmailAfter (the task's
//     HandoverUnreadDelay, 30 min) after it was handed over goes by e-mail
//     on its own at the first e-mail slot from then (N-1, N-3: the window
//     of the account's market policy, not a partner's), if it is
//     still unread then. The seed makes it the "important" notification
//     that does not wait for the digest, so it never appears in one.
//   - nothing for a chat message the task e-mails itself (N-2) once that
//     e-mail is due.
//
// The policy is the market's (P-1: the API starts the account with the
// market's overrides, not a partner's), fixed at the first start and carried
// across continue-as-new. State is bounded: the newest AccountUnreadKeep
// notifications are kept, older unread ones are only counted per task
// (AccountOlderUnread) and named as "n more" in the digest.
//
// Versioning: ChangeAccountNotifications (GetVersion at the start of a run)
// switches the signals, timers and sends on. A run that started before it
// (DefaultVersion) ignores them, as it did, and continues as new at its
// first wake-up on this code (ChangeAccountNotificationsUpgrade), carrying
// the buffered signals, so the next run handles them.
const (
	// ChangeAccountNotifications is the GetVersion change id of the
	// account's notification handling (issue #13).
	ChangeAccountNotifications = "account-notifications"
	// ChangeAccountNotificationsUpgrade (+ "-<loop iteration>") is the
	// change id of a pre-change run continuing as new when it first runs
	// on this code.
	ChangeAccountNotificationsUpgrade = "account-notifications-upgrade"

	// AccountUnreadKeep bounds the notifications kept in the account.
	AccountUnreadKeep = 50

	// AccountDigestTemplate and AccountHandoverTemplate are the account's
	// N-1 e-mails.
	AccountDigestTemplate   = "task.digest"
	AccountHandoverTemplate = "task.handover"
)

// AccountNotification is one unread notification waiting in the account.
type AccountNotification struct {
	TaskID    string    `json:"task_id"`
	TaskTitle string    `json:"task_title,omitempty"`
	ID        int       `json:"id"`
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	Text      string    `json:"text"`
	// EmailAt: the account e-mails it on its own then if still unread (N-1 hand-over).
	EmailAt *time.Time `json:"email_at,omitempty"`
	// TaskEmailsAt: the task e-mails it itself if unread then (N-2).
	TaskEmailsAt *time.Time `json:"task_emails_at,omitempty"`
	Link         string     `json:"link,omitempty"`         // a hand-over's result (T-8)
	Intermediate bool       `json:"intermediate,omitempty"` // an intermediate result: no rating invite
}

// AccountOlderUnread counts a task's unread notifications dropped from the
// kept list (oldest first); MaxID is the newest of them.
type AccountOlderUnread struct {
	TaskID string `json:"task_id"`
	Count  int    `json:"count"`
	MaxID  int    `json:"max_id"`
}

// notifications returns the run's version of the notification handling.
func accountNotificationsVersion(ctx workflow.Context) workflow.Version {
	return workflow.GetVersion(ctx, ChangeAccountNotifications, workflow.DefaultVersion, 1)
}

// unreadCount is every unread notification the account knows of.
func (a *customerAccount) unreadCount() int {
	n := len(a.st.Unread)
	for _, o := range a.st.OlderUnread {
		n += o.Count
	}
	return n
}

// notified adds a task's notification (N-1).
func (a *customerAccount) notified(ctx workflow.Context, s AccountNotifySignal) {
	a.st.Signals++
	for _, n := range a.st.Unread {
		if n.TaskID == s.TaskID && n.ID == s.ID {
			return // a repeated signal
		}
	}
	n := AccountNotification{TaskID: s.TaskID, TaskTitle: s.TaskTitle, ID: s.ID, Kind: s.Kind, At: s.At, Text: s.Text,
		Link: s.Link, Intermediate: s.Intermediate}
	if n.At.IsZero() {
		n.At = workflow.Now(ctx)
	}
	if s.EmailAfter > 0 {
		at := rules.NextEmailSlot(a.in.Market, n.At.Add(s.EmailAfter), a.in.Policy)
		n.EmailAt = &at
	}
	if s.TaskEmailsAfter > 0 {
		at := n.At.Add(s.TaskEmailsAfter)
		n.TaskEmailsAt = &at
	}
	a.st.Unread = append(a.st.Unread, n)
	for len(a.st.Unread) > AccountUnreadKeep {
		a.dropOldest()
	}
	a.planDigest()
}

// dropOldest moves the oldest kept notification without a pending own
// e-mail (else the oldest) into the per-task counts.
func (a *customerAccount) dropOldest() {
	i := 0
	for j, n := range a.st.Unread {
		if n.EmailAt == nil {
			i = j
			break
		}
	}
	n := a.st.Unread[i]
	a.st.Unread = append(a.st.Unread[:i:i], a.st.Unread[i+1:]...)
	for k := range a.st.OlderUnread {
		if a.st.OlderUnread[k].TaskID == n.TaskID {
			a.st.OlderUnread[k].Count++
			a.st.OlderUnread[k].MaxID = max(a.st.OlderUnread[k].MaxID, n.ID)
			return
		}
	}
	a.st.OlderUnread = append(a.st.OlderUnread, AccountOlderUnread{TaskID: n.TaskID, Count: 1, MaxID: n.ID})
}

// read removes notifications a task reports read (or all of a deleted task's).
func (a *customerAccount) read(ctx workflow.Context, s AccountReadSignal) {
	a.st.Signals++
	var missing []int // read, but no longer in the kept list
	for _, id := range s.IDs {
		found := false
		for _, n := range a.st.Unread {
			found = found || (n.TaskID == s.TaskID && n.ID == id)
		}
		if !found {
			missing = append(missing, id)
		}
	}
	kept := a.st.Unread[:0:0]
	for _, n := range a.st.Unread {
		if n.TaskID == s.TaskID && (s.All || containsInt(s.IDs, n.ID)) {
			continue
		}
		kept = append(kept, n)
	}
	a.st.Unread = kept
	older := a.st.OlderUnread[:0:0]
	for _, o := range a.st.OlderUnread {
		if o.TaskID == s.TaskID {
			if s.All {
				continue
			}
			for _, id := range missing {
				if id <= o.MaxID && o.Count > 0 {
					o.Count--
				}
			}
			if o.Count == 0 {
				continue
			}
		}
		older = append(older, o)
	}
	a.st.OlderUnread = older
	if !a.digestWanted(a.digestDue()) {
		a.st.DigestAt = nil
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// inDigest: would a digest at `at` list n?
func inDigest(n AccountNotification, at time.Time) bool {
	if n.EmailAt != nil {
		return false // e-mailed on its own (N-1 hand-over)
	}
	if n.TaskEmailsAt != nil && !n.TaskEmailsAt.After(at) {
		return false // the task e-mails it itself (N-2)
	}
	return n.At.Before(at)
}

func (a *customerAccount) digestDue() time.Time {
	if a.st.DigestAt != nil {
		return *a.st.DigestAt
	}
	return time.Time{}
}

// digestWanted: is anything waiting for a digest at `at`?
func (a *customerAccount) digestWanted(at time.Time) bool {
	if at.IsZero() {
		return false
	}
	for _, n := range a.st.Unread {
		if inDigest(n, at) {
			return true
		}
	}
	for _, o := range a.st.OlderUnread {
		if o.Count > 0 {
			return true
		}
	}
	return false
}

// planDigest sets the digest time if none is set: the first digest slot
// after the oldest notification waiting for one (N-1), in the e-mail
// window (N-3).
func (a *customerAccount) planDigest() {
	if a.st.DigestAt != nil {
		return
	}
	for _, n := range a.st.Unread {
		if n.EmailAt != nil {
			continue
		}
		at := rules.NextEmailSlot(a.in.Market, rules.NextDigest(a.in.Market, n.At, a.in.Policy), a.in.Policy)
		if inDigest(n, at) {
			a.st.DigestAt = &at
			return
		}
	}
}

// nextNotificationAt is the earliest digest or hand-over e-mail due.
func (a *customerAccount) nextNotificationAt() time.Time {
	next := a.digestDue()
	for _, n := range a.st.Unread {
		if n.EmailAt != nil && (next.IsZero() || n.EmailAt.Before(next)) {
			next = *n.EmailAt
		}
	}
	return next
}

// sendDue sends the hand-over e-mails and the digest that are due.
func (a *customerAccount) sendDue(ctx workflow.Context) {
	now := workflow.Now(ctx)
	var rest []AccountNotification
	var handovers []AccountNotification
	for _, n := range a.st.Unread {
		if n.EmailAt != nil && !n.EmailAt.After(now) {
			handovers = append(handovers, n)
			continue
		}
		rest = append(rest, n)
	}
	a.st.Unread = append([]AccountNotification{}, rest...)
	for _, n := range handovers {
		a.handoverEmail(ctx, n)
	}
	if at := a.digestDue(); !at.IsZero() && !at.After(now) {
		a.digest(ctx, at)
	}
}

// handoverEmail: the N-1 hand-over e-mail, still unread after 30 minutes.
func (a *customerAccount) handoverEmail(ctx workflow.Context, n AccountNotification) {
	data := map[string]string{
		"task_id": n.TaskID, "task_title": n.TaskTitle, "title": n.TaskTitle,
		"notification_id": fmt.Sprint(n.ID), "kind": n.Kind, "text": n.Text,
	}
	if data["task_title"] == "" {
		data["task_title"], data["title"] = n.TaskID, n.TaskID
	}
	if n.Link != "" {
		data["result_url"] = n.Link // T-8, issue #14
	}
	if n.Intermediate {
		data["intermediate"] = "true"
	}
	a.sendEmail(ctx, fmt.Sprintf("handover-%s-%d", n.TaskID, n.ID), AccountHandoverTemplate,
		"hand-over unread e-mail (N-1)", data)
}

// digest sends the digest of slot `at` and empties what it listed.
func (a *customerAccount) digest(ctx workflow.Context, at time.Time) {
	a.st.DigestAt = nil
	var listed, kept []AccountNotification
	for _, n := range a.st.Unread {
		switch {
		case inDigest(n, at):
			listed = append(listed, n)
		case n.EmailAt == nil && n.TaskEmailsAt != nil && !n.TaskEmailsAt.After(at):
			// e-mailed by the task (N-2): no longer waits for a digest
		default:
			kept = append(kept, n)
		}
	}
	more := 0
	for _, o := range a.st.OlderUnread {
		more += o.Count
	}
	a.st.Unread, a.st.OlderUnread = kept, nil
	defer a.planDigest()
	if len(listed) == 0 && more == 0 {
		return
	}
	sort.SliceStable(listed, func(i, j int) bool { return listed[i].At.Before(listed[j].At) })
	var lines, tasks []string
	for _, n := range listed {
		name := n.TaskTitle
		if name == "" {
			name = n.TaskID
		}
		lines = append(lines, fmt.Sprintf("- %s: %s", name, n.Text))
		if !containsString(tasks, n.TaskID) {
			tasks = append(tasks, n.TaskID)
		}
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("- (+%d)", more))
	}
	day := at.In(rules.Location(a.in.Market)).Format("2006-01-02")
	a.st.Digests++
	// The step is keyed by the digest's number (carried across
	// continue-as-new), not only its day: a second digest on the same day
	// (a notification handled after that day's digest went) must not be
	// taken for the first by the outreach ledger and silently dropped.
	a.sendEmail(ctx, fmt.Sprintf("digest-%s-%d", day, a.st.Digests), AccountDigestTemplate, "digest e-mail (N-1)", map[string]string{
		"date": day, "count": fmt.Sprint(len(listed) + more), "task_ids": strings.Join(tasks, ","),
		"items": strings.Join(lines, "\n"),
	})
}

// sendEmail sends one N-1 e-mail to the customer now (its timer already
// waited for the window, N-3). The step key is stable (a digest day, a
// task's notification), so a retry or a replay after continue-as-new sends
// it once with adapters that honour Step keys.
func (a *customerAccount) sendEmail(ctx workflow.Context, name, template, summary string, extra map[string]string) {
	s := jobcore.Send{Step: activities.Step{JobID: a.out.JobID, Name: name}, Channel: "email", Template: template, Summary: summary}
	data := map[string]string{
		"account_id": a.in.AccountID,
		"name":       a.in.Customer.Name,
		"app_url":    a.in.AppURL,
		"timezone":   a.in.Market.TimeZone(),
		"market":     string(a.in.Market),
	}
	jobcore.MergeFields(data, extra)
	req := activities.EmailRequest{To: a.in.Customer.Email, ToName: a.in.Customer.Name,
		Message:    activities.Message{Template: template, Language: string(a.in.Customer.Language), Data: data},
		Categories: []string{"account", template}}
	if req.To == "" {
		a.record(ctx, s, "no address")
		return
	}
	a.out.Email(ctx, s, req)
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
