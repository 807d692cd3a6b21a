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

// NotificationDigest workflow (N-1): RETIRED by issue #13 ("Entities own
// their timers; no fan-out"). Each customer's CustomerAccount workflow now
// owns the unread notifications and sends the 08:00 digest itself
// (account_digest.go); the worker no longer creates the per-market schedules
// and removes existing ones (temporalx.RetireDigestSchedule). The workflow type stays
// registered so recorded and running histories replay; a run started after
// the change (ChangeDigestRetired) sends nothing and says so, in case a
// schedule still fires.
//
// The old design, kept for those histories: a Temporal Schedule per market ("digest-<market>", made by
// temporalx.EnsureDigestSchedule) starts this workflow at DigestAt Mon-Fri in the
// market's zone. The schedule cannot know holidays, so the workflow skips a
// run on a non-working day (rules.IsWorkingDay); the next working day's run
// then covers everything since the last digest slot. One activity
// (activities.Notifications.SendTaskDigest) lists the market's running task
// workflows through visibility, queries each for unread notifications
// created since the previous digest slot and not already e-mailed on their
// own, and sends one e-mail per customer account; contact data stay inside
// the activity, the history holds only counts and ids.
const (
	DigestWorkflowName = "NotificationDigest"

	// ChangeDigestRetired is the GetVersion change id after which a
	// NotificationDigest run sends nothing (issue #13).
	ChangeDigestRetired = "digest-retired"
)

// DigestScheduleID is the schedule of a market's digest.
func DigestScheduleID(m rules.Market) string { return "digest-" + string(m) }

// DigestInput is what the schedule starts the digest with; the policy is
// fixed when the schedule is made (P-1).
type DigestInput struct {
	Market rules.Market `json:"market"`
	Policy rules.Policy `json:"policy"`
}

// DigestOutcome is the digest run's result.
type DigestOutcome struct {
	Market  rules.Market             `json:"market"`
	Date    string                   `json:"date"`
	Skipped string                   `json:"skipped,omitempty"` // why no digest went out
	Since   time.Time                `json:"since"`
	Until   time.Time                `json:"until"`
	Result  *activities.DigestResult `json:"result,omitempty"`
}

// notifications names the activity method for the workflow.
var notifications *activities.Notifications

// RegisterDigest keeps the retired NotificationDigest workflow registered,
// so its recorded and running schedules replay and end (issue #13).
func RegisterDigest(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(DigestWorkflow, workflow.RegisterOptions{Name: DigestWorkflowName})
}

// DigestWorkflow sends one market's digest, or skips a holiday.
func DigestWorkflow(ctx workflow.Context, in DigestInput) (DigestOutcome, error) {
	now := workflow.Now(ctx)
	loc := rules.Location(in.Market)
	out := DigestOutcome{Market: in.Market, Date: now.In(loc).Format("2006-01-02"), Until: now}
	if workflow.GetVersion(ctx, ChangeDigestRetired, workflow.DefaultVersion, 1) >= 1 {
		out.Skipped = "retired: each customer account sends its own digest (N-1, issue #13)"
		workflow.SetCurrentDetails(ctx, "digest "+string(in.Market)+" retired: accounts send their own digests")
		return out, nil
	}
	if !rules.IsWorkingDay(in.Market, now) {
		name, ok := rules.HolidayName(in.Market, now)
		if !ok {
			name = now.In(loc).Weekday().String()
		}
		out.Skipped = "not a working day: " + name
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("digest %s %s skipped (%s)", in.Market, out.Date, name))
		return out, nil
	}
	out.Since = PreviousDigestSlot(in.Market, now, in.Policy)
	req := activities.DigestRequest{
		Market: string(in.Market), Date: out.Date, Since: out.Since, Until: out.Until,
		Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s = '%s'",
			names.TaskWorkflowName, names.MarketKey.GetName(), in.Market),
	}
	opts := workflow.ActivityOptions{
		Summary:                "digest e-mails (N-1)",
		StartToCloseTimeout:    30 * time.Minute,
		HeartbeatTimeout:       2 * time.Minute,
		ScheduleToCloseTimeout: 4 * time.Hour,
		RetryPolicy:            jobcore.SendRetryPolicy(),
	}
	var res activities.DigestResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), notifications.SendTaskDigest, req).Get(ctx, &res); err != nil {
		return out, err
	}
	out.Result = &res
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("digest %s %s: %d e-mails, %d notifications, %d tasks",
		in.Market, out.Date, res.Emails, res.Notifications, res.Tasks))
	return out, nil
}

// PreviousDigestSlot is the digest slot before the one at `now` (N-1): the
// start of the period a digest at `now` covers. A run a little late (the
// schedule's jitter) still counts as the slot it belongs to.
func PreviousDigestSlot(m rules.Market, now time.Time, p rules.Policy) time.Time {
	const lateness = time.Hour
	slot := rules.NextDigest(m, now.AddDate(0, 0, -14), p)
	for {
		n := rules.NextDigest(m, slot, p)
		if !n.Before(now.Add(-lateness)) {
			return slot
		}
		slot = n
	}
}
