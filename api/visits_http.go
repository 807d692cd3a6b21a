package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

const (
	roleBuddy = names.RoleBuddy
	roleOps   = names.RoleOps
)

// principal authenticates a buddy's or ops' bearer token (401 otherwise).
func (s *Server) principal(w http.ResponseWriter, r *http.Request) (Principal, bool) {
	return s.principalWith(w, r, s.Tokens.Lookup)
}

// principalWith authenticates the bearer token with lookup (Lookup for
// buddies and ops, LookupAny where assistants and team leads act too).
func (s *Server) principalWith(w http.ResponseWriter, r *http.Request, lookup func(string) (Principal, bool)) (Principal, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jobflow"`)
		fail(w, r, http.StatusUnauthorized, "missing_token", "Authorization: Bearer <token> is required", "")
		return Principal{}, false
	}
	p, ok := lookup(strings.TrimSpace(tok))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jobflow", error="invalid_token"`)
		fail(w, r, http.StatusUnauthorized, "invalid_token", "the bearer token is not valid", "")
		return Principal{}, false
	}
	li := info(r)
	li.role, li.actor = p.Role, p.ID
	return p, true
}

// visitID reads and checks the {id} path value.
func visitIDFrom(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !visitIDRe.MatchString(id) {
		fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
		return "", false
	}
	info(r).workflowID = id
	return id, true
}

var visitIDRe = regexp.MustCompile(`^visit-[a-z0-9][a-z0-9_]*-[A-Za-z0-9][A-Za-z0-9._-]*$`)

func visitIDOf(partner, ref string) string { return visit.VisitID(partner, ref) }

func typeName(err error) string { return fmt.Sprintf("%T", err) }

// action is one POST /v1/visits/{id}/<path> endpoint: who may call it, the
// Update it runs, and how its body becomes the Update's argument.
type action struct {
	path   string
	update string
	role   string // roleBuddy or roleOps
	// build decodes the body and fills the acting principal in.
	build func(body []byte, p Principal) (any, *ValidationError)
}

// buildReq returns a build function for request type T: strict decoding of
// the body (empty means {}), then set forces the actor and checks fields.
func buildReq[T any](set func(*T, Principal) *ValidationError) func([]byte, Principal) (any, *ValidationError) {
	return func(body []byte, p Principal) (any, *ValidationError) {
		var req T
		if len(strings.TrimSpace(string(body))) > 0 {
			if e := DecodeStrict(body, &req); e != nil {
				return nil, e
			}
		}
		if e := set(&req, p); e != nil {
			return nil, e
		}
		return req, nil
	}
}

func need(ok bool, code, field, msg string) *ValidationError {
	if ok {
		return nil
	}
	return invalid(code, field, msg)
}

func maxLen(field, v string, n int) *ValidationError {
	return need(len([]rune(v)) <= n, "field_too_long", field, fmt.Sprintf("%s is longer than %d characters", field, n))
}

func recordingOK(r visit.Recording) *ValidationError {
	switch r {
	case visit.RecordingAccepted, visit.RecordingRefused:
		return nil
	case "":
		return invalid("missing_field", "recording", "recording (the customer's answer to the recording notice) is required: accepted or refused")
	}
	return invalid("invalid_recording", "recording", "recording must be accepted or refused")
}

