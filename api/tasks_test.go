package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/task"
)

const (
	assistantToken  = "assistant-vpa7-token-0123456789"
	assistant2Token = "assistant-vpa8-token-0123456789"
	teamLeadToken   = "teamlead-tl1-token-0123456789"
)

func taskTokens(t *testing.T) *Tokens {
	t.Helper()
	tokens, err := LoadTokens("", fmt.Sprintf(`{%q:{"role":"buddy","id":"b-1"},%q:{"role":"ops","id":"o-1"},`+
		`%q:{"role":"assistant","id":"vpa-7","partners":["acme"]},%q:{"role":"assistant","id":"vpa-8"},%q:{"role":"teamlead","id":"tl-1"}}`,
		buddy1Token, opsToken, assistantToken, assistant2Token, teamLeadToken))
	require.NoError(t, err)
	return tokens
}

func goodTask() TaskRequest {
	return TaskRequest{
		TaskRef: "T-1", AccountID: "acc-1", Market: "DE", Language: "de",
		Title: "Recherche", Description: "Zehn Lieferanten finden", BudgetMinutes: 180,
		Deadline:  t0.Add(10 * 24 * time.Hour),
		Customer:  CustomerRequest{Name: "Erika Muster", Email: "erika@example.de"},
		Assistant: TaskAssistantRequest{ID: "vpa-7"},
	}
}

func TestTaskRequestValidate(t *testing.T) {
	in, verr := goodTask().Validate("acme", t0)
	require.Nil(t, verr)
	assert.Equal(t, "acme-T-1", in.TaskID)
	assert.Equal(t, "task-acme-T-1", task.TaskWorkflowID(in.TaskID))
	assert.Equal(t, rules.Germany, in.Market)
	assert.Equal(t, rules.German, in.Customer.Language, "the customer's language defaults to the task's")
	assert.True(t, in.CreatedAt.Equal(t0))

	cases := []struct {
		name    string
		partner string
		mod     func(*TaskRequest)
		code    string
		field   string
	}{
		{"no partner", "", func(q *TaskRequest) {}, "missing_field", "partner"},
		{"partner mismatch", "acme", func(q *TaskRequest) { q.Partner = "globex" }, "partner_mismatch", "partner"},
		{"bad ref", "acme", func(q *TaskRequest) { q.TaskRef = "a b" }, "invalid_task_ref", "task_ref"},
		{"no account", "acme", func(q *TaskRequest) { q.AccountID = "" }, "missing_field", "account_id"},
		{"market", "acme", func(q *TaskRequest) { q.Market = "FR" }, "unknown_market", "market"},
		{"language", "acme", func(q *TaskRequest) { q.Language = "fr" }, "unknown_language", "language"},
		{"no title", "acme", func(q *TaskRequest) { q.Title = " " }, "missing_field", "title"},
		{"budget", "acme", func(q *TaskRequest) { q.BudgetMinutes = 0 }, "invalid_budget", "budget_minutes"},
		{"no deadline", "acme", func(q *TaskRequest) { q.Deadline = time.Time{} }, "missing_field", "deadline"},
		{"deadline past", "acme", func(q *TaskRequest) { q.Deadline = t0.Add(-time.Minute) }, "deadline_in_past", "deadline"},
		{"deadline far", "acme", func(q *TaskRequest) { q.Deadline = t0.Add(3 * 366 * 24 * time.Hour) }, "deadline_too_far", "deadline"},
		{"email", "acme", func(q *TaskRequest) { q.Customer.Email = "erika" }, "invalid_email", "customer.email"},
		{"phone", "acme", func(q *TaskRequest) { q.Customer.Phone = "0151" }, "invalid_phone", "customer.phone"},
		{"no assistant", "acme", func(q *TaskRequest) { q.Assistant.ID = "" }, "missing_field", "assistant.id"},
		{"created in future", "acme", func(q *TaskRequest) { c := t0.Add(time.Hour); q.CreatedAt = &c }, "created_at_in_future", "created_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := goodTask()
			c.mod(&q)
			_, verr := q.Validate(c.partner, t0)
			require.NotNil(t, verr)
			assert.Equal(t, c.code, verr.Code)
			assert.Equal(t, c.field, verr.Field)
		})
	}
}

func TestTaskRequestHashIgnoresZoneSpelling(t *testing.T) {
	a := goodTask()
	b := goodTask()
	b.Deadline = b.Deadline.In(time.FixedZone("CET", 3600))
	assert.Equal(t, a.Hash("acme"), b.Hash("acme"))
	b.BudgetMinutes++
	assert.NotEqual(t, a.Hash("acme"), b.Hash("acme"))
}

// The README's task examples decode strictly and validate.
func TestTaskExamples(t *testing.T) {
	dir := filepath.Join("..", "examples")
	load := func(name string, v any) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Nil(t, DecodeStrict(b, v), name)
	}
	var q TaskRequest
	load("task.json", &q)
	in, verr := q.Validate(q.Partner, t0)
	require.Nil(t, verr)
	p, err := LoadPartners(filepath.Join(dir, "partners.json"), false)
	require.NoError(t, err)
	_, verr = p.Policy(q.Partner, in.Market)
	assert.Nil(t, verr, "the example's partner books in its market")
	for name, v := range map[string]any{
		"task-accept.json": &task.TaskAcceptRequest{}, "task-extension.json": &task.TaskExtensionRequest{},
		"task-log-time.json": &task.TaskTimeEntryRequest{}, "task-handover.json": &task.TaskHandoverRequest{},
	} {
		load(name, v)
	}
}

