package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/jobflow/jobflow/workflows"
)

// Issue #16, H1: a captured signature is good for its own request once.
// The attacks of the report (a GET's empty-body signature replayed on
// another task's customer-links and delete; a signed body replayed on
// another task) answer 401 and never reach Temporal (the server has no
// Temporal client: reaching it would panic).
func TestH1CapturedSignatureDoesNotTravel(t *testing.T) {
	s := taskServer(t)
	captured := map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), t0,
		SignedRequest{"acme", "GET", "/v1/tasks/task-acme-T-1", nil})}
	change := []byte(`{"description":"new"}`)
	capturedPost := map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), t0,
		SignedRequest{"acme", "POST", "/v1/tasks/task-acme-T-1/change", change})}
	for _, c := range []struct {
		name, method, path string
		header             map[string]string
		body               []byte
	}{
		{"GET's signature on another task's customer-links", "POST", "/v1/tasks/task-acme-T-2/customer-links", captured, nil},
		{"GET's signature on another task's delete", "POST", "/v1/tasks/task-acme-T-2/delete", captured, nil},
		{"GET's signature on the same task's delete", "POST", "/v1/tasks/task-acme-T-1/delete", captured, nil},
		{"GET's signature on another task's GET", "GET", "/v1/tasks/task-acme-T-2", captured, nil},
		{"a signed change on another task", "POST", "/v1/tasks/task-acme-T-2/change", capturedPost, change},
		{"a signed change with a query added", "POST", "/v1/tasks/task-acme-T-1/change?x=1", capturedPost, change},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := s.request(c.method, c.path, c.header, c.body)
			assert.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			assert.Equal(t, "invalid_signature", errCode(t, w))
		})
	}
}

// H1: the same signed request sent twice: the second is refused and starts
// nothing.
func TestH1ReplayedBookingRefused(t *testing.T) {
	fake := &fakeTemporal{}
	p := testPartners(t)
	s := &Server{Partners: p, Visits: &Visits{Client: fake, Partners: p, Now: func() time.Time { return t0 }}}
	h := s.Handler()
	body, _ := json.Marshal(validBooking())
	sig := Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/bookings", body})
	send := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(body))
		r.Header.Set(HeaderPartner, "acme")
		r.Header.Set(HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	require.Equal(t, http.StatusCreated, send().Code)
	w := send()
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, "replayed_signature", errCode(t, w))
	assert.Len(t, fake.memos, 1, "the replay started nothing")
}

// Low: an unknown and a known partner get the same 401 for the same
// header, whatever is wrong with it.
func TestUnknownPartnerSameAnswer(t *testing.T) {
	s := taskServer(t)
	body := []byte(`{}`)
	for _, sig := range []string{
		"",
		"garbage",
		"t=1,v1=" + "00",
		Sign([]byte("forged-secret-0123456789"), t0, SignedRequest{"acme", "POST", "/v1/tasks", body}),
		Sign([]byte("forged-secret-0123456789"), t0.Add(-time.Hour), SignedRequest{"acme", "POST", "/v1/tasks", body}),
	} {
		known := s.request("POST", "/v1/tasks", map[string]string{HeaderPartner: "acme", HeaderSignature: sig}, body)
		unknown := s.request("POST", "/v1/tasks", map[string]string{HeaderPartner: "globex", HeaderSignature: sig}, body)
		assert.Equal(t, http.StatusUnauthorized, known.Code)
		assert.Equal(t, known.Code, unknown.Code, sig)
		assert.Equal(t, known.Body.String(), unknown.Body.String(), sig)
	}
}

// fakeQuery answers QueryWorkflow with a fixed state and counts Updates
// and starts (which must not happen in these tests).
type fakeQuery struct {
	client.Client
	state   any
	updates int
	starts  int
}

type fakeValue struct{ v any }

func (f fakeValue) HasValue() bool { return true }
func (f fakeValue) Get(ptr any) error {
	b, err := json.Marshal(f.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, ptr)
}

func (f *fakeQuery) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return fakeValue{f.state}, nil
}

func (f *fakeQuery) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.updates++
	return nil, errors.New("fake: no updates")
}

func (f *fakeQuery) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	f.starts++
	return nil, errors.New("fake: no starts")
}

// Issue #16, H2: a team lead manages assistants' absences only. Reporting a
// buddy sick for a year, approving, rejecting, changing and reading a
// buddy's absence are 403 and reach no Update; an assistant's absence is
// theirs to manage.
func TestH2TeamLeadManagesAssistantsOnly(t *testing.T) {
	buddyAbsence := workflows.AbsenceState{ID: "absence-b-1-sick-2026-11-23", WorkerID: "b-1", Role: workflows.RoleBuddy}
	fake := &fakeQuery{state: buddyAbsence}
	s := &Server{Tokens: taskTokens(t), Visits: &Visits{Client: fake, Now: func() time.Time { return t0 }}}
	h := s.Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+teamLeadToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	yearSick := strings.Replace(strings.Replace(goodReport, "2026-11-26", "2027-11-23", 1), `"role":"buddy"`, `"role":"buddy"`, 1)
	claimedAssistant := strings.Replace(goodReport, `"role":"buddy"`, `"role":"assistant"`, 1) // b-1 is a buddy
	id := "/v1/absences/absence-b-1-sick-2026-11-23"
	for _, c := range []struct{ name, method, path, body string }{
		{"report a buddy sick for a year", "POST", "/v1/absences", yearSick},
		{"report a buddy, claiming role assistant", "POST", "/v1/absences", claimedAssistant},
		{"approve a buddy's absence", "POST", id + "/approve", `{}`},
		{"reject a buddy's absence", "POST", id + "/reject", `{"reason":"no"}`},
		{"change a buddy's period", "POST", id + "/change-period", `{"period":{"from":"2026-11-23T08:00:00Z","to":"2027-11-23T08:00:00Z"}}`},
		{"cut a buddy's absence short", "POST", id + "/cut-short", `{}`},
		{"read a buddy's absence", "GET", id, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := do(c.method, c.path, c.body)
			assert.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.Equal(t, "forbidden", errCode(t, w))
		})
	}
	assert.Zero(t, fake.updates, "no Update reached the workflow")
	assert.Zero(t, fake.starts, "no absence started")

	// An assistant's absence: the team lead is its manager (the fake
	// refuses the Update itself, so reaching it is the proof).
	fake.state = workflows.AbsenceState{ID: "absence-vpa-7-sick-2026-11-23", WorkerID: "vpa-7", Role: workflows.RoleAssistant}
	w := do("POST", "/v1/absences/absence-vpa-7-sick-2026-11-23/approve", `{}`)
	assert.NotEqual(t, http.StatusForbidden, w.Code, w.Body.String())
	assert.Equal(t, 1, fake.updates)
	vpa := strings.NewReplacer(`"worker_id":"b-1"`, `"worker_id":"vpa-7"`, `"role":"buddy"`, `"role":"assistant"`).Replace(goodReport)
	w = do("POST", "/v1/absences", vpa)
	assert.NotEqual(t, http.StatusForbidden, w.Code, w.Body.String())
	assert.Equal(t, 1, fake.starts)
}