var actions = []action{
	{"claim", visit.UpdateClaim, roleBuddy, buildReq(func(q *visit.ClaimRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		return nil
	})},
	{"release", visit.UpdateRelease, roleBuddy, buildReq(func(q *visit.ReleaseRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		return nil
	})},
	{"book", visit.UpdateBook, roleBuddy, buildReq(func(q *visit.BookRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		if q.At.IsZero() {
			return invalid("missing_field", "at", "at (the agreed time, RFC 3339) is required")
		}
		if e := maxLen("clarified_problem", q.ClarifiedProblem, maxProblemLen); e != nil {
			return e
		}
		return recordingOK(q.Recording)
	})},
	{"reschedule", visit.UpdateReschedule, roleBuddy, buildReq(func(q *visit.RescheduleRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		if q.At.IsZero() {
			return invalid("missing_field", "at", "at (the new agreed time, RFC 3339) is required")
		}
		return maxLen("reason", q.Reason, 1000)
	})},
	{"start", visit.UpdateStart, roleBuddy, buildReq(func(q *visit.StartRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		return nil
	})},
	{"panic", visit.UpdatePanic, roleBuddy, buildReq(func(q *visit.PanicRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		return nil
	})},
	{"abort", visit.UpdateAbort, roleBuddy, buildReq(func(q *visit.AbortRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		return maxLen("reason", q.Reason, 1000)
	})},
	{"complete", visit.UpdateComplete, roleBuddy, buildReq(func(q *visit.CompleteRequest, p Principal) *ValidationError {
		q.Buddy = p.ID
		if len(q.Checklist) > 100 {
			return invalid("field_too_long", "checklist", "at most 100 checklist items")
		}
		for i, it := range q.Checklist {
			if e := maxLen(fmt.Sprintf("checklist[%d].item", i), it.Item, 200); e != nil {
				return e
			}
		}
		if q.WorkedMinutes < 0 || q.WorkedMinutes > 24*60 {
			return invalid("invalid_value", "worked_minutes", "worked_minutes must be 0..1440")
		}
		return need(q.MileageKm >= 0 && q.MileageKm <= 2000, "invalid_value", "mileage_km", "mileage_km must be 0..2000")
	})},
	{"cancel", visit.UpdateCancel, roleOps, buildReq(func(q *visit.CancelRequest, p Principal) *ValidationError {
		q.By = jobcore.Actor{Role: roleOps, ID: p.ID}
		if strings.TrimSpace(q.Reason) == "" {
			return invalid("missing_field", "reason", "reason is required to cancel a visit")
		}
		return maxLen("reason", q.Reason, 1000)
	})},
	{"reassign", visit.UpdateReassign, roleOps, buildReq(func(q *visit.ReassignRequest, p Principal) *ValidationError {
		if !tokenIDRe.MatchString(q.To) {
			return invalid("missing_field", "to", "to (the substitute buddy's id) is required")
		}
		if q.From != "" && !tokenIDRe.MatchString(q.From) {
			return invalid("invalid_value", "from", "from must be a buddy id")
		}
		return maxLen("reason", q.Reason, 1000)
	})},
	{"confirm-mileage", visit.UpdateMileage, roleOps, buildReq(func(q *visit.MileageRequest, p Principal) *ValidationError {
		q.Ops = p.ID
		return nil
	})},
}

var updateIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// act serves POST /v1/visits/{id}/<action>.
func (s *Server) act(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principal(w, r)
		if !ok {
			return
		}
		id, ok := visitIDFrom(w, r)
		if !ok {
			return
		}
		if p.Role != a.role {
			fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("only %s may %s a visit", plural(a.role), a.path), "")
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		arg, verr := a.build(body, p)
		if verr != nil {
			failValidation(w, r, verr)
			return
		}
		updateID := r.Header.Get("Idempotency-Key")
		if updateID != "" && !updateIDRe.MatchString(updateID) {
			fail(w, r, http.StatusUnprocessableEntity, "invalid_idempotency_key", "Idempotency-Key: 1-128 characters A-Z, a-z, 0-9, '.', '_', ':', '-'", "")
			return
		}
		ctx, cancel := s.ctx(r)
		defer cancel()
		// A buddy acts only on a visit it holds (claim is how it gets one):
		// the Update's validator checks that first and refuses with
		// NotHolder, answered 403 not_holder, in one round trip (issue #18).
		s.update(ctx, w, r, id, a.update, updateID, arg)
	}
}

func plural(role string) string {
	if role == roleOps {
		return "ops"
	}
	return "buddies"
}

// update runs an Update and answers 200 with its small result (status,
// holder, the times the caller needs next: workflows.VisitUpdateResult),
// 409 with the validator's message, 404 for an unknown visit. The whole
// state is GET /v1/visits/{id}.
func (s *Server) update(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) {
	if res, ok := s.runUpdate(ctx, w, r, id, name, updateID, arg); ok {
		writeJSON(w, http.StatusOK, res)
	}
}

// runUpdate runs a visit Update; on failure it has answered already.
func (s *Server) runUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, id, name, updateID string, arg any) (visit.VisitUpdateResult, bool) {
	h, err := s.Visits.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     updateID,
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res visit.VisitUpdateResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil {
		s.failVisit(ctx, w, r, id, err)
		return res, false
	}
	return res, true
}

// failVisit maps an Update's or Query's error: a refused transition is 409
// with the workflow's message; a closed visit 409 visit_closed; an unknown
// one 404.
func (s *Server) failVisit(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, err error) {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app) && app.Type() == jobcore.ErrTypeNotHolder:
		fail(w, r, http.StatusForbidden, "not_holder", "you do not hold this visit; claim it first", "")
	case errors.As(err, &app):
		fail(w, r, http.StatusConflict, "transition_refused", app.Message(), "")
	case errors.As(err, &nf):
		desc, derr := s.Visits.Client.DescribeWorkflowExecution(ctx, id, "")
		if derr != nil || desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
			return
		}
		status := keywordAttr(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[names.VisitStatusKey.GetName()])
		msg := fmt.Sprintf("visit %s is closed (%s) and takes no more changes", id, orUnknown(status))
		if status == string(visit.StatusRated) {
			msg = fmt.Sprintf("visit %s has already been rated and is closed; a rating link works once (R-1)", id)
		}
		fail(w, r, http.StatusConflict, "visit_closed", msg, "")
	default:
		s.failTemporal(w, r, err)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "finished"
	}
	return s
}

