package api

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jobflow/jobflow/workflows"
)

// C-1: the customer's complaint link opens a reclamation, "waiting for
// reclamation" for ops, found with the README's filter; a forged link opens
// nothing.
func TestIntegrationC1_ComplaintLinkOpensAReclamation(t *testing.T) {
	e := startAPI(t)
	a := e.book(liveBooking("COMPLAIN-1"), testSecret)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := workflows.VisitID("acme", "COMPLAIN-1")

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
