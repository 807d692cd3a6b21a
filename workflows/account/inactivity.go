package account

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// CustomerAccount workflow (N-4): one long-lived workflow per customer
// account, id "account-<id>". Any activity on the account arrives as the
// signal AccountSignalActivity (start it with SignalWithStart) and resets
// the clock. Without activity the customer gets the friendly message after
// InactivityNudge (3 weeks), the unused-hours e-mail after InactivityEmail
// (7 weeks), and counts as inactive after InactivityMark (10 weeks:
// AccountStatus "inactive"). Both e-mails wait for the e-mail window (N-3):
// their timers are set to the first e-mail slot after the threshold, so the
// send itself never waits. Activity after the inactive mark makes the
// account active again and starts over.
//
// Every signal may cancel and restart a timer, so the history grows with
// signals: the run continues as new after AccountSignalsPerRun signals or
// when the server suggests it, after draining the signals already
// delivered, carrying the clock and the stage in AccountInput.
const (
	AccountWorkflowName   = "CustomerAccount"
	AccountSignalActivity = "activity"
	AccountQuery          = "account"

	// AccountSignalsPerRun bounds one run's history.
	AccountSignalsPerRun = 100
	// accountLogKeep is how many log lines survive a continue-as-new.
	accountLogKeep = 20
)

// AccountWorkflowID is the workflow id of an account: an opaque id, never an e-mail.
func AccountWorkflowID(accountID string) string { return "account-" + accountID }

// AccountStage is how far the inactivity rules have gone (N-4).
type AccountStage string

const (
	AccountActive   AccountStage = "active"   // nothing sent since the last activity
	AccountNudged   AccountStage = "nudged"   // the 3-week message went out
	AccountEmailed  AccountStage = "emailed"  // the 7-week unused-hours e-mail went out
	AccountInactive AccountStage = "inactive" // 10 weeks without activity
)

// AccountInput starts (or continues) an account's workflow. The fields after
// Policy are carried across continue-as-new; leave them zero on first start.
type AccountInput struct {
	AccountID string           `json:"account_id"`
	Market    rules.Market     `json:"market"`
	Customer  jobcore.Customer `json:"customer"` // personal data: never in search attributes
	Policy    rules.Policy     `json:"policy"`   // P-1, fixed at first start and carried on

	// AppURL is the customer app's address, the link in every e-mail
	// (app_url); the API fills it from its configuration (APP_URL).
	AppURL string `json:"app_url,omitempty"`

	LastActivity time.Time      `json:"last_activity,omitempty"` // zero: the first start
	Stage        AccountStage   `json:"stage,omitempty"`
	Runs         int            `json:"runs,omitempty"`
	Log          []AccountEvent `json:"log,omitempty"`

	// N-1 (account_digest.go), carried across continue-as-new: the unread
	// notifications, the pending digest time and the digests sent.
	Unread      []AccountNotification `json:"unread,omitempty"`
	OlderUnread []AccountOlderUnread  `json:"older_unread,omitempty"`
	DigestAt    *time.Time            `json:"digest_at,omitempty"`
	Digests     int                   `json:"digests,omitempty"`
	// Pending holds notification signals a pre-change run received
	// (ChangeAccountNotificationsUpgrade); the next run applies them first.
	Pending []AccountNotifySignal `json:"pending,omitempty"`
	Reads   []AccountReadSignal   `json:"reads,omitempty"`
}

// AccountActivitySignal is one activity on the account (a task created, a
// login, a chat message ...). Kind and Ref are ids for the log only.
type AccountActivitySignal struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref,omitempty"`
}

// AccountEvent is one line of the account's log.
type AccountEvent struct {
	At     time.Time    `json:"at"`
	Action string       `json:"action"` // activity, nudge, unused-hours, inactive, reactivated
	Stage  AccountStage `json:"stage"`
	Note   string       `json:"note,omitempty"`
}

