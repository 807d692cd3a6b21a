package jobcore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/names"
)

// upserts runs wf and returns the attribute names of each upsert command.
func upserts(t *testing.T, wf func(workflow.Context) error) [][]string {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "publish"})
	var got [][]string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		var names []string
		for k := range args.Get(0).(temporal.SearchAttributes).GetUntypedValues() {
			names = append(names, k.GetName())
		}
		got = append(got, names)
	}).Return(nil)
	env.ExecuteWorkflow("publish")
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	return got
}

// issue #13: a transition upserts only what changed, nothing when nothing
// did; the status is written at the first publish even if the start set it.
func TestPublisherWritesOnlyWhatChanged(t *testing.T) {
	due := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	got := upserts(t, func(ctx workflow.Context) error {
		var p Publisher
		p.Seed(Keyword(names.PartnerKey, "acme"), Keyword(names.VisitStatusKey, "open"))
		attrs := func(status, buddy string, level int, at time.Time) []Attr {
			return []Attr{Keyword(names.PartnerKey, "acme"), Keyword(names.VisitStatusKey, status).First(),
				Keyword(names.BuddyIDKey, buddy).Unset(), Int(names.EscalationLevelKey, level), Time(names.AppointmentAtKey, at)}
		}
		p.Publish(ctx, "1", attrs("open", "", 0, time.Time{})...)    // status only (First)
		p.Publish(ctx, "2", attrs("open", "", 0, time.Time{})...)    // nothing
		p.Publish(ctx, "3", attrs("claimed", "b-1", 0, due)...)      // status, buddy, appointment
		p.Publish(ctx, "4", attrs("claimed", "", 0, due)...)         // buddy unset
		p.Publish(ctx, "5", attrs("claimed", "", 2, due)...)         // level
		p.Publish(ctx, "6", attrs("claimed", "", 2, time.Time{})...) // emptied without Unset: left
		return nil
	})
	require.Len(t, got, 4, "publishes 2 and 6 change nothing, so no upsert command")
	assert.ElementsMatch(t, []string{"VisitStatus"}, got[0], "the seeded partner is not written again")
	assert.ElementsMatch(t, []string{"VisitStatus", "BuddyId", "AppointmentAt"}, got[1])
	assert.Empty(t, got[2], "the buddy is unset (an unset attribute carries no value)")
	assert.ElementsMatch(t, []string{"EscalationLevel"}, got[3])
}

type failingOutreach struct{ calls int }

func (f *failingOutreach) SendSMS(context.Context, activities.SMSRequest) (activities.SMSResult, error) {
	f.calls++
	return activities.SMSResult{}, temporal.NewNonRetryableApplicationError("invalid number", "InvalidNumber", errors.New("21211"))
}

// issue #13: a send's step keys are numbered per job, a refused send is
// recorded once with its outcome and handed to OnFailure, not retried.
func TestOutboxRecordsAndHandsFailuresOn(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	fake := &failingOutreach{}
	env.RegisterActivityWithOptions(fake.SendSMS, activity.RegisterOptions{Name: "SendSMS"})
	var records, failures []string
	var steps []string
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		o := Outbox{JobID: "visit-acme-1",
			Record:    func(_ workflow.Context, s Send, outcome string) { records = append(records, s.Step.Name+" "+outcome) },
			OnFailure: func(_ workflow.Context, s Send, outcome string) { failures = append(failures, s.Channel+" "+outcome) }}
		first, second := o.Step("start"), o.Step("start")
		steps = append(steps, first.Key(), second.Key())
		o.Go(ctx, func(ctx workflow.Context) {
			o.SMS(ctx, Send{Step: second, Channel: "sms", Template: "visit.start", Summary: "start SMS"}, activities.SMSRequest{To: "+46700000000"})
		})
		return workflow.Await(ctx, func() bool { return o.Pending == 0 })
	}, workflow.RegisterOptions{Name: "outbox"})
	env.ExecuteWorkflow("outbox")
	require.NoError(t, env.GetWorkflowError())
	assert.NotEqual(t, steps[0], steps[1], "each send has its own step key")
	assert.Equal(t, 1, fake.calls, "a permanent refusal is not retried")
	require.Len(t, records, 1)
	assert.Equal(t, "start-2 failed: InvalidNumber", records[0])
	assert.Equal(t, []string{"sms failed: InvalidNumber"}, failures, "OnFailure learns the channel and the outcome")
}
