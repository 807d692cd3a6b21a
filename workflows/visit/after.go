package visit

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	ratingwf "github.com/jobflow/jobflow/workflows/rating"
	"go.temporal.io/sdk/workflow"
)

// --- cancel, rate, reassign, mileage ---------------------------------------

func (v *visit) validateCancel(ctx workflow.Context, r CancelRequest) error {
	switch v.st.Status {
	case StatusOpen, StatusClaimed, StatusBooked:
	default:
		return jobcore.Refuse("a %s visit can no longer be cancelled", v.st.Status)
	}
	if r.By.Role != names.RoleOps && r.By.Role != names.RoleCustomer {
		return jobcore.Refuse("only ops or the customer cancel a visit; a buddy releases it instead (V-2)")
	}
	if r.Reason == "" {
		return jobcore.Refuse("give the reason for the cancellation")
	}
	return nil
}

func (v *visit) cancel(ctx workflow.Context, r CancelRequest) (VisitUpdateResult, error) {
	v.endTimers()
	wasBooked := v.st.Status == StatusBooked
	v.setStatus(ctx, "cancel", r.By, StatusCancelled, r.Reason)
	if wasBooked {
		v.sendSMS(ctx, "cancelled", "visit.cancelled", "cancellation notice",
			map[string]string{"appointment": v.st.AppointmentAt.Format(time.RFC3339)})
	}
	return v.result(), nil
}

func (v *visit) validateRate(ctx workflow.Context, r jobcore.RateRequest) error {
	if v.st.Status == StatusRated {
		return jobcore.Refuse("this visit has already been rated; a rating link works once (R-1)")
	}
	if v.st.Status != StatusCompleted {
		return jobcore.Refuse("a visit can be rated once it is completed (R-1)")
	}
	if r.Stars < 1 || r.Stars > 5 {
		return jobcore.Refuse("a rating is 1 to 5 stars (R-1)")
	}
	if len(r.Comment) > 2000 {
		return jobcore.Refuse("a comment is at most 2000 characters")
	}
	return nil
}

func (v *visit) rate(ctx workflow.Context, r jobcore.RateRequest) (VisitUpdateResult, error) {
	rating := r
	v.st.Rating = &rating
	v.setStatus(ctx, "rate", jobcore.Actor{Role: names.RoleCustomer}, StatusRated, fmt.Sprintf("%d stars (R-1)", r.Stars))
	if !ratingwf.NeedsRatingFollowUp(r.Stars) {
		return v.result(), nil // 4-5 stars, nothing to do
	}
	if workflow.GetVersion(ctx, "rating-followup-child", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// Visits rated before the follow-up workflow existed replay as they ran.
		if r.Stars == 3 {
			v.sendEmail(ctx, "rating-followup", "visit.rating_followup", "rating follow-up (R-2)", nil)
		} else {
			v.alertOps(ctx, "rating_low", "ops.rating_low", "low rating to team lead (R-2)",
				map[string]string{"stars": fmt.Sprint(r.Stars), "buddy": v.st.Holder})
		}
		return v.result(), nil
	}
	// 3 stars and below run in their own follow-up workflow (rating.go),
	// an abandoned child the visit waits for only until it has started; all
	// the follow-up's messages go from there, never from here.
	in := v.ratingFollowUp(r)
	v.out.Go(ctx, func(ctx workflow.Context) {
		if err := ratingwf.StartRatingFollowUp(ctx, in); err != nil {
			// Never lose a low rating: fall back to telling the team lead.
			workflow.GetLogger(ctx).Error("rating follow-up not started", "workflow_id", ratingwf.RatingFollowUpID(v.st.ID), "error", err)
			v.logTransition(ctx, "rating-followup-failed", jobcore.Actor{Role: names.RoleSystem}, v.st.Status, "follow-up not started; team lead alerted (R-2)")
			v.alertOpsNow(ctx, "rating_low", "ops.rating_low", "low rating to team lead (R-2)",
				map[string]string{"stars": fmt.Sprint(r.Stars), "buddy": v.st.Holder})
			return
		}
		v.followUp = true
		v.logTransition(ctx, "rating-followup", jobcore.Actor{Role: names.RoleSystem}, v.st.Status, "follow-up "+ratingwf.RatingFollowUpID(v.st.ID)+" started (R-2)")
	})
	res := v.result()
	res.RatingFollowUpID = ratingwf.RatingFollowUpID(v.st.ID) // where the follow-up runs
	return res, nil
}

func (v *visit) validateReassign(ctx workflow.Context, r ReassignRequest) error {
	if v.st.Status != StatusClaimed && v.st.Status != StatusBooked {
		return jobcore.Refuse("only a claimed or booked visit can move to a substitute; this one is %s (A-1)", v.st.Status)
	}
	if r.To == "" || r.To == r.From {
		return jobcore.Refuse("name the substitute buddy (A-1)")
	}
	if r.From != "" && r.From != v.st.Holder {
		return jobcore.Refuse("the visit is not held by %s", r.From)
	}
	return nil
}

func (v *visit) reassign(ctx workflow.Context, r ReassignRequest) (VisitUpdateResult, error) {
	from := v.st.Holder
	v.st.Holder = r.To
	// The claim lock, the help promise and the reminder keep running: a
	// substitute inherits the promises, not a fresh clock.
	by := r.By
	if by.Role == "" { // a request from before By: the absence that sent it
		by = jobcore.Actor{Role: names.RoleSystem, ID: "absence"}
	}
	v.setStatus(ctx, "reassign", by, v.st.Status, fmt.Sprintf("from %s to %s: %s (A-1)", from, r.To, r.Reason))
	return v.result(), nil
}

func (v *visit) validateMileage(ctx workflow.Context, r MileageRequest) error {
	if v.st.Completion == nil || v.st.Completion.MileageKm == 0 {
		return jobcore.Refuse("no mileage was reported on this visit (V-13)")
	}
	if v.st.MileageOK {
		return jobcore.Refuse("mileage is already confirmed (V-13)")
	}
	if r.Ops == "" {
		return jobcore.Refuse("name the ops person confirming the mileage (V-13)")
	}
	return nil
}

func (v *visit) confirmMileage(ctx workflow.Context, r MileageRequest) (VisitUpdateResult, error) {
	v.st.MileageOK = true
	pay := rules.BuddyPay(v.st.BillableMin, v.st.Completion.MileageKm, true)
	v.st.Pay = &pay
	v.logTransition(ctx, "confirm-mileage", jobcore.Actor{Role: names.RoleOps, ID: r.Ops}, v.st.Status, fmt.Sprintf("%.1f km confirmed (V-13)", v.st.Completion.MileageKm))
	return v.result(), nil
}
