package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// --- actions ------------------------------------------------------------------------

// taskAction is one POST /v1/tasks/{id}/<path>: who may call it, the
// Update it runs, and how the body becomes the Update's argument (by is
// the acting party, forced over anything the body says).
type taskAction struct {
	path, update string
	roles        []string
	build        func(body []byte, by jobcore.Actor) (any, *ValidationError)
}

// buildTask decodes the body strictly into T (empty means {}), then set
// fills the actor in and checks fields.
func buildTask[T any](set func(*T, jobcore.Actor) *ValidationError) func([]byte, jobcore.Actor) (any, *ValidationError) {
	return func(body []byte, by jobcore.Actor) (any, *ValidationError) {
		var req T
		if len(strings.TrimSpace(string(body))) > 0 {
			if e := DecodeStrict(body, &req); e != nil {
				return nil, e
			}
		}
		if e := set(&req, by); e != nil {
			return nil, e
		}
		return req, nil
	}
}

func workArea(field string, a rules.WorkArea) *ValidationError {
	if a == "" {
		return invalid("missing_field", field, field+" is required: backoffice, secretariat, marketing, frontdesk, sales or design")
	}
	if _, err := rules.ParseWorkArea(string(a)); err != nil {
		return invalid("invalid_area", field, err.Error())
	}
	return nil
}

func required(field, v string, max int) *ValidationError {
	if strings.TrimSpace(v) == "" {
		return invalid("missing_field", field, field+" is required")
	}
	return maxLen(field, v, max)
}

var taskActions = []taskAction{
	{"release", task.TaskUpdateRelease, []string{roleOps}, buildTask(func(q *task.TaskReleaseRequest, by jobcore.Actor) *ValidationError {
		q.Ops = by.ID
		return workArea("area", q.Area)
	})},
	{"accept", task.TaskUpdateAccept, []string{roleAssistant, roleTeamLead}, buildTask(func(q *task.TaskAcceptRequest, by jobcore.Actor) *ValidationError {
		q.By = by
		return workArea("area", q.Area)
	})},
	{"ask-questions", task.TaskUpdateAskQuestions, []string{roleAssistant}, buildTask(func(q *task.TaskQuestionsRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		return required("questions", q.Questions, maxTextLen)
	})},
	{"delegate", task.TaskUpdateDelegate, []string{roleAssistant}, buildTask(func(q *task.TaskDelegateRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		if !tokenIDRe.MatchString(q.TeamLead) {
			return invalid("missing_field", "team_lead", "team_lead (the team lead's id) is required")
		}
		return maxLen("reason", q.Reason, maxReasonLen)
	})},
	{"delete", task.TaskUpdateDelete, []string{roleOps, rolePartner}, buildTask(func(q *task.TaskDeleteRequest, by jobcore.Actor) *ValidationError {
		q.By = by
		return maxLen("reason", q.Reason, maxReasonLen)
	})},
	{"start", task.TaskUpdateStart, []string{roleAssistant}, buildTask(func(q *task.TaskStartRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		return nil
	})},
	{"change", task.TaskUpdateChange, []string{roleAssistant, roleOps, rolePartner}, buildTask(func(q *task.TaskChangeRequest, by jobcore.Actor) *ValidationError {
		q.By = by
		if q.Title == nil && q.Description == nil && q.BudgetMinutes == nil {
			return invalid("missing_field", "", "give title, description or budget_minutes (the deadline moves only by an agreed extension, T-6)")
		}
		if q.Title != nil {
			if e := required("title", *q.Title, maxTitleLen); e != nil {
				return e
			}
		}
		if q.Description != nil {
			if e := maxLen("description", *q.Description, maxDescriptionLen); e != nil {
				return e
			}
		}
		if q.BudgetMinutes != nil && (*q.BudgetMinutes < 1 || *q.BudgetMinutes > maxBudgetMinutes) {
			return invalid("invalid_budget", "budget_minutes", fmt.Sprintf("budget_minutes must be 1..%d", maxBudgetMinutes))
		}
		return nil
	})},
	{"request-extension", task.TaskUpdateRequestExtension, []string{roleAssistant}, buildTask(func(q *task.TaskExtensionRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		if e := required("reason", q.Reason, maxReasonLen); e != nil {
			return e
		}
		return need(!q.NewDeadline.IsZero(), "missing_field", "new_deadline", "new_deadline (RFC 3339) is required")
	})},
	{"log-time", task.TaskUpdateLogTime, []string{roleAssistant}, buildTask(func(q *task.TaskTimeEntryRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		if q.Minutes < 1 || q.Minutes > 24*60 {
			return invalid("invalid_value", "minutes", "minutes must be 1..1440")
		}
		if e := maxLen("note", q.Note, maxReasonLen); e != nil {
			return e
		}
		if q.ExtraMinutes < 0 || q.ExtraMinutes > 100*60 {
			return invalid("invalid_value", "extra_minutes", "extra_minutes must be 0..6000")
		}
		return maxLen("reason", q.Reason, maxReasonLen)
	})},
	{"handover", task.TaskUpdateHandover, []string{roleAssistant}, buildTask(func(q *task.TaskHandoverRequest, by jobcore.Actor) *ValidationError {
		q.Assistant = by.ID
		if e := maxLen("note", q.Note, maxTextLen); e != nil {
			return e
		}
		if e := maxLen("result_ref", q.ResultRef, 500); e != nil {
			return e
		}
		if q.ResultURL != "" && !httpURL(q.ResultURL) {
			return invalid("invalid_url", "result_url", "result_url must be an http(s) link of at most 500 characters")
		}
		return nil
	})},
	{"reassign", task.TaskUpdateReassign, []string{roleOps, roleTeamLead}, buildTask(func(q *task.TaskReassignRequest, by jobcore.Actor) *ValidationError {
		q.By = by
		if !tokenIDRe.MatchString(q.To.ID) {
			return invalid("missing_field", "to.id", "to.id (the new assistant's id) is required")
		}
		if q.To.Email != "" && !validEmail(q.To.Email) {
			return invalid("invalid_email", "to.email", "to.email must be a plain address such as name@example.com")
		}
		if q.To.Language != "" {
			if _, err := rules.ParseLanguage(string(q.To.Language)); err != nil {
				return invalid("unknown_language", "to.language", err.Error())
			}
		}
		return maxLen("reason", q.Reason, maxReasonLen)
	})},
	{"chat", task.TaskUpdateChat, []string{roleAssistant, roleTeamLead, roleOps, rolePartner}, buildChat},
}

