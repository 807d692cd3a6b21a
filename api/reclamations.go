package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
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

// complain serves POST /v1/visits/{id}/complaint?token=...: the customer's
// complaint through the signed link.
func (s *Server) complain(w http.ResponseWriter, r *http.Request) {
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = names.RoleCustomer
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, LinkActionComplain, s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the complaint link is not valid: "+err.Error(), "")
		return
	}
	s.openFor(w, r, id, jobcore.Actor{Role: names.RoleCustomer})
}

// openReclamation serves POST /v1/reclamations: ops open a reclamation on
// a customer's behalf (a phone call, an e-mail).
func (s *Server) openReclamation(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	if p.Role != roleOps {
		fail(w, r, http.StatusForbidden, "forbidden", "only ops may open a reclamation on a customer's behalf", "")
		return
	}
	s.openFor(w, r, "", jobcore.Actor{Role: roleOps, ID: p.ID})
}

// openFor reads the complaint and opens (or adds to) the reclamation of
// visit id; an empty id is read from the body's job_id.
func (s *Server) openFor(w http.ResponseWriter, r *http.Request, id string, by jobcore.Actor) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req ComplaintRequest
	if e := DecodeStrict(body, &req); e != nil {
		failValidation(w, r, e)
		return
	}
	if id == "" {
		if !visitIDRe.MatchString(req.JobID) && !taskIDRe.MatchString(req.JobID) {
			failValidation(w, r, invalid("invalid_job", "job_id", "job_id must be a visit's id (visit-<partner>-<booking_ref>) or a task's (task-<partner>-<task_ref>)"))
			return
		}
		id = req.JobID
	} else if req.JobID != "" && req.JobID != id {
		failValidation(w, r, invalid("invalid_job", "job_id", "job_id must be empty or the link's visit"))
		return
	}
	if strings.TrimSpace(req.Complaint) == "" {
		failValidation(w, r, invalid("missing_field", "complaint", "complaint (what went wrong) is required"))
		return
	}
	if e := maxLen("complaint", req.Complaint, reclamation.MaxReclamationText); e != nil {
		failValidation(w, r, e) // the workflow's bound: refused here, nothing opened
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	job, customer, jobPolicy, err := s.jobForReclamation(ctx, id)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			fail(w, r, http.StatusNotFound, "job_not_found", "no visit or task with this id", "job_id")
			return
		}
		s.failTemporal(w, r, err)
		return
	}
	policy, verr := s.Visits.Partners.Policy(job.Partner, job.Market)
	if verr != nil {
		policy = jobPolicy // the partner left the configuration: the job's own policy
	}
	res, err := StartReclamation(ctx, s.Visits.Client, reclamation.ReclamationInput{
		Job: job, Customer: customer, OpenedBy: by, Complaint: req.Complaint, Policy: policy,
	})
	var refused *ComplaintRefusedError
	if errors.As(err, &refused) {
		info(r).workflowID = refused.ReclamationID
		fail(w, r, http.StatusUnprocessableEntity, "complaint_refused", refused.Message, "complaint")
		return
	}
	if err != nil {
		s.failTemporal(w, r, err)
		return
	}
	info(r).workflowID = res.ReclamationID
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/reclamations/"+res.ReclamationID)
	}
	writeJSON(w, status, ReclamationOpened{ReclamationStart: res, UIURL: s.Visits.UILink(res.ReclamationID)})
}

// jobForReclamation reads what a reclamation needs from the job it concerns
// (C-1): a visit's or a task's start input, the only place the customer's
// contact is kept.
func (s *Server) jobForReclamation(ctx context.Context, id string) (jobcore.JobRef, jobcore.Customer, rules.Policy, error) {
	if taskIDRe.MatchString(id) {
		var in task.TaskInput
		if err := s.startInput(ctx, id, names.TaskWorkflowName, &in); err != nil {
			return jobcore.JobRef{}, jobcore.Customer{}, rules.Policy{}, err
		}
		return jobcore.JobRef{ID: id, Kind: names.JobTask, Partner: in.Partner, Market: in.Market}, in.Customer, in.Policy, nil
	}
	in, err := s.visitInput(ctx, id)
	if err != nil {
		return jobcore.JobRef{}, jobcore.Customer{}, rules.Policy{}, err
	}
	b := in.Booking
	return jobcore.JobRef{ID: id, Kind: names.JobVisit, Partner: b.Partner, Market: b.Market, Region: b.Region}, b.Customer, in.Policy, nil
}

// startInput decodes the input of workflow id's first run of the given type.
func (s *Server) startInput(ctx context.Context, id, workflowType string, into any) error {
	it := s.Visits.Client.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return serviceerror.NewNotFound("no history")
	}
	ev, err := it.Next()
	if err != nil {
		return err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || attrs.GetWorkflowType().GetName() != workflowType {
		return serviceerror.NewNotFound("not a " + workflowType)
	}
	if err := HistoryConverter.FromPayloads(attrs.GetInput(), into); err != nil {
		return fmt.Errorf("decode the %s's input: %w", workflowType, err)
	}
	return nil
}

