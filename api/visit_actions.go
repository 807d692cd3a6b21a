package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// act serves POST /v1/visits/{id}/<action>.
func (s *Server) act(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principal(w, r)
		if !ok {
			return
		}
		id, ok := visitIDFrom(w, r)
		if !ok {
			return
		}
		if p.Role != a.role {
			fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("only %s may %s a visit", plural(a.role), a.path), "")
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
		// A buddy acts only on a visit it holds (claim is how it gets one):
		// the Update's validator checks that first and refuses with
		// NotHolder, answered 403 not_holder, in one round trip (issue #18).
		s.update(ctx, w, r, id, a.update, updateID, arg)
	}
}

func plural(role string) string {
	if role == roleOps {
		return "ops"
	}
	return "buddies"
}

// update runs an Update and answers 200 with its small result (status,
// holder, the times the caller needs next: workflows.VisitUpdateResult),
// 409 with the validator's message, 404 for an unknown visit. The whole
// state is GET /v1/visits/{id}.
func (s *Server) update(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) {
	if res, ok := s.runUpdate(ctx, w, r, id, name, updateID, arg); ok {
		writeJSON(w, http.StatusOK, res)
	}
}

// runUpdate runs a visit Update; on failure it has answered already.
func (s *Server) runUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) (visit.VisitUpdateResult, bool) {
	h, err := s.Visits.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     updateID,
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res visit.VisitUpdateResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil {
		s.failVisit(ctx, w, r, id, err)
		return res, false
	}
	return res, true
}

// failVisit maps an Update's or Query's error: a refused transition is 409
// with the workflow's message; a closed visit 409 visit_closed; an unknown
// one 404.
func (s *Server) failVisit(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, err error) {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app) && app.Type() == jobcore.ErrTypeNotHolder:
		fail(w, r, http.StatusForbidden, "not_holder", "you do not hold this visit; claim it first", "")
	case errors.As(err, &app):
		fail(w, r, http.StatusConflict, "transition_refused", app.Message(), "")
	case errors.As(err, &nf):
		desc, derr := s.Visits.Client.DescribeWorkflowExecution(ctx, id, "")
		if derr != nil || desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
			return
		}
		status := keywordAttr(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[names.VisitStatusKey.GetName()])
		msg := fmt.Sprintf("visit %s is closed (%s) and takes no more changes", id, orUnknown(status))
		if status == string(visit.StatusRated) {
			msg = fmt.Sprintf("visit %s has already been rated and is closed; a rating link works once (R-1)", id)
		}
		fail(w, r, http.StatusConflict, "visit_closed", msg, "")
	default:
		s.failTemporal(w, r, err)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "finished"
	}
	return s
}

func (s *Server) query(ctx context.Context, id string) (visit.VisitState, error) {
	return queryState[visit.VisitState](ctx, s.Visits.Client, id, visit.QueryVisit)
}

// get serves GET /v1/visits/{id}: the workflow's query. Buddies see open
// visits and the ones they hold; ops see all.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.query(ctx, id)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
			return
		}
		s.failTemporal(w, r, err)
		return
	}
	if p.Role == roleBuddy && st.Status != visit.StatusOpen && st.Holder != p.ID {
		fail(w, r, http.StatusForbidden, "not_holder", "buddies see open visits and the visits they hold", "")
		return
	}
	writeJSON(w, http.StatusOK, st)
}
