// Package outreach reaches customers, workers and ops: the message
// catalogue (every message in sv, da, de and en, Render/Catalogue/Fields),
// the Twilio adapter (SMS, V-7 reminder calls with inline TwiML <Say>) on
// twilio-go, the SendGrid adapter (v3 mail send) on sendgrid-go, the error
// classification the workflows rely on, and the configuration
// (LoadConfig/NewChannels). outreach/sandbox is the local stand-in for both
// providers.
//
// # Errors
//
// Every error a channel returns is a temporal.ApplicationError. Permanent
// ones are non-retryable with a stable type (activities.ErrInvalidRecipient,
// ErrUnsubscribed, ErrNotMobile, ErrRejectedByProvider, ErrProviderAuth,
// ErrEmailRejected, ErrEmailAuth, ErrTemplate; activities.DeliveryFailure
// recognises them); the workflow records the failure and alerts ops.
// Everything else is retried by the activity's retry policy, as one of two
// types: ErrRefused when the answer proves the provider took nothing (429 or
// 503 with the provider's own error body, a refused connection), and
// ErrTransient when the outcome is unknown (500 and other 5xx, undecodable
// bodies, timeouts, broken connections). Error texts
// keep only status and code: provider messages quote numbers and addresses,
// and failures are stored in workflow histories (V-14).
//
// # No double sends
//
// Neither Twilio nor SendGrid deduplicates. Each send is keyed by
// activities.Step.Key() and guarded three ways (see once in ledger.go):
//
//  1. a ledger of step -> provider id, a JSON-lines file synced on every
//     write (OUTREACH_LEDGER_PATH), so a restarted worker on the same volume
//     does not send again;
//  2. the activity heartbeats the provider id as soon as the provider
//     accepted; Temporal hands the last heartbeat to the next attempt on any
//     worker, and a retried ReminderCall resumes polling that call;
//  3. on attempt > 1 with neither record and an earlier attempt whose fate
//     is unknown, Twilio sends first ask Twilio (list Messages/Calls to the
//     number since the activity was scheduled): an outbound message with the
//     same body, or any outbound call, is taken as the earlier attempt's
//     send whose answer was lost. After a definite refusal (ErrRefused) of
//     the attempt right before, when every earlier attempt was refused the
//     same way, the refused attempt's heartbeat says so and the retry sends
//     at once (once the fate was unknown, every later attempt looks up: a
//     look-up that finds nothing does not vouch, lists lag): under a provider failing 30 % of requests a look-up
//     plus a send fails about half the time, a send alone 30 %
//     (TestRetryLooksUpOnlyWhenTheFateIsUnknown; RELIABILITY.md).
//
// E-mails are looked up the same way on a retry: SendGrid's Email Activity
// API (GET /v3/messages, query on the custom args job_id and step) says
// whether an earlier attempt's mail went out. That API is a paid add-on and
// lags by seconds to minutes; where it answers 401/403/404 a retry sends
// again (at least once rather than never). The sandbox implements it.
//
// The windows that remain: for e-mail, an account without Email Activity,
// or a retry that comes before SendGrid indexed the first mail. For SMS and calls, a
// crash between the provider accepting and the heartbeat, combined with a
// Twilio list that does not yet show the message, can still double a send;
// and two different steps that send the same body to the same number within
// one activity's retries are taken as one (a false "already sent", which is
// the safer mistake). Tests: TestExactlyOncePerStepUnderTransientErrors,
// TestExactlyOnceWhenAnswersAreLost, TestFileLedgerSurvivesRestart,
// TestReminderCallResumesFromHeartbeat.
//
// # Sandbox and Prism
//
// twilio-go has no base-URL option: with TWILIO_API_BASE set, its
// http.Client gets a transport that rewrites scheme and host (the Twilio
// spec's server has no base path, so paths stay as they are); sendgrid-go's
// GetRequest takes the host (SENDGRID_API_BASE). twilio-go refuses
// credentials outside [A-Za-z0-9], so sandbox credentials are alphanumeric.
package outreach
