package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/visit"
)

const (
	buddy1Token = "buddy-b1-token-0123456789"
	buddy2Token = "buddy-b2-token-0123456789"
	opsToken    = "ops-o1-token-0123456789ab"
	linkSecret  = "link-secret-for-tests-0123456789abcdef"
)

// apiEnv is the API served over HTTP against a real Temporal dev server
// with the real visit workflow on a worker.
type apiEnv struct {
	t      *testing.T
	srv    *devtest.Server
	visits *Visits
	http   *httptest.Server
	logs   *lockedBuffer
}

// lockedBuffer collects the API's request logs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startAPI(t *testing.T) *apiEnv {
	srv := devtest.StartServer(t)
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: activities.LogChannels{}})
		w.RegisterActivity(&activities.Absences{Client: srv.Client, Roster: activities.StaticRoster(nil), Channels: activities.LogChannels{}})
	})
	tokens, err := LoadTokens("", fmt.Sprintf(`{%q:{"role":"buddy","id":"b-1"},%q:{"role":"buddy","id":"b-2"},%q:{"role":"ops","id":"o-1"}}`,
		buddy1Token, buddy2Token, opsToken))
	require.NoError(t, err)
	v := &Visits{
		Client: srv.Client, Namespace: srv.Namespace, Partners: testPartners(t),
		LinkSecret: []byte(linkSecret), PublicBaseURL: "http://127.0.0.1:8080", UIURL: "http://127.0.0.1:8233",
	}
	logs := &lockedBuffer{}
	s := &Server{Visits: v, Partners: v.Partners, Tokens: tokens, LinkSecret: []byte(linkSecret),
		Logger: slog.New(slog.NewTextHandler(logs, nil)), RequestTimeout: 20 * time.Second}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &apiEnv{t: t, srv: srv, visits: v, http: hs, logs: logs}
}

type answer struct {
	status int
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(a.body, v), string(a.body))
}

func (a answer) code(t *testing.T) string {
	t.Helper()
	var e ErrorBody
	a.json(t, &e)
	return e.Error.Code
}

func (a answer) message(t *testing.T) string {
	t.Helper()
	var e ErrorBody
	a.json(t, &e)
	return e.Error.Message
}

func (e *apiEnv) do(method, path string, header map[string]string, body []byte) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, b}
}

func (e *apiEnv) book(b BookingRequest, secret string) answer {
	body, _ := json.Marshal(b)
	return e.do("POST", "/v1/bookings", map[string]string{
		HeaderPartner: "acme", HeaderSignature: Sign([]byte(secret), time.Now(), SignedRequest{"acme", "POST", "/v1/bookings", body})}, body)
}

func (e *apiEnv) act(token, id, action string, req any) answer {
	body, _ := json.Marshal(req)
	return e.do("POST", "/v1/visits/"+id+"/"+action, map[string]string{"Authorization": "Bearer " + token}, body)
}

