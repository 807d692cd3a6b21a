package temporalx

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/names"
)

// The per-market digest schedules of the retired NotificationDigest flow
// (N-1, issue #13). They take a client, so they live beside the worker, not
// in workflow code.

// RetireDigestSchedule deletes the market's digest schedule of earlier
// versions, if there is one (issue #13: the accounts send the digests).
func RetireDigestSchedule(ctx context.Context, c client.Client, market rules.Market) error {
	err := c.ScheduleClient().GetHandle(ctx, account.DigestScheduleID(market)).Delete(ctx)
	var nf *serviceerror.NotFound
	if err == nil || errors.As(err, &nf) {
		return nil
	}
	return fmt.Errorf("digest schedule %s: %w", account.DigestScheduleID(market), err)
}

// EnsureDigestSchedule makes the market's digest schedule with the default
// policy (see EnsureDigestScheduleWithPolicy). Retired (issue #13): nothing
// in jobflow calls it any more; kept for tests of the old design.
func EnsureDigestSchedule(ctx context.Context, c client.Client, market rules.Market) error {
	return EnsureDigestScheduleWithPolicy(ctx, c, market, rules.DefaultPolicy())
}

// EnsureDigestScheduleWithPolicy makes the schedule "digest-<market>":
// DigestAt Mon-Fri in the market's zone, starting workflows.DigestWorkflow on
// workflows.TaskQueue; overlapping runs are skipped. An existing schedule is left as
// it is (delete it to change the time).
func EnsureDigestScheduleWithPolicy(ctx context.Context, c client.Client, market rules.Market, p rules.Policy) error {
	id := account.DigestScheduleID(market)
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Hour:      []client.ScheduleRange{{Start: p.DigestAt.Hour()}},
				Minute:    []client.ScheduleRange{{Start: p.DigestAt.Minute()}},
				DayOfWeek: []client.ScheduleRange{{Start: 1, End: 5}},
				Comment:   fmt.Sprintf("N-1 digest %s Mon-Fri %s; holidays skipped by the workflow", market, p.DigestAt),
			}},
			TimeZoneName: market.TimeZone(),
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  account.DigestWorkflowName,
			Args:      []any{account.DigestInput{Market: market, Policy: p}},
			TaskQueue: names.TaskQueue,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: 2 * time.Hour,
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("digest schedule %s: %w", id, err)
	}
	return nil
}
