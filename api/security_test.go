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

	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/names"
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
	buddyAbsence := absence.AbsenceState{ID: "absence-b-1-sick-2026-11-23", WorkerID: "b-1", Role: names.RoleBuddy}
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
	fake.state = absence.AbsenceState{ID: "absence-vpa-7-sick-2026-11-23", WorkerID: "vpa-7", Role: names.RoleAssistant}
	w := do("POST", "/v1/absences/absence-vpa-7-sick-2026-11-23/approve", `{}`)
	assert.NotEqual(t, http.StatusForbidden, w.Code, w.Body.String())
	assert.Equal(t, 1, fake.updates)
	vpa := strings.NewReplacer(`"worker_id":"b-1"`, `"worker_id":"vpa-7"`, `"role":"buddy"`, `"role":"assistant"`).Replace(goodReport)
	w = do("POST", "/v1/absences", vpa)
	assert.NotEqual(t, http.StatusForbidden, w.Code, w.Body.String())
	assert.Equal(t, 1, fake.starts)
}

// fakeUpdates answers every Update with result (as the workflow would) and
// counts them.
type fakeUpdates struct {
	client.Client
	result  any
	updates int
}

type fakeHandle struct {
	client.WorkflowUpdateHandle
	v any
}

func (h fakeHandle) Get(_ context.Context, ptr any) error { return fakeValue{h.v}.Get(ptr) }

func (f *fakeUpdates) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.updates++
	return fakeHandle{v: f.result}, nil
}

func (f *fakeUpdates) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errors.New("fake: no starts")
}

func (f *fakeUpdates) SignalWithStartWorkflow(context.Context, string, string, any, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errors.New("fake: no signals")
}

func (f *fakeUpdates) SignalWorkflow(context.Context, string, string, string, any) error {
	return errors.New("fake: no signals")
}

// Issue #16, M4: the answers to customers' links carry the customer's view
// only. The fake workflow answers with everything internal it has; none of
// it reaches the customer.
func TestM4CustomerAnswersCarryTheCustomerViewOnly(t *testing.T) {
	now := t0
	fake := &fakeUpdates{}
	s := &Server{LinkSecret: []byte(linkSecret), Visits: &Visits{Client: fake, Now: func() time.Time { return now }}}
	h := s.Handler()
	post := func(path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", path, strings.NewReader(body)))
		return w
	}
	internal := []string{"b-9", "holder", "rating_followup", "pay", "minutes", "mileage", "log", "chat", "time_entries",
		"approved_by", "substitute", "period", "uncovered", "vpa-7", "tl-1"}
	check := func(t *testing.T, w *httptest.ResponseRecorder, want ...string) {
		t.Helper()
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		for _, bad := range internal {
			assert.NotContains(t, w.Body.String(), bad)
		}
		for _, good := range want {
			assert.Contains(t, w.Body.String(), good)
		}
	}
	appt := t0.Add(time.Hour)
	t.Run("visit rating", func(t *testing.T) {
		fake.result = map[string]any{"id": "visit-acme-A-1", "status": "rated", "holder": "b-9", "appointment_at": appt,
			"rating_followup_id": "rating-visit-acme-A-1", "mileage_pending": true,
			"pay": map[string]any{"total": 400}, "billable_minutes": 90, "log": []any{map[string]any{"note": "b-9 sick"}}}
		tok := SignLink([]byte(linkSecret), "visit-acme-A-1", LinkActionRate, t0.Add(time.Hour))
		check(t, post("/v1/visits/visit-acme-A-1/rating?token="+tok, `{"stars":2,"comment":"late"}`),
			`"status": "rated"`, `"stars": 2`, `"appointment_at"`)
	})
	t.Run("task rating, extension answer, notifications read", func(t *testing.T) {
		fake.result = map[string]any{"id": "task-acme-T-1", "status": "rated", "remaining_minutes": 30, "budget_low": true,
			"handover_id": 2, "chat_message_id": 3, "rating_followup_id": "rating-task-acme-T-1", "extension_id": 1,
			"extension_status": "agreed", "assistant_id": "vpa-7", "time_entries": []any{1}, "chat": []any{"hi"}}
		id := "task-acme-T-1"
		check(t, post("/v1/tasks/"+id+"/rating?token="+SignLink([]byte(linkSecret), id, LinkActionTaskRate, t0.Add(time.Hour)), `{"stars":5}`),
			`"stars": 5`)
		check(t, post("/v1/tasks/"+id+"/extensions/1?answer=agree&token="+SignLink([]byte(linkSecret), id, LinkActionTaskExtension, t0.Add(time.Hour)), ``),
			`"extension_status": "agreed"`)
		check(t, post("/v1/tasks/"+id+"/notifications/read?token="+SignLink([]byte(linkSecret), id, LinkActionTaskRead, t0.Add(time.Hour)), ``))
	})
	t.Run("absence choice", func(t *testing.T) {
		fake.result = map[string]any{"id": "absence-b-9-sick-2026-11-23", "status": "approved", "approved_by": "o-1",
			"period": map[string]any{"from": t0, "to": t0.Add(time.Hour)}, "uncovered": 2,
			"job": map[string]any{"job_id": "visit-acme-A-1", "cover": "waiting", "substitute": "b-2", "customer_choice": "wait"}}
		id, job := "absence-b-9-sick-2026-11-23", "visit-acme-A-1"
		tok := SignLink([]byte(linkSecret), id+"/"+job, absenceLinkAction("wait"), t0.Add(time.Hour))
		w := post("/v1/absences/"+id+"/jobs/"+job+"/customer-choice?choice=wait&token="+tok, ``)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		for _, bad := range []string{"approved_by", "o-1", "b-2", "period", "uncovered", "substitute", `"status"`} {
			assert.NotContains(t, w.Body.String(), bad)
		}
		assert.Contains(t, w.Body.String(), `"customer_choice": "wait"`)
	})
}

