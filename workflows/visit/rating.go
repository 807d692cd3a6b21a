package visit

import (
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
)

// ratingFollowUp builds the follow-up of the visit's rating.
func (v *visit) ratingFollowUp(r jobcore.RateRequest) rating.RatingFollowUpInput {
	return rating.RatingFollowUpInput{
		Job:      jobcore.JobRef{ID: v.st.ID, Kind: names.JobVisit, Partner: v.st.Partner, Market: v.st.Market, Region: v.st.Region},
		Worker:   v.st.Holder,
		Customer: v.in.Booking.Customer,
		Stars:    r.Stars,
		Comment:  r.Comment,
		Policy:   v.in.Policy,
	}
}
