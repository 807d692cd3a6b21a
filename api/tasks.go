package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// Tasks (T-1..T-8, N-1, N-2, R-1): the endpoints of workflows/task.
// {id} is the task's workflow id, task-<partner>-<task_ref>.
//
//	POST /v1/tasks                                   create: a partner's signed request (the customer's task, like a
//	                                                 booking), or an assistant (for itself) / ops token on the
//	                                                 customer's behalf; idempotent on partner + task_ref
//	GET  /v1/tasks/{id}                              ops, team leads, the task's assistant, the task's partner (signed)
//	POST /v1/tasks/{id}/release                      ops: release a specialist area (T-3)
//	POST /v1/tasks/{id}/accept                       the task's assistant, or the team lead it was delegated to (T-1, T-3)
//	POST /v1/tasks/{id}/ask-questions                the task's assistant (T-1)
//	POST /v1/tasks/{id}/delegate                     the task's assistant, to a team lead (T-1)
//	POST /v1/tasks/{id}/delete                       ops, or the customer through the partner (signed); review only (T-4)
//	POST /v1/tasks/{id}/start                        the task's assistant (N-1)
//	POST /v1/tasks/{id}/change                       the task's assistant, ops, or the customer through the partner (N-1)
//	POST /v1/tasks/{id}/request-extension            the task's assistant (T-6)
//	POST /v1/tasks/{id}/log-time                     the task's assistant (T-7)
//	POST /v1/tasks/{id}/handover                     the task's assistant (T-8)
//	POST /v1/tasks/{id}/reassign                     ops or a team lead
//	POST /v1/tasks/{id}/chat                         the task's assistant, team leads, ops, the customer through the partner (N-2)
//	POST /v1/tasks/{id}/customer-links               ops or the task's partner (signed): fresh rating and notification links
//	GET  /v1/tasks/{id}/extensions/{n}?token=        the consent page behind the e-mail link: agree / decline (T-6)
//	POST /v1/tasks/{id}/extensions/{n}?token=&answer=agree|decline   the customer's answer (T-6)
//	POST /v1/tasks/{id}/rating?token=                the customer's 1-5 stars after the final hand-over
//	POST /v1/tasks/{id}/notifications/read?token=    the customer marks in-app notifications read (N-1)
//
// Authentication. Assistants and team leads have bearer tokens with the
// roles assistant and teamlead (API_TOKENS); those tokens serve only these
// endpoints (Tokens.Lookup refuses them elsewhere). An assistant acts only
// on a task it is the assistant of (403 not_assignee otherwise). The
// customer never holds a token: it acts through the partner's signed
// requests (X-Partner-Id + X-Signature over the body, as for bookings; the
// task must be that partner's) or through signed, expiring links (SignLink)
// bound to the task and one action:
//
//   - consent ("task-extension"): minted when the task starts and passed to
//     the workflow in TaskInput.ConsentToken, which appends it to every
//     consent link it builds (the workflow mints no secrets, and cannot know
//     ahead how many extensions there will be). One token serves every
//     extension request of the task; the respond-extension validator lets
//     only a pending request be answered, once (409 otherwise). The token
//     is the customer's: consent URLs are shown to ops and the partner, and
//     to assistants and team leads with the token cut off, so an assistant
//     cannot agree to its own request.
//   - rating ("task-rate") and notifications ("task-read"): returned to the
//     partner (and ops) in customer_links when the task is created, and
//     minted again by POST /v1/tasks/{id}/customer-links. An assistant who
//     creates a task does not get them (it must not rate its own work).
//
// Every link expires TaskLinkValidity after the task's deadline at start
// (or after now, for links minted later); the workflow's own rules (the
// rating window, the extension answer window) close the actions earlier.
//
// Errors follow the visit endpoints: 200 with the task's new state, 409
// transition_refused with the workflow's rule message, 409 task_closed, 404
// task_not_found, 422 for a bad body, 401/403 for authentication and roles.

