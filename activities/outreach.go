// Package activities holds every side effect jobflow's workflows perform.
// Activities are methods on structs that hold their clients, so tests inject
// fakes and the worker injects the Twilio/SendGrid adapters or the sandbox.
package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Error types of the non-retryable application errors the outreach channels
// return (temporal.ApplicationError.Type()). A workflow that sees one records
// the failed delivery and alerts ops instead of retrying; every other error
// from a channel is transient and retried by the activity's retry policy.
const (
	ErrInvalidRecipient   = "InvalidRecipient"   // Twilio 21211 and similar: the number is not a valid phone number
	ErrUnsubscribed       = "Unsubscribed"       // Twilio 21610: the recipient replied STOP
	ErrNotMobile          = "NotMobile"          // Twilio 21614: the number cannot receive SMS
	ErrRejectedByProvider = "RejectedByProvider" // any other Twilio 4xx except 429
	ErrProviderAuth       = "ProviderAuth"       // Twilio 401/403 or credentials it rejects locally
	ErrEmailRejected      = "EmailRejected"      // SendGrid 400 (bad address, bad payload)
	ErrEmailAuth          = "EmailAuth"          // SendGrid 401/403: key missing, wrong or without permission
	ErrTemplate           = "TemplateError"      // unknown template id or a field the template needs is missing
)

// PermanentDeliveryTypes lists every type above: a failure of one of these
// types will not succeed on retry.
var PermanentDeliveryTypes = []string{
	ErrInvalidRecipient, ErrUnsubscribed, ErrNotMobile, ErrRejectedByProvider,
	ErrProviderAuth, ErrEmailRejected, ErrEmailAuth, ErrTemplate,
}

// DeliveryFailure reports whether err (as returned by an activity, possibly
// wrapped in a temporal.ActivityError) is a permanent delivery failure, and
// its type. Workflows use it to record the failure and alert ops (see the
// constants above).
func DeliveryFailure(err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "", false
	}
	for _, t := range PermanentDeliveryTypes {
		if appErr.Type() == t {
			return t, true
		}
	}
	return "", false
}

// Message is what to say: a template id (see the outreach package's
// catalogue), the language to say it in, and the template's fields. The text
// is rendered inside the activity, so histories carry only ids and fields.
type Message struct {
	Template string            `json:"template"`
	Language string            `json:"language"`
	Data     map[string]string `json:"data,omitempty"`
}

// Step identifies one send in one workflow; retries of the same step must not
// send twice, so adapters record the provider's id per step (see the outreach
// package's doc for how, and for the window that remains).
type Step struct {
	JobID string `json:"job_id"` // the workflow id: never personal data
	Name  string `json:"name"`   // e.g. "booking-confirmation", "reminder-call-2"
}

// Key is the idempotency key of the step.
func (s Step) Key() string { return s.JobID + "/" + s.Name }

// SMSRequest sends one text message.
type SMSRequest struct {
	Step    Step    `json:"step"`
	To      string  `json:"to"` // E.164
	Message Message `json:"message"`
}

// SMSResult names the provider's message.
type SMSResult struct {
	SID string `json:"sid"`
}

// CallOutcome is how a reminder call ended (V-7).
type CallOutcome string

const (
	CallAnswered CallOutcome = "answered"
	CallNoAnswer CallOutcome = "no-answer"
	CallBusy     CallOutcome = "busy"
	CallFailed   CallOutcome = "failed"
)

// Answered reports whether the customer picked up.
func (o CallOutcome) Answered() bool { return o == CallAnswered }

// CallRequest places one voice call that speaks the message.
type CallRequest struct {
	Step    Step    `json:"step"`
	To      string  `json:"to"`
	Message Message `json:"message"`
}

// CallResult names the call and how it ended.
type CallResult struct {
	SID     string      `json:"sid"`
	Outcome CallOutcome `json:"outcome"`
}

// EmailRequest sends one e-mail.
type EmailRequest struct {
	Step       Step     `json:"step"`
	To         string   `json:"to"`
	ToName     string   `json:"to_name,omitempty"`
	Message    Message  `json:"message"`
	Categories []string `json:"categories,omitempty"`
}

// EmailResult names the provider's message.
type EmailResult struct {
	MessageID string `json:"message_id"`
}

// OpsAlert reaches the person on duty. Alerts carry the job id and the
// reason, never customer data (V-14).
type OpsAlert struct {
	Step    Step    `json:"step"`
	Kind    string  `json:"kind"` // e.g. sla_warning, sla_breach, abort, panic, recording_refused, delivery_failed
	Message Message `json:"message"`
}

// AlertResult names the delivery that carried the alert.
type AlertResult struct {
	ID string `json:"id"`
}

// Channels is the seam between the activities and the providers: the
// logging channels here, the Twilio/SendGrid adapters, or test fakes.
type Channels interface {
	SendSMS(ctx context.Context, req SMSRequest) (SMSResult, error)
	ReminderCall(ctx context.Context, req CallRequest) (CallResult, error)
	SendEmail(ctx context.Context, req EmailRequest) (EmailResult, error)
	AlertOps(ctx context.Context, req OpsAlert) (AlertResult, error)
}

// Outreach holds the channels customers and ops are reached through.
type Outreach struct {
	Channels Channels
}

// SendSMS sends a text message to a customer or worker.
func (o *Outreach) SendSMS(ctx context.Context, req SMSRequest) (SMSResult, error) {
	return o.Channels.SendSMS(ctx, req)
}

// ReminderCall calls the customer before the appointment (V-7) and reports
// whether they answered.
func (o *Outreach) ReminderCall(ctx context.Context, req CallRequest) (CallResult, error) {
	return o.Channels.ReminderCall(ctx, req)
}

// SendEmail sends an e-mail to a customer.
func (o *Outreach) SendEmail(ctx context.Context, req EmailRequest) (EmailResult, error) {
	return o.Channels.SendEmail(ctx, req)
}

// AlertOps reaches the person on duty.
func (o *Outreach) AlertOps(ctx context.Context, req OpsAlert) (AlertResult, error) {
	return o.Channels.AlertOps(ctx, req)
}

// LogChannels writes every send to the activity logger instead of a
// provider; it always reports the call as answered.
type LogChannels struct{}

func (LogChannels) SendSMS(ctx context.Context, req SMSRequest) (SMSResult, error) {
	activity.GetLogger(ctx).Info("sms", "step", req.Step.Key(), "template", req.Message.Template, "language", req.Message.Language)
	return SMSResult{SID: "log-" + req.Step.Key()}, nil
}

func (LogChannels) ReminderCall(ctx context.Context, req CallRequest) (CallResult, error) {
	activity.GetLogger(ctx).Info("call", "step", req.Step.Key(), "template", req.Message.Template, "language", req.Message.Language)
	return CallResult{SID: "log-" + req.Step.Key(), Outcome: CallAnswered}, nil
}

func (LogChannels) SendEmail(ctx context.Context, req EmailRequest) (EmailResult, error) {
	activity.GetLogger(ctx).Info("email", "step", req.Step.Key(), "template", req.Message.Template, "language", req.Message.Language)
	return EmailResult{MessageID: "log-" + req.Step.Key()}, nil
}

func (LogChannels) AlertOps(ctx context.Context, req OpsAlert) (AlertResult, error) {
	activity.GetLogger(ctx).Warn("ops alert", "step", req.Step.Key(), "kind", req.Kind, "template", req.Message.Template)
	return AlertResult{ID: fmt.Sprintf("log-%s", req.Step.Key())}, nil
}

var _ Channels = LogChannels{}
