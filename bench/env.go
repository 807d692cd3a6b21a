package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/workflows/visit"
)

// Env is what the drivers talk to: a Temporal client, the booking API and,
// when the worker runs in this process, a Notifier that tells a driver when
// a reminder or rating request went out (otherwise drivers poll the visit).
type Env struct {
	Client    client.Client
	Namespace string
	// APIURL is the booking API's base URL ("http://127.0.0.1:8080").
	APIURL string
	// Partner and Secret sign bookings (X-Partner-Id, X-Signature).
	Partner string
	Secret  []byte
	// BuddyToken and OpsToken are bearer tokens for the visit actions.
	BuddyToken, OpsToken string
	// BenchQueue is the task queue the bench workflows (ceiling, baseline)
	// run on; the visits run on workflows.TaskQueue.
	BenchQueue string
	// Notifier is set when this process runs the visit worker (benchmarks);
	// nil when the worker is another process (loadgen).
	Notifier *Notifier
	// BenchNotifier serves the baseline's activity (always in-process).
	BenchNotifier *Notifier
	// ServerPID is the Temporal server's process id, 0 when unknown.
	ServerPID int
	// WorkerPID is the visit worker's process when it is not this one
	// (loadgen); its CPU is added to this process's.
	WorkerPID int
	HTTP      *http.Client
	// Log receives progress lines (may be nil).
	Log func(format string, args ...any)
}

func (e *Env) logf(format string, args ...any) {
	if e.Log != nil {
		e.Log(format, args...)
	}
}

// BenchPartners is the partner configuration the benchmarks serve: partner
// "bench" (secret from $JOBFLOW_BENCH_PARTNER_SECRET, set by the caller)
// with the reminder lead shortened to 1s so a lifecycle takes seconds.
func BenchPartners() (*api.Partners, error) {
	return api.NewPartners(api.PartnersFile{Partners: []api.PartnerConfig{{
		ID: "bench", Secret: "env:JOBFLOW_BENCH_PARTNER_SECRET",
		Policy: map[string]string{"reminder_lead": "1s"},
	}}}, true)
}

// WorkerOptions reads the worker's own settings (config.WorkerTuning, with
// its defaults: 8 pollers, a sticky cache of 2,000), so a tuning measured
// here is the setting the worker runs with.
func WorkerOptions() worker.Options {
	t, err := config.Load[config.WorkerTuning]()
	if err != nil {
		panic(err) // a malformed WORKER_* variable: the benchmark cannot mean anything
	}
	return t.Apply()
}

// DescribeWorkerOptions names the non-default knobs in effect.
func DescribeWorkerOptions() string {
	s := ""
	for _, k := range []string{"WORKER_STICKY_CACHE_SIZE", "WORKER_MAX_CONCURRENT_ACTIVITIES", "WORKER_MAX_CONCURRENT_WORKFLOW_TASKS",
		"WORKER_WORKFLOW_TASK_POLLERS", "WORKER_ACTIVITY_TASK_POLLERS", "TEMPORAL_GRPC_COMPRESSION"} {
		if v := os.Getenv(k); v != "" {
			s += " " + k + "=" + v
		}
	}
	if s == "" {
		return "worker defaults"
	}
	return s[1:]
}

// apiAnswer is an HTTP answer.
type apiAnswer struct {
	Status int
	Body   []byte
}

func (e *Env) post(ctx context.Context, path string, header map[string]string, body []byte) (apiAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.APIURL+path, bytes.NewReader(body))
	if err != nil {
		return apiAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return apiAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiAnswer{resp.StatusCode, b}, err
}

func (e *Env) get(ctx context.Context, path, token string) (apiAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.APIURL+path, nil)
	if err != nil {
		return apiAnswer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return apiAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiAnswer{resp.StatusCode, b}, err
}

// Book posts one signed booking; ref must be unique per run.
func (e *Env) Book(ctx context.Context, ref string, now time.Time) error {
	b := api.BookingRequest{
		BookingRef: ref, Market: "SE", Region: "stockholm",
		Customer: api.CustomerRequest{Name: "Bench Kund", Phone: "+46700000001", Email: "kund@example.com", Language: "sv"},
		Address:  "Testgatan 1", Product: "router", Problem: "wifi drops",
		WishedTimes: []api.WindowRequest{{From: now, To: now.Add(2 * time.Hour)}},
	}
	body, _ := json.Marshal(b)
	a, err := e.post(ctx, "/v1/bookings", map[string]string{
		api.HeaderPartner: e.Partner, api.HeaderSignature: api.Sign(e.Secret, time.Now(), api.SignedRequest{
			Partner: e.Partner, Method: http.MethodPost, Target: "/v1/bookings", Body: body})}, body)
	if err != nil {
		return err
	}
	if a.Status != http.StatusCreated {
		return fmt.Errorf("booking %s: HTTP %d: %s", ref, a.Status, a.Body)
	}
	return nil
}

// Act posts a visit action (claim, book, start, complete) as the buddy.
func (e *Env) Act(ctx context.Context, id, action string, req any) error {
	body, _ := json.Marshal(req)
	a, err := e.post(ctx, "/v1/visits/"+id+"/"+action, map[string]string{"Authorization": "Bearer " + e.BuddyToken}, body)
	if err != nil {
		return err
	}
	if a.Status != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %s", action, id, a.Status, a.Body)
	}
	return nil
}

// visitState queries a visit (loadgen: no in-process notifier).
func (e *Env) visitState(ctx context.Context, id string) (visit.VisitState, error) {
	var st visit.VisitState
	v, err := e.Client.QueryWorkflow(ctx, id, "", visit.QueryVisit)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// waitDelivery polls a visit until a delivery with one of the templates is
// recorded (bounded by ctx).
func (e *Env) waitDelivery(ctx context.Context, id string, done func(visit.VisitState) bool) error {
	for {
		st, err := e.visitState(ctx, id)
		if err == nil && done(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting on %s: %w (last error %v)", id, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func delivered(st visit.VisitState, templates ...string) bool {
	for _, d := range st.Deliveries {
		for _, t := range templates {
			if d.Template == t {
				return true
			}
		}
	}
	return false
}
