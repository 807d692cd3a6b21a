package outreach

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

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

	// ErrTransient is the type of retryable failures: 429, 5xx, undecodable
	// error bodies, network errors and timeouts. The activity's retry policy
	// backs off and tries again.
	ErrTransient = "TransientDelivery"
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

// transient builds a retryable error; cause is kept only when it carries no
// provider text (network errors, timeouts).
func transient(cause error, format string, args ...any) error {
	return temporal.NewApplicationErrorWithCause(fmt.Sprintf(format, args...), ErrTransient, cause)
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
	case status == http.StatusTooManyRequests || status >= 500 || status == 0:
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
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return transient(err, "%s: timeout", op)
	case errors.As(err, &ne):
		return transient(err, "%s: network error", op)
	}
	// Undecodable bodies and anything unknown: retry, but do not keep the
	// text (a decoder error can quote the body).
	return transient(nil, "%s: %T", op, err)
}
