package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

// absenceRoutes are appended to the route table by server.go.
func (s *Server) absenceRoutes() []Route {
	rs := []Route{
		{"POST", "/v1/absences", s.reportAbsence},
		{"GET", "/v1/absences/{id}", s.getAbsence},
		{"POST", "/v1/absences/{id}/jobs/{job}/customer-choice", s.customerChoice},
		{"GET", "/v1/workers/{id}/auto-reply", s.autoReply},
	}
	for _, a := range absenceActions {
		rs = append(rs, Route{"POST", "/v1/absences/{id}/" + a.path, s.absenceAct(a)})
	}
	return rs
}

type absenceAction struct {
	path, update string
	opsOnly      bool
	build        func(body []byte, p Principal, manager bool) (any, *ValidationError)
}

// absenceBuild adapts a request builder that needs no manager flag.
func absenceBuild[T any](set func(*T, Principal) *ValidationError) func([]byte, Principal, bool) (any, *ValidationError) {
	b := buildReq(set)
	return func(body []byte, p Principal, _ bool) (any, *ValidationError) { return b(body, p) }
}

var absenceActions = []absenceAction{
	{"approve", absence.UpdateAbsenceApprove, true, absenceBuild(func(q *absence.ApproveAbsenceRequest, p Principal) *ValidationError {
		q.Manager, q.By = p.ID, jobcore.Actor{Role: p.Role, ID: p.ID}
		return nil
	})},
	{"reject", absence.UpdateAbsenceReject, true, absenceBuild(func(q *absence.RejectAbsenceRequest, p Principal) *ValidationError {
		q.Manager, q.By = p.ID, jobcore.Actor{Role: p.Role, ID: p.ID}
		return maxLen("reason", q.Reason, 1000)
	})},
	{"accept-substitute", absence.UpdateAcceptSubstitute, false, func(body []byte, p Principal, manager bool) (any, *ValidationError) {
		return buildReq(func(q *absence.AcceptSubstituteRequest, p Principal) *ValidationError {
			q.By = jobcore.Actor{Role: p.Role, ID: p.ID}
			if !manager {
				q.Substitute = p.ID // a colleague accepts for themself
			}
			if !jobIDRe.MatchString(q.JobID) {
				return invalid("missing_field", "job_id", "job_id (the visit or task id) is required")
			}
			return need(tokenIDRe.MatchString(q.Substitute), "missing_field", "substitute", "substitute (a worker id) is required")
		})(body, p)
	}},
	{"cut-short", absence.UpdateCutShort, false, absenceBuild(func(q *absence.CutShortRequest, p Principal) *ValidationError {
		q.By = jobcore.Actor{Role: p.Role, ID: p.ID}
		return nil
	})},
	{"change-period", absence.UpdateChangePeriod, false, absenceBuild(func(q *absence.ChangePeriodRequest, p Principal) *ValidationError {
		q.By = jobcore.Actor{Role: p.Role, ID: p.ID}
		return need(q.Period.To.After(q.Period.From), "invalid_period", "period.to", "the period must end after it starts")
	})},
}

func absenceIDFrom(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !absenceIDRe.MatchString(id) {
		fail(w, r, http.StatusNotFound, "absence_not_found", "no absence with this id", "")
		return "", false
	}
	info(r).workflowID = id
	return id, true
}

// absenceWorker reads the worker id out of an absence id (either scheme).
func absenceWorker(id string) string { return activities.AbsenceWorkerOf(id) }

// reportAbsence serves POST /v1/absences. A worker reports for themself;
// ops for anyone (approved at once); a team lead for an assistant.
func (s *Server) reportAbsence(w http.ResponseWriter, r *http.Request) {
	p, ok := s.absencePrincipal(w, r)
	if !ok {
		return
	}
	if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.absenceReport }, p.Role+":"+p.ID) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	rep, verr := DecodeAbsenceReport(body)
	if verr != nil {
		failValidation(w, r, verr)
		return
	}
	if rep.WorkerID != p.ID && !s.managesReport(p, rep) {
		fail(w, r, http.StatusForbidden, "forbidden", "workers report their own absence; ops report for anyone, a team lead for assistants only", "")
		return
	}
	policy := rules.DefaultPolicy()
	if s.Partners != nil {
		pol, err := rules.Resolve(s.Partners.markets[rep.Market], nil)
		if err != nil {
			fail(w, r, http.StatusInternalServerError, "policy_error", err.Error(), "")
			return
		}
		policy = pol
	}
	in := absence.AbsenceInput{
		WorkerID: rep.WorkerID, WorkerName: rep.WorkerName, Role: rep.Role, Market: rep.Market, Region: rules.NormalRegion(rep.Region),
		Competences: rep.Competences, Kind: rep.Kind, Period: rep.Period,
		ReportedBy: jobcore.Actor{Role: p.Role, ID: p.ID}, Contact: rep.Contact, Policy: policy,
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := StartAbsence(ctx, s.Visits.Client, in, ReportHash(rep))
	if errors.Is(err, ErrAbsenceConflict) {
		info(r).workflowID = res.WorkflowID
		fail(w, r, http.StatusConflict, "absence_conflict", fmt.Sprintf(
			"%s is already reported, with another period or details; change it with POST /v1/absences/%s/change-period or cut-short",
			res.WorkflowID, res.WorkflowID), "")
		return
	}
	if err != nil {
		s.failTemporal(w, r, err)
		return
	}
	info(r).workflowID = res.WorkflowID
	w.Header().Set("Location", "/v1/absences/"+res.WorkflowID)
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, res)
}

