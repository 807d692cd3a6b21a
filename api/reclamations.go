package api

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
)

// Reclamations (C-1..C-3) and rating follow-ups: the endpoints of
// workflows/reclamation and workflows/rating.
//
//	POST /v1/visits/{id}/complaint?token=...   the customer's signed complaint link: opens a reclamation (C-1)
//	POST /v1/visits/{id}/complaint-link        ops mint a complaint link for a visit
//	POST /v1/reclamations                      ops open a reclamation on a customer's behalf
//	GET  /v1/reclamations/{id}                 ops: the reclamation with its whole exchange
//	POST /v1/reclamations/{id}/<update>        acknowledge, plan, plan-extra, reject, approve, note: ops;
//	                                           resolve: the assignee (buddy token)
//	GET  /v1/ratings/{id}                      ops: a rating follow-up
//	POST /v1/ratings/{id}/followup-answer      ops record the customer's answer to the 3-star follow-up
//	POST /v1/ratings/{id}/report               the worker who did the job (buddy token)
//	POST /v1/ratings/{id}/decide               ops (the team lead)
//
// Complaint links are the rating links' tokens (SignLink) with the action
// "complain"; a replayed link adds the text to the reclamation already open
// (StartReclamation: one update-with-start call, id reclamation-<job>), so a
// link cannot open a pile of them. A complaint is at most
// workflows.MaxReclamationText characters, the workflow's own bound, and one
// its note validator refuses is 422 complaint_refused, never a new case. The
// customer's contact comes from the visit's start input in its history,
// never from the request.

// LinkActionComplain is the complaint link's action.
const LinkActionComplain = "complain"

// ComplaintLinkValidity is how long a minted complaint link works.
const ComplaintLinkValidity = 90 * 24 * time.Hour

// HistoryConverter decodes a visit's start input (the customer's contact)
// from its history when a complaint opens a reclamation. With payload
// encryption on, `starter serve` must set it to the Temporal client's data
// converter (the one config.WithCodec builds).
var HistoryConverter converter.DataConverter = converter.GetDefaultDataConverter()

// ComplaintLink is the customer's complaint URL for a visit:
// <base>/v1/visits/<id>/complaint?token=<SignLink(..., "complain", exp)>.
func ComplaintLink(secret []byte, publicBaseURL, visitID string, exp time.Time) string {
	return strings.TrimRight(publicBaseURL, "/") + "/v1/visits/" + url.PathEscape(visitID) +
		"/complaint?token=" + url.QueryEscape(SignLink(secret, visitID, LinkActionComplain, exp))
}

// ComplaintRequest is the body of a complaint, by the customer's link or
// by ops on the customer's behalf (then with the job's id).
type ComplaintRequest struct {
	JobID     string `json:"job_id,omitempty"`
	Complaint string `json:"complaint"`
}

// ReclamationOpened answers a complaint: the reclamation it opened, or the
// open one it was added to (created false).
type ReclamationOpened struct {
	ReclamationStart
	UIURL string `json:"ui_url"`
}

// ComplaintLinkResponse is a minted complaint link.
type ComplaintLinkResponse struct {
	ComplaintURL string    `json:"complaint_url"`
	ExpiresAt    time.Time `json:"expires_at"`
}

