package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jobflow/jobflow/workflows/visit"
)

// V-3 / V-14: the holder gets the customer's contact for the booking call;
// another buddy does not, and neither does anyone without a token.
func TestIntegrationV3_ContactForTheHolderOnly(t *testing.T) {
	e := startAPI(t)
	a := e.book(liveBooking("CONTACT-1"), testSecret)
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	id := visit.VisitID("acme", "CONTACT-1")

	auth := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	a = e.do("GET", "/v1/visits/"+id+"/contact", auth(buddy1Token), nil)
	assert.Equal(t, http.StatusForbidden, a.status, "not held yet: no contact")

	require.Equal(t, http.StatusOK, e.act(buddy1Token, id, "claim", map[string]string{}).status)
	a = e.do("GET", "/v1/visits/"+id+"/contact", auth(buddy1Token), nil)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var c visit.VisitContact
	a.json(t, &c)
	assert.Equal(t, validBooking().Customer.Phone, c.Customer.Phone)
	assert.Equal(t, "b-1", c.Holder)

	a = e.do("GET", "/v1/visits/"+id+"/contact", auth(buddy2Token), nil)
	assert.Equal(t, http.StatusForbidden, a.status)
	assert.Equal(t, "not_holder", a.code(t))
	assert.Equal(t, http.StatusOK, e.do("GET", "/v1/visits/"+id+"/contact", auth(opsToken), nil).status)
	assert.Equal(t, http.StatusUnauthorized, e.do("GET", "/v1/visits/"+id+"/contact", nil, nil).status)

	// Issue #16: once the visit is over, its former holder reads no contact.
	require.Equal(t, http.StatusOK, e.act(opsToken, id, "cancel", map[string]any{"reason": "test over"}).status)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		a := e.do("GET", "/v1/visits/"+id+"/contact", auth(buddy1Token), nil)
		assert.Equal(c, http.StatusForbidden, a.status)
		assert.Equal(c, "visit_over", a.code(t))
	}, 10*time.Second, 200*time.Millisecond)
	assert.Equal(t, http.StatusOK, e.do("GET", "/v1/visits/"+id+"/contact", auth(opsToken), nil).status, "ops still do")
}
