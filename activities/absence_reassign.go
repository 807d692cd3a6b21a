package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/workflows/names"
)

func (a *Absences) rosterEntry(ctx context.Context, id string) (RosterEntry, error) {
	if a.Roster == nil {
		return RosterEntry{}, temporal.NewNonRetryableApplicationError("no roster configured (ROSTER_FILE)", "UnknownWorker", nil)
	}
	roster, err := a.Roster.Workers(ctx)
	if err != nil {
		return RosterEntry{}, err
	}
	for _, e := range roster {
		if e.ID == id {
			return e, nil
		}
	}
	return RosterEntry{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("worker %s is not in the roster", id), "UnknownWorker", nil)
}

// ReassignAbsenceJob runs the job's "reassign" Update. A refusal by the
// job (it started, was cancelled, moved to someone else) is an answer, not
// an error: Done is false and Note carries the job's reason.
func (a *Absences) ReassignAbsenceJob(ctx context.Context, req ReassignJobRequest) (ReassignJobResult, error) {
	var arg any
	switch req.Kind {
	case names.JobTask:
		var t taskView
		if err := a.queryJob(ctx, req.JobID, names.TaskQuery, &t); err != nil {
			if isGone(err) {
				return ReassignJobResult{Closed: true, Note: "the task is closed"}, nil
			}
			return ReassignJobResult{}, err
		}
		if t.AssistantID == req.To {
			return ReassignJobResult{Done: true, Status: t.Status, Note: "already assigned"}, nil
		}
		if req.From != "" && t.AssistantID != req.From {
			return ReassignJobResult{Status: t.Status, Note: "the task is with " + t.AssistantID + " now"}, nil
		}
		if req.OnlyUnstarted && t.Status != "review" && t.Status != "questions" && t.Status != "delegated" && t.Status != "accepted" {
			return ReassignJobResult{Status: t.Status, Note: "work on the task has begun (" + t.Status + "); it stays"}, nil
		}
		to := map[string]string{"id": req.To}
		if e, err := a.rosterEntry(ctx, req.To); err == nil {
			to["email"], to["language"] = e.Email, e.Language
		}
		arg = map[string]any{"by": map[string]string{"role": "ops", "id": req.By}, "to": to, "reason": req.Reason}
	default:
		arg = map[string]any{"from": req.From, "to": req.To, "reason": req.Reason,
			"by": map[string]string{"role": names.RoleSystem, "id": req.By}}
	}
	var answer jobUpdateAnswer
	h, err := a.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     req.UpdateID,
		WorkflowID:   req.JobID,
		UpdateName:   names.ReassignUpdate,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &answer)
	}
	var app *temporal.ApplicationError
	switch {
	case err == nil:
	case errors.As(err, &app):
		res := ReassignJobResult{Note: app.Message()}
		if req.Kind != names.JobTask {
			var v visitView
			if a.queryJob(ctx, req.JobID, names.VisitQuery, &v) == nil {
				res.Status = v.Status
				switch v.Status {
				case "completed", "rated", "aborted", "cancelled":
					res.Closed = true
				}
			}
		}
		return res, nil
	case isGone(err):
		return ReassignJobResult{Closed: true, Note: "the job is closed"}, nil
	default:
		return ReassignJobResult{}, err
	}
	res := ReassignJobResult{Done: true, Status: answer.Status}
	absenceLogger(ctx).Info("job reassigned", "job_id", req.JobID, "from", req.From, "to", req.To)
	return res, nil
}

// SendWorkerMessage texts a colleague (substitute offers, hand-over notes).
func (a *Absences) SendWorkerMessage(ctx context.Context, req WorkerMessageRequest) (SMSResult, error) {
	e, err := a.rosterEntry(ctx, req.WorkerID)
	if err != nil {
		return SMSResult{}, err
	}
	if e.Phone == "" {
		return SMSResult{}, temporal.NewNonRetryableApplicationError("worker "+req.WorkerID+" has no phone in the roster", ErrInvalidRecipient, nil)
	}
	msg := req.Message
	if msg.Language == "" {
		msg.Language = e.Language
	}
	return a.Channels.SendSMS(ctx, SMSRequest{Step: req.Step, To: e.Phone, Message: msg})
}
