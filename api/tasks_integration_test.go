package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/outreach"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// recordingChannels records what the workflows send (no delivery).
type recordingChannels struct {
	mu     sync.Mutex
	emails []activities.EmailRequest
	alerts []activities.OpsAlert
}

func (c *recordingChannels) SendSMS(context.Context, activities.SMSRequest) (activities.SMSResult, error) {
	return activities.SMSResult{SID: "sms"}, nil
}

func (c *recordingChannels) ReminderCall(context.Context, activities.CallRequest) (activities.CallResult, error) {
	return activities.CallResult{SID: "call", Outcome: activities.CallAnswered}, nil
}

func (c *recordingChannels) SendEmail(_ context.Context, r activities.EmailRequest) (activities.EmailResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emails = append(c.emails, r)
	return activities.EmailResult{MessageID: r.Step.Key()}, nil
}

func (c *recordingChannels) AlertOps(_ context.Context, r activities.OpsAlert) (activities.AlertResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts = append(c.alerts, r)
	return activities.AlertResult{ID: r.Step.Key()}, nil
}

type taskAPI struct {
	*apiEnv
	sent *recordingChannels
}

func startTaskAPI(t *testing.T) *taskAPI {
	srv := devtest.StartServer(t)
	sent := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: sent})
	})
	v := &Visits{Client: srv.Client, Namespace: srv.Namespace, Partners: testPartners(t),
		LinkSecret: []byte(linkSecret), UIURL: "http://127.0.0.1:8233"}
	logs := &lockedBuffer{}
	s := &Server{Visits: v, Partners: v.Partners, Tokens: taskTokens(t), LinkSecret: []byte(linkSecret),
		Logger: slog.New(slog.NewTextHandler(logs, nil)), RequestTimeout: 20 * time.Second}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	v.PublicBaseURL = hs.URL // the links point back at this server
	return &taskAPI{apiEnv: &apiEnv{t: t, srv: srv, visits: v, http: hs, logs: logs}, sent: sent}
}

func (e *taskAPI) createSigned(q TaskRequest) answer {
	body, _ := json.Marshal(q)
	return e.do("POST", "/v1/tasks", map[string]string{HeaderPartner: "acme", HeaderSignature: Sign([]byte(testSecret), time.Now(), SignedRequest{"acme", "POST", "/v1/tasks", body})}, body)
}

func (e *taskAPI) taskAct(token, id, action string, req any) answer {
	body, _ := json.Marshal(req)
	return e.do("POST", "/v1/tasks/"+id+"/"+action, bearer(token), body)
}

func (e *taskAPI) task(token, id string) task.TaskState {
	e.t.Helper()
	a := e.do("GET", "/v1/tasks/"+id, bearer(token), nil)
	require.Equal(e.t, http.StatusOK, a.status, string(a.body))
	var st task.TaskState
	a.json(e.t, &st)
	return st
}

// get fetches an absolute URL (a link from the state or an e-mail).
func (e *taskAPI) get(u string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(u)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *taskAPI) post(u string, body string) answer {
	e.t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, b}
}

func liveTask(ref string) TaskRequest {
	q := goodTask()
	q.TaskRef = ref
	q.Deadline = time.Now().UTC().Truncate(time.Second).Add(10 * 24 * time.Hour)
	return q
}