// Roles of the task endpoints beyond buddy and ops.
const (
	roleAssistant = names.RoleAssistant
	roleTeamLead  = names.RoleTeamLead
	// rolePartner marks a partner-signed request: the customer acting
	// through the partner's systems.
	rolePartner = "partner"
)

// Link actions of the customer's task links.
const (
	LinkActionTaskExtension = "task-extension"
	LinkActionTaskRate      = "task-rate"
	LinkActionTaskRead      = "task-read"
)

// TaskLinkValidity is how long after the deadline (at start) the
// customer's task links stay valid; a backstop for the workflow's rules
// (issue #16, M1: 30 days, not a year: long enough for the rating window
// after a late hand-over; a task extended past it gets fresh links from
// POST /v1/tasks/{id}/customer-links).
const TaskLinkValidity = 30 * 24 * time.Hour

// MemoTaskHash is the memo key holding the sha256 of the canonical task
// request a task was started with (not personal data).
const MemoTaskHash = "task_sha256"

// Limits of a task request.
const (
	maxTitleLen       = 200
	maxDescriptionLen = 4000
	maxBudgetMinutes  = 60000 // 1000 hours
	maxDeadlineAhead  = 2 * 366 * 24 * time.Hour
	maxTextLen        = 4000
	maxReasonLen      = 1000
)

var taskIDRe = regexp.MustCompile(`^task-[a-z0-9][a-z0-9_]*-[A-Za-z0-9][A-Za-z0-9._-]*$`)

// TaskRequest is the body of POST /v1/tasks.
type TaskRequest struct {
	// Partner is required with a bearer token; with a partner signature it
	// is optional and must match X-Partner-Id.
	Partner       string               `json:"partner,omitempty"`
	TaskRef       string               `json:"task_ref"`   // the partner's id of the task; part of the task id
	AccountID     string               `json:"account_id"` // the customer's account (N-1 digest, N-4)
	Market        string               `json:"market"`
	Language      string               `json:"language"`
	Title         string               `json:"title"`
	Description   string               `json:"description"`
	BudgetMinutes int                  `json:"budget_minutes"` // real working time granted (T-3, T-7)
	Deadline      time.Time            `json:"deadline"`       // T-5
	Customer      CustomerRequest      `json:"customer"`       // phone optional for tasks
	Assistant     TaskAssistantRequest `json:"assistant"`      // optional id with an assistant token: itself
	CreatedAt     *time.Time           `json:"created_at,omitempty"`
}

// TaskAssistantRequest names the virtual assistant of a task.
type TaskAssistantRequest struct {
	ID       string `json:"id"`
	Email    string `json:"email,omitempty"`
	Language string `json:"language,omitempty"`
}

// TaskCreated answers POST /v1/tasks.
type TaskCreated struct {
	TaskID     string `json:"task_id"` // the workflow id, task-<partner>-<task_ref>
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	Status     string `json:"status"`
	UIURL      string `json:"ui_url"`
	// CustomerLinks are for the customer (partner and ops callers only).
	CustomerLinks *TaskCustomerLinks `json:"customer_links,omitempty"`
}

// TaskCustomerLinks are the customer's signed links of a task.
type TaskCustomerLinks struct {
	RatingURL            string    `json:"rating_url"`
	NotificationsReadURL string    `json:"notifications_read_url"`
	ExpiresAt            time.Time `json:"expires_at"`
}

// TaskID is the workflow id of a partner's task.
func TaskID(partner, ref string) string { return task.TaskWorkflowID(partner + "-" + ref) }

