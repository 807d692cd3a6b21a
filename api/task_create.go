package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// --- create, read --------------------------------------------------------------------

// createTask serves POST /v1/tasks.
func (s *Server) createTask(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	p, ok := s.taskCaller(w, r, body)
	if !ok {
		return
	}
	var creator jobcore.Actor
	switch p.Role {
	case rolePartner, roleOps, roleAssistant:
	default:
		fail(w, r, http.StatusForbidden, "forbidden", "tasks are created by a partner (signed), an assistant or ops", "")
		return
	}
	var req TaskRequest
	if e := DecodeStrict(body, &req); e != nil {
		failValidation(w, r, e)
		return
	}
	partner := req.Partner
	if p.Role == rolePartner {
		partner = p.ID
	}
	if p.Role == roleAssistant {
		if req.Assistant.ID == "" {
			req.Assistant.ID = p.ID
		}
		if req.Assistant.ID != p.ID {
			fail(w, r, http.StatusForbidden, "forbidden", "an assistant creates tasks for itself; ops create them for others", "assistant.id")
			return
		}
	}
	now := s.Visits.now()
	in, verr := req.Validate(partner, now)
	if verr != nil {
		failValidation(w, r, verr)
		return
	}
	policy, verr := s.Partners.Policy(partner, in.Market)
	if verr != nil {
		failValidation(w, r, verr)
		return
	}
	switch p.Role {
	case rolePartner:
		creator = jobcore.Actor{Role: names.RoleCustomer, ID: in.AccountID}
	default:
		creator = jobcore.Actor{Role: p.Role, ID: p.ID}
	}
	id := task.TaskWorkflowID(in.TaskID)
	info(r).workflowID = id
	ctx, cancel := s.ctx(r)
	defer cancel()
	if p.Role == roleAssistant {
		// Issue #16, M3: an assistant works for the partners its token names,
		// and only for a customer the partner (or ops) already has: the
		// customer's contact comes from that account, never from the
		// assistant, so the consent link (T-6) cannot go to an address of
		// the assistant's choosing.
		if !p.Serves(partner) {
			fail(w, r, http.StatusForbidden, "not_your_partner", "this assistant does not work for partner "+partner, "partner")
			return
		}
		c, err := s.accountCustomer(ctx, in.AccountID)
		switch {
		case errors.Is(err, errNoAccount):
			fail(w, r, http.StatusConflict, "account_unknown", "an assistant creates tasks for an existing customer account of the partner; the partner or ops create the first task", "account_id")
			return
		case err != nil:
			s.failTemporal(w, r, err)
			return
		}
		in.Customer = c
	}
	in.Policy, in.CreatedBy = policy, creator
	in.LinkBase = strings.TrimRight(s.Visits.PublicBaseURL, "/") + "/v1"
	exp := in.Deadline.Add(TaskLinkValidity)
	if len(s.LinkSecret) > 0 {
		in.ConsentToken = SignLink(s.LinkSecret, id, LinkActionTaskExtension, exp)
	}
	s.accountStarted(ctx, in) // N-4: a new task is account activity; N-1: the account is there for the task's signals
	res, created, err := s.Visits.StartTask(ctx, in, req.Hash(partner))
	switch {
	case errors.Is(err, ErrTaskConflict):
		fail(w, r, http.StatusConflict, "task_conflict", "task_ref "+req.TaskRef+" was already used for a different task; use a new task_ref", "task_ref")
		return
	case err != nil:
		s.failTemporal(w, r, err)
		return
	}
	if (p.Role == rolePartner || p.Role == roleOps) && len(s.LinkSecret) > 0 {
		res.CustomerLinks = TaskCustomerLinksFor(s.LinkSecret, s.Visits.PublicBaseURL, id, exp)
	}
	if created {
		w.Header().Set("Location", "/v1/tasks/"+id)
		writeJSON(w, http.StatusCreated, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// ScopedAccountID is the account id the workflows use: the partner's own
// account id prefixed with the partner (partner ids hold no "-"), so two
// partners' customers never share an account workflow and nobody reaches
// another partner's account by naming its id (issue #16, M3).
func ScopedAccountID(partner, accountID string) string { return partner + "-" + accountID }

// accountCustomer reads the customer of a running or closed account
// workflow from its input (the first event of its history; the payload
// codec decrypts it). An assistant's task takes its customer from there.
func (s *Server) accountCustomer(ctx context.Context, accountID string) (jobcore.Customer, error) {
	it := s.Visits.Client.GetWorkflowHistory(ctx, account.AccountWorkflowID(accountID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return jobcore.Customer{}, errNoAccount
	}
	ev, err := it.Next()
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return jobcore.Customer{}, errNoAccount
		}
		return jobcore.Customer{}, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || len(attrs.GetInput().GetPayloads()) == 0 {
		return jobcore.Customer{}, errNoAccount
	}
	var in account.AccountInput
	if err := HistoryConverter.FromPayload(attrs.GetInput().GetPayloads()[0], &in); err != nil {
		return jobcore.Customer{}, err
	}
	if in.Customer.Email == "" {
		return jobcore.Customer{}, errNoAccount
	}
	return in.Customer, nil
}

var errNoAccount = errors.New("no such customer account")

func (s *Server) queryTask(ctx context.Context, id string) (task.TaskState, error) {
	return queryState[task.TaskState](ctx, s.Visits.Client, id, task.TaskQuery)
}

// loadTask authenticates, reads the task and checks access; the body has
// been read (signatures cover it).
func (s *Server) loadTask(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) (Principal, string, task.TaskState, bool) {
	var st task.TaskState
	p, ok := s.taskCaller(w, r, body)
	if !ok {
		return p, "", st, false
	}
	id, ok := taskIDFrom(w, r)
	if !ok {
		return p, "", st, false
	}
	if p.Role == roleBuddy {
		fail(w, r, http.StatusForbidden, "forbidden", "buddies have no access to tasks", "")
		return p, "", st, false
	}
	st, err := s.queryTask(ctx, id)
	if err != nil {
		s.failTask(ctx, w, r, id, err)
		return p, "", st, false
	}
	if code, msg, ok := mayAccess(p, st); !ok {
		fail(w, r, http.StatusForbidden, code, msg, "")
		return p, "", st, false
	}
	return p, id, st, true
}

// getTask serves GET /v1/tasks/{id}.
func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	p, _, st, ok := s.loadTask(ctx, w, r, nil)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, redactFor(p, st))
}

// taskCustomerLinks serves POST /v1/tasks/{id}/customer-links: ops or the
// task's partner get fresh rating and notification links for the customer.
func (s *Server) taskCustomerLinks(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	p, id, st, ok := s.loadTask(ctx, w, r, body)
	if !ok {
		return
	}
	if p.Role != roleOps && p.Role != rolePartner {
		fail(w, r, http.StatusForbidden, "forbidden", "only ops and the task's partner get the customer's links", "")
		return
	}
	from := s.Visits.now()
	if st.Deadline.After(from) {
		from = st.Deadline
	}
	writeJSON(w, http.StatusOK, TaskCustomerLinksFor(s.LinkSecret, s.Visits.PublicBaseURL, id, from.Add(TaskLinkValidity).Truncate(time.Second)))
}
