package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
)

// Absences (A-1..A-5): the endpoints of workflows/absence.
//
//	POST /v1/absences                                         report (a worker for themself, the manager for others)
//	GET  /v1/absences/{id}                                    the absence (the manager, or the absent worker)
//	POST /v1/absences/{id}/approve                            the manager, no questions
//	POST /v1/absences/{id}/reject                             the manager, holiday/other only
//	POST /v1/absences/{id}/accept-substitute                  a colleague for themself, the manager for anyone
//	POST /v1/absences/{id}/cut-short                          the manager or the worker
//	POST /v1/absences/{id}/change-period                      the manager or the worker
//	POST /v1/absences/{id}/jobs/{job}/customer-choice?choice=backup|wait&token=...  the customer's signed link
//	GET  /v1/workers/{id}/auto-reply?lang=sv                  the automatic answer while away, for the app's chat
//
// The manager of an absence (issue #16, H2): ops for every worker; a team
// lead only for assistants (a worker whose token has the role assistant,
// and whose absence was reported with role assistant), never for buddies,
// other team leads or themself. See managesAbsence.
//
// the report carries the kind and the period, nothing medical. A body
// with a diagnosis, a doctor's note or any document is refused with a
// message saying why (DecodeAbsenceReport), before anything is started.

// AbsenceReport is the body of POST /v1/absences.
type AbsenceReport struct {
	WorkerID    string                `json:"worker_id"`
	WorkerName  string                `json:"worker_name"`
	Role        string                `json:"role"`
	Market      rules.Market          `json:"market"`
	Region      string                `json:"region,omitempty"`
	Competences []string              `json:"competences,omitempty"`
	Kind        absence.AbsenceKind   `json:"kind"`
	Period      absence.AbsencePeriod `json:"period"`
	Contact     string                `json:"contact"`
}

// medicalFields are keys (compared without case, '_' and '-') that would
// carry what nobody may demand or store for sick leave.
var medicalFields = []string{
	"diagnosis", "diagnose", "diagnoses", "doctornote", "doctorsnote", "medicalcertificate", "certificate",
	"sicknote", "document", "documents", "documentation", "attachment", "attachments", "illness",
	"symptom", "symptoms", "medical", "medicalinfo", "condition", "sickness", "doctor",
}

// DecodeAbsenceReport reads a report strictly. Medical fields anywhere in
// the body are refused with code medical_data_refused; any other
// unknown field with unknown_field.
func DecodeAbsenceReport(body []byte) (AbsenceReport, *ValidationError) {
	var rep AbsenceReport
	var raw any
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&raw); err == nil {
		if path := findMedical(raw, ""); path != "" {
			return rep, invalid("medical_data_refused", path,
				"A-2: an absence report never carries a diagnosis, a doctor's note or any document; nobody may ask for one and jobflow does not store it. Remove \""+path+"\": the kind (sick, holiday, other) and the period are all that is needed.")
		}
	}
	if e := DecodeStrict(body, &rep); e != nil {
		return rep, e
	}
	return rep, validateReport(rep)
}

