package temporalx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/names"
)

func TestN1_EnsureDigestSchedule(t *testing.T) {
	c := &mocks.Client{}
	sc := &mocks.ScheduleClient{}
	c.On("ScheduleClient").Return(sc)
	var got client.ScheduleOptions
	sc.On("Create", mock.Anything, mock.Anything).Run(func(a mock.Arguments) {
		got = a.Get(1).(client.ScheduleOptions)
	}).Return(nil, nil).Once()
	if err := temporalx.EnsureDigestSchedule(context.Background(), c, rules.Denmark); err != nil {
		t.Fatal(err)
	}
	cal := got.Spec.Calendars[0]
	act := got.Action.(*client.ScheduleWorkflowAction)
	if got.ID != "digest-DK" || got.Spec.TimeZoneName != "Europe/Copenhagen" ||
		cal.Hour[0].Start != 8 || cal.Minute[0].Start != 0 || cal.DayOfWeek[0] != (client.ScheduleRange{Start: 1, End: 5}) ||
		act.Workflow != account.DigestWorkflowName || act.TaskQueue != names.TaskQueue || got.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Fatalf("schedule %+v", got)
	}
	if in := act.Args[0].(account.DigestInput); in.Market != rules.Denmark || in.Policy.DigestAt != rules.At(8, 0) {
		t.Fatalf("args %+v", act.Args)
	}
	// An existing schedule is fine.
	sc.On("Create", mock.Anything, mock.Anything).Return(nil, temporal.ErrScheduleAlreadyRunning).Once()
	if err := temporalx.EnsureDigestSchedule(context.Background(), c, rules.Denmark); err != nil {
		t.Fatalf("existing schedule: %v", err)
	}
}
