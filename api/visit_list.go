package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

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