func (s *Server) query(ctx context.Context, id string) (visit.VisitState, error) {
	return queryState[visit.VisitState](ctx, s.Visits.Client, id, visit.QueryVisit)
}

// get serves GET /v1/visits/{id}: the workflow's query. Buddies see open
// visits and the ones they hold; ops see all.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.query(ctx, id)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
			return
		}
		s.failTemporal(w, r, err)
		return
	}
	if p.Role == roleBuddy && st.Status != visit.StatusOpen && st.Holder != p.ID {
		fail(w, r, http.StatusForbidden, "not_holder", "buddies see open visits and the visits they hold", "")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// rate serves POST /v1/visits/{id}/rating?token=...: the customer's stars
// through the signed link from the rating e-mail.
func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = names.RoleCustomer
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, LinkActionRate, s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the rating link is not valid: "+err.Error(), "")
		return
	}
	req, ok := decodeRating(w, r)
	if !ok {
		return
	}
	if !s.limit(w, r, func(l *limiters) *keyedLimiter { return l.customerLink }, id) {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if res, ok := s.runUpdate(ctx, w, r, id, visit.UpdateRate, "", req); ok {
		writeJSON(w, http.StatusOK, customerVisitView(res, &req)) // M4: the customer's view only
	}
}

// RatingLinkResponse is a freshly minted customer rating link.
type RatingLinkResponse struct {
	RatingURL string    `json:"rating_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ratingLink serves POST /v1/visits/{id}/rating-link: ops mint a fresh
// rating link for a completed visit (the customer lost the e-mail). It
// expires when the visit's rating window closes; single use is still the
// workflow's.
func (s *Server) ratingLink(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	if p.Role != roleOps {
		fail(w, r, http.StatusForbidden, "forbidden", "only ops may mint a rating link", "")
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	st, err := s.query(ctx, id)
	if err != nil {
		s.failVisit(ctx, w, r, id, err)
		return
	}
	if st.Status != visit.StatusCompleted || st.RatingClosesAt == nil {
		fail(w, r, http.StatusConflict, "transition_refused", fmt.Sprintf("visit %s is %s; a rating link is for a completed visit awaiting its rating (R-1)", id, st.Status), "")
		return
	}
	exp := *st.RatingClosesAt
	writeJSON(w, http.StatusOK, RatingLinkResponse{
		RatingURL: RatingLink(s.LinkSecret, s.Visits.PublicBaseURL, id, exp),
		ExpiresAt: exp,
	})
}

// VisitSummary is one visit in a list, from visibility (no personal data).
type VisitSummary struct {
	VisitID       string     `json:"visit_id"`
	WorkflowID    string     `json:"workflow_id"`
	Partner       string     `json:"partner,omitempty"`
	Market        string     `json:"market,omitempty"`
	Region        string     `json:"region,omitempty"`
	Status        string     `json:"status,omitempty"`
	BuddyID       string     `json:"buddy_id,omitempty"`
	AppointmentAt *time.Time `json:"appointment_at,omitempty"`
	HelpDeadline  *time.Time `json:"help_deadline,omitempty"`
	SLAState      string     `json:"sla_state,omitempty"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	UIURL         string     `json:"ui_url"`
}

// VisitList is a page of visits.
type VisitList struct {
	Visits        []VisitSummary `json:"visits"`
	NextPageToken string         `json:"next_page_token,omitempty"`
}

var visitStatuses = map[string]bool{}

func init() {
	for _, s := range []visit.VisitStatus{visit.StatusOpen, visit.StatusClaimed, visit.StatusBooked,
		visit.StatusStarted, visit.StatusCompleted, visit.StatusRated, visit.StatusAborted, visit.StatusCancelled,
		visit.StatusExpired, visit.StatusUnfinished} {
		visitStatuses[string(s)] = true
	}
}

