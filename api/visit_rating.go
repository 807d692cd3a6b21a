package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// rate serves POST /v1/visits/{id}/rating?token=...: the customer's stars
// through the signed link from the rating e-mail.
func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = names.RoleCustomer
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, LinkActionRate, s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the rating link is not valid: "+err.Error(), "")
		return
	}
	req, ok := decodeRating(w, r)
	if !ok {
		return
	}
	if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.customerLink }, id) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if res, ok := s.runUpdate(ctx, w, r, id, visit.UpdateRate, "", req); ok {
		writeJSON(w, http.StatusOK, customerVisitView(res, &req)) // M4: the customer's view only
	}
}

// RatingLinkResponse is a freshly minted customer rating link.
type RatingLinkResponse struct {
	RatingURL string    `json:"rating_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ratingLink serves POST /v1/visits/{id}/rating-link: ops mint a fresh
// rating link for a completed visit (the customer lost the e-mail). It
// expires when the visit's rating window closes; single use is still the
// workflow's.
func (s *Server) ratingLink(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	if p.Role != roleOps {
		fail(w, r, http.StatusForbidden, "forbidden", "only ops may mint a rating link", "")
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.query(ctx, id)
	if err != nil {
		s.failVisit(ctx, w, r, id, err)
		return
	}
	if st.Status != visit.StatusCompleted || st.RatingClosesAt == nil {
		fail(w, r, http.StatusConflict, "transition_refused", fmt.Sprintf("visit %s is %s; a rating link is for a completed visit awaiting its rating (R-1)", id, st.Status), "")
		return
	}
	exp := *st.RatingClosesAt
	writeJSON(w, http.StatusOK, RatingLinkResponse{
		RatingURL: RatingLink(s.LinkSecret, s.Visits.PublicBaseURL, id, exp),
		ExpiresAt: exp,
	})
}

// decodeRating reads a customer's stars for a visit or a task; the
// workflows' validators check the same, so the answer is 422 here, early.
func decodeRating(w http.ResponseWriter, r *http.Request) (jobcore.RateRequest, bool) {
	var req jobcore.RateRequest
	body, ok := readBody(w, r)
	if !ok {
		return req, false
	}
	if e := DecodeStrict(body, &req); e != nil {
		failValidation(w, r, e)
		return req, false
	}
	if req.Stars < 1 || req.Stars > 5 {
		failValidation(w, r, invalid("invalid_stars", "stars", "stars must be 1 to 5"))
		return req, false
	}
	if len(req.Comment) > 2000 { // the workflow's validator counts bytes too
		failValidation(w, r, invalid("field_too_long", "comment", "comment is too long (at most 2000 bytes, about 1000 characters with accents)"))
		return req, false
	}
	return req, true
}