func findMedical(v any, prefix string) string {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			norm := strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(k))
			for _, m := range medicalFields {
				if norm == m {
					return prefix + k
				}
			}
			if p := findMedical(val, prefix+k+"."); p != "" {
				return p
			}
		}
	case []any:
		for i, val := range x {
			if p := findMedical(val, fmt.Sprintf("%s%d.", prefix, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func validateReport(r AbsenceReport) *ValidationError {
	switch {
	case !tokenIDRe.MatchString(r.WorkerID):
		return invalid("missing_field", "worker_id", "worker_id (the absent worker's id) is required")
	case r.Role != names.RoleBuddy && r.Role != names.RoleAssistant:
		return invalid("invalid_role", "role", "role must be buddy or assistant")
	case r.Kind != absence.AbsenceSick && r.Kind != absence.AbsenceHoliday && r.Kind != absence.AbsenceOther:
		return invalid("invalid_kind", "kind", "kind must be sick, holiday or other")
	case r.Period.From.IsZero() || r.Period.To.IsZero():
		return invalid("missing_field", "period", "period.from and period.to (RFC 3339) are required")
	case !r.Period.To.After(r.Period.From):
		return invalid("invalid_period", "period.to", "the period must end after it starts")
	case strings.TrimSpace(r.Contact) == "":
		return invalid("missing_field", "contact", "contact (whom customers reach meanwhile, A-5) is required")
	case strings.TrimSpace(r.WorkerName) == "":
		return invalid("missing_field", "worker_name", "worker_name (the name customers know) is required")
	}
	if _, err := rules.ParseMarket(string(r.Market)); err != nil {
		return invalid("unknown_market", "market", "market must be SE, DK or DE")
	}
	if r.Region != "" && (len(r.Region) > maxRegionLen || !regionRe.MatchString(r.Region)) {
		return invalid("invalid_region", "region", "region may hold only letters, digits, spaces, '.', '_' and '-'")
	}
	for _, f := range []struct{ name, v string }{{"worker_name", r.WorkerName}, {"contact", r.Contact}} {
		if e := maxLen(f.name, f.v, 200); e != nil {
			return e
		}
	}
	return nil
}

// absenceIDRe: absence-<worker>-<kind>-<YYYY-MM-DD> (workflows.AbsenceReportID),
// or the older absence-<worker>-<n> of absences reported before it.
var absenceIDRe = regexp.MustCompile(`^absence-[A-Za-z0-9][A-Za-z0-9._-]{0,63}-([0-9]{1,6}|(sick|holiday|other)-[0-9]{4}-[0-9]{2}-[0-9]{2})$`)
var jobIDRe = regexp.MustCompile(`^(visit|task)-[A-Za-z0-9._-]{1,200}$`)

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

// Link action of the customer's A-4 answer, per choice.
func absenceLinkAction(choice string) string { return "absence-" + choice }

// AbsenceChoiceLinker signs the customer's A-4 links for the worker's
// activities (activities.Absences.ChoiceLink):
// <base>/v1/absences/<id>/jobs/<job>/customer-choice?choice=<c>&token=<t>.
func AbsenceChoiceLinker(secret []byte, publicBaseURL string) activities.ChoiceLinker {
	return func(absenceID, jobID, choice string, exp time.Time) string {
		return strings.TrimRight(publicBaseURL, "/") + "/v1/absences/" + url.PathEscape(absenceID) + "/jobs/" +
			url.PathEscape(jobID) + "/customer-choice?choice=" + url.QueryEscape(choice) +
			"&token=" + url.QueryEscape(SignLink(secret, absenceID+"/"+jobID, absenceLinkAction(choice), exp))
	}
}

// customerChoice serves the customer's signed answer.
func (s *Server) customerChoice(w http.ResponseWriter, r *http.Request) {
	id, ok := absenceIDFrom(w, r)
	if !ok {
		return
	}
	job := r.PathValue("job")
	info(r).role = names.RoleCustomer
	choice := r.URL.Query().Get("choice")
	if choice != absence.ChoiceBackup && choice != absence.ChoiceWait {
		failValidation(w, r, invalid("invalid_choice", "choice", "choice must be backup or wait"))
		return
	}
	if !jobIDRe.MatchString(job) {
		fail(w, r, http.StatusNotFound, "job_not_found", "no such job", "")
		return
	}
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id+"/"+job, absenceLinkAction(choice), s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the link is not valid: "+err.Error(), "")
		return
	}
	if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.customerLink }, id+"/"+job) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if res, ok := s.runAbsenceUpdate(ctx, w, r, id, absence.UpdateCustomerChoice, "", absence.CustomerChoiceRequest{JobID: job, Choice: choice}); ok {
		writeJSON(w, http.StatusOK, customerChoiceView(res, job, choice)) // M4: the customer's view only
	}
}