// Validate checks a task request and returns the workflow's input without
// the fields the server fills (policy, links, creator). now is the
// reference for the deadline and a missing created_at.
func (q TaskRequest) Validate(partner string, now time.Time) (task.TaskInput, *ValidationError) {
	var zero task.TaskInput
	text := func(field, v string, max int) *ValidationError {
		if strings.TrimSpace(v) == "" {
			return invalid("missing_field", field, field+" is required")
		}
		if utf8.RuneCountInString(v) > max || !utf8.ValidString(v) {
			return invalid("field_too_long", field, fmt.Sprintf("%s is longer than %d characters", field, max))
		}
		return nil
	}
	if q.Partner != "" && q.Partner != partner {
		return zero, invalid("partner_mismatch", "partner", "partner in the body differs from the authenticated partner")
	}
	if partner == "" {
		return zero, invalid("missing_field", "partner", "partner (whose customer the task is for) is required")
	}
	if !ValidPartnerID(partner) {
		return zero, invalid("invalid_partner", "partner", "partner ids are 1-32 characters a-z, 0-9 and _")
	}
	if e := text("task_ref", q.TaskRef, maxRefLen); e != nil {
		return zero, e
	}
	if !bookingRefRe.MatchString(q.TaskRef) {
		return zero, invalid("invalid_task_ref", "task_ref", "task_ref may hold only letters A-Z, digits, '.', '_' and '-', starting with a letter or digit")
	}
	if !tokenIDRe.MatchString(q.AccountID) {
		return zero, invalid("missing_field", "account_id", "account_id (the customer's account: letters, digits, '.', '_', '-') is required")
	}
	if strings.TrimSpace(q.Market) == "" {
		return zero, invalid("missing_field", "market", "market is required")
	}
	market, err := rules.ParseMarket(q.Market)
	if err != nil {
		return zero, invalid("unknown_market", "market", err.Error())
	}
	if strings.TrimSpace(q.Language) == "" {
		return zero, invalid("missing_field", "language", "language (the task's language: sv, da, de or en) is required")
	}
	lang, err := rules.ParseLanguage(q.Language)
	if err != nil {
		return zero, invalid("unknown_language", "language", err.Error())
	}
	if e := text("title", q.Title, maxTitleLen); e != nil {
		return zero, e
	}
	if e := text("description", q.Description, maxDescriptionLen); e != nil {
		return zero, e
	}
	if q.BudgetMinutes < 1 || q.BudgetMinutes > maxBudgetMinutes {
		return zero, invalid("invalid_budget", "budget_minutes", fmt.Sprintf("budget_minutes must be 1..%d", maxBudgetMinutes))
	}
	switch {
	case q.Deadline.IsZero():
		return zero, invalid("missing_field", "deadline", "deadline (RFC 3339) is required")
	case !q.Deadline.After(now):
		return zero, invalid("deadline_in_past", "deadline", "the deadline has already passed")
	case q.Deadline.After(now.Add(maxDeadlineAhead)):
		return zero, invalid("deadline_too_far", "deadline", "the deadline is more than two years ahead")
	}
	if e := text("customer.name", q.Customer.Name, maxNameLen); e != nil {
		return zero, e
	}
	if e := text("customer.email", q.Customer.Email, maxEmailLen); e != nil {
		return zero, e
	}
	if !validEmail(q.Customer.Email) {
		return zero, invalid("invalid_email", "customer.email", "customer.email must be a plain address such as name@example.com")
	}
	if q.Customer.Phone != "" && !phoneRe.MatchString(q.Customer.Phone) {
		return zero, invalid("invalid_phone", "customer.phone", "customer.phone must be in E.164 form: + and country code, digits only, e.g. +4915112345678")
	}
	custLang := lang
	if q.Customer.Language != "" {
		if custLang, err = rules.ParseLanguage(q.Customer.Language); err != nil {
			return zero, invalid("unknown_language", "customer.language", err.Error())
		}
	}
	if !tokenIDRe.MatchString(q.Assistant.ID) {
		return zero, invalid("missing_field", "assistant.id", "assistant.id (the virtual assistant's id) is required")
	}
	if q.Assistant.Email != "" && (len(q.Assistant.Email) > maxEmailLen || !validEmail(q.Assistant.Email)) {
		return zero, invalid("invalid_email", "assistant.email", "assistant.email must be a plain address such as name@example.com")
	}
	var asgLang rules.Language
	if q.Assistant.Language != "" {
		if asgLang, err = rules.ParseLanguage(q.Assistant.Language); err != nil {
			return zero, invalid("unknown_language", "assistant.language", err.Error())
		}
	}
	created := now.UTC()
	if q.CreatedAt != nil {
		if q.CreatedAt.After(now.Add(maxFutureSkew)) {
			return zero, invalid("created_at_in_future", "created_at", "created_at lies in the future")
		}
		created = q.CreatedAt.UTC()
	}
	return task.TaskInput{
		TaskID: partner + "-" + q.TaskRef, AccountID: ScopedAccountID(partner, q.AccountID), Partner: partner, Market: market, Language: lang,
		Title: q.Title, Description: q.Description, BudgetMinutes: q.BudgetMinutes, Deadline: q.Deadline.UTC(),
		Customer:  jobcore.Customer{Name: q.Customer.Name, Phone: q.Customer.Phone, Email: q.Customer.Email, Language: custLang},
		Assistant: task.TaskAssistant{ID: q.Assistant.ID, Email: q.Assistant.Email, Language: asgLang},
		CreatedAt: created,
	}, nil
}