// AccountState is the account as the Query returns it.
type AccountState struct {
	AccountID    string             `json:"account_id"`
	Market       rules.Market       `json:"market"`
	Stage        AccountStage       `json:"stage"`
	Inactive     bool               `json:"inactive"`
	LastActivity time.Time          `json:"last_activity"`
	NextAction   string             `json:"next_action,omitempty"`
	NextAt       *time.Time         `json:"next_at,omitempty"`
	Signals      int                `json:"signals"` // in this run
	Runs         int                `json:"runs"`    // earlier runs (continue-as-new)
	Log          []AccountEvent     `json:"log"`
	Deliveries   []jobcore.Delivery `json:"deliveries"`

	// N-1 (account_digest.go): the newest unread notifications not e-mailed
	// yet, older ones counted per task, the total, and the next digest.
	Unread      []AccountNotification `json:"unread"`
	OlderUnread []AccountOlderUnread  `json:"older_unread,omitempty"`
	UnreadCount int                   `json:"unread_count"`
	DigestAt    *time.Time            `json:"digest_at,omitempty"`
	Digests     int                   `json:"digests"`
}

// Register adds the workflow to a worker under its stable type name
// (recorded histories name it; never rename it).
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(CustomerAccountWorkflow, workflow.RegisterOptions{Name: AccountWorkflowName})
}

type customerAccount struct {
	in  AccountInput
	st  AccountState
	out jobcore.Outbox // the account's e-mails: synchronous, numbered per run
}

// CustomerAccountWorkflow runs the inactivity rules of one account (N-4).
func CustomerAccountWorkflow(ctx workflow.Context, in AccountInput) (AccountState, error) {
	a := &customerAccount{in: in}
	a.out = jobcore.Outbox{JobID: AccountWorkflowID(in.AccountID), Record: a.record}
	now := workflow.Now(ctx)
	a.st = AccountState{AccountID: in.AccountID, Market: in.Market, Stage: in.Stage, LastActivity: in.LastActivity,
		Runs: in.Runs, Log: append([]AccountEvent{}, in.Log...), Deliveries: []jobcore.Delivery{},
		Unread: append([]AccountNotification{}, in.Unread...), OlderUnread: in.OlderUnread, DigestAt: in.DigestAt, Digests: in.Digests}
	if a.st.LastActivity.IsZero() {
		a.st.LastActivity = now
	}
	if a.st.Stage == "" {
		a.st.Stage = AccountActive
	}
	a.st.Inactive = a.st.Stage == AccountInactive
	if err := workflow.SetQueryHandler(ctx, AccountQuery, func() (AccountState, error) {
		st := a.st
		st.UnreadCount = a.unreadCount()
		return st, nil
	}); err != nil {
		return a.st, err
	}
	a.publish(ctx)

	signals := workflow.GetSignalChannel(ctx, AccountSignalActivity)
	notes := workflow.GetSignalChannel(ctx, AccountSignalNotify)
	reads := workflow.GetSignalChannel(ctx, AccountSignalRead)
	// N-1 (account_digest.go): only runs started after the change handle
	// notifications; older ones leave the channels alone, as before.
	notesOn := accountNotificationsVersion(ctx) >= 1
	if notesOn {
		for _, s := range in.Pending {
			a.notified(ctx, s)
		}
		for _, s := range in.Reads {
			a.read(ctx, s)
		}
	}
	for iter := 0; ; iter++ {
		// A run that started before ChangeAccountNotifications and now runs
		// on this code continues as new at its next wake-up: the next run
		// handles notifications. Histories recorded before replay with
		// DefaultVersion here and go on as they did. The change id names
		// the iteration: GetVersion keeps the answer of a change id for the
		// rest of the run, and the iterations replayed before would pin
		// DefaultVersion; the first iteration that runs live records the
		// marker (1) instead.
		if !notesOn && workflow.GetVersion(ctx, fmt.Sprintf("%s-%d", ChangeAccountNotificationsUpgrade, iter), workflow.DefaultVersion, 1) >= 1 {
			return a.st, a.continueAsNew(ctx, signals, notes, reads)
		}
		action, at := a.next()
		if action != "" {
			a.st.NextAction, a.st.NextAt = action, &at
		} else {
			a.st.NextAction, a.st.NextAt = "", nil
		}
		received, fired, noteDue := false, false, false
		var sig AccountActivitySignal
		tctx, cancel := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, more bool) {
			c.Receive(ctx, &sig)
			received = true
		})
		if notesOn {
			sel.AddReceive(notes, func(c workflow.ReceiveChannel, more bool) {
				var s AccountNotifySignal
				c.Receive(ctx, &s)
				a.notified(ctx, s)
			})
			sel.AddReceive(reads, func(c workflow.ReceiveChannel, more bool) {
				var s AccountReadSignal
				c.Receive(ctx, &s)
				a.read(ctx, s)
			})
			if at := a.nextNotificationAt(); !at.IsZero() {
				if d := at.Sub(workflow.Now(ctx)); d <= 0 {
					noteDue = true
				} else {
					sel.AddFuture(workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: "notifications: digest or hand-over e-mail (N-1)"}),
						func(f workflow.Future) { noteDue = f.Get(ctx, nil) == nil })
				}
			}
		}
		if action != "" {
			d := at.Sub(workflow.Now(ctx))
			if d <= 0 {
				fired = true
			} else {
				sel.AddFuture(workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: "inactivity: " + action + " (N-4)"}),
					func(f workflow.Future) { fired = f.Get(ctx, nil) == nil })
			}
		}
		if !fired && !noteDue {
			sel.Select(ctx)
		}
		cancel()
		if err := ctx.Err(); err != nil {
			return a.st, err
		}
		if received {
			a.activity(ctx, sig)
		} else if fired {
			a.advance(ctx, action)
		}
		if noteDue {
			a.sendDue(ctx)
		}

		if a.st.Signals >= AccountSignalsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return a.st, a.continueAsNew(ctx, signals, notes, reads)
		}
	}
}

