package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
)

// quoteVis makes a visibility-query string literal.
func quoteVis(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func visTime(t time.Time) string { return quoteVis(t.UTC().Format(time.RFC3339Nano)) }

// AbsenceVisitsQuery selects the running visits a buddy holds (claimed or
// booked); the appointment is checked against the live query answer, as
// visibility may lag.
func AbsenceVisitsQuery(worker string) string {
	return fmt.Sprintf("WorkflowType = %s AND ExecutionStatus = 'Running' AND %s = %s AND %s IN ('claimed', 'booked')",
		quoteVis(names.VisitWorkflowName), names.BuddyIDKey.GetName(), quoteVis(worker), names.VisitStatusKey.GetName())
}

// AbsenceTasksQuery selects the running tasks of an assistant.
func AbsenceTasksQuery(worker string) string {
	return fmt.Sprintf("WorkflowType = %s AND ExecutionStatus = 'Running' AND %s = %s",
		quoteVis(names.TaskWorkflowName), names.AssistantIDKey.GetName(), quoteVis(worker))
}

// AbsentWorkersQuery selects the absences overlapping a period (their
// workers are not offered work).
// The markets share one zone offset (CET/CEST), so Stockholm's dates are
// every market's.
func AbsentWorkersQuery(from, to time.Time) string {
	days := rules.DaysCovering(from, to, rules.Location(rules.Sweden))
	quoted := make([]string, len(days))
	for i, d := range days {
		quoted[i] = quoteVis(d)
	}
	if len(quoted) == 0 {
		quoted = []string{quoteVis(from.In(rules.Location(rules.Sweden)).Format(time.DateOnly))}
	}
	return fmt.Sprintf("WorkflowType = 'Absence' AND ExecutionStatus = 'Running' AND %s IN ('reported', 'approved', 'active') AND %s IN (%s)",
		names.AbsenceStatusKey.GetName(), names.AbsenceDaysKey.GetName(), strings.Join(quoted, ", "))
}

func (a *Absences) list(ctx context.Context, query string) (ids []string, err error) {
	defer func() {
		if err != nil && isBadQuery(err) {
			absenceLogger(ctx).Error("visibility query refused; is every search attribute registered?", "error", err)
		}
	}()
	var token []byte
	for {
		resp, err := a.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("visibility %q: %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return ids, nil
		}
	}
}

// visitView and taskView are the parts of the job queries the absence needs.
type visitView struct {
	Status        string     `json:"status"`
	Holder        string     `json:"holder"`
	Market        string     `json:"market"`
	Region        string     `json:"region"`
	AppointmentAt *time.Time `json:"appointment_at"`
	HelpDeadline  time.Time  `json:"help_deadline"`
}

// jobUpdateAnswer is the part of a job's reassign Update answer the
// absence needs: the job's status. A visit answers its small
// VisitUpdateResult (issue #13); a task its own answer, state or result;
// both carry "status".
type jobUpdateAnswer struct {
	Status string `json:"status"`
}

type taskView struct {
	Status      string    `json:"status"`
	AssistantID string    `json:"assistant_id"`
	Market      string    `json:"market"`
	WorkArea    string    `json:"work_area"`
	Deadline    time.Time `json:"deadline"`
}

func (a *Absences) queryJob(ctx context.Context, id, query string, out any) error {
	v, err := a.Client.QueryWorkflow(ctx, id, "", query)
	if err != nil {
		return err
	}
	return v.Get(out)
}

// FindAbsenceJobs finds the worker's work that the absence touches:
// visits booked with an appointment in the period, or claimed now
// (a claim is a promise to book soon); open tasks whose deadline
// is not before the period starts (work or a deadline in the period). Jobs
// closed or moved since visibility indexed them are skipped.
func (a *Absences) FindAbsenceJobs(ctx context.Context, req FindJobsRequest) ([]AbsenceJob, error) {
	out := []AbsenceJob{}
	// Both kinds are looked up whatever the role: a worker id is unique, and
	// a worker who does both kinds of work must not leave either unmanned.
	{
		ids, err := a.list(ctx, AbsenceTasksQuery(req.WorkerID))
		if err != nil && !(req.Role == names.RoleBuddy && isBadQuery(err)) {
			return nil, err
		}
		for _, id := range ids {
			var t taskView
			if err := a.queryJob(ctx, id, names.TaskQuery, &t); err != nil {
				if isGone(err) {
					continue
				}
				return nil, fmt.Errorf("query %s: %w", id, err)
			}
			switch t.Status {
			case "handed_over", "rated", "closed", "deleted":
				continue
			}
			if t.AssistantID != req.WorkerID || t.Deadline.Before(req.From) {
				continue
			}
			out = append(out, AbsenceJob{ID: id, Kind: names.JobTask, Status: t.Status, Holder: t.AssistantID,
				StartsAt: t.Deadline, Market: t.Market, WorkArea: t.WorkArea})
		}
	}
	{
		ids, err := a.list(ctx, AbsenceVisitsQuery(req.WorkerID))
		if err != nil && !(req.Role == names.RoleAssistant && isBadQuery(err)) {
			return nil, err
		}
		for _, id := range ids {
			var v visitView
			if err := a.queryJob(ctx, id, names.VisitQuery, &v); err != nil {
				if isGone(err) {
					continue
				}
				return nil, fmt.Errorf("query %s: %w", id, err)
			}
			if v.Holder != req.WorkerID {
				continue
			}
			job := AbsenceJob{ID: id, Kind: names.JobVisit, Status: v.Status, Holder: v.Holder, Market: v.Market, Region: v.Region}
			switch {
			case v.Status == "booked" && v.AppointmentAt != nil:
				if v.AppointmentAt.Before(req.From) || v.AppointmentAt.After(req.To) {
					continue
				}
				job.StartsAt = *v.AppointmentAt
			case v.Status == "claimed":
				job.StartsAt = v.HelpDeadline
			default:
				continue
			}
			out = append(out, job)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	absenceLogger(ctx).Info("absence jobs found", "worker_id", req.WorkerID, "jobs", len(out))
	return out, nil
}

// absenceLogger is the activity's logger, or slog's when called outside an
// activity (tools, integration tests).
func absenceLogger(ctx context.Context) interface {
	Info(string, ...any)
	Error(string, ...any)
} {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	return slog.Default()
}

// isBadQuery: visibility refused the query, typically because the
// namespace lacks a search attribute (SQL visibility holds only so many,
// see internal/temporalx). Look-ups of the other role's work and of absent
// colleagues then degrade (logged) instead of blocking the cover; the
// worker's own role's look-up still fails loudly.
func isBadQuery(err error) bool {
	var bad *serviceerror.InvalidArgument
	return errors.As(err, &bad)
}

func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// AbsenceCandidates returns the ids of colleagues who may take over: same
// role and market, not the absent worker, not absent themselves in the
// period, and working in the job's region or sharing a competence. The
// order is the roster's (a stable, configurable preference).
func (a *Absences) AbsenceCandidates(ctx context.Context, req CandidatesRequest) ([]string, error) {
	if a.Roster == nil {
		return []string{}, nil
	}
	roster, err := a.Roster.Workers(ctx)
	if err != nil {
		return nil, err
	}
	away := map[string]bool{req.WorkerID: true}
	if a.Client != nil {
		ids, err := a.list(ctx, AbsentWorkersQuery(req.From, req.To))
		if err != nil && !isBadQuery(err) {
			return nil, err
		}
		for _, id := range ids {
			if id == req.AbsenceID {
				continue
			}
			away[AbsenceWorkerOf(id)] = true
		}
	}
	out := []string{}
	for _, e := range roster {
		if away[e.ID] || e.Role != req.Role || e.Market != req.Market {
			continue
		}
		regionOK := req.Region != "" && slices.ContainsFunc(e.Regions, func(r string) bool { return rules.NormalRegion(r) == rules.NormalRegion(req.Region) })
		competenceOK := false
		for _, c := range req.Competences {
			if c != "" && slices.Contains(e.Competences, c) {
				competenceOK = true
			}
		}
		if regionOK || competenceOK {
			out = append(out, e.ID)
		}
	}
	return out, nil
}

// absenceReportIDRe matches workflows.AbsenceReportID:
// absence-<worker>-<kind>-<YYYY-MM-DD>.
var absenceReportIDRe = regexp.MustCompile(`^absence-(.+)-(sick|holiday|other)-[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// AbsenceWorkerOf reads the worker id out of an absence id, either
// "absence-<worker>-<kind>-<YYYY-MM-DD>" (workflows.AbsenceReportID) or the
// older "absence-<worker>-<n>".
func AbsenceWorkerOf(absenceID string) string {
	if m := absenceReportIDRe.FindStringSubmatch(absenceID); m != nil {
		return m[1]
	}
	s := strings.TrimPrefix(absenceID, "absence-")
	if i := strings.LastIndex(s, "-"); i > 0 {
		return s[:i]
	}
	return s
}