// runs counts the executions ever started with a workflow id.
func (e *apiEnv) runs(id string) int {
	e.t.Helper()
	resp, err := e.srv.Client.ListWorkflow(e.t.Context(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: e.srv.Namespace, Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	require.NoError(e.t, err)
	return len(resp.GetExecutions())
}

func (e *apiEnv) exists(id string) bool {
	_, err := e.srv.Client.DescribeWorkflowExecution(e.t.Context(), id, "")
	var nf *serviceerror.NotFound
	if err != nil && !assert.ErrorAs(e.t, err, &nf) {
		e.t.FailNow()
	}
	return err == nil
}

// liveBooking is a booking whose wished window is a few hours ahead.
func liveBooking(ref string) BookingRequest {
	now := time.Now().UTC().Truncate(time.Second)
	b := validBooking()
	b.BookingRef = ref
	b.WishedTimes = []WindowRequest{{From: now.Add(2 * time.Hour), To: now.Add(6 * time.Hour)}}
	return b
}

func TestIntegrationBookingAPI(t *testing.T) {
	e := startAPI(t)
	now := time.Now().UTC().Truncate(time.Second)

	t.Run("forged signature: 401 and nothing started", func(t *testing.T) {
		a := e.book(liveBooking("FORGED-1"), "forged-secret-0123456789")
		assert.Equal(t, http.StatusUnauthorized, a.status, string(a.body))
		assert.Equal(t, "invalid_signature", a.code(t))
		assert.False(t, e.exists(visit.VisitID("acme", "FORGED-1")))
	})

	t.Run("bad phone: 422 and nothing started", func(t *testing.T) {
		b := liveBooking("PHONE-1")
		b.Customer.Phone = "0701234567"
		a := e.book(b, testSecret)
		assert.Equal(t, http.StatusUnprocessableEntity, a.status, string(a.body))
		var eb ErrorBody
		a.json(t, &eb)
		assert.Equal(t, ErrorDetail{Code: "invalid_phone", Field: "customer.phone",
			Message: "customer.phone must be in E.164 form: + and country code, digits only, e.g. +46701234567"}, eb.Error)
		assert.False(t, e.exists(visit.VisitID("acme", "PHONE-1")))
	})

	booking := liveBooking("HAPPY-1")
	id := visit.VisitID("acme", "HAPPY-1")

	t.Run("new booking: 201 with the visit and its UI link", func(t *testing.T) {
		a := e.book(booking, testSecret)
		require.Equal(t, http.StatusCreated, a.status, string(a.body))
		var res StartResult
		a.json(t, &res)
		assert.Equal(t, id, res.VisitID)
		assert.Equal(t, id, res.WorkflowID)
		assert.Equal(t, "open", res.Status)
		assert.Equal(t, "http://127.0.0.1:8233/namespaces/"+e.srv.Namespace+"/workflows/"+id, res.UIURL)
	})

	t.Run("replayed booking: 200, same visit; changed replay: 409; nothing started twice", func(t *testing.T) {
		a := e.book(booking, testSecret)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var res StartResult
		a.json(t, &res)
		assert.Equal(t, id, res.WorkflowID)
		assert.Equal(t, "open", res.Status)

		changed := booking
		changed.Problem = "Something else entirely"
		a = e.book(changed, testSecret)
		assert.Equal(t, http.StatusConflict, a.status, string(a.body))
		assert.Equal(t, "booking_conflict", a.code(t))
		assert.Equal(t, 1, e.runs(id))
	})

	t.Run("V-1: the pool shows the open visit by region, marked with its partner", func(t *testing.T) {
		assert.EventuallyWithT(t, func(c *assert.CollectT) {
			a := e.do("GET", "/v1/visits?status=open&region="+url.QueryEscape("Stockholm"), map[string]string{"Authorization": "Bearer " + buddy2Token}, nil)
			require.Equal(c, http.StatusOK, a.status)
			var l VisitList
			require.NoError(c, json.Unmarshal(a.body, &l))
			var ids []string
			for _, v := range l.Visits {
				ids = append(ids, v.WorkflowID)
				if v.WorkflowID == id {
					assert.Equal(c, "acme", v.Partner)
					assert.Equal(c, "SE", v.Market)
					assert.Equal(c, "open", v.Status)
				}
			}
			assert.Contains(c, ids, id)
		}, 10*time.Second, 200*time.Millisecond)
		a := e.do("GET", "/v1/visits?region="+url.QueryEscape("x' OR 'a'='a"), map[string]string{"Authorization": "Bearer " + opsToken}, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, a.status)
		assert.Equal(t, "invalid_region", a.code(t))
	})

	t.Run("claim, then a second claim is refused with the rule", func(t *testing.T) {
		a := e.act(buddy1Token, id, "claim", map[string]any{})
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var st visit.VisitUpdateResult
		a.json(t, &st)
		assert.Equal(t, visit.StatusClaimed, st.Status)
		assert.Equal(t, "b-1", st.Holder)
		assert.NotNil(t, st.ClaimLapsesAt, "V-2: the answer says until when the claim holds")
		assert.NotContains(t, string(a.body), `"log"`, "an action answers its small result; the state is GET's (#13)")

		a = e.act(buddy2Token, id, "claim", map[string]any{"buddy": "b-1"}) // the body cannot impersonate
		assert.Equal(t, http.StatusConflict, a.status, string(a.body))
		assert.Equal(t, "transition_refused", a.code(t))
		assert.Contains(t, a.message(t), "a second claim is refused (V-2)")

		// Outside the pool a buddy sees only its own visits; ops filter by buddy.
		assert.EventuallyWithT(t, func(c *assert.CollectT) {
			a := e.do("GET", "/v1/visits?buddy=b-1", map[string]string{"Authorization": "Bearer " + opsToken}, nil)
			require.Equal(c, http.StatusOK, a.status)
			var l VisitList
			require.NoError(c, json.Unmarshal(a.body, &l))
			require.Len(c, l.Visits, 1)
			assert.Equal(c, "claimed", l.Visits[0].Status)
		}, 10*time.Second, 200*time.Millisecond)
		a = e.do("GET", "/v1/visits?status=claimed&buddy=b-1", map[string]string{"Authorization": "Bearer " + buddy2Token}, nil)
		require.Equal(t, http.StatusOK, a.status)
		var l VisitList
		a.json(t, &l)
		assert.Empty(t, l.Visits, "b-2 asked for b-1's visits and got its own: none")
	})

	t.Run("only the holder acts; only ops cancel", func(t *testing.T) {
		a := e.act(buddy2Token, id, "release", map[string]any{})
		assert.Equal(t, http.StatusForbidden, a.status, string(a.body))
		assert.Equal(t, "not_holder", a.code(t))
		a = e.act(buddy1Token, id, "cancel", map[string]any{"reason": "no"})
		assert.Equal(t, http.StatusForbidden, a.status, string(a.body))
		assert.Equal(t, "forbidden", a.code(t))
		a = e.act("not-a-token-at-all", id, "release", nil)
		assert.Equal(t, http.StatusUnauthorized, a.status)
		a = e.do("GET", "/v1/visits/"+id, map[string]string{"Authorization": "Bearer " + buddy2Token}, nil)
		assert.Equal(t, http.StatusForbidden, a.status, "another buddy's claimed visit is not visible")
	})

	good := visit.BookRequest{At: now.Add(3 * time.Hour), ClarifiedProblem: "Router reboots", ProductsAtHome: true, Recording: visit.RecordingAccepted}

	t.Run("a booking outside the wished times without agreement is refused", func(t *testing.T) {
		outside := good
		outside.At = now.Add(10 * time.Hour)
		a := e.act(buddy1Token, id, "book", outside)
		assert.Equal(t, http.StatusConflict, a.status, string(a.body))
		assert.Equal(t, "transition_refused", a.code(t))
		assert.Contains(t, a.message(t), "outside the customer's wished times")

		a = e.act(buddy1Token, id, "book", map[string]any{"at": good.At, "recording": "maybe"})
		assert.Equal(t, http.StatusUnprocessableEntity, a.status, string(a.body))
		assert.Equal(t, "invalid_recording", a.code(t))
	})

	t.Run("happy path: book, start, complete, rate through the customer's link", func(t *testing.T) {
		a := e.act(buddy1Token, id, "book", good)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		a = e.act(buddy1Token, id, "start", visit.StartRequest{RecordingNoticeGiven: true})
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		a = e.act(buddy1Token, id, "complete", visit.CompleteRequest{
			Checklist:         []visit.ChecklistItem{{Item: "router replaced", Done: true}},
			SatisfactionAsked: true, CustomerSatisfied: true, WorkedMinutes: 50})
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var st visit.VisitUpdateResult
		a.json(t, &st)
		assert.Equal(t, visit.StatusCompleted, st.Status)
		assert.NotNil(t, st.RatingClosesAt, "R-1: the answer names the rating window")
		a = e.do("GET", "/v1/visits/"+id, map[string]string{"Authorization": "Bearer " + opsToken}, nil)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var full visit.VisitState
		a.json(t, &full)
		assert.Equal(t, 60, full.BillableMin, "at least one hour (V-11)")

		a = e.act(buddy1Token, id, "rating-link", nil)
		assert.Equal(t, http.StatusForbidden, a.status, "only ops mint rating links")
		a = e.act(opsToken, id, "rating-link", nil)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var minted RatingLinkResponse
		a.json(t, &minted)
		mu, err := url.Parse(minted.RatingURL)
		require.NoError(t, err)
		assert.NoError(t, VerifyLink([]byte(linkSecret), mu.Query().Get("token"), id, LinkActionRate, time.Now()))

		link := e.ratingLink(id)
		u, err := url.Parse(link)
		require.NoError(t, err)
		assert.Equal(t, "/v1/visits/"+id+"/rating", u.Path)

		a = e.do("POST", u.Path+"?token="+url.QueryEscape("forged."+u.Query().Get("token")), nil, []byte(`{"stars":5}`))
		assert.Equal(t, http.StatusUnauthorized, a.status)
		a = e.do("POST", u.RequestURI(), nil, []byte(`{"stars":9}`))
		assert.Equal(t, http.StatusUnprocessableEntity, a.status)

		a = e.do("POST", u.RequestURI(), nil, []byte(`{"stars":5,"comment":"Quick and kind"}`))
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		a.json(t, &st)
		assert.Equal(t, visit.StatusRated, st.Status)

		a = e.do("POST", u.RequestURI(), nil, []byte(`{"stars":1}`))
		assert.Equal(t, http.StatusConflict, a.status, "a rating link works once: %s", a.body)
		assert.Contains(t, []string{"transition_refused", "visit_closed"}, a.code(t))
		t.Logf("second rating: %d %s", a.status, a.body)

		// The booking replayed after the visit ended: still the same visit.
		assert.EventuallyWithT(t, func(c *assert.CollectT) {
			a := e.book(booking, testSecret)
			require.Equal(c, http.StatusOK, a.status, string(a.body))
			var res StartResult
			require.NoError(c, json.Unmarshal(a.body, &res))
			assert.Equal(c, id, res.WorkflowID)
			assert.Equal(c, "rated", res.Status)
		}, 10*time.Second, 200*time.Millisecond)
		assert.Equal(t, 1, e.runs(id))
	})

	t.Run("ops cancel; unknown visits are 404", func(t *testing.T) {
		cid := visit.VisitID("acme", "CANCEL-1")
		require.Equal(t, http.StatusCreated, e.book(liveBooking("CANCEL-1"), testSecret).status)
		cancel := func() answer {
			body, _ := json.Marshal(map[string]any{"reason": "customer called to cancel"})
			return e.do("POST", "/v1/visits/"+cid+"/cancel", map[string]string{
				"Authorization": "Bearer " + opsToken, "Idempotency-Key": "cancel-" + cid}, body)
		}
		a := cancel()
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		again := cancel() // a retried request with the same key: the same outcome, applied once
		require.Equal(t, http.StatusOK, again.status, string(again.body))
		var res, res2 visit.VisitUpdateResult
		a.json(t, &res)
		again.json(t, &res2)
		assert.Equal(t, res, res2)
		assert.Equal(t, visit.StatusCancelled, res.Status)
		a = e.do("GET", "/v1/visits/"+cid, map[string]string{"Authorization": "Bearer " + opsToken}, nil)
		require.Equal(t, http.StatusOK, a.status, string(a.body))
		var st visit.VisitState
		a.json(t, &st)
		var cancels []visit.Transition
		for _, l := range st.Log {
			if l.Action == "cancel" {
				cancels = append(cancels, l)
			}
		}
		require.Len(t, cancels, 1, "the retried cancel was applied once")
		assert.Equal(t, jobcore.Actor{Role: "ops", ID: "o-1"}, cancels[0].By)

		a = e.act(buddy1Token, "visit-acme-NOPE", "claim", nil)
		assert.Equal(t, http.StatusNotFound, a.status, string(a.body))
		a = e.do("GET", "/v1/visits/visit-acme-NOPE", map[string]string{"Authorization": "Bearer " + opsToken}, nil)
		assert.Equal(t, http.StatusNotFound, a.status, string(a.body))
	})

	t.Run("import: valid lines start, invalid are reported, a second run starts nothing", func(t *testing.T) {
		var lines []string
		for i := range 5 {
			b := liveBooking(fmt.Sprintf("IMP-%d", i))
			b.Partner = "acme"
			if i == 2 {
				b.Customer.Email = "not-an-email"
			}
			j, _ := json.Marshal(b)
			lines = append(lines, string(j))
		}
		lines = append(lines, `{"partner":"acme","booking_ref":"IMP-X","surprise":true}`)
		in := strings.Join(lines, "\n") + "\n"
		var progress bytes.Buffer
		sum, err := Import(t.Context(), e.visits, strings.NewReader(in), ImportOptions{Progress: &progress, Every: 2})
		require.NoError(t, err)
		assert.Equal(t, 4, sum.Started)
		assert.Equal(t, 0, sum.Known)
		require.Len(t, sum.Rejected, 2)
		assert.Equal(t, ImportRejected{Line: 3, Code: "invalid_email", Reason: "customer.email must be a plain address such as name@example.com"}, sum.Rejected[0])
		assert.Equal(t, 6, sum.Rejected[1].Line)
		assert.Contains(t, progress.String(), "import: 6 bookings done: 4 started, 0 already known, 2 rejected")

		sum, err = Import(t.Context(), e.visits, strings.NewReader(in), ImportOptions{Workers: 3})
		require.NoError(t, err)
		assert.Equal(t, 0, sum.Started)
		assert.Equal(t, 4, sum.Known)
		assert.Len(t, sum.Rejected, 2)
		for i := range 5 {
			want := 1
			if i == 2 {
				want = 0
			}
			assert.Equal(t, want, e.runs(visit.VisitID("acme", fmt.Sprintf("IMP-%d", i))))
		}
	})

	t.Run("health and readiness", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil, nil).status)
		assert.Equal(t, http.StatusOK, e.do("GET", "/readyz", nil, nil).status)
	})

	t.Run("request logs carry ids, never personal data or tokens (V-14)", func(t *testing.T) {
		time.Sleep(100 * time.Millisecond) // the last log line is written after its response
		logs := e.logs.String()
		assert.Contains(t, logs, "workflow_id="+id)
		assert.Contains(t, logs, "partner=acme")
		assert.Contains(t, logs, "code=transition_refused")
		b := validBooking()
		for _, secret := range []string{b.Customer.Name, b.Customer.Phone, b.Customer.Email, b.Address, b.Problem,
			"token=", buddy1Token, testSecret, linkSecret, "Router reboots"} {
			assert.NotContains(t, logs, secret)
		}
	})
}

// ratingLink reads the rating link the API put into the visit's input.
func (e *apiEnv) ratingLink(id string) string {
	e.t.Helper()
	it := e.srv.Client.GetWorkflowHistory(e.t.Context(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	require.NoError(e.t, err)
	var in visit.VisitInput
	require.NoError(e.t, converter.GetDefaultDataConverter().FromPayloads(
		ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in))
	require.NotEmpty(e.t, in.RatingLink)
	assert.Equal(e.t, "acme", in.Booking.Partner)
	assert.Equal(e.t, 24*time.Hour, in.Policy.HelpPromise, "the partner's policy override is fixed into the input (P-1)")
	return in.RatingLink
}