// Hash is the sha256 (hex) of the canonical request: partner set, times in
// UTC, re-encoded in Go's field order (see BookingRequest.Hash).
func (q TaskRequest) Hash(partner string) string {
	c := q
	c.Partner = partner
	c.Deadline = q.Deadline.UTC()
	if q.CreatedAt != nil {
		t := q.CreatedAt.UTC()
		c.CreatedAt = &t
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ErrTaskConflict: the partner's task_ref is already used by a different task.
var ErrTaskConflict = errors.New("task_ref is already used by a different task")

// StartTask starts a validated task, or finds the one a replay of the same
// request started (created false). Errors: ErrTaskConflict or Temporal's.
func (v *Visits) StartTask(ctx context.Context, in task.TaskInput, hash string) (TaskCreated, bool, error) {
	id := task.TaskWorkflowID(in.TaskID)
	opts := client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                names.TaskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{MemoTaskHash: hash},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			names.TaskStatusKey.ValueSet([]string{string(task.TaskReview)}),
			names.AssistantIDKey.ValueSet(in.Assistant.ID),
			names.PartnerKey.ValueSet(in.Partner),
			names.MarketKey.ValueSet(string(in.Market)),
			names.TaskDeadlineKey.ValueSet(in.Deadline),
		),
		// Ids and codes only: the title may carry personal data (V-14).
		StaticSummary: fmt.Sprintf("Task %s in %s for assistant %s", id, in.Market, in.Assistant.ID),
		StaticDetails: fmt.Sprintf("**Partner** %s · **market** %s · **budget** %d min · **deadline** %s\n\n**Policy** extension answer window %s, deadline warning %s, rating window %s",
			in.Partner, in.Market, in.BudgetMinutes, in.Deadline.Format(time.RFC3339),
			in.Policy.ExtensionAnswerWindow, in.Policy.DeadlineWarningLead, in.Policy.RatingWindow),
	}
	run, err := v.Client.ExecuteWorkflow(ctx, opts, names.TaskWorkflowName, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			res, err := v.existingTask(ctx, id, hash)
			return res, false, err
		}
		return TaskCreated{}, false, err
	}
	return TaskCreated{TaskID: id, WorkflowID: id, RunID: run.GetRunID(), Status: string(task.TaskReview), UIURL: v.UILink(id)}, true, nil
}

