package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
)

// Activities of the absence workflow (A-1..A-5, workflows/absence.go).
//
// They find the absent worker's work through Temporal visibility, read the
// job workflows' state through their queries, reassign jobs through the
// jobs' own "reassign" Updates (which keep every timer and promise of the
// job) and reach colleagues and customers through the outreach Channels.
// Personal data (colleagues' phones, customers' e-mail addresses) is looked
// up inside the activities and never enters the absence workflow's history:
// the workflow sees ids, statuses and times only (V-14).
//
// The names the job workflows answer to (workflow types, queries, the
// reassign update, search attributes, kinds and roles) come from
// workflows/names, the one place they are written.

// AbsenceJob is one piece of the absent worker's work, as found (no
// personal data: ids, statuses and times).
type AbsenceJob struct {
	ID       string    `json:"id"`   // the job's workflow id
	Kind     string    `json:"kind"` // visit or task
	Status   string    `json:"status"`
	Holder   string    `json:"holder"`
	StartsAt time.Time `json:"starts_at"` // visit: the appointment (claimed: the help promise); task: the deadline
	Market   string    `json:"market"`
	Region   string    `json:"region,omitempty"`
	WorkArea string    `json:"work_area,omitempty"`
}

// FindJobsRequest asks for the worker's work that touches a period.
type FindJobsRequest struct {
	WorkerID string    `json:"worker_id"`
	Role     string    `json:"role"` // buddy or assistant (both kinds of work are looked up)
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// CandidatesRequest asks for colleagues who may take over a job: same role
// and market, and the job's region or one of the competences.
type CandidatesRequest struct {
	AbsenceID   string    `json:"absence_id"`
	WorkerID    string    `json:"worker_id"` // the absent worker, never a candidate
	Role        string    `json:"role"`
	Market      string    `json:"market"`
	Region      string    `json:"region,omitempty"`
	Competences []string  `json:"competences,omitempty"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
}

// ReassignJobRequest moves one job from a worker to another through the
// job's "reassign" Update. UpdateID makes a retried activity apply once.
type ReassignJobRequest struct {
	UpdateID string `json:"update_id"`
	JobID    string `json:"job_id"`
	Kind     string `json:"kind"`
	From     string `json:"from"`
	To       string `json:"to"`
	Reason   string `json:"reason"`
	By       string `json:"by"` // the absence workflow id, recorded as the acting system
	// OnlyUnstarted refuses jobs whose work has begun (hand-back after a
	// shortened absence).
	OnlyUnstarted bool `json:"only_unstarted,omitempty"`
}

// ReassignJobResult tells whether the job moved; Note says why not.
type ReassignJobResult struct {
	Done   bool   `json:"done"`
	Closed bool   `json:"closed,omitempty"` // the job closed meanwhile: nothing to cover
	Status string `json:"status,omitempty"` // the job's status after the attempt
	Note   string `json:"note,omitempty"`
}

// WorkerMessageRequest sends one text message to a colleague, looked up in
// the roster by id.
type WorkerMessageRequest struct {
	Step     Step    `json:"step"`
	WorkerID string  `json:"worker_id"`
	Message  Message `json:"message"`
}

// CustomerNoticeRequest e-mails the customer of a job. The activity
// reads the customer's name, e-mail and language from the job workflow's
// input and fills Data["name"]; with ChoiceLinks it adds the signed
// substitute_url and wait_url for the customer-choice answer.
type CustomerNoticeRequest struct {
	Step        Step      `json:"step"`
	AbsenceID   string    `json:"absence_id"`
	JobID       string    `json:"job_id"`
	Message     Message   `json:"message"`
	ChoiceLinks bool      `json:"choice_links,omitempty"`
	LinksExpire time.Time `json:"links_expire,omitempty"`
}

// CustomerNoticeResult names the e-mail and the language it went out in.
type CustomerNoticeResult struct {
	MessageID string `json:"message_id"`
	Language  string `json:"language"`
}

// RosterEntry is one worker who can stand in. Phone and e-mail are the
// worker's personal data: used to send, never logged or returned to
// workflows.
type RosterEntry struct {
	ID          string   `json:"id"`
	Role        string   `json:"role"` // buddy or assistant
	Market      string   `json:"market"`
	Regions     []string `json:"regions,omitempty"`
	Competences []string `json:"competences,omitempty"`
	Phone       string   `json:"phone,omitempty"`
	Email       string   `json:"email,omitempty"`
	Language    string   `json:"language,omitempty"`
}

// Roster lists the workers who may be offered a job.
type Roster interface {
	Workers(ctx context.Context) ([]RosterEntry, error)
}

// StaticRoster is a fixed roster (tests, small deployments).
type StaticRoster []RosterEntry

func (r StaticRoster) Workers(context.Context) ([]RosterEntry, error) { return r, nil }

// FileRoster reads a JSON array of RosterEntry from Path on every call, so
// an edited file applies without a restart.
type FileRoster struct{ Path string }

func (r FileRoster) Workers(context.Context) ([]RosterEntry, error) {
	b, err := os.ReadFile(r.Path)
	if err != nil {
		return nil, fmt.Errorf("ROSTER_FILE: %w", err)
	}
	var out []RosterEntry
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("ROSTER_FILE %s: want a JSON array of {id, role, market, regions, competences, phone, email, language}: %w", r.Path, err)
	}
	return out, nil
}

// RosterFromEnv is the roster named by the ROSTER_FILE environment
// variable; without it the roster is empty and every job escalates to ops.
func RosterFromEnv() Roster {
	if p := os.Getenv("ROSTER_FILE"); p != "" {
		return FileRoster{Path: p}
	}
	return StaticRoster(nil)
}

// CustomerContact is how the customer of a job is reached.
type CustomerContact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language"`
}

// ChoiceLinker builds the customer's signed link answering the A-4 notice
// (choice backup or wait) for one job of one absence, valid until exp. The
// API package provides it (api.AbsenceChoiceLinker), so secrets stay there.
type ChoiceLinker func(absenceID, jobID, choice string, exp time.Time) string

// Absences holds what the absence activities need. Client is required for
// the look-ups and reassignments; Channels for the messages.
type Absences struct {
	Client   client.Client
	Roster   Roster
	Channels Channels
	// ChoiceLink signs the customer's answer links; nil means plain links
	// under PublicBaseURL that the customer opens signed in.
	ChoiceLink    ChoiceLinker
	PublicBaseURL string
	// DataConverter decodes job inputs (customer contacts) from history; it
	// must match the client's (payload codec). Nil means the SDK default.
	DataConverter converter.DataConverter
}

// NewAbsences wires the absence activities for the worker: roster from
// ROSTER_FILE, links under PUBLIC_BASE_URL.
func NewAbsences(c client.Client, ch Channels) *Absences {
	return &Absences{Client: c, Roster: RosterFromEnv(), Channels: ch, PublicBaseURL: os.Getenv("PUBLIC_BASE_URL")}
}

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

// jobInput is the part of a visit's or task's input that holds the
// customer: visits carry it in booking.customer, tasks in customer.
type jobInput struct {
	Booking *struct {
		Customer CustomerContact `json:"customer"`
	} `json:"booking"`
	Customer *CustomerContact `json:"customer"`
}

// CustomerOf reads the customer's contact from the first event of the job
// workflow's history (its input), so the contact never travels through the
// absence workflow.
func (a *Absences) CustomerOf(ctx context.Context, jobID string) (CustomerContact, error) {
	it := a.Client.GetWorkflowHistory(ctx, jobID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError("no history for "+jobID, "UnknownJob", nil)
	}
	ev, err := it.Next()
	if err != nil {
		if isGone(err) {
			return CustomerContact{}, temporal.NewNonRetryableApplicationError("no job "+jobID, "UnknownJob", err)
		}
		return CustomerContact{}, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || len(attrs.GetInput().GetPayloads()) == 0 {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError(jobID+" has no input", "UnknownJob", nil)
	}
	dc := a.DataConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	var in jobInput
	if err := dc.FromPayload(attrs.GetInput().GetPayloads()[0], &in); err != nil {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError("decode input of "+jobID, "UnknownJob", err)
	}
	switch {
	case in.Booking != nil && in.Booking.Customer.Email != "":
		return in.Booking.Customer, nil
	case in.Customer != nil && in.Customer.Email != "":
		return *in.Customer, nil
	}
	return CustomerContact{}, temporal.NewNonRetryableApplicationError(jobID+" has no customer e-mail", ErrInvalidRecipient, nil)
}

// CustomerNoticeMessage is the absence notice as it is sent: the
// workflow's message in the customer's language, with the customer's name
// and, when asked for, the two choice links. Tests render it with
// exactly these fields (issue #14).
func CustomerNoticeMessage(req CustomerNoticeRequest, c CustomerContact, substituteURL, waitURL string) Message {
	msg := req.Message
	msg.Language = c.Language
	d := map[string]string{}
	for k, v := range msg.Data {
		d[k] = v
	}
	d["name"] = c.Name
	if req.ChoiceLinks {
		d["substitute_url"], d["wait_url"] = substituteURL, waitURL
	}
	msg.Data = d
	return msg
}

// SendCustomerNotice e-mails the customer of a job in their language.
func (a *Absences) SendCustomerNotice(ctx context.Context, req CustomerNoticeRequest) (CustomerNoticeResult, error) {
	c, err := a.CustomerOf(ctx, req.JobID)
	if err != nil {
		return CustomerNoticeResult{}, err
	}
	var backup, wait string
	if req.ChoiceLinks {
		backup = a.choiceLink(req.AbsenceID, req.JobID, "backup", req.LinksExpire)
		wait = a.choiceLink(req.AbsenceID, req.JobID, "wait", req.LinksExpire)
	}
	msg := CustomerNoticeMessage(req, c, backup, wait)
	res, err := a.Channels.SendEmail(ctx, EmailRequest{Step: req.Step, To: c.Email, ToName: c.Name, Message: msg,
		Categories: []string{"absence", msg.Template}})
	if err != nil {
		return CustomerNoticeResult{}, err
	}
	return CustomerNoticeResult{MessageID: res.MessageID, Language: c.Language}, nil
}

func (a *Absences) choiceLink(absenceID, jobID, choice string, exp time.Time) string {
	if a.ChoiceLink != nil {
		return a.ChoiceLink(absenceID, jobID, choice, exp)
	}
	return strings.TrimRight(a.PublicBaseURL, "/") + "/v1/absences/" + absenceID + "/jobs/" + jobID + "/customer-choice?choice=" + choice
}
