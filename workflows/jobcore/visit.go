package jobcore

import (
	"fmt"
	"github.com/jobflow/jobflow/rules"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"time"
)

// Customer is the person helped. It travels encrypted (payload codec) and
// never enters search attributes, memos or logs (V-14).
type Customer struct {
	Name     string         `json:"name"`
	Phone    string         `json:"phone"` // E.164
	Email    string         `json:"email"`
	Language rules.Language `json:"language"`
}

// Actor is who asks for a transition.
type Actor struct {
	Role string `json:"role"` // buddy, ops, customer, system
	ID   string `json:"id"`
}

// RateRequest: the customer's stars.
type RateRequest struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment,omitempty"`
}

// Delivery records one message sent for the visit (no content, no PII).
type Delivery struct {
	At       time.Time `json:"at"`
	Step     string    `json:"step"`
	Channel  string    `json:"channel"` // sms, call, email, ops
	Template string    `json:"template"`
	Outcome  string    `json:"outcome"` // sent, answered, no-answer, failed: <type>
}

// --- helpers -------------------------------------------------------------

// ErrTypeNotHolder is the validator's refusal of a buddy who does not hold
// the job (V-2): the API answers it 403 not_holder in one round trip,
// without asking the workflow first (issue #18).
const ErrTypeNotHolder = "NotHolder"

// NotHolder builds that refusal.
func NotHolder(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeNotHolder)
}

// refuse builds a validator rejection a person can read.
func Refuse(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), "TransitionRefused")
}

// sleep waits d on a durable timer; false when the context was cancelled.
func Sleep(ctx workflow.Context, d time.Duration, summary string) bool {
	if d > 0 {
		if err := workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary}).Get(ctx, nil); err != nil {
			return false
		}
	}
	return ctx.Err() == nil
}