func (v *Visits) existingTask(ctx context.Context, id, hash string) (TaskCreated, error) {
	desc, err := v.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return TaskCreated{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	var stored string
	if p := info.GetMemo().GetFields()[MemoTaskHash]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &stored)
	}
	if stored != hash {
		return TaskCreated{}, ErrTaskConflict
	}
	status := keywordAttr(info.GetSearchAttributes().GetIndexedFields()[names.TaskStatusKey.GetName()])
	if status == "" {
		status = strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	return TaskCreated{TaskID: id, WorkflowID: id, RunID: info.GetExecution().GetRunId(), Status: status, UIURL: v.UILink(id)}, nil
}

// TaskCustomerLinksFor mints the customer's rating and notification links.
func TaskCustomerLinksFor(secret []byte, publicBaseURL, taskID string, exp time.Time) *TaskCustomerLinks {
	base := strings.TrimRight(publicBaseURL, "/") + "/v1/tasks/" + url.PathEscape(taskID)
	return &TaskCustomerLinks{
		RatingURL:            base + "/rating?token=" + url.QueryEscape(SignLink(secret, taskID, LinkActionTaskRate, exp)),
		NotificationsReadURL: base + "/notifications/read?token=" + url.QueryEscape(SignLink(secret, taskID, LinkActionTaskRead, exp)),
		ExpiresAt:            exp,
	}
}

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

// --- the customer's links --------------------------------------------------------------

// verifyTaskLink checks the ?token= of a customer link (401 otherwise).
func (s *Server) verifyTaskLink(w http.ResponseWriter, r *http.Request, id, action string) bool {
	info(r).role = names.RoleCustomer
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, action, s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the link is not valid: "+err.Error(), "")
		return false
	}
	return s.limit(w, r, func(l *limiters) *keyedLimiter { return l.customerLink }, id)
}

var customerActor = Principal{Role: names.RoleCustomer}

// ExtensionNote is the optional body of the customer's answer.
type ExtensionNote struct {
	Note string `json:"note,omitempty"`
}

func extensionNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 10000 {
		fail(w, r, http.StatusNotFound, "extension_not_found", "no such extension request", "")
		return 0, false
	}
	return n, true
}

// answerExtension serves POST /v1/tasks/{id}/extensions/{n}?token=&answer=:
// the customer agrees or declines (T-6). The workflow refuses an answer to
// a request that is not pending (already answered or expired): 409.
func (s *Server) answerExtension(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok {
		return
	}
	n, ok := extensionNumber(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskExtension) {
		return
	}
	var agree bool
	switch r.URL.Query().Get("answer") {
	case "agree":
		agree = true
	case "decline":
	default:
		failValidation(w, r, invalid("invalid_answer", "answer", "answer must be agree or decline"))
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var note ExtensionNote
	if len(strings.TrimSpace(string(body))) > 0 {
		if e := DecodeStrict(body, &note); e != nil {
			failValidation(w, r, e)
			return
		}
	}
	if e := maxLen("note", note.Note, maxReasonLen); e != nil {
		failValidation(w, r, e)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateRespondExtension,
		task.TaskExtensionResponse{ExtensionID: n, Agree: agree, Note: note.Note}, nil)
	s.customerActive(ctx, id, "extension-answered") // N-4
}

// rateTask serves POST /v1/tasks/{id}/rating?token=: 1-5 stars after the
// final hand-over; 1-3 stars start the R-2 follow-up.
func (s *Server) rateTask(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskRate) {
		return
	}
	req, ok := decodeRating(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateRate, req, &req)
	s.customerActive(ctx, id, "task-rated") // N-4
}