// MemoAbsenceHash is the memo key holding the sha256 of the canonical
// report (ReportHash), so a retried report is told from a different one.
const MemoAbsenceHash = "absence_sha256"

func (s *Server) queryAbsence(ctx context.Context, id string) (absence.AbsenceState, error) {
	return queryState[absence.AbsenceState](ctx, s.Visits.Client, id, absence.QueryAbsence)
}

// getAbsence serves GET /v1/absences/{id}: the manager, or the absent worker.
func (s *Server) getAbsence(w http.ResponseWriter, r *http.Request) {
	p, ok := s.absencePrincipal(w, r)
	if !ok {
		return
	}
	id, ok := absenceIDFrom(w, r)
	if !ok {
		return
	}
	if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.absenceRead }, p.Role+":"+p.ID) {
		return
	}
	own := absenceWorker(id) == p.ID
	if !own && p.Role != roleOps && p.Role != roleTeamLead {
		fail(w, r, http.StatusForbidden, "forbidden", "only the manager and the absent worker see an absence", "")
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.queryAbsence(ctx, id)
	if err != nil {
		s.failAbsence(w, r, err)
		return
	}
	if !own && !managesAbsence(p, st) {
		fail(w, r, http.StatusForbidden, "forbidden", "a team lead sees assistants' absences only", "")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) absenceAct(a absenceAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.absencePrincipal(w, r)
		if !ok {
			return
		}
		id, ok := absenceIDFrom(w, r)
		if !ok {
			return
		}
		if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.absenceRead }, p.Role+":"+p.ID) {
			return
		}
		own := absenceWorker(id) == p.ID
		ctx, cancel := s.ctx(r)
		defer cancel()
		manager := p.Role == roleOps
		if p.Role == roleTeamLead && !own {
			// A team lead manages assistants only: the absence says whose.
			st, err := s.queryAbsence(ctx, id)
			if err != nil {
				s.failAbsence(w, r, err)
				return
			}
			manager = managesAbsence(p, st)
		}
		if a.opsOnly && !manager {
			fail(w, r, http.StatusForbidden, "forbidden", "only the manager (ops; a team lead for an assistant) may "+a.path+" an absence", "")
			return
		}
		if (a.update == absence.UpdateCutShort || a.update == absence.UpdateChangePeriod) && !manager && !own {
			fail(w, r, http.StatusForbidden, "forbidden", "only the manager and the absent worker change the period", "")
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		arg, verr := a.build(body, p, manager)
		if verr != nil {
			failValidation(w, r, verr)
			return
		}
		s.absenceUpdate(ctx, w, r, id, a.update, r.Header.Get("Idempotency-Key"), arg)
	}
}

// absenceUpdate runs an absence's Update and answers its small result
// (workflows.AbsenceUpdateResult: status, period, uncovered count and the
// job acted on); the whole state is GET /v1/absences/{id}.
func (s *Server) absenceUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) {
	if res, ok := s.runAbsenceUpdate(ctx, w, r, id, name, updateID, arg); ok {
		writeJSON(w, http.StatusOK, res)
	}
}

// runAbsenceUpdate runs an absence Update; on failure it has answered.
func (s *Server) runAbsenceUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) (absence.AbsenceUpdateResult, bool) {
	var res absence.AbsenceUpdateResult
	if updateID != "" && !updateIDRe.MatchString(updateID) {
		fail(w, r, http.StatusUnprocessableEntity, "invalid_idempotency_key", "Idempotency-Key: 1-128 characters A-Z, a-z, 0-9, '.', '_', ':', '-'", "")
		return res, false
	}
	h, err := s.Visits.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: updateID, WorkflowID: id, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil {
		s.failAbsence(w, r, err)
		return res, false
	}
	return res, true
}

func (s *Server) failAbsence(w http.ResponseWriter, r *http.Request, err error) {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app):
		fail(w, r, http.StatusConflict, "transition_refused", app.Message(), "")
	case errors.As(err, &nf):
		fail(w, r, http.StatusNotFound, "absence_not_found", "no running absence with this id", "")
	default:
		s.failTemporal(w, r, err)
	}
}