// T-1, T-4, T-6 over HTTP against a real dev server and the real task
// workflow: create (partner-signed, idempotent), accept, an extension the
// customer agrees to through the link moves the deadline, one declined
// keeps it, a second answer is refused, deleting after acceptance is 409
// with the T-4 reason; then hand-over and the customer's rating link.
func TestIntegrationTasks(t *testing.T) {
	e := startTaskAPI(t)
	q := liveTask("TASK-1")
	id := "task-acme-TASK-1"

	a := e.createSigned(q)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var created TaskCreated
	a.json(t, &created)
	assert.Equal(t, id, created.TaskID)
	assert.Equal(t, "review", created.Status)
	require.NotNil(t, created.CustomerLinks, "the partner gets the customer's links")

	// Idempotent on partner + task_ref; a different task under it is a conflict.
	a = e.createSigned(q)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	changed := q
	changed.BudgetMinutes++
	a = e.createSigned(changed)
	require.Equal(t, http.StatusConflict, a.status, string(a.body))
	assert.Equal(t, "task_conflict", a.code(t))
	assert.Equal(t, 1, e.runs(id), "one workflow for the task")

	// An assistant sees and works only its own tasks.
	a = e.do("GET", "/v1/tasks/"+id, bearer(assistant2Token), nil)
	assert.Equal(t, http.StatusForbidden, a.status)
	assert.Equal(t, "not_assignee", a.code(t))
	a = e.taskAct(assistant2Token, id, "accept", map[string]string{"area": "backoffice"})
	assert.Equal(t, http.StatusForbidden, a.status)
	a = e.taskAct(assistantToken, id, "release", map[string]string{"area": "design"})
	assert.Equal(t, http.StatusForbidden, a.status, "release is for ops")

	a = e.taskAct(assistantToken, id, "accept", map[string]string{"area": "backoffice"})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	// Actions answer a small TaskUpdateResult; the task is GET's (issue #13).
	var st task.TaskUpdateResult
	a.json(t, &st)
	assert.Equal(t, task.TaskAccepted, st.Status)
	assert.Less(t, len(a.body), 1024, "an action's answer stays small (issue #13)")
	original := st.Deadline

	// T-4: deleting an accepted task is refused with the rule's reason.
	a = e.taskAct(opsToken, id, "delete", map[string]string{"reason": "customer changed their mind"})
	require.Equal(t, http.StatusConflict, a.status, string(a.body))
	assert.Equal(t, "transition_refused", a.code(t))
	assert.Contains(t, a.message(t), "can be deleted only while in review; once accepted it can only be handed over (T-4)")

	// T-6: the assistant asks; the customer agrees through the link.
	newDeadline := original.Add(7 * 24 * time.Hour)
	asked := time.Now()
	a = e.taskAct(assistantToken, id, "request-extension", map[string]any{"reason": "two suppliers answer late", "new_deadline": newDeadline})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a.json(t, &st)
	assert.Equal(t, 1, st.ExtensionID)
	assert.NotContains(t, string(a.body), "token", "the answer carries no consent token")
	seen := e.task(assistantToken, id)
	require.Len(t, seen.Extensions, 1)
	assert.Equal(t, e.http.URL+"/v1/tasks/"+id+"/extensions/1", seen.Extensions[0].ConsentURL, "the assistant sees the link without the customer's token")
	link := e.task(opsToken, id).Extensions[0].ConsentURL
	require.True(t, strings.HasPrefix(link, e.http.URL+"/v1/tasks/"+id+"/extensions/1?token="), link)

	status, page := e.get(link)
	require.Equal(t, http.StatusOK, status, page)
	assert.Contains(t, page, "two suppliers answer late")
	assert.Contains(t, page, `data-answer="agree"`)
	assert.Contains(t, page, `data-answer="decline"`)

	answered := time.Now() // the dev server runs on this clock
	a = e.post(link+"&answer=agree", `{"note":"fine"}`)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a.json(t, &st)
	assert.True(t, st.Deadline.Equal(newDeadline), "deadline %s, want %s", st.Deadline, newDeadline)
	assert.Equal(t, task.ExtensionAgreed, st.ExtensionStatus)

	// N-4: the task's creation started the customer's account, and the
	// consent answer counted as the customer's activity.
	acct := account.AccountWorkflowID(ScopedAccountID("acme", q.AccountID))
	// The account's last activity is the consent answer (the account also
	// gets the tasks' N-1 notification signals, which are not activity).
	var as account.AccountState
	var qerr error
	ok := assert.Eventually(t, func() bool {
		v, err := e.srv.Client.QueryWorkflow(t.Context(), acct, "", account.AccountQuery)
		if qerr = err; err == nil {
			qerr = v.Get(&as)
		}
		return qerr == nil && as.LastActivity.After(answered)
	}, 10*time.Second, 100*time.Millisecond)
	require.True(t, ok, "the extension answer counts as the customer's activity: last activity %s, answered after %s (query error %v)", as.LastActivity, answered, qerr)
	assert.False(t, as.Inactive)

	// C-1: ops open a reclamation about the task on the customer's behalf.
	body, _ := json.Marshal(map[string]string{"job_id": id, "complaint": "the report was late"})
	a = e.do("POST", "/v1/reclamations", bearer(opsToken), body)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var opened ReclamationOpened
	a.json(t, &opened)
	assert.True(t, strings.HasPrefix(opened.ReclamationID, "reclamation-"+id), opened.ReclamationID)

	a = e.post(link+"&answer=decline", "")
	require.Equal(t, http.StatusConflict, a.status, string(a.body))
	assert.Contains(t, a.message(t), "already agreed", "a link answers once")
	status, page = e.get(link)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "You agreed")
	assert.NotContains(t, page, "data-answer")

	// A second request, declined: the deadline stays.
	a = e.taskAct(assistantToken, id, "request-extension", map[string]any{"reason": "more time", "new_deadline": newDeadline.Add(24 * time.Hour)})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	link2 := e.task(opsToken, id).Extensions[1].ConsentURL
	a = e.post(link2+"&answer=decline", "")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a.json(t, &st)
	assert.True(t, st.Deadline.Equal(newDeadline), "declined: deadline %s, want %s", st.Deadline, newDeadline)
	assert.Equal(t, task.ExtensionDeclined, st.ExtensionStatus)

	// The consent token does not rate; the rating link does, once.
	a = e.taskAct(assistantToken, id, "handover", map[string]any{"final": true, "result_ref": "chat://1"})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	tok := link[strings.Index(link, "?token=")+len("?token="):]
	a = e.post(e.http.URL+"/v1/tasks/"+id+"/rating?token="+tok, `{"stars":5}`)
	assert.Equal(t, http.StatusUnauthorized, a.status)
	a = e.post(created.CustomerLinks.RatingURL, `{"stars":5}`)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a.json(t, &st)
	assert.Equal(t, task.TaskRated, st.Status)
	a = e.post(created.CustomerLinks.RatingURL, `{"stars":1}`)
	assert.Equal(t, http.StatusConflict, a.status, string(a.body))

	// Inside the e-mail window (N-3) the customer's e-mail carries the same
	// signed link; outside it the mail waits, and the link is in the state.
	pol, verr := e.visits.Partners.Policy("acme", rules.Germany)
	require.Nil(t, verr)
	if !rules.NextEmailSlot(rules.Germany, asked, pol).After(asked) {
		require.Eventually(t, func() bool {
			e.sent.mu.Lock()
			defer e.sent.mu.Unlock()
			for _, m := range e.sent.emails {
				if m.Message.Template == "task.extension_request" && m.Message.Data["consent_url"] == link {
					out, err := outreach.Render(m.Message) // what the sandbox outbox shows
					return assert.NoError(t, err) && assert.Contains(t, out.Text, link)
				}
			}
			return false
		}, 10*time.Second, 100*time.Millisecond, "the extension e-mail with the consent link")
	} else {
		t.Log("outside the e-mail window: the extension e-mail waits (N-3); not checked")
	}

	// No personal data in the request log lines.
	assert.NotContains(t, e.logs.String(), "Erika")
	assert.NotContains(t, e.logs.String(), "token=")
}

