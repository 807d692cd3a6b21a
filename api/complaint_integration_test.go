package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/jobflow/jobflow/workflows/visit"
)

// C-1: the customer's complaint link opens a reclamation, "waiting for
// reclamation" for ops, found with the README's filter; a forged link opens
// nothing.
func TestIntegrationC1_ComplaintLinkOpensAReclamation(t *testing.T) {
	e := startAPI(t)
	a := e.book(liveBooking("COMPLAIN-1"), testSecret)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := visit.VisitID("acme", "COMPLAIN-1")

	a = e.act(opsToken, id, "complaint-link", nil)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var link ComplaintLinkResponse
	a.json(t, &link)
	u, err := url.Parse(link.ComplaintURL)
	require.NoError(t, err)

	forged := e.do("POST", u.Path+"?token=x"+url.QueryEscape(u.Query().Get("token")), nil, []byte(`{"complaint":"late"}`))
	assert.Equal(t, http.StatusUnauthorized, forged.status)

	pageAnswer := e.do("GET", u.RequestURI(), nil, nil)
	assert.Equal(t, http.StatusOK, pageAnswer.status)
	assert.Contains(t, string(pageAnswer.body), "What went wrong?", "the link opens a form in a browser")

	a = e.do("POST", u.RequestURI(), nil, []byte(`{"complaint":"the buddy came two hours late"}`))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var opened ReclamationOpened
	a.json(t, &opened)
	require.NotEmpty(t, opened.ReclamationID)

	// The README's filter for ops.
	require.Eventually(t, func() bool {
		resp, err := e.srv.Client.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: e.srv.Namespace, Query: `ReclamationStatus = "waiting" AND Partner = "acme"`})
		if err != nil {
			return false
		}
		for _, ex := range resp.GetExecutions() {
			if ex.GetExecution().GetWorkflowId() == opened.ReclamationID {
				return true
			}
		}
		return false
	}, 10*time.Second, 200*time.Millisecond, "ops find the reclamation as waiting")
}

// countingClient counts the calls that write to Temporal.
type countingClient struct {
	client.Client
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingClient) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[name]++
}

func (c *countingClient) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	c.count("ExecuteWorkflow")
	return c.Client.ExecuteWorkflow(ctx, o, wf, args...)
}

func (c *countingClient) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.count("UpdateWorkflow")
	return c.Client.UpdateWorkflow(ctx, o)
}

func (c *countingClient) UpdateWithStartWorkflow(ctx context.Context, o client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.count("UpdateWithStartWorkflow")
	return c.Client.UpdateWithStartWorkflow(ctx, o)
}

// C-1: one open reclamation per job. A second complaint while the case is
// open is a note on the same case, in one update-with-start call (no id is
// tried); a complaint after the case closed opens a new case under the
// same id; an over-long complaint is 422 and opens nothing.
func TestIntegrationC1_SecondComplaintIsANoteOnTheOpenCaseInOneCall(t *testing.T) {
	e := startAPI(t)
	require.Equal(t, http.StatusCreated, e.book(liveBooking("COMPLAIN-2"), testSecret).status)
	job := visit.VisitID("acme", "COMPLAIN-2")
	caseID := reclamation.ReclamationCaseID(job)
	ops := map[string]string{"Authorization": "Bearer " + opsToken}
	complain := func(text string) answer {
		b, _ := json.Marshal(ComplaintRequest{JobID: job, Complaint: text})
		return e.do("POST", "/v1/reclamations", ops, b)
	}

	// Over the workflow's bound (characters, as the validator counts): 422, nothing opened.
	a := complain(strings.Repeat("ä", reclamation.MaxReclamationText+1))
	require.Equal(t, http.StatusUnprocessableEntity, a.status, string(a.body))
	assert.Equal(t, "field_too_long", a.code(t))
	assert.False(t, e.exists(caseID), "an over-long complaint opens no case")

	a = complain("the buddy came two hours late")
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var opened ReclamationOpened
	a.json(t, &opened)
	assert.Equal(t, caseID, opened.ReclamationID)
	assert.True(t, opened.Created)

	// The second complaint, straight through the helper to count the calls.
	cc := &countingClient{Client: e.srv.Client, calls: map[string]int{}}
	in := reclamation.ReclamationInput{
		Job:      jobcore.JobRef{ID: job, Kind: names.JobVisit, Partner: "acme", Market: rules.Sweden, Region: "stockholm"},
		Customer: jobcore.Customer{Name: "Eva", Email: "eva@example.com", Language: rules.Swedish},
		OpenedBy: jobcore.Actor{Role: names.RoleCustomer}, Complaint: "and the router is still broken",
		Policy: rules.DefaultPolicy(),
	}
	res, err := StartReclamation(t.Context(), cc, in)
	require.NoError(t, err)
	assert.Equal(t, caseID, res.ReclamationID)
	assert.Equal(t, opened.RunID, res.RunID, "the same case")
	assert.False(t, res.Created)
	assert.Equal(t, string(reclamation.ReclamationWaiting), res.Status)
	assert.Equal(t, map[string]int{"UpdateWithStartWorkflow": 1}, cc.calls, "one call, no probing")

	// And through the API: 200, the same case.
	a = complain("they did not call back")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var added ReclamationOpened
	a.json(t, &added)
	assert.Equal(t, caseID, added.ReclamationID)
	assert.False(t, added.Created)
	assert.Equal(t, 1, e.runs(caseID))

	a = e.do("GET", "/v1/reclamations/"+caseID, ops, nil)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var st reclamation.ReclamationState
	a.json(t, &st)
	assert.Equal(t, "the buddy came two hours late", st.Complaint)
	var notes []string
	for _, l := range st.Log {
		if l.Action == reclamation.UpdateReclamationNote {
			notes = append(notes, l.Note)
		}
	}
	assert.Equal(t, []string{"and the router is still broken", "they did not call back"}, notes,
		"the opening complaint is logged once, each further one as a note")

	// Closed: the next complaint opens a new case under the same id.
	a = e.do("POST", "/v1/reclamations/"+caseID+"/reject", ops, []byte(`{"reason":"outside the service plan"}`))
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	a = complain("a new problem a month later")
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var again ReclamationOpened
	a.json(t, &again)
	assert.Equal(t, caseID, again.ReclamationID)
	assert.NotEqual(t, opened.RunID, again.RunID)
	assert.True(t, again.Created)
	assert.Equal(t, 2, e.runs(caseID))
}