// readTaskNotifications serves POST /v1/tasks/{id}/notifications/read?token=:
// the listed notifications (all without ids) are read (N-1).
func (s *Server) readTaskNotifications(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskRead) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req task.TaskMarkReadRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if e := DecodeStrict(body, &req); e != nil {
			failValidation(w, r, e)
			return
		}
	}
	if len(req.IDs) > 1000 {
		failValidation(w, r, invalid("too_many_ids", "ids", "at most 1000 ids"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateMarkRead, req, nil)
	s.customerActive(ctx, id, "notifications-read") // N-4
}

// --- the consent page -------------------------------------------------------------------

var extensionPageTmpl = template.Must(template.New("ext").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Move the deadline?</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
button{font-size:1.2rem;margin:.2rem;padding:.4rem .8rem}textarea{width:100%;min-height:4rem}</style></head>
<body><h1>Move the deadline?</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{else}}
<p>Your assistant asks to move the deadline of your task.</p>
<dl><dt>Current deadline</dt><dd>{{.Current}}</dd><dt>Proposed deadline</dt><dd>{{.Proposed}}</dd>
<dt>Reason</dt><dd>{{.Reason}}</dd>{{if .Expires}}<dt>Please answer by</dt><dd>{{.Expires}}</dd>{{end}}</dl>
{{if .Done}}<p role="status">{{.Done}}</p>{{else}}
<form id="f"><label>Note (optional)<br><textarea name="note"></textarea></label>
<p><button type="button" data-answer="agree">Agree</button>
<button type="button" data-answer="decline">Decline</button></p></form>
<p id="out" role="status"></p>
<script>
const f = document.getElementById('f'), out = document.getElementById('out');
f.querySelectorAll('[data-answer]').forEach(b => b.onclick = async () => {
  const u = new URL(location.href); u.searchParams.set('answer', b.dataset.answer);
  const r = await fetch(u, {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(f.note.value ? {note: f.note.value} : {})});
  const j = await r.json().catch(() => ({}));
  out.textContent = r.ok ? (b.dataset.answer === 'agree' ? 'Thank you: the deadline is moved.' : 'Thank you: the deadline stays as it was.')
    : ((j.error && j.error.message) || 'Something went wrong.');
  if (r.ok) f.remove();
});
</script>{{end}}{{end}}
</body></html>`))

type extensionPageData struct {
	Error, Current, Proposed, Reason, Expires, Done string
}

// extensionPage serves GET /v1/tasks/{id}/extensions/{n}?token=: the page
// behind the consent link in the customer's e-mail. It checks the token
// first, shows the request (current and proposed deadline, reason) and,
// while the request is pending, two buttons that post the answer to the
// same URL with answer=agree or answer=decline.
func (s *Server) extensionPage(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = names.RoleCustomer
	status, d := http.StatusOK, extensionPageData{}
	n, err := strconv.Atoi(r.PathValue("n"))
	if verr := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, LinkActionTaskExtension, s.Visits.now()); verr != nil {
		status, d.Error = http.StatusUnauthorized, "This link is not valid."
		if errors.Is(verr, ErrLinkExpired) {
			d.Error = "This link has expired. Please contact customer service."
		}
	} else if err != nil || n < 1 {
		status, d.Error = http.StatusNotFound, "There is no such request."
	} else {
		ctx, cancel := s.ctx(r)
		defer cancel()
		st, qerr := s.queryTask(ctx, id)
		switch {
		case qerr != nil:
			var nf *serviceerror.NotFound
			status, d.Error = http.StatusServiceUnavailable, "The request cannot be shown right now. Please try again later."
			if errors.As(qerr, &nf) {
				status, d.Error = http.StatusNotFound, "There is no such request."
			}
		case n > len(st.Extensions):
			status, d.Error = http.StatusNotFound, "There is no such request."
		default:
			e := st.Extensions[n-1]
			loc := rules.Location(st.Market)
			f := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") }
			d.Current, d.Proposed, d.Reason = f(e.CurrentDeadline), f(e.ProposedDeadline), e.Reason
			switch e.Status {
			case task.ExtensionPending:
				d.Expires = f(e.ExpiresAt)
			case task.ExtensionAgreed:
				d.Done = "You agreed: the deadline was moved."
			case task.ExtensionDeclined:
				d.Done = "You declined: the deadline stays as it was."
			default:
				d.Done = "This request was not answered in time and has expired: the deadline stays as it was."
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.WriteHeader(status)
	_ = extensionPageTmpl.Execute(w, d)
}
