package jobcore

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
)

// Outreach is a nil receiver used only to name the activity methods, so the
// workflows reference them with compile-time checks.
var Outreach *activities.Outreach

// Retries back off to a minute between attempts; a provider's permanent
// refusal (invalid number, rejected e-mail) is non-retryable at the source.
var sendRetry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
}

// Attempt bounds of the sends: a message attempt takes at most
// MessageAttemptTimeout; a call attempt is abandoned CallHeartbeatTimeout
// after its last heartbeat (a killed worker).
const (
	MessageAttemptTimeout = 30 * time.Second
	CallHeartbeatTimeout  = 30 * time.Second
)

// SendRetry is the retry policy of every send, for callers that derive
// their waits from it (the fault suite: after an outage ends, every send
// is tried again within MaximumInterval).
func SendRetry() temporal.RetryPolicy { return *sendRetry }

// SendRetryPolicy is the shared pointer every send's options carry; flows
// with their own timeouts (look-ups) reuse it.
func SendRetryPolicy() *temporal.RetryPolicy { return sendRetry }

// MessageOptions: a customer message either goes out within two hours or
// is recorded as failed and handed to ops.
func MessageOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    MessageAttemptTimeout,
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy:            sendRetry,
	}
}

// CallOptions: a reminder call rings for minutes and reports by heartbeat.
func CallOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    5 * time.Minute,
		HeartbeatTimeout:       CallHeartbeatTimeout,
		ScheduleToCloseTimeout: 20 * time.Minute,
		RetryPolicy:            sendRetry,
	}
}

// AlertOptions: an alert to the person on duty keeps trying for a day.
func AlertOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    MessageAttemptTimeout,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            sendRetry,
	}
}

// FailureOutcome names a delivery that will not happen: the provider's
// stable error type when it refused, "timeout" or "error" otherwise.
func FailureOutcome(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() != "" {
		return "failed: " + app.Type()
	}
	var to *temporal.TimeoutError
	if errors.As(err, &to) {
		return "failed: timeout"
	}
	if temporal.IsCanceledError(err) {
		return "cancelled"
	}
	return "failed: error"
}

// MergeFields copies template fields into dst. Copying into a map is
// order-independent, so the map iteration is deterministic; the workflowcheck
// config (workflowcheck.config.yaml) names this function as such, and every
// flow merges fields through it rather than ranging over maps itself.
func MergeFields(dst, src map[string]string) map[string]string {
	for k, v := range src {
		dst[k] = v
	}
	return dst
}