// visitInput reads the input a visit was started with (its first history
// event): the only place the customer's contact is kept.
func (s *Server) visitInput(ctx context.Context, id string) (visit.VisitInput, error) {
	var in visit.VisitInput
	it := s.Visits.Client.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return in, serviceerror.NewNotFound("no history")
	}
	ev, err := it.Next()
	if err != nil {
		return in, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || attrs.GetWorkflowType().GetName() != visit.VisitWorkflowName {
		return in, serviceerror.NewNotFound("not a visit")
	}
	if err := HistoryConverter.FromPayloads(attrs.GetInput(), &in); err != nil {
		return in, fmt.Errorf("decode the visit's input: %w", err)
	}
	return in, nil
}

// complaintLink serves POST /v1/visits/{id}/complaint-link: ops mint a
// complaint link, e.g. for after-visit messages.
func (s *Server) complaintLink(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	if p.Role != roleOps {
		fail(w, r, http.StatusForbidden, "forbidden", "only ops may mint a complaint link", "")
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if _, err := s.Visits.Client.DescribeWorkflowExecution(ctx, id, ""); err != nil {
		s.failTemporal(w, r, err)
		return
	}
	exp := s.Visits.now().Add(ComplaintLinkValidity).Truncate(time.Second)
	writeJSON(w, http.StatusOK, ComplaintLinkResponse{ComplaintURL: ComplaintLink(s.LinkSecret, s.Visits.PublicBaseURL, id, exp), ExpiresAt: exp})
}

// caseID reads and checks a reclamation's or follow-up's {id}.
func caseID(w http.ResponseWriter, r *http.Request, re *regexp.Regexp, kind string) (string, bool) {
	id := r.PathValue("id")
	if !re.MatchString(id) {
		fail(w, r, http.StatusNotFound, kind+"_not_found", "no "+kind+" with this id", "")
		return "", false
	}
	info(r).workflowID = id
	return id, true
}

// caseGet serves GET /v1/reclamations/{id} and /v1/ratings/{id} (ops).
func (s *Server) caseGet(re *regexp.Regexp, query, kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principal(w, r)
		if !ok {
			return
		}
		id, ok := caseID(w, r, re, kind)
		if !ok {
			return
		}
		if p.Role != roleOps {
			fail(w, r, http.StatusForbidden, "forbidden", "only ops may read a "+kind, "")
			return
		}
		ctx, cancel := s.ctx(r)
		defer cancel()
		v, err := s.Visits.Client.QueryWorkflow(ctx, id, "", query)
		var st any
		if err == nil {
			st, err = decodeCase(kind, v.Get)
		}
		if err != nil {
			s.failCase(ctx, w, r, id, kind, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	}
}

// caseAct serves POST /v1/reclamations/{id}/<update> and
// /v1/ratings/{id}/<update>; the workflow's validators check the rest. It
// answers the Update's small result (workflows.ReclamationUpdateResult,
// workflows.RatingUpdateResult), not the state.
func (s *Server) caseAct(a action, re *regexp.Regexp, kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principal(w, r)
		if !ok {
			return
		}
		id, ok := caseID(w, r, re, kind)
		if !ok {
			return
		}
		if p.Role != a.role {
			fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("only %s may %s a %s", plural(a.role), a.path, kind), "")
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		arg, verr := a.build(body, p)
		if verr != nil {
			failValidation(w, r, verr)
			return
		}
		updateID := r.Header.Get("Idempotency-Key")
		if updateID != "" && !updateIDRe.MatchString(updateID) {
			fail(w, r, http.StatusUnprocessableEntity, "invalid_idempotency_key", "Idempotency-Key: 1-128 characters A-Z, a-z, 0-9, '.', '_', ':', '-'", "")
			return
		}
		ctx, cancel := s.ctx(r)
		defer cancel()
		h, err := s.Visits.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			UpdateID: updateID, WorkflowID: id, UpdateName: a.update, Args: []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var res any
		if err == nil {
			res, err = decodeCaseResult(kind, func(v any) error { return h.Get(ctx, v) })
		}
		if err != nil {
			s.failCase(ctx, w, r, id, kind, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// decodeCase decodes a reclamation's or follow-up's Query: the whole state.
func decodeCase(kind string, get func(any) error) (any, error) {
	if kind == "reclamation" {
		var st reclamation.ReclamationState
		return st, get(&st)
	}
	var st rating.RatingFollowUpState
	return st, get(&st)
}

// decodeCaseResult decodes an Update's small result (issue #13); the
// whole state is the GET route's.
func decodeCaseResult(kind string, get func(any) error) (any, error) {
	if kind == "reclamation" {
		var res reclamation.ReclamationUpdateResult
		return res, get(&res)
	}
	var res rating.RatingUpdateResult
	return res, get(&res)
}

// failCase maps an Update's or Query's error: a refused step is 409 with
// the workflow's message, a closed case 409 <kind>_closed, an unknown one 404.
func (s *Server) failCase(ctx context.Context, w http.ResponseWriter, r *http.Request, id, kind string, err error) {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app):
		fail(w, r, http.StatusConflict, "transition_refused", app.Message(), "")
	case errors.As(err, &nf):
		desc, derr := s.Visits.Client.DescribeWorkflowExecution(ctx, id, "")
		if derr != nil || desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			fail(w, r, http.StatusNotFound, kind+"_not_found", "no "+kind+" with this id", "")
			return
		}
		fail(w, r, http.StatusConflict, kind+"_closed", fmt.Sprintf("%s %s is closed and takes no more changes", kind, id), "")
	default:
		s.failTemporal(w, r, err)
	}
}