// An assistant creates a task for a customer (bearer token): no customer
// links for it; ops can mint them.
func TestIntegrationTaskCreatedByAssistant(t *testing.T) {
	e := startTaskAPI(t)
	q := liveTask("TASK-2")
	q.Partner = "acme"
	q.Assistant.ID = ""
	// Issue #16, M3: an assistant needs the partner's existing account of
	// the customer: the first task comes from the partner.
	body, _ := json.Marshal(q)
	a := e.do("POST", "/v1/tasks", bearer(assistantToken), body)
	require.Equal(t, http.StatusConflict, a.status, string(a.body))
	assert.Equal(t, "account_unknown", a.code(t))
	first := liveTask("TASK-1B")
	first.AccountID = q.AccountID
	require.Equal(t, http.StatusCreated, e.createSigned(first).status)
	// ...and the customer's contact comes from that account, not from the
	// assistant (the consent link goes to the customer, T-6).
	q.Customer.Email = "vpa-7@assistant.example"
	body, _ = json.Marshal(q)
	a = e.do("POST", "/v1/tasks", bearer(assistantToken), body)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var created TaskCreated
	a.json(t, &created)
	// The task's input holds the account's customer, not the address the
	// assistant gave (its e-mails wait for the N-3 window, so read the input).
	it := e.srv.Client.GetWorkflowHistory(context.Background(), created.TaskID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	require.NoError(t, err)
	var in task.TaskInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0], &in))
	assert.Equal(t, goodTask().Customer.Email, in.Customer.Email, "the account's customer, never the assistant's choice")
	assert.Equal(t, ScopedAccountID("acme", q.AccountID), in.AccountID, "account ids are scoped per partner")
	// Not for a partner the assistant does not serve (vpa-8 serves none).
	other := liveTask("TASK-3")
	other.Partner = "acme"
	other.Assistant.ID = ""
	other.AccountID = q.AccountID
	ob, _ := json.Marshal(other)
	na := e.do("POST", "/v1/tasks", bearer(assistant2Token), ob)
	assert.Equal(t, http.StatusForbidden, na.status, string(na.body))
	assert.Equal(t, "not_your_partner", na.code(t))
	assert.Nil(t, created.CustomerLinks, "an assistant must not hold the customer's rating link")
	st := e.task(assistantToken, created.TaskID)
	assert.Equal(t, "vpa-7", st.AssistantID)
	assert.Equal(t, jobcore.Actor{Role: names.RoleAssistant, ID: "vpa-7"}, st.CreatedBy)

	a = e.do("POST", "/v1/tasks/"+created.TaskID+"/customer-links", bearer(assistantToken), nil)
	assert.Equal(t, http.StatusForbidden, a.status)
	a = e.do("POST", "/v1/tasks/"+created.TaskID+"/customer-links", bearer(opsToken), nil)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var links TaskCustomerLinks
	a.json(t, &links)
	assert.Contains(t, links.NotificationsReadURL, "/notifications/read?token=")
	a = e.post(links.NotificationsReadURL, "")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var res task.TaskUpdateResult
	a.json(t, &res)
	assert.Zero(t, res.Unread)
	read := e.task(opsToken, created.TaskID)
	require.NotEmpty(t, read.Notifications, "N-1: the customer is told of a task created for them")
	assert.NotNil(t, read.Notifications[0].ReadAt)

	// In review, ops may delete it (T-4).
	a = e.taskAct(opsToken, created.TaskID, "delete", map[string]string{"reason": "duplicate"})
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a.json(t, &res)
	assert.Equal(t, task.TaskDeleted, res.Status)
}