// AutoReplyAnswer is GET /v1/workers/{id}/auto-reply: Away false, or the
// rendered automatic answer.
type AutoReplyAnswer struct {
	Away      bool                   `json:"away"`
	AbsenceID string                 `json:"absence_id,omitempty"`
	Period    *absence.AbsencePeriod `json:"period,omitempty"`
	Contact   string                 `json:"contact,omitempty"`
	Language  string                 `json:"language,omitempty"`
	Subject   string                 `json:"subject,omitempty"`
	Text      string                 `json:"text,omitempty"`
}

// autoReply finds the worker's active absence through visibility and
// renders its automatic answer in ?lang (default en). Any signed-in user.
func (s *Server) autoReply(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.absencePrincipal(w, r); !ok {
		return
	}
	worker := r.PathValue("id")
	if !tokenIDRe.MatchString(worker) {
		fail(w, r, http.StatusNotFound, "worker_not_found", "no such worker", "")
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = string(rules.English)
	}
	if _, err := rules.ParseLanguage(lang); err != nil {
		failValidation(w, r, invalid("invalid_language", "lang", "lang must be sv, da, de or en"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	resp, err := s.Visits.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Visits.Namespace, PageSize: 10, Query: ActiveAbsenceQuery(worker),
	})
	if err != nil {
		s.failTemporal(w, r, err)
		return
	}
	for _, e := range resp.GetExecutions() {
		id := e.GetExecution().GetWorkflowId()
		v, err := s.Visits.Client.QueryWorkflow(ctx, id, "", absence.QueryAutoReply)
		if err != nil {
			continue // ended meanwhile
		}
		var ar absence.AbsenceAutoReply
		if v.Get(&ar) != nil || !ar.Active {
			continue
		}
		ar.Message.Language = lang
		out, err := outreach.Render(ar.Message)
		if err != nil {
			s.failTemporal(w, r, err)
			return
		}
		info(r).workflowID = id
		writeJSON(w, http.StatusOK, AutoReplyAnswer{Away: true, AbsenceID: id, Period: &ar.Period, Contact: ar.Contact,
			Language: string(out.Language), Subject: out.Subject, Text: out.Text})
		return
	}
	writeJSON(w, http.StatusOK, AutoReplyAnswer{Away: false})
}

// ActiveAbsenceQuery selects a worker's running, active absences.
func ActiveAbsenceQuery(worker string) string {
	return fmt.Sprintf("WorkflowType = %s AND ExecutionStatus = 'Running' AND %s = %s AND %s = 'active'",
		quote(absence.AbsenceWorkflowName), names.WorkerIDKey.GetName(), quote(worker), names.AbsenceStatusKey.GetName())
}

// absencePrincipal: buddies and assistants report their own absences;
// ops act as the manager of all, team leads of assistants' absences.
func (s *Server) absencePrincipal(w http.ResponseWriter, r *http.Request) (Principal, bool) {
	return s.principalWith(w, r, s.Tokens.LookupAny)
}

// managesAbsence: is p the manager of this (someone else's) absence? Ops
// always; a team lead only of an assistant's.
func managesAbsence(p Principal, st absence.AbsenceState) bool {
	return p.Role == roleOps || (p.Role == roleTeamLead && st.Role == names.RoleAssistant && st.WorkerID != p.ID)
}

// managesReport: may p report rep for another worker? Ops always; a team
// lead only for an assistant, and only when the worker has an assistant's
// token: the body's role alone is the caller's word.
func (s *Server) managesReport(p Principal, rep AbsenceReport) bool {
	switch p.Role {
	case roleOps:
		return true
	case roleTeamLead:
		if rep.Role != names.RoleAssistant {
			return false
		}
		role, known := s.Tokens.RoleOf(rep.WorkerID)
		return known && role == names.RoleAssistant
	}
	return false
}
