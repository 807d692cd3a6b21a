package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
)

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