func (f *fakeUpdates) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, errors.New("fake: no queries")
}

// Issue #16, strict input: duplicate and case-variant keys and invalid
// UTF-8 are 422 with a stable code.
func TestStrictDecoder(t *testing.T) {
	for _, c := range []struct {
		name, body, code, field string
	}{
		{"duplicate key, case variant last wins in encoding/json", `{"booking_ref":"A","BOOKING_REF":"B"}`, "duplicate_key", "BOOKING_REF"},
		{"exact duplicate", `{"booking_ref":"A","booking_ref":"B"}`, "duplicate_key", "booking_ref"},
		{"nested duplicate", `{"customer":{"name":"A","Name":"B"}}`, "duplicate_key", "customer.Name"},
		{"duplicate in an array element", `{"wished_times":[{"from":"2026-01-01T00:00:00Z","FROM":"2026-01-01T00:00:00Z"}]}`, "duplicate_key", "wished_times[0].FROM"},
		{"lone case variant", `{"BOOKING_REF":"B"}`, "case_variant_key", "BOOKING_REF"},
		{"nested case variant", `{"customer":{"Email":"a@example.se"}}`, "case_variant_key", "customer.Email"},
		{"invalid UTF-8", "{\"booking_ref\":\"A\xff\"}", "invalid_utf8", ""},
		{"lone surrogate", `{"booking_ref":"A\ud800"}`, "invalid_utf8", "booking_ref"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b BookingRequest
			e := DecodeStrict([]byte(c.body), &b)
			require.NotNil(t, e)
			assert.Equal(t, c.code, e.Code)
			assert.Equal(t, c.field, e.Field)
		})
	}
	var b BookingRequest
	require.Nil(t, DecodeStrict([]byte(`{"booking_ref":"A","customer":{"name":"Åsa Öberg"}}`), &b), "proper UTF-8 and keys pass")
	assert.Equal(t, "Åsa Öberg", b.Customer.Name)
}

// The booking of the report: signed, with {"booking_ref":"A","BOOKING_REF":"B"};
// 422 and nothing started.
func TestStrictBookingHTTP(t *testing.T) {
	fake := &fakeTemporal{}
	p := testPartners(t)
	s := &Server{Partners: p, Visits: &Visits{Client: fake, Partners: p, Now: func() time.Time { return t0 }}}
	good, _ := json.Marshal(validBooking())
	for _, body := range [][]byte{
		bytes.Replace(good, []byte(`{`), []byte(`{"BOOKING_REF":"B",`), 1),
		bytes.Replace(good, []byte(`Eva`), []byte("Ev\xe4"), 1),
	} {
		r := httptest.NewRequest("POST", "/v1/bookings", bytes.NewReader(body))
		r.Header.Set(HeaderPartner, "acme")
		r.Header.Set(HeaderSignature, Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/bookings", body}))
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
		assert.Contains(t, []string{"duplicate_key", "case_variant_key", "invalid_utf8"}, errCode(t, w))
	}
	assert.Empty(t, fake.memos, "nothing started")
}
