package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

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
