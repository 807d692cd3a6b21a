package outreach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"

	"github.com/sendgrid/rest"
	twclient "github.com/twilio/twilio-go/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/activities"
)

// Error types of the application errors the channels return. The permanent
// ones are defined in the activities contract so workflows need not import
// this package; they are repeated here for the adapters' readers.
const (
	ErrInvalidRecipient   = activities.ErrInvalidRecipient
	ErrUnsubscribed       = activities.ErrUnsubscribed
	ErrNotMobile          = activities.ErrNotMobile
	ErrRejectedByProvider = activities.ErrRejectedByProvider
	ErrProviderAuth       = activities.ErrProviderAuth
	ErrEmailRejected      = activities.ErrEmailRejected
	ErrEmailAuth          = activities.ErrEmailAuth
	ErrTemplate           = activities.ErrTemplate

	// ErrTransient is the type of retryable failures whose outcome is
	// unknown: a 500 or other 5xx, an undecodable error body, a timeout, a
	// broken connection. The provider may have taken the send, so the retry
	// looks it up before sending again (once, ledger.go).
	ErrTransient = "TransientDelivery"
	// ErrRefused is the type of retryable failures where the provider
	// definitely took nothing: 429 or 503 with the provider's own error
	// body, a refused connection. The retry sends straight away.
	ErrRefused = "ProviderRefused"
)

// Twilio error codes that say the recipient can never be reached this way.
// https://www.twilio.com/docs/api/errors
var twilioRecipientCodes = map[int]string{
	21211: ErrInvalidRecipient, // invalid 'To' phone number
	21217: ErrInvalidRecipient, // phone number does not appear to be valid
	21401: ErrInvalidRecipient, // invalid phone number (calls)
	13223: ErrInvalidRecipient, // dial: invalid phone number format
	13224: ErrInvalidRecipient, // dial: invalid phone number
	21610: ErrUnsubscribed,     // attempt to send to unsubscribed recipient
	21614: ErrNotMobile,        // 'To' number is not a valid mobile number
}

// permanent builds a non-retryable error of a stable type. Provider messages
// often quote the phone number or address, and failures are stored in
// workflow histories unencrypted, so only status and code are kept (V-14).
func permanent(typ, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), typ, nil)
}

// transient builds a retryable error of unknown outcome; cause is kept only
// when it carries no provider text (network errors, timeouts).
func transient(cause error, format string, args ...any) error {
	return temporal.NewApplicationErrorWithCause(fmt.Sprintf(format, args...), ErrTransient, cause)
}

// refused builds a retryable error for an answer that proves the provider
// took nothing (see ErrRefused).
func refused(cause error, format string, args ...any) error {
	return temporal.NewApplicationErrorWithCause(fmt.Sprintf(format, args...), ErrRefused, cause)
}

// isRefused reports whether err is a definite refusal (ErrRefused).
func isRefused(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == ErrRefused
}

// classifyTwilio turns an error from twilio-go into a Temporal application
// error: permanent for what a retry cannot fix, transient otherwise.
func classifyTwilio(op string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err
	}
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		return classifyTwilioStatus(op, rest.Status, rest.Code)
	}
	var v1 *twclient.RestErrorV1
	if errors.As(err, &v1) {
		return classifyTwilioStatus(op, v1.HttpStatusCode, v1.Code)
	}
	return classifyNetwork("twilio "+op, err)
}

func classifyTwilioStatus(op string, status, code int) error {
	info := fmt.Sprintf("twilio %s: status %d, code %d", op, status, code)
	if typ, ok := twilioRecipientCodes[code]; ok {
		return permanent(typ, "%s", info)
	}
	switch {
	case code == 21222 || code == 21224 || code == 20003 || status == http.StatusUnauthorized || status == http.StatusForbidden:
		// 21222/21224: twilio-go refuses credentials with characters outside [A-Za-z0-9].
		return permanent(ErrProviderAuth, "%s", info)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		// Twilio's own error body with 429 (rate limit) or 503 (overloaded):
		// the request was turned away before anything was stored.
		return refused(nil, "%s", info)
	case status >= 500 || status == 0:
		// status 0: a JSON error body without a status field; we cannot tell,
		// so retry (bounded by the activity's retry policy).
		return transient(nil, "%s", info)
	case status >= 400:
		return permanent(ErrRejectedByProvider, "%s", info)
	}
	return transient(nil, "%s", info)
}

// classifySendGrid classifies sendgrid-go's result: it returns non-2xx
// answers as a response, not an error.
func classifySendGrid(resp *rest.Response, err error) error {
	if err != nil {
		return classifyNetwork("sendgrid mail send", err)
	}
	if resp == nil {
		return transient(nil, "sendgrid mail send: no response")
	}
	s := resp.StatusCode
	switch {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return permanent(ErrEmailAuth, "sendgrid mail send: status %d", s)
	case (s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable) && sendGridErrorBody(resp.Body):
		return refused(nil, "sendgrid mail send: status %d", s)
	case s == http.StatusTooManyRequests || s >= 500:
		return transient(nil, "sendgrid mail send: status %d", s)
	case s >= 400:
		return permanent(ErrEmailRejected, "sendgrid mail send: status %d%s", s, sendGridFields(resp.Body))
	}
	return transient(nil, "sendgrid mail send: unexpected status %d", s)
}

// classifyNetwork marks transport failures retryable. The error text of net
// and url errors names only the host, never the recipient.
func classifyNetwork(op string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// Nothing listened: the request never reached the provider.
		return refused(err, "%s: connection refused", op)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return transient(err, "%s: timeout", op)
	case errors.As(err, &ne):
		return transient(err, "%s: network error", op)
	}
	// Undecodable bodies and anything unknown: retry, but do not keep the
	// text (a decoder error can quote the body).
	return transient(nil, "%s: %T", op, err)
}

// sendGridErrorBody reports whether body is SendGrid's JSON error document
// ({"errors": [...]}): an answer from SendGrid itself, not from a proxy that
// may have lost the request on its way.
func sendGridErrorBody(body string) bool {
	var doc struct {
		Errors []json.RawMessage `json:"errors"`
	}
	return json.Unmarshal([]byte(body), &doc) == nil && len(doc.Errors) > 0
}
