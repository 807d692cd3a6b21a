package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
)

const goodReport = `{"worker_id":"b-1","worker_name":"Bo","role":"buddy","market":"SE","region":"stockholm",
"kind":"sick","period":{"from":"2026-11-23T08:00:00Z","to":"2026-11-26T08:00:00Z"},"contact":"Anne, teamlead@jobflow.example"}`

func withField(t *testing.T, body, path string, v any) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	if inner, field, ok := strings.Cut(path, "."); ok {
		m[inner].(map[string]any)[field] = v
	} else {
		m[path] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestA2_SickReportWithDiagnosisIsRejected(t *testing.T) {
	_, e := DecodeAbsenceReport([]byte(goodReport))
	require.Nil(t, e)
	for _, c := range []struct{ path string }{
		{"diagnosis"}, {"Doctor_Note"}, {"documents"}, {"medical-certificate"}, {"period.diagnose"},
	} {
		_, e := DecodeAbsenceReport([]byte(withField(t, goodReport, c.path, "flu")))
		require.NotNil(t, e, c.path)
		assert.Equal(t, "medical_data_refused", e.Code, c.path)
		assert.Contains(t, e.Message, "A-2", c.path)
		assert.Equal(t, c.path, e.Field)
	}
	// Anything else unknown is refused too (DisallowUnknownFields).
	_, e = DecodeAbsenceReport([]byte(withField(t, goodReport, "mood", "bad")))
	require.NotNil(t, e)
	assert.Equal(t, "unknown_field", e.Code)
}

func TestA2_ReportHTTPRefusesDiagnosisBeforeTemporal(t *testing.T) {
	tokens, err := LoadTokens("", `{"token-buddy-1-long":{"role":"buddy","id":"b-1"}}`)
	require.NoError(t, err)
	s := &Server{Tokens: tokens} // no Temporal client: nothing may be started
	req := httptest.NewRequest("POST", "/v1/absences", strings.NewReader(withField(t, goodReport, "diagnosis", "migraine")))
	req.Header.Set("Authorization", "Bearer token-buddy-1-long")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	var body ErrorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	assert.Equal(t, "medical_data_refused", body.Error.Code)
	assert.Contains(t, body.Error.Message, "A-2")
	assert.NotContains(t, w.Body.String(), "migraine", "the value is never echoed")

	other := httptest.NewRequest("POST", "/v1/absences", strings.NewReader(withField(t, goodReport, "worker_id", "b-2")))
	other.Header.Set("Authorization", "Bearer token-buddy-1-long")
	w = httptest.NewRecorder()
	s.Handler().ServeHTTP(w, other)
	assert.Equal(t, http.StatusForbidden, w.Code, "a buddy reports only their own absence")
}

// assistants report their own absence too (their tokens are otherwise
// for the task endpoints only), and only their own.
func TestA1_AssistantsReportTheirOwnAbsence(t *testing.T) {
	tokens, err := LoadTokens("", `{"token-assistant-7-long":{"role":"assistant","id":"vpa-7"}}`)
	require.NoError(t, err)
	s := &Server{Tokens: tokens} // no Temporal client: nothing may be started
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/absences", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer token-assistant-7-long")
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		return w
	}
	assert.Equal(t, http.StatusForbidden, post(goodReport).Code, "another worker's absence")
	own := withField(t, withField(t, goodReport, "worker_id", "vpa-7"), "role", "assistant")
	assert.Equal(t, http.StatusUnprocessableEntity, post(withField(t, own, "diagnosis", "flu")).Code,
		"the assistant is authenticated; the diagnosis is refused (A-2)")
}

func TestA4_ChoiceLinksAreSignedPerChoice(t *testing.T) {
	secret := []byte("s3cret")
	link := AbsenceChoiceLinker(secret, "https://jobflow.example/")("absence-b-1-1", "visit-acme-V1", "wait", time.Now().Add(time.Hour))
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, "/v1/absences/absence-b-1-1/jobs/visit-acme-V1/customer-choice", u.Path)
	assert.Equal(t, "wait", u.Query().Get("choice"))
	tok := u.Query().Get("token")
	assert.NoError(t, VerifyLink(secret, tok, "absence-b-1-1/visit-acme-V1", absenceLinkAction("wait"), time.Now()))
	assert.ErrorIs(t, VerifyLink(secret, tok, "absence-b-1-1/visit-acme-V1", absenceLinkAction("backup"), time.Now()), ErrLinkScope)
	assert.ErrorIs(t, VerifyLink(secret, tok, "absence-b-1-1/visit-acme-V2", absenceLinkAction("wait"), time.Now()), ErrLinkScope)
	assert.Equal(t, "b-1", absenceWorker("absence-b-1-12"))
	assert.Equal(t, "b-1", absenceWorker("absence-b-1-sick-2026-11-23"))
	assert.Equal(t, "WorkflowType = 'Absence' AND ExecutionStatus = 'Running' AND WorkerId = 'b-1' AND AbsenceStatus = 'active'", ActiveAbsenceQuery("b-1"))
}

// absence ids come from the report, need no search, and read back to
// the worker; the period's first day is the local date in the market.
func TestA1_AbsenceIDFromReport(t *testing.T) {
	from := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC) // 00:30 on the 23rd in Stockholm
	id := absence.AbsenceReportID("b-sick-2", absence.AbsenceSick, rules.Sweden, from)
	assert.Equal(t, "absence-b-sick-2-sick-2026-11-23", id)
	assert.Equal(t, "b-sick-2", absenceWorker(id))
	assert.True(t, absenceIDRe.MatchString(id))
	assert.True(t, absenceIDRe.MatchString("absence-b-1-12"), "ids of the older scheme still answer")
	assert.False(t, absenceIDRe.MatchString("absence-b-1-sick"))

	rep, verr := DecodeAbsenceReport([]byte(goodReport))
	require.Nil(t, verr)
	assert.Equal(t, ReportHash(rep), ReportHash(rep))
	rep.Period.To = rep.Period.To.Add(time.Hour)
	other, _ := DecodeAbsenceReport([]byte(goodReport))
	assert.NotEqual(t, ReportHash(other), ReportHash(rep))
}
