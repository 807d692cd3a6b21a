package api

import (
	"net/http"
	"strings"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// --- routes -------------------------------------------------------------------

// taskRoutes are appended to the route table by server.go.
func (s *Server) taskRoutes() []Route {
	rs := []Route{
		{"POST", "/v1/tasks", s.createTask},
		{"GET", "/v1/tasks/{id}", s.getTask},
		{"POST", "/v1/tasks/{id}/customer-links", s.taskCustomerLinks},
		{"GET", "/v1/tasks/{id}/extensions/{n}", s.extensionPage},
		{"POST", "/v1/tasks/{id}/extensions/{n}", s.answerExtension},
		{"POST", "/v1/tasks/{id}/rating", s.rateTask},
		{"POST", "/v1/tasks/{id}/notifications/read", s.readTaskNotifications},
	}
	for _, a := range taskActions {
		rs = append(rs, Route{"POST", "/v1/tasks/{id}/" + a.path, s.taskAct(a)})
	}
	return rs
}

// --- authentication -------------------------------------------------------------

// taskCaller authenticates a task request: a partner signature when
// X-Partner-Id is present (Principal{Role: "partner", ID: partner}),
// otherwise a bearer token of any role. body is the raw body (signed).
func (s *Server) taskCaller(w http.ResponseWriter, r *http.Request, body []byte) (Principal, bool) {
	if r.Header.Get(HeaderPartner) != "" {
		pt, ok := s.partnerAuth(w, r, body, "")
		if !ok {
			return Principal{}, false
		}
		info(r).role = rolePartner
		return Principal{Role: rolePartner, ID: pt.ID}, true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jobflow"`)
		fail(w, r, http.StatusUnauthorized, "missing_token", "Authorization: Bearer <token> (or a partner signature) is required", "")
		return Principal{}, false
	}
	p, ok := s.Tokens.LookupAny(strings.TrimSpace(tok))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jobflow", error="invalid_token"`)
		fail(w, r, http.StatusUnauthorized, "invalid_token", "the bearer token is not valid", "")
		return Principal{}, false
	}
	li := info(r)
	li.role, li.actor = p.Role, p.ID
	return p, true
}

// actor is who the workflow sees acting: the customer for a partner's
// signed request, the token's principal otherwise.
func taskActor(p Principal, st task.TaskState) jobcore.Actor {
	if p.Role == rolePartner {
		return jobcore.Actor{Role: names.RoleCustomer, ID: st.AccountID}
	}
	return jobcore.Actor{Role: p.Role, ID: p.ID}
}

// mayAccess: may p act on (or read) this task at all? An assistant only on
// its own task, a partner only on its own customers' tasks.
func mayAccess(p Principal, st task.TaskState) (code, msg string, ok bool) {
	switch p.Role {
	case roleOps, roleTeamLead:
		return "", "", true
	case roleAssistant:
		if st.AssistantID == p.ID {
			return "", "", true
		}
		return "not_assignee", "you are not this task's assistant", false
	case rolePartner:
		if st.Partner == p.ID {
			return "", "", true
		}
		return "forbidden", "the task is not this partner's", false
	}
	return "forbidden", "buddies have no access to tasks", false
}

func taskIDFrom(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !taskIDRe.MatchString(id) {
		fail(w, r, http.StatusNotFound, "task_not_found", "no task with this id", "")
		return "", false
	}
	info(r).workflowID = id
	return id, true
}

// redactFor hides the customer's consent token from everyone but ops and
// the partner: an assistant must not be able to agree to its own request.
func redactFor(p Principal, st task.TaskState) task.TaskState {
	if p.Role == roleOps || p.Role == rolePartner || p.Role == names.RoleCustomer {
		return st
	}
	exts := make([]task.TaskExtension, len(st.Extensions))
	for i, e := range st.Extensions {
		if u, _, ok := strings.Cut(e.ConsentURL, "?"); ok {
			e.ConsentURL = u
		}
		exts[i] = e
	}
	st.Extensions = exts
	return st
}