var (
	// reclamation-<job> (complaints), -rating, -<n> (before reclamation-<job>)
	reclamationIDRe = regexp.MustCompile(`^reclamation-(visit|task)-[A-Za-z0-9][A-Za-z0-9._-]*$`)
	ratingIDRe      = regexp.MustCompile(`^rating-(visit|task)-[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

var reclamationActions = []action{
	{"acknowledge", reclamation.UpdateReclamationAcknowledge, roleOps, buildReq(func(q *reclamation.ReclamationAckRequest, p Principal) *ValidationError {
		q.Manager = p.ID
		return maxLen("note", q.Note, reclamation.MaxReclamationText)
	})},
	{"plan", reclamation.UpdateReclamationPlan, roleOps, buildReq(planReq)},
	{"plan-extra", reclamation.UpdateReclamationPlanExtra, roleOps, buildReq(planReq)},
	{"reject", reclamation.UpdateReclamationReject, roleOps, buildReq(func(q *reclamation.ReclamationRejectRequest, p Principal) *ValidationError {
		q.Manager = p.ID
		if strings.TrimSpace(q.Reason) == "" {
			return invalid("missing_field", "reason", "reason is required: the customer always receives it (C-3)")
		}
		return maxLen("reason", q.Reason, reclamation.MaxReclamationText)
	})},
	{"resolve", reclamation.UpdateReclamationResolve, roleBuddy, buildReq(func(q *reclamation.ReclamationResolveRequest, p Principal) *ValidationError {
		q.Assignee = p.ID
		return maxLen("note", q.Note, reclamation.MaxReclamationText)
	})},
	{"approve", reclamation.UpdateReclamationApprove, roleOps, buildReq(func(q *reclamation.ReclamationApproveRequest, p Principal) *ValidationError {
		q.Manager = p.ID
		return nil
	})},
	{"note", reclamation.UpdateReclamationNote, roleOps, buildReq(func(q *reclamation.ReclamationNoteRequest, p Principal) *ValidationError {
		q.By = jobcore.Actor{Role: roleOps, ID: p.ID}
		if strings.TrimSpace(q.Text) == "" {
			return invalid("missing_field", "text", "text is required")
		}
		return maxLen("text", q.Text, reclamation.MaxReclamationText)
	})},
}

func planReq(q *reclamation.ReclamationPlanRequest, p Principal) *ValidationError {
	q.Manager = p.ID
	if q.Due.IsZero() {
		return invalid("missing_field", "due", "due (the promised date, RFC 3339) is required")
	}
	if !tokenIDRe.MatchString(q.Assignee) {
		return invalid("missing_field", "assignee", "assignee (the employee's id) is required")
	}
	return maxLen("how", q.How, reclamation.MaxReclamationText)
}

var ratingActions = []action{
	{"followup-answer", rating.UpdateRatingAnswer, roleOps, buildReq(func(q *rating.RatingAnswerRequest, p Principal) *ValidationError {
		return maxLen("answer", q.Answer, 2000)
	})},
	{"report", rating.UpdateRatingReport, roleBuddy, buildReq(func(q *rating.RatingReportRequest, p Principal) *ValidationError {
		q.Worker = p.ID
		return maxLen("report", q.Report, 2000)
	})},
	{"decide", rating.UpdateRatingDecide, roleOps, buildReq(func(q *rating.RatingDecideRequest, p Principal) *ValidationError {
		q.TeamLead = p.ID
		if e := maxLen("decision", q.Decision, 2000); e != nil {
			return e
		}
		return maxLen("answer", q.Answer, 2000)
	})},
}

// reclamationRoutes lists the endpoints of this file (see Server.routes).
func (s *Server) reclamationRoutes() []Route {
	rs := []Route{
		{"POST", "/v1/visits/{id}/complaint", s.complain},
		{"POST", "/v1/visits/{id}/complaint-link", s.complaintLink},
		{"POST", "/v1/reclamations", s.openReclamation},
		{"GET", "/v1/reclamations/{id}", s.caseGet(reclamationIDRe, reclamation.QueryReclamation, "reclamation")},
		{"GET", "/v1/ratings/{id}", s.caseGet(ratingIDRe, rating.QueryRatingFollowUp, "rating")},
	}
	for _, a := range reclamationActions {
		rs = append(rs, Route{"POST", "/v1/reclamations/{id}/" + a.path, s.caseAct(a, reclamationIDRe, "reclamation")})
	}
	for _, a := range ratingActions {
		rs = append(rs, Route{"POST", "/v1/ratings/{id}/" + a.path, s.caseAct(a, ratingIDRe, "rating")})
	}
	return rs
}
