package faults

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// channelDelay is, for one channel, how long its sends took from their
// first attempt (the activity scheduled) to the provider's acceptance (the
// activity completed), under the suite's faults.
type channelDelay struct {
	Channel         string
	Sends, Failed   int
	P50, P99, Max   time.Duration
	MaxAttempts     int32
	AttemptsOverOne int
}

// activityChannel names the channel of each send activity (their
// registered names are the method names of activities.Outreach).
var activityChannel = map[string]string{
	"SendSMS": "sms", "ReminderCall": "call", "SendEmail": "email", "AlertOps": "ops alert",
}

// deliveryDelays reads every visit's history and measures its sends. Its
// own budget: reading histories must not eat the bookings phase's.
func deliveryDelays(t *testing.T, c client.Client, vs []*visitRun) []channelDelay {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	delays := map[string][]time.Duration{}
	failed := map[string]int{}
	attempts := map[string][]int32{}
	for _, v := range vs {
		type sched struct {
			channel string
			at      time.Time
		}
		scheduled := map[int64]sched{}
		started := map[int64]int32{}
		it := c.GetWorkflowHistory(ctx, v.id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Errorf("%s: history: %v", v.id, err)
				break
			}
			switch e.GetEventType() {
			case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				if ch, ok := activityChannel[e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()]; ok {
					scheduled[e.GetEventId()] = sched{ch, e.GetEventTime().AsTime()}
				}
			case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				a := e.GetActivityTaskStartedEventAttributes()
				started[a.GetScheduledEventId()] = a.GetAttempt()
			case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				id := e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
				if s, ok := scheduled[id]; ok {
					delays[s.channel] = append(delays[s.channel], e.GetEventTime().AsTime().Sub(s.at))
					attempts[s.channel] = append(attempts[s.channel], started[id])
				}
			case enums.EVENT_TYPE_ACTIVITY_TASK_FAILED, enums.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
				var id int64
				if a := e.GetActivityTaskFailedEventAttributes(); a != nil {
					id = a.GetScheduledEventId()
				} else {
					id = e.GetActivityTaskTimedOutEventAttributes().GetScheduledEventId()
				}
				if s, ok := scheduled[id]; ok {
					failed[s.channel]++ // a permanent refusal (invalid number): not a delivery
				}
			}
		}
	}
	var out []channelDelay
	for _, ch := range []string{"sms", "call", "email", "ops alert"} {
		d := delays[ch]
		slices.Sort(d)
		cd := channelDelay{Channel: ch, Sends: len(d), Failed: failed[ch]}
		if len(d) > 0 {
			cd.P50, cd.P99, cd.Max = pct(d, 50), pct(d, 99), d[len(d)-1]
		}
		for _, a := range attempts[ch] {
			cd.MaxAttempts = max(cd.MaxAttempts, a)
			if a > 1 {
				cd.AttemptsOverOne++
			}
		}
		out = append(out, cd)
	}
	return out
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