// continueAsNew drains the signals already delivered, so none is lost, and
// continues with the clock, the stage and the notifications (N-1, N-4).
func (a *customerAccount) continueAsNew(ctx workflow.Context, signals, notes, reads workflow.ReceiveChannel) error {
	in := a.in
	// Drain what was already delivered so no signal is lost.
	for {
		var s AccountActivitySignal
		if !signals.ReceiveAsync(&s) {
			break
		}
		a.activity(ctx, s)
	}
	var pending []AccountNotifySignal
	var pendingReads []AccountReadSignal
	for {
		var s AccountNotifySignal
		if !notes.ReceiveAsync(&s) {
			break
		}
		pending = append(pending, s)
	}
	for {
		var s AccountReadSignal
		if !reads.ReceiveAsync(&s) {
			break
		}
		pendingReads = append(pendingReads, s)
	}
	log := a.st.Log
	if len(log) > accountLogKeep {
		log = log[len(log)-accountLogKeep:]
	}
	next := AccountInput{AccountID: in.AccountID, Market: in.Market, Customer: in.Customer, Policy: in.Policy,
		LastActivity: a.st.LastActivity, Stage: a.st.Stage, Runs: a.st.Runs + 1, Log: log,
		AppURL: in.AppURL, Unread: a.st.Unread, OlderUnread: a.st.OlderUnread, DigestAt: a.st.DigestAt,
		Digests: a.st.Digests, Pending: pending, Reads: pendingReads}
	return workflow.NewContinueAsNewError(ctx, AccountWorkflowName, next)
}

// next is the next inactivity step and when it is due: the e-mails at the
// first e-mail slot after their threshold (N-3), the inactive mark at its
// threshold.
func (a *customerAccount) next() (string, time.Time) {
	p, last, loc := a.in.Policy, a.st.LastActivity, rules.Location(a.in.Market)
	switch a.st.Stage {
	case AccountActive:
		return "nudge", rules.NextEmailSlot(a.in.Market, addSpan(loc, last, p.InactivityNudge), p)
	case AccountNudged:
		return "unused-hours", rules.NextEmailSlot(a.in.Market, addSpan(loc, last, p.InactivityEmail), p)
	case AccountEmailed:
		return "inactive", addSpan(loc, last, p.InactivityMark)
	}
	return "", time.Time{}
}

