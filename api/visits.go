package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// MemoBookingHash is the memo key holding the sha256 of the canonical
// booking a visit was started with (not personal data).
const MemoBookingHash = "booking_sha256"

// ErrBookingConflict: the partner's booking_ref is already used by a
// different booking (409 booking_conflict).
var ErrBookingConflict = errors.New("booking_ref is already used by a different booking")

// Visits starts visits: shared by POST /v1/bookings, `starter start` and
// `starter import`, so all three validate and start the same way.
type Visits struct {
	Client    client.Client
	Namespace string
	// Partners gives each partner's policy; nil means the default policy
	// for any well-formed partner id (start/import without PARTNERS_FILE).
	Partners *Partners
	// LinkSecret and PublicBaseURL build the customer's rating link; with
	// no secret the visit gets none.
	LinkSecret    []byte
	PublicBaseURL string
	// AppURL is the customer app's address (the app_url of account
	// e-mails); empty means PublicBaseURL.
	AppURL string
	UIURL  string
	Now    func() time.Time
}

// StartResult is the answer to a booking.
type StartResult struct {
	VisitID    string `json:"visit_id"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	Status     string `json:"status"`
	UIURL      string `json:"ui_url"`
	// Created is false when the booking was already known (a replay).
	Created bool `json:"-"`
}

func (v *Visits) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// UILink is the visit's page in the Temporal UI.
func (v *Visits) UILink(workflowID string) string {
	base := strings.TrimRight(v.UIURL, "/")
	if base == "" {
		base = "http://127.0.0.1:8233"
	}
	ns := v.Namespace
	if ns == "" {
		ns = "default"
	}
	return base + "/namespaces/" + url.PathEscape(ns) + "/workflows/" + url.PathEscape(workflowID)
}

// Book validates a partner's booking and starts its visit, or finds the
// visit a replay of the same booking started. Errors: *ValidationError
// (422), ErrBookingConflict (409), or a Temporal error.
func (v *Visits) Book(ctx context.Context, partner string, req BookingRequest) (StartResult, error) {
	now := v.now()
	hash := req.Hash(partner)
	booking, verr := req.Validate(partner, now)
	if verr != nil {
		if timeDependent(verr) && ValidPartnerID(partner) && bookingRefRe.MatchString(req.BookingRef) {
			// A replay of a booking accepted while its windows were ahead.
			if res, err := v.existing(ctx, visit.VisitID(partner, req.BookingRef), hash); err == nil {
				return res, nil
			}
		}
		return StartResult{}, verr
	}
	policy, verr := v.Partners.Policy(partner, booking.Market)
	if verr != nil {
		return StartResult{}, verr
	}
	id := visit.VisitID(partner, booking.BookingRef)
	deadline := rules.HelpDeadline(booking.BookedAt, booking.WishedTimes, policy.HelpPromise)
	in := visit.VisitInput{Booking: booking, Policy: policy}
	if len(v.LinkSecret) > 0 {
		exp := linkExpiry(booking, deadline, policy)
		in.RatingLink = RatingLink(v.LinkSecret, v.PublicBaseURL, id, exp)
		in.ComplaintLink = ComplaintLink(v.LinkSecret, v.PublicBaseURL, id, exp) // C-1
	}
	opts := client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                names.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{MemoBookingHash: hash},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			names.PartnerKey.ValueSet(partner),
			names.MarketKey.ValueSet(string(booking.Market)),
			names.RegionKey.ValueSet(booking.Region),
			names.VisitStatusKey.ValueSet(string(visit.StatusOpen)),
			names.HelpDeadlineKey.ValueSet(deadline),
			names.SLAStateKey.ValueSet(string(rules.SLAOk)),
		),
		StaticSummary: fmt.Sprintf("Visit %s/%s in %s", partner, booking.BookingRef, booking.Region),
		StaticDetails: staticDetails(booking, policy, deadline),
	}
	run, err := v.Client.ExecuteWorkflow(ctx, opts, visit.VisitWorkflowName, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return v.existing(ctx, id, hash)
		}
		return StartResult{}, err
	}
	return StartResult{
		VisitID: id, WorkflowID: id, RunID: run.GetRunID(),
		Status: string(visit.StatusOpen), UIURL: v.UILink(id), Created: true,
	}, nil
}

// linkExpiry: the rating link must outlive the latest plausible completion
// (the help deadline or the last wished window, plus 30 days for
// reschedules) and then the rating window. The workflow's own rating
// window is what really closes rating; the expiry is a backstop.
func linkExpiry(b visit.Booking, deadline time.Time, p rules.Policy) time.Time {
	last := deadline
	for _, w := range b.WishedTimes {
		if w.To.After(last) {
			last = w.To
		}
	}
	return last.Add(30*24*time.Hour + p.RatingWindow)
}

func staticDetails(b visit.Booking, p rules.Policy, deadline time.Time) string {
	return fmt.Sprintf("**Partner** %s · **booking** %s\n\n**Market** %s · **region** %s\n\n"+
		"**Booked** %s · **help promised by** %s\n\n**Policy** claim lock %s, help promise %s, reminder %s before, rating window %s",
		b.Partner, b.BookingRef, b.Market, b.Region,
		b.BookedAt.Format(time.RFC3339), deadline.Format(time.RFC3339),
		p.ClaimLock, p.HelpPromise, p.ReminderLead, p.RatingWindow)
}

// existing answers a replay: the visit id is taken; same booking hash ->
// the existing visit, another -> ErrBookingConflict.
func (v *Visits) existing(ctx context.Context, id, hash string) (StartResult, error) {
	desc, err := v.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return StartResult{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	var stored string
	if p := info.GetMemo().GetFields()[MemoBookingHash]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &stored)
	}
	if stored != hash {
		return StartResult{}, ErrBookingConflict
	}
	status := keywordAttr(info.GetSearchAttributes().GetIndexedFields()[names.VisitStatusKey.GetName()])
	if status == "" {
		status = strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	return StartResult{
		VisitID: id, WorkflowID: id, RunID: info.GetExecution().GetRunId(),
		Status: status, UIURL: v.UILink(id),
	}, nil
}