// TaskChatMessage is the body of POST /v1/tasks/{id}/chat (N-2). The chat
// itself, with every message's text, lives in the partner's app: the task
// learns that a message was written (the app's message_ref) and where it
// opens (message_url, linked from the N-2 e-mail), never its text, so no
// chat text reaches the workflow's history (issue #13). A body with "text"
// is refused (422 unknown_field).
type TaskChatMessage struct {
	MessageRef string `json:"message_ref"`
	MessageURL string `json:"message_url,omitempty"`
}

var messageRefRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,199}$`)

func buildChat(body []byte, by jobcore.Actor) (any, *ValidationError) {
	var m TaskChatMessage
	if len(strings.TrimSpace(string(body))) > 0 {
		if e := DecodeStrict(body, &m); e != nil {
			return nil, e
		}
	}
	if !messageRefRe.MatchString(m.MessageRef) {
		return nil, invalid("missing_field", "message_ref", "message_ref (the partner app's id of the message: 1-200 characters A-Z, a-z, 0-9, '.', '_', ':', '/', '#', '-') is required; the text stays in the app")
	}
	if m.MessageURL != "" && !httpURL(m.MessageURL) {
		return nil, invalid("invalid_url", "message_url", "message_url must be an http(s) link of at most 500 characters")
	}
	return task.TaskChatRequest{From: by, MessageRef: m.MessageRef, MessageURL: m.MessageURL}, nil
}

// httpURL: an http(s) link with a host, at most 500 characters (links the
// partner's app gives for a chat message or a result).
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 500
}

func roleIn(role string, roles []string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// taskAct serves POST /v1/tasks/{id}/<action>.
func (s *Server) taskAct(a taskAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		updateID := r.Header.Get("Idempotency-Key")
		ctx, cancel := s.ctx(r)
		defer cancel()
		p, id, st, ok := s.loadTask(ctx, w, r, body)
		if !ok {
			return
		}
		if !roleIn(p.Role, a.roles) {
			fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("%s may not %s a task", p.Role, a.path), "")
			return
		}
		arg, verr := a.build(body, taskActor(p, st))
		if verr != nil {
			failValidation(w, r, verr)
			return
		}
		if updateID != "" && !updateIDRe.MatchString(updateID) {
			fail(w, r, http.StatusUnprocessableEntity, "invalid_idempotency_key", "Idempotency-Key: 1-128 characters A-Z, a-z, 0-9, '.', '_', ':', '-'", "")
			return
		}
		s.taskUpdate(ctx, w, r, p, id, a.update, updateID, arg)
	}
}

// taskUpdate runs an Update: 200 with its small workflows.TaskUpdateResult
// (new status, ids, deadlines; no personal data and no consent token, so
// nothing to redact), 409 with the validator's message, 404 for an unknown
// task. The whole task is GET /v1/tasks/{id} (issue #13).
func (s *Server) taskUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, p Principal, id, name, updateID string, arg any) {
	if res, ok := s.runTaskUpdate(ctx, w, r, id, name, updateID, arg); ok {
		writeJSON(w, http.StatusOK, res)
	}
}

// customerTaskUpdate runs a task Update for the customer's link and
// answers the customer's view (M4); the link's rate limit comes first.
func (s *Server) customerTaskUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name string, arg any, rating *jobcore.RateRequest) {
	if res, ok := s.runTaskUpdate(ctx, w, r, id, name, "", arg); ok {
		writeJSON(w, http.StatusOK, customerTaskView(res, rating))
	}
}

// runTaskUpdate runs a task Update; on failure it has answered already.
func (s *Server) runTaskUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) (task.TaskUpdateResult, bool) {
	h, err := s.Visits.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: updateID, WorkflowID: id, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res task.TaskUpdateResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == task.ErrTypeDuplicateRequest {
		// The Idempotency-Key was applied by an earlier run (the task
		// continued as new since): answer as a retry within the run would,
		// with the task's current result, and change nothing (issue #13).
		var st task.TaskState
		if st, err = s.queryTask(ctx, id); err == nil {
			w.Header().Set("Idempotent-Replayed", "true")
			return task.ResultOf(st), true
		}
	}
	if err != nil {
		s.failTask(ctx, w, r, id, err)
		return res, false
	}
	return res, true
}

// failTask maps an Update's or Query's error (see failVisit).
func (s *Server) failTask(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, err error) {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app):
		fail(w, r, http.StatusConflict, "transition_refused", app.Message(), "")
	case errors.As(err, &nf):
		desc, derr := s.Visits.Client.DescribeWorkflowExecution(ctx, id, "")
		if derr != nil || desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			fail(w, r, http.StatusNotFound, "task_not_found", "no task with this id", "")
			return
		}
		status := keywordAttr(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[names.TaskStatusKey.GetName()])
		fail(w, r, http.StatusConflict, "task_closed", fmt.Sprintf("task %s is closed (%s) and takes no more changes", id, orUnknown(status)), "")
	default:
		s.failTemporal(w, r, err)
	}
}