// quote makes a visibility-query string literal. Values are validated
// against strict patterns first; quoting is the second line of defence.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// ListQuery builds the visibility query for GET /v1/visits from the query
// parameters, refusing values outside their patterns (422).
func ListQuery(q map[string]string) (string, *ValidationError) {
	clauses := []string{"WorkflowType = " + quote(visit.VisitWorkflowName)}
	add := func(attr, v string) { clauses = append(clauses, attr+" = "+quote(v)) }
	if v := q["status"]; v != "" {
		if !visitStatuses[v] {
			return "", invalid("invalid_status", "status", "status must be one of open, claimed, booked, started, completed, rated, aborted, cancelled, expired, unfinished")
		}
		add(names.VisitStatusKey.GetName(), v)
	}
	if v := q["region"]; v != "" {
		if len(v) > maxRegionLen || !regionRe.MatchString(v) {
			return "", invalid("invalid_region", "region", "region may hold only letters, digits, spaces, '.', '_' and '-'")
		}
		add(names.RegionKey.GetName(), rules.NormalRegion(v))
	}
	if v := q["partner"]; v != "" {
		if !ValidPartnerID(v) {
			return "", invalid("invalid_partner", "partner", "partner ids are 1-32 characters a-z, 0-9 and _")
		}
		add(names.PartnerKey.GetName(), v)
	}
	if v := q["market"]; v != "" {
		if v != "SE" && v != "DK" && v != "DE" {
			return "", invalid("unknown_market", "market", "market must be SE, DK or DE")
		}
		add(names.MarketKey.GetName(), v)
	}
	if v := q["buddy"]; v != "" {
		if !tokenIDRe.MatchString(v) {
			return "", invalid("invalid_buddy", "buddy", "buddy must be a buddy id")
		}
		add(names.BuddyIDKey.GetName(), v)
	}
	return strings.Join(clauses, " AND "), nil
}

// list serves GET /v1/visits: the pool (status=open) and other views,
// from Temporal visibility. Buddies see the pool, otherwise their own visits.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	qv := r.URL.Query()
	params := map[string]string{}
	for _, k := range []string{"status", "region", "partner", "market", "buddy"} {
		params[k] = qv.Get(k)
	}
	if p.Role == roleBuddy && params["status"] != string(visit.StatusOpen) {
		params["buddy"] = p.ID // outside the pool a buddy sees only its own visits
	}
	query, verr := ListQuery(params)
	if verr != nil {
		failValidation(w, r, verr)
		return
	}
	size := 20
	if v := qv.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			failValidation(w, r, invalid("invalid_page_size", "page_size", "page_size must be 1..100"))
			return
		}
		size = n
	}
	var token []byte
	if v := qv.Get("page_token"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			failValidation(w, r, invalid("invalid_page_token", "page_token", "page_token must be a next_page_token from a previous answer"))
			return
		}
		token = b
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	resp, err := s.Visits.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace:     s.Visits.Namespace,
		PageSize:      int32(size),
		NextPageToken: token,
		Query:         query,
	})
	if err != nil {
		var bad *serviceerror.InvalidArgument
		if errors.As(err, &bad) && token != nil {
			failValidation(w, r, invalid("invalid_page_token", "page_token", "page_token must be a next_page_token from a previous answer"))
			return
		}
		s.failTemporal(w, r, err)
		return
	}
	out := VisitList{Visits: []VisitSummary{}}
	for _, e := range resp.GetExecutions() {
		sa := e.GetSearchAttributes().GetIndexedFields()
		id := e.GetExecution().GetWorkflowId()
		var started *time.Time
		if st := e.GetStartTime(); st != nil {
			t := st.AsTime()
			started = &t
		}
		out.Visits = append(out.Visits, VisitSummary{
			VisitID: id, WorkflowID: id,
			Partner:       keywordAttr(sa[names.PartnerKey.GetName()]),
			Market:        keywordAttr(sa[names.MarketKey.GetName()]),
			Region:        keywordAttr(sa[names.RegionKey.GetName()]),
			Status:        keywordAttr(sa[names.VisitStatusKey.GetName()]),
			BuddyID:       keywordAttr(sa[names.BuddyIDKey.GetName()]),
			AppointmentAt: timeAttr(sa[names.AppointmentAtKey.GetName()]),
			HelpDeadline:  timeAttr(sa[names.HelpDeadlineKey.GetName()]),
			SLAState:      keywordAttr(sa[names.SLAStateKey.GetName()]),
			CreatedAt:     started,
			UIURL:         s.Visits.UILink(id),
		})
	}
	if len(resp.GetNextPageToken()) > 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken())
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeRating reads a customer's stars for a visit or a task; the
// workflows' validators check the same, so the answer is 422 here, early.
func decodeRating(w http.ResponseWriter, r *http.Request) (jobcore.RateRequest, bool) {
	var req jobcore.RateRequest
	body, ok := readBody(w, r)
	if !ok {
		return req, false
	}
	if e := DecodeStrict(body, &req); e != nil {
		failValidation(w, r, e)
		return req, false
	}
	if req.Stars < 1 || req.Stars > 5 {
		failValidation(w, r, invalid("invalid_stars", "stars", "stars must be 1 to 5"))
		return req, false
	}
	if len(req.Comment) > 2000 { // the workflow's validator counts bytes too
		failValidation(w, r, invalid("field_too_long", "comment", "comment is too long (at most 2000 bytes, about 1000 characters with accents)"))
		return req, false
	}
	return req, true
}