func TestTaskTokensServeTheTaskEndpointsOnly(t *testing.T) {
	tokens := taskTokens(t)
	_, ok := tokens.Lookup(assistantToken)
	assert.False(t, ok, "an assistant token is no buddy/ops token")
	_, ok = tokens.Lookup(teamLeadToken)
	assert.False(t, ok)
	p, ok := tokens.LookupAny(assistantToken)
	require.True(t, ok)
	assert.Equal(t, Principal{Role: "assistant", ID: "vpa-7", Partners: []string{"acme"}}, p)
	p, ok = tokens.Lookup(opsToken)
	require.True(t, ok)
	assert.Equal(t, "ops", p.Role)
	_, err := LoadTokens("", `{"some-long-token-123":{"role":"customer","id":"c-1"}}`)
	assert.ErrorContains(t, err, "want buddy, ops, assistant or teamlead")

	// The visit endpoints answer 401 to an assistant token, before Temporal.
	s := taskServer(t)
	w := s.request("GET", "/v1/visits/visit-acme-X-1/contact", bearer(assistantToken), nil)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, "invalid_token", errCode(t, w))
}

type testTaskServer struct {
	*Server
	t *testing.T
}

func taskServer(t *testing.T) testTaskServer {
	t.Helper()
	p := testPartners(t)
	s := &Server{Visits: &Visits{Partners: p, LinkSecret: []byte(linkSecret), PublicBaseURL: "https://api.example.test",
		Now: func() time.Time { return t0 }}, Partners: p, Tokens: taskTokens(t), LinkSecret: []byte(linkSecret)}
	return testTaskServer{s, t}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func (s testTaskServer) request(method, path string, header map[string]string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e ErrorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
	return e.Error.Code
}

// Authentication, roles and bodies are checked before Temporal is called
// (the test server has no Temporal client: reaching it would panic).
func TestTaskEndpointsRefuseBeforeTemporal(t *testing.T) {
	s := taskServer(t)
	body, _ := json.Marshal(goodTask())
	signed := func(b []byte) map[string]string {
		return map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), t0, SignedRequest{"acme", "POST", "/v1/tasks", b})}
	}
	id := "task-acme-T-1"
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               []byte
		status             int
		code               string
	}{
		{"create without credentials", "POST", "/v1/tasks", nil, body, 401, "missing_token"},
		{"create with a forged signature", "POST", "/v1/tasks", map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte("forged-secret-0123456789"), t0, SignedRequest{"acme", "POST", "/v1/tasks", body})}, body, 401, "invalid_signature"},
		{"create by a buddy", "POST", "/v1/tasks", bearer(buddy1Token), body, 403, "forbidden"},
		{"create by a team lead", "POST", "/v1/tasks", bearer(teamLeadToken), body, 403, "forbidden"},
		{"create for another assistant", "POST", "/v1/tasks", bearer(assistant2Token), body, 403, "forbidden"},
		{"create, bearer without partner", "POST", "/v1/tasks", bearer(opsToken), body, 422, "missing_field"},
		{"create, unknown field", "POST", "/v1/tasks", signed([]byte(`{"nope":1}`)), []byte(`{"nope":1}`), 422, "unknown_field"},
		{"create, bad deadline", "POST", "/v1/tasks", signed([]byte(`{"task_ref":"T-1","account_id":"a","market":"DE","language":"de","title":"x","description":"y","budget_minutes":60,"deadline":"2020-01-01T00:00:00Z","customer":{"name":"n","email":"n@example.de"},"assistant":{"id":"vpa-7"}}`)),
			[]byte(`{"task_ref":"T-1","account_id":"a","market":"DE","language":"de","title":"x","description":"y","budget_minutes":60,"deadline":"2020-01-01T00:00:00Z","customer":{"name":"n","email":"n@example.de"},"assistant":{"id":"vpa-7"}}`), 422, "deadline_in_past"},
		{"get without token", "GET", "/v1/tasks/" + id, nil, nil, 401, "missing_token"},
		{"get by a buddy", "GET", "/v1/tasks/" + id, bearer(buddy1Token), nil, 403, "forbidden"},
		{"bad task id", "GET", "/v1/tasks/visit-acme-1", bearer(opsToken), nil, 404, "task_not_found"},
		{"accept by a buddy", "POST", "/v1/tasks/" + id + "/accept", bearer(buddy1Token), []byte(`{"area":"backoffice"}`), 403, "forbidden"},
		{"consent without token", "POST", "/v1/tasks/" + id + "/extensions/1?answer=agree", nil, nil, 401, "invalid_link"},
		{"consent with a rating token", "POST", "/v1/tasks/" + id + "/extensions/1?answer=agree&token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskRate, t0.Add(time.Hour)), nil, nil, 401, "invalid_link"},
		{"consent with another task's token", "POST", "/v1/tasks/" + id + "/extensions/1?answer=agree&token=" +
			SignLink([]byte(linkSecret), "task-acme-T-2", LinkActionTaskExtension, t0.Add(time.Hour)), nil, nil, 401, "invalid_link"},
		{"consent with an expired token", "POST", "/v1/tasks/" + id + "/extensions/1?answer=agree&token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskExtension, t0), nil, nil, 401, "link_expired"},
		{"consent without an answer", "POST", "/v1/tasks/" + id + "/extensions/1?answer=maybe&token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskExtension, t0.Add(time.Hour)), nil, nil, 422, "invalid_answer"},
		{"consent to request 0", "POST", "/v1/tasks/" + id + "/extensions/0?answer=agree&token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskExtension, t0.Add(time.Hour)), nil, nil, 404, "extension_not_found"},
		{"rating with a consent token", "POST", "/v1/tasks/" + id + "/rating?token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskExtension, t0.Add(time.Hour)), nil, []byte(`{"stars":5}`), 401, "invalid_link"},
		{"rating of 6 stars", "POST", "/v1/tasks/" + id + "/rating?token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskRate, t0.Add(time.Hour)), nil, []byte(`{"stars":6}`), 422, "invalid_stars"},
		{"read with a rating token", "POST", "/v1/tasks/" + id + "/notifications/read?token=" +
			SignLink([]byte(linkSecret), id, LinkActionTaskRate, t0.Add(time.Hour)), nil, nil, 401, "invalid_link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := s.request(c.method, c.path, c.header, c.body)
			assert.Equal(t, c.status, w.Code, w.Body.String())
			assert.Equal(t, c.code, errCode(t, w))
			assert.NotContains(t, w.Body.String(), "Erika", "no personal data in error answers")
		})
	}
}

func TestExtensionPageRefusesABadLink(t *testing.T) {
	s := taskServer(t)
	w := s.request("GET", "/v1/tasks/task-acme-T-1/extensions/1?token=forged.token", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "text/html")
	assert.Contains(t, w.Body.String(), "This link is not valid.")
	assert.NotContains(t, w.Body.String(), "data-answer", "no buttons behind a bad link")
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
}

func TestRedactHidesTheConsentTokenFromWorkers(t *testing.T) {
	st := task.TaskState{Extensions: []task.TaskExtension{{ID: 1, ConsentURL: "https://x/v1/tasks/task-a-1/extensions/1?token=secret"}}}
	for _, role := range []string{roleAssistant, roleTeamLead} {
		got := redactFor(Principal{Role: role, ID: "x"}, st)
		assert.Equal(t, "https://x/v1/tasks/task-a-1/extensions/1", got.Extensions[0].ConsentURL, role)
	}
	assert.Contains(t, st.Extensions[0].ConsentURL, "token=", "the original state is not changed")
	for _, role := range []string{roleOps, rolePartner} {
		assert.Contains(t, redactFor(Principal{Role: role}, st).Extensions[0].ConsentURL, "token=secret", role)
	}
}

func TestTaskRoutesAreServed(t *testing.T) {
	var paths []string
	for _, r := range (&Server{}).Routes() {
		if strings.HasPrefix(r.Path, "/v1/tasks") {
			paths = append(paths, r.Method+" "+r.Path)
		}
	}
	for _, a := range []string{"release", "accept", "ask-questions", "delegate", "delete", "start", "change",
		"request-extension", "log-time", "handover", "reassign", "chat"} {
		assert.Contains(t, paths, "POST /v1/tasks/{id}/"+a)
	}
	for _, p := range []string{"POST /v1/tasks", "GET /v1/tasks/{id}", "GET /v1/tasks/{id}/extensions/{n}",
		"POST /v1/tasks/{id}/extensions/{n}", "POST /v1/tasks/{id}/rating", "POST /v1/tasks/{id}/notifications/read"} {
		assert.Contains(t, paths, p)
	}
}

// Issue #13, N-2: the chat's text stays in the partner's app; the API takes
// the app's message ref (and link) and refuses a text.
func TestChatTakesAMessageRefNotText(t *testing.T) {
	by := jobcore.Actor{Role: roleAssistant, ID: "vpa-7"}
	_, e := buildChat([]byte(`{"text":"hello"}`), by)
	require.NotNil(t, e, "a chat text is refused")
	_, e = buildChat([]byte(`{}`), by)
	require.NotNil(t, e)
	assert.Equal(t, "message_ref", e.Field)
	_, e = buildChat([]byte(`{"message_ref":"m-1","message_url":"javascript:alert(1)"}`), by)
	require.NotNil(t, e)
	assert.Equal(t, "message_url", e.Field)
	arg, e := buildChat([]byte(`{"message_ref":"m-1","message_url":"https://app.example/chat/1#m-1"}`), by)
	require.Nil(t, e)
	assert.Equal(t, task.TaskChatRequest{From: by, MessageRef: "m-1", MessageURL: "https://app.example/chat/1#m-1"}, arg)
}