// addSpan adds a policy span to t. Whole days count as calendar days in the
// market's zone, so "3 weeks" after Monday 10:00 is Monday 10:00 even across
// a daylight-saving change; other spans are exact durations.
func addSpan(loc *time.Location, t time.Time, d time.Duration) time.Time {
	const day = 24 * time.Hour
	if d%day != 0 {
		return t.Add(d)
	}
	return t.In(loc).AddDate(0, 0, int(d/day))
}

func (a *customerAccount) activity(ctx workflow.Context, s AccountActivitySignal) {
	a.st.Signals++
	a.st.LastActivity = workflow.Now(ctx)
	was := a.st.Stage
	a.st.Stage, a.st.Inactive = AccountActive, false
	note := s.Kind
	if s.Ref != "" {
		note += " " + s.Ref
	}
	action := "activity"
	if was == AccountInactive {
		action = "reactivated"
	}
	// Log stage changes only, so a busy account's log stays short.
	if was != AccountActive {
		a.event(ctx, action, note)
		a.publish(ctx)
	}
}

func (a *customerAccount) advance(ctx workflow.Context, action string) {
	switch action {
	case "nudge":
		a.st.Stage = AccountNudged
		a.event(ctx, "nudge", "no activity for "+a.in.Policy.InactivityNudge.String())
		a.email(ctx, "nudge", "account.nudge", "friendly message after inactivity (N-4)")
	case "unused-hours":
		a.st.Stage = AccountEmailed
		a.event(ctx, "unused-hours", "no activity for "+a.in.Policy.InactivityEmail.String())
		a.email(ctx, "unused-hours", "account.unused_hours", "unused hours e-mail (N-4)")
	case "inactive":
		a.st.Stage, a.st.Inactive = AccountInactive, true
		a.event(ctx, "inactive", "no activity for "+a.in.Policy.InactivityMark.String())
		a.publish(ctx)
	}
}

func (a *customerAccount) event(ctx workflow.Context, action, note string) {
	a.st.Log = append(a.st.Log, AccountEvent{At: workflow.Now(ctx), Action: action, Stage: a.st.Stage, Note: note})
}

// email sends at once: the step's timer already waited for the window.
func (a *customerAccount) email(ctx workflow.Context, name, template, summary string) {
	s := jobcore.Send{Step: a.out.Step(fmt.Sprintf("%s-r%d", name, a.st.Runs)), Channel: "email", Template: template, Summary: summary}
	lang := string(a.in.Customer.Language)
	req := activities.EmailRequest{To: a.in.Customer.Email, ToName: a.in.Customer.Name,
		Message: activities.Message{Template: template, Language: lang, Data: map[string]string{
			"account_id":    a.in.AccountID,
			"name":          a.in.Customer.Name,
			"app_url":       a.in.AppURL,
			"last_activity": a.st.LastActivity.In(rules.Location(a.in.Market)).Format(time.RFC3339),
			"timezone":      a.in.Market.TimeZone(),
		}},
		Categories: []string{"account", template}}
	if req.To == "" {
		a.record(ctx, s, "no address")
		return
	}
	a.out.Email(ctx, s, req)
}

// record keeps the newest accountLogKeep deliveries.
func (a *customerAccount) record(ctx workflow.Context, s jobcore.Send, outcome string) {
	a.st.Deliveries = append(a.st.Deliveries, jobcore.Delivery{At: workflow.Now(ctx), Step: s.Step.Name, Channel: s.Channel, Template: s.Template, Outcome: outcome})
	a.st.Deliveries = jobcore.KeepNewest(a.st.Deliveries, accountLogKeep)
}

// publish writes the account's status (N-4) for ops; ids only (V-14).
func (a *customerAccount) publish(ctx workflow.Context) {
	status := "active"
	if a.st.Inactive {
		status = "inactive"
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		names.MarketKey.ValueSet(string(a.in.Market)), names.AccountStatusKey.ValueSet([]string{status})); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** · account %s · %s · last activity %s",
		status, a.in.AccountID, a.st.Stage, a.st.LastActivity.In(rules.Location(a.in.Market)).Format("Mon 2 Jan 2006 15:04 MST")))
}
