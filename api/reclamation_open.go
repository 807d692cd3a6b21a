package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
)

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
