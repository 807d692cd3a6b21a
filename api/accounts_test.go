package api

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/account"
	"github.com/jobflow/jobflow/workflows/task"
)

// signalWithStartRecorder records the account starts (SignalWithStart).
type signalWithStartRecorder struct {
	client.Client
	ids    []string
	inputs []account.AccountInput
}

func (f *signalWithStartRecorder) SignalWithStartWorkflow(_ context.Context, id, _ string, _ any, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	f.ids = append(f.ids, id)
	f.inputs = append(f.inputs, args[0].(account.AccountInput))
	return fakeRun{id: id}, nil
}

// P-1, N-1: the account starts with the market's policy (its override of
// the digest time, not the partner's overrides) and the app URL its
// e-mails link to (issue #14: APP_URL, else PUBLIC_BASE_URL).
func TestP1_AccountStartsWithMarketPolicyAndAppURL(t *testing.T) {
	t.Setenv("PARTNER_ACME_SECRET", testSecret)
	pf := filepath.Join(t.TempDir(), "partners.json")
	require.NoError(t, os.WriteFile(pf, []byte(`{
		"markets": {"DE": {"digest_at": "09:30"}},
		"partners": [{"id": "acme", "secret": "env:PARTNER_ACME_SECRET", "policy": {"digest_at": "07:00", "rating_window": "48h"}}]}`), 0o600))
	p, err := LoadPartners(pf, true)
	require.NoError(t, err)
	taskPolicy, verr := p.Policy("acme", rules.Germany)
	require.Nil(t, verr)

	fake := &signalWithStartRecorder{}
	s := &Server{Partners: p, Visits: &Visits{Client: fake, PublicBaseURL: "https://api.example.test"}}
	in := task.TaskInput{TaskID: "acme-T-1", AccountID: "acc-9", Partner: "acme", Market: rules.Germany, Policy: taskPolicy}
	s.accountStarted(context.Background(), in)
	s.Visits.AppURL = "https://app.example.test"
	s.accountStarted(context.Background(), in)

	require.Len(t, fake.inputs, 2)
	assert.Equal(t, account.AccountWorkflowID("acc-9"), fake.ids[0])
	got := fake.inputs[0].Policy
	assert.Equal(t, rules.At(9, 30), got.DigestAt, "the market's digest time")
	assert.Equal(t, 7*24*time.Hour, got.RatingWindow, "no partner override in an account")
	assert.Equal(t, "https://api.example.test", fake.inputs[0].AppURL)
	assert.Equal(t, "https://app.example.test", fake.inputs[1].AppURL)
}
