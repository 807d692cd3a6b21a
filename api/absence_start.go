package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/names"
)

// ErrAbsenceConflict: the report's id is running with another report.
var ErrAbsenceConflict = errors.New("absence_conflict")

// AbsenceStart is the answer of POST /v1/absences.
type AbsenceStart struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	// Created is false when the same report was already running (a retry):
	// nothing new was started.
	Created bool `json:"created"`
}

// ReportHash is the sha256 of a report's canonical JSON.
func ReportHash(rep AbsenceReport) string {
	b, _ := json.Marshal(rep)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// StartAbsence starts the absence workflow of a report under its derived
// id (workflows.AbsenceReportID), in one call and without a search:
//
//   - nothing under the id, or only closed runs (an absence cut short,
//     ended or rejected): a new run starts (id reuse ALLOW_DUPLICATE), so a
//     worker who falls ill again is never answered with the old absence;
//   - a run is open (conflict policy FAIL, the error returned rather than
//     the old run): the same report (memo hash) is a retry and answers that
//     absence, Created false; another report is ErrAbsenceConflict.
//
// The id is the report's own, not the first free one, so two reports of the
// same kind starting the same day are one absence.
func StartAbsence(ctx context.Context, c client.Client, in absence.AbsenceInput, hash string) (AbsenceStart, error) {
	id := absence.AbsenceReportID(in.WorkerID, in.Kind, in.Market, in.Period.From)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: names.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true, // else the SDK hands back the old run as if started
		Memo:                                     map[string]any{MemoAbsenceHash: hash},
		StaticSummary:                            fmt.Sprintf("%s absence of %s", in.Kind, in.WorkerID),
	}, absence.AbsenceWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		desc, derr := c.DescribeWorkflowExecution(ctx, id, started.RunId)
		if derr != nil {
			return AbsenceStart{}, derr
		}
		var stored string
		if p := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[MemoAbsenceHash]; p != nil {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &stored)
		}
		res := AbsenceStart{WorkflowID: id, RunID: desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()}
		if stored != hash {
			return res, ErrAbsenceConflict
		}
		return res, nil
	}
	if err != nil {
		return AbsenceStart{}, err
	}
	return AbsenceStart{WorkflowID: id, RunID: run.GetRunID(), Created: true}, nil
}
