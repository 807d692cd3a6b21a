package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
)

// Starting a reclamation from outside the workflow (the API, the starter):
// the client helper lives beside the API, not in the workflow's file.

// ReclamationStart is what StartReclamation did.
type ReclamationStart struct {
	ReclamationID string `json:"reclamation_id"`
	RunID         string `json:"run_id,omitempty"`
	Status        string `json:"status"`
	// Created is false when the complaint was added as a note to the
	// reclamation already open for the job.
	Created bool `json:"created"`
}

// ComplaintRefusedError is a complaint the open reclamation's note
// validator refused (not a closed case): nothing was added, nothing opened.
// The API answers 422 complaint_refused with the workflow's message.
type ComplaintRefusedError struct {
	ReclamationID string
	Message       string
}

func (e *ComplaintRefusedError) Error() string {
	return fmt.Sprintf("reclamation %s refused the complaint: %s", e.ReclamationID, e.Message)
}

// MemoReclamationRequest is the memo key holding the nonce of the request
// that started a reclamation run, so StartReclamation tells a run it
// started from an open one it added to.
const MemoReclamationRequest = "opened_by_request"

// StartReclamation opens the job's reclamation for a customer's or ops'
// complaint (C-1), or adds the complaint to the one already open, in one
// update-with-start call: id workflows.ReclamationCaseID(job), id conflict
// USE_EXISTING, id reuse ALLOW_DUPLICATE, and the note Update. No id is
// tried or searched for:
//
//   - none open: a new run starts with the complaint (its note is the
//     opening complaint, not logged twice), Created true;
//   - one open: the note lands in it, Created false;
//   - the open one refuses the note because it just closed (it is still
//     finishing its last messages): wait for that run to end and do the call
//     once more, which then starts a new run;
//   - any other refusal (a note validator's) is a *ComplaintRefusedError,
//     never a new case.
//
// The low rating's reclamation (workflows.RatingReclamationID, R-2) is a
// separate case the RatingFollowUp starts; complaints do not go to it.
func StartReclamation(ctx context.Context, c client.Client, in reclamation.ReclamationInput) (ReclamationStart, error) {
	if err := in.Check(); err != nil {
		return ReclamationStart{}, err
	}
	id := reclamation.ReclamationCaseID(in.Job.ID)
	for attempt := 0; ; attempt++ {
		res, runID, err := updateWithStartReclamation(ctx, c, id, in)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) {
			return res, err
		}
		if app.Type() != reclamation.ErrTypeReclamationClosed || attempt > 0 {
			return ReclamationStart{}, &ComplaintRefusedError{ReclamationID: id, Message: app.Message()}
		}
		// Closed, still finishing: its end frees the id for a new run.
		if err := c.GetWorkflow(ctx, id, runID).Get(ctx, nil); err != nil && ctx.Err() != nil {
			return ReclamationStart{}, ctx.Err()
		}
	}
}

// updateWithStartReclamation is the one call; runID is the run the note
// went to.
func updateWithStartReclamation(ctx context.Context, c client.Client, id string, in reclamation.ReclamationInput) (ReclamationStart, string, error) {
	nonce := newNonce()
	op := c.NewWithStartWorkflowOperation(reclamationStartOptions(id, in, nonce), reclamation.ReclamationWorkflowName, in)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   reclamation.UpdateReclamationNote,
			Args:         []any{reclamation.ReclamationNoteRequest{By: in.OpenedBy, Text: in.Complaint}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return ReclamationStart{}, "", err // the call failed: the start operation holds no run
	}
	runID := h.RunID()
	if run, rerr := op.Get(ctx); rerr == nil && runID == "" {
		runID = run.GetRunID()
	}
	// Only the status: whatever else the note's result holds.
	var st struct {
		Status string `json:"status"`
	}
	if err := h.Get(ctx, &st); err != nil {
		return ReclamationStart{}, runID, err
	}
	res := ReclamationStart{ReclamationID: id, RunID: runID, Status: st.Status}
	// Did this call start the run? Its memo holds the starting request's nonce.
	desc, err := c.DescribeWorkflowExecution(ctx, id, runID)
	if err != nil {
		return res, runID, err
	}
	var stored string
	if p := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[MemoReclamationRequest]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &stored)
	}
	res.Created = stored == nonce
	return res, runID, nil
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// reclamationStartOptions are the start options of a complaints'
// reclamation: its id, the queue, one open run per id (USE_EXISTING) and a
// new run once the last closed (ALLOW_DUPLICATE), the starting request's
// nonce in the memo, and the search attributes ops filter on set from the
// first moment (the workflow keeps them current).
func reclamationStartOptions(id string, in reclamation.ReclamationInput, nonce string) client.StartWorkflowOptions {
	attrs := []temporal.SearchAttributeUpdate{
		names.PartnerKey.ValueSet(in.Job.Partner),
		names.MarketKey.ValueSet(string(in.Job.Market)),
		names.ReclamationStatusKey.ValueSet(string(reclamation.ReclamationWaiting)),
		names.EscalationLevelKey.ValueSet(0),
	}
	if in.Job.Region != "" {
		attrs = append(attrs, names.RegionKey.ValueSet(in.Job.Region))
	}
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                names.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		Memo:                     map[string]any{MemoReclamationRequest: nonce},
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
		StaticSummary:            fmt.Sprintf("Reclamation about %s %s", in.Job.Kind, in.Job.ID),
		StaticDetails: fmt.Sprintf("**Job** %s (%s) · **partner** %s · **market** %s\n\n**Opened by** %s\n\n**Policy** reply within %s, escalate every %s",
			in.Job.ID, in.Job.Kind, in.Job.Partner, in.Job.Market, in.OpenedBy.Role, in.Policy.ReclamationReply, in.Policy.ReclamationEscalation),
	}
}
