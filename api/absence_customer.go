package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/outreach"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/names"
)

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
