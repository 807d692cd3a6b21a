package bench

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// LifecycleConfig shapes a lifecycle run.
type LifecycleConfig struct {
	N           int           // visits (and baseline workflows) per variant
	Concurrency int           // drivers in parallel
	ReminderIn  time.Duration // how long after "book" the reminder fires (default 200ms)
	Variants    []string      // of AllVariants; default all, the first is the reference
	RunID       string
	Timeout     time.Duration // per variant (default 5m)
	// HistoryDir: write the measured history of each variant there as
	// <variant>.json (the replayer's JSON), to see what is in it.
	HistoryDir string
}

// Variant names.
const (
	VariantBaseline   = "baseline"    // bare workflow, raw SDK client
	VariantBaselineSA = "baseline+sa" // ... plus one search-attribute upsert per transition
	// VariantBaselineLocal runs the baseline's activities as local ones.
	VariantBaselineLocal = "baseline-local"
	VariantVisitSDK      = "visit-sdk" // the Visit workflow, driven by the raw SDK client
	VariantVisitAPI      = "visit-api" // the Visit workflow, booked and driven through the HTTP API
	// VariantVisitSDKQuery is visit-sdk plus the Query the HTTP API makes
	// before each buddy action but claim (book, start, complete): what the
	// API's second round trip costs.
	VariantVisitSDKQuery = "visit-sdk+query"
)

// AllVariants is the default order: baselines first, so the server's
// growing database works against the visit, not for it.
var AllVariants = []string{VariantBaseline, VariantBaselineSA, VariantBaselineLocal, VariantVisitSDK, VariantVisitSDKQuery, VariantVisitAPI}

// LifecycleResult is one variant's run.
type LifecycleResult struct {
	Variant string
	Phase   Phase // Stats: per-lifecycle latency (start to closed)
	// HistoryEvents and HistoryBytes of one closed workflow of the variant.
	HistoryEvents, HistoryBytes int64
	// Breakdown: the same history's events and bytes by event type.
	Breakdown []EventTypeStats
}

// RunLifecycle drives cfg.N lifecycles of each variant, one variant after
// the other on the same server and worker.
func RunLifecycle(ctx context.Context, e *Env, cfg LifecycleConfig) []LifecycleResult {
	if cfg.ReminderIn == 0 {
		cfg.ReminderIn = 200 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if len(cfg.Variants) == 0 {
		cfg.Variants = AllVariants
	}
	// Warm-up: a few of each, unmeasured.
	for _, v := range cfg.Variants {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		runPhase(wctx, "warmup", 4, 4, time.Minute, e, func(ctx context.Context, i int) error {
			_, err := e.lifecycle(ctx, v, fmt.Sprintf("w%s-%d", cfg.RunID, i), cfg.ReminderIn)
			return err
		})
		cancel()
	}
	var out []LifecycleResult
	for _, v := range cfg.Variants {
		vctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		var last atomic.Value
		ph := runPhase(vctx, v, cfg.Concurrency, cfg.N, cfg.Timeout, e, func(ctx context.Context, i int) error {
			id, err := e.lifecycle(ctx, v, fmt.Sprintf("%s-%d", cfg.RunID, i), cfg.ReminderIn)
			if err == nil {
				last.Store(id)
			}
			return err
		})
		cancel()
		r := LifecycleResult{Variant: v, Phase: ph}
		if id, ok := last.Load().(string); ok {
			if d, err := e.Client.DescribeWorkflowExecution(ctx, id, ""); err == nil {
				r.HistoryEvents = d.GetWorkflowExecutionInfo().GetHistoryLength()
				r.HistoryBytes = d.GetWorkflowExecutionInfo().GetHistorySizeBytes()
			}
			// Where the bytes go, by event type (issue #13).
			if h, err := FetchHistory(ctx, e.Client, id, ""); err == nil {
				r.Breakdown = BreakdownOf(h)
				if cfg.HistoryDir != "" {
					if err := WriteHistory(filepath.Join(cfg.HistoryDir, v+".json"), h); err != nil {
						e.logf("lifecycle %s: write history: %v", v, err)
					}
				}
				for _, t := range r.Breakdown {
					e.logf("lifecycle %s history: %-45s %3d events %6d bytes", v, t.Type, t.Events, t.Bytes)
				}
			}
		}
		e.logf("lifecycle %s: %d in %v, p50 %sms p99 %sms, cpu self %v server %v, history %d events %d bytes, errors %d %s",
			v, ph.Stats.N, ph.Usage.Wall.Round(time.Millisecond), ms(ph.Stats.P50), ms(ph.Stats.P99),
			ph.Usage.SelfCPU.Round(time.Millisecond), ph.Usage.ServerCPU.Round(time.Millisecond),
			r.HistoryEvents, r.HistoryBytes, ph.Errors, ph.FirstError)
		out = append(out, r)
	}
	return out
}

// lifecycle runs one lifecycle of variant v and returns its workflow id.
func (e *Env) lifecycle(ctx context.Context, v, key string, reminderIn time.Duration) (string, error) {
	switch v {
	case VariantBaseline, VariantBaselineSA, VariantBaselineLocal:
		return e.baselineLifecycle(ctx, "base-"+strings.NewReplacer("+", "", "-", "").Replace(v)+"-"+key,
			BaselineInput{ReminderAfter: reminderIn, Long: 48 * time.Hour, Upserts: v == VariantBaselineSA, Local: v == VariantBaselineLocal})
	case VariantVisitSDK:
		return e.visitLifecycle(ctx, false, false, "S-"+key, reminderIn)
	case VariantVisitSDKQuery:
		return e.visitLifecycle(ctx, false, true, "Q-"+key, reminderIn)
	case VariantVisitAPI:
		return e.visitLifecycle(ctx, true, false, "A-"+key, reminderIn)
	}
	return "", fmt.Errorf("unknown variant %q", v)
}

func (e *Env) update(ctx context.Context, id, name string, arg any) error {
	h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{arg}})
	if err != nil {
		return fmt.Errorf("update %s %s: %w", name, id, err)
	}
	if err := h.Get(ctx, nil); err != nil {
		return fmt.Errorf("update %s %s: %w", name, id, err)
	}
	return nil
}

func (e *Env) baselineLifecycle(ctx context.Context, id string, in BaselineInput) (string, error) {
	n := e.BenchNotifier
	defer n.Forget(id)
	run, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.BenchQueue}, BaselineWorkflowName, in)
	if err != nil {
		return id, err
	}
	for _, u := range []string{visit.UpdateClaim, visit.UpdateBook} {
		if err := e.update(ctx, id, u, nil); err != nil {
			return id, err
		}
	}
	if err := n.WaitReminder(ctx, id); err != nil {
		return id, err
	}
	for _, u := range []string{visit.UpdateStart, visit.UpdateComplete} {
		if err := e.update(ctx, id, u, nil); err != nil {
			return id, err
		}
	}
	if _, err := n.WaitRating(ctx, id); err != nil {
		return id, err
	}
	if err := e.update(ctx, id, visit.UpdateRate, nil); err != nil {
		return id, err
	}
	return id, run.Get(ctx, nil)
}

// VisitPolicy is the policy the SDK-driven visits start with: the defaults
// with the reminder lead shortened (as BenchPartners does for the API).
func VisitPolicy() rules.Policy {
	p := rules.DefaultPolicy()
	p.ReminderLead = time.Second
	return p
}

func benchBooking(partner, ref string, now time.Time) visit.Booking {
	return visit.Booking{
		Partner: partner, BookingRef: ref, Market: rules.Sweden, Region: "stockholm",
		Customer: jobcore.Customer{Name: "Bench Kund", Phone: "+46700000001", Email: "kund@example.com", Language: rules.Swedish},
		Address:  "Testgatan 1", Product: "router", Problem: "wifi drops",
		WishedTimes: []rules.Window{{From: now, To: now.Add(2 * time.Hour)}},
		BookedAt:    now,
	}
}

// visitLifecycle books a visit (HTTP API or ExecuteWorkflow) and drives it
// through claim, book, reminder, start, complete and rating.
func (e *Env) visitLifecycle(ctx context.Context, viaAPI, query bool, ref string, reminderIn time.Duration) (string, error) {
	partner := e.Partner
	id := visit.VisitID(partner, ref)
	now := time.Now()
	var run client.WorkflowRun
	var err error
	if viaAPI {
		err = e.Book(ctx, ref, now)
	} else {
		run, err = e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue},
			visit.VisitWorkflowName, visit.VisitInput{Booking: benchBooking(partner, ref, now.UTC().Truncate(time.Second)), Policy: VisitPolicy()})
	}
	if err != nil {
		return id, err
	}
	if e.Notifier != nil {
		defer e.Notifier.Forget(id)
	}
	act := func(action, update string, req any) error {
		if viaAPI {
			return e.Act(ctx, id, action, req)
		}
		if query && update != visit.UpdateClaim {
			if _, err := e.visitState(ctx, id); err != nil {
				return err
			}
		}
		return e.update(ctx, id, update, req)
	}
	buddy := "b-1"
	if viaAPI {
		buddy = "" // the API fills the buddy from the bearer token
	}
	if err := act("claim", visit.UpdateClaim, visit.ClaimRequest{Buddy: buddy}); err != nil {
		return id, err
	}
	// The appointment is ReminderLead (1s) + reminderIn ahead, so the
	// reminder timer runs reminderIn, as the baseline's does.
	at := time.Now().Add(time.Second + reminderIn)
	if err := act("book", visit.UpdateBook, visit.BookRequest{Buddy: buddy, At: at, ClarifiedProblem: "router reboots",
		ProductsAtHome: true, Recording: visit.RecordingAccepted}); err != nil {
		return id, err
	}
	if e.Notifier != nil {
		err = e.Notifier.WaitReminder(ctx, id)
	} else {
		err = e.waitDelivery(ctx, id, func(st visit.VisitState) bool {
			for _, d := range st.Deliveries {
				if d.Template == "visit.reminder_sms" || (d.Template == "visit.reminder_call" && d.Outcome == "answered") {
					return true
				}
			}
			return false
		})
	}
	if err != nil {
		return id, err
	}
	if err := act("start", visit.UpdateStart, visit.StartRequest{Buddy: buddy, RecordingNoticeGiven: true}); err != nil {
		return id, err
	}
	if err := act("complete", visit.UpdateComplete, visit.CompleteRequest{Buddy: buddy,
		Checklist: []visit.ChecklistItem{{Item: "wifi works", Done: true}}, SatisfactionAsked: true, CustomerSatisfied: true, WorkedMinutes: 45}); err != nil {
		return id, err
	}
	link := ""
	if e.Notifier != nil {
		link, err = e.Notifier.WaitRating(ctx, id)
	} else {
		err = e.waitDelivery(ctx, id, func(st visit.VisitState) bool { return delivered(st, "visit.rating_request") })
	}
	if err != nil {
		return id, err
	}
	if viaAPI && link != "" {
		u, perr := url.Parse(link)
		if perr != nil {
			return id, perr
		}
		a, err := e.post(ctx, u.RequestURI(), nil, []byte(`{"stars":5}`))
		if err != nil {
			return id, err
		}
		if a.Status != 200 {
			return id, fmt.Errorf("rating %s: HTTP %d: %s", id, a.Status, a.Body)
		}
	} else if err := e.update(ctx, id, visit.UpdateRate, jobcore.RateRequest{Stars: 5}); err != nil {
		return id, err
	}
	if run == nil {
		run = e.Client.GetWorkflow(ctx, id, "")
	}
	return id, run.Get(ctx, nil)
}

// LifecycleTable renders the lifecycle comparison as Markdown; ratios are
// against the first row (the baseline).
func LifecycleTable(rs []LifecycleResult) string {
	var b strings.Builder
	b.WriteString("| variant | lifecycles | wall s | per-lifecycle p50 / p99 ms | worker+client CPU s | server CPU s | total CPU s | wall ratio | CPU ratio (worker+client) | CPU ratio (total) | history events / bytes |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	if len(rs) == 0 {
		return b.String()
	}
	base := rs[0].Phase.Usage
	for _, r := range rs {
		u := r.Phase.Usage
		fmt.Fprintf(&b, "| %s | %d (err %d) | %.2f | %s / %s | %.2f | %.2f | %.2f | %s | %s | %s | %d / %d |\n",
			r.Variant, r.Phase.Stats.N, r.Phase.Errors, u.Wall.Seconds(), ms(r.Phase.Stats.P50), ms(r.Phase.Stats.P99),
			u.SelfCPU.Seconds(), u.ServerCPU.Seconds(), (u.SelfCPU + u.ServerCPU).Seconds(),
			ratio(u.Wall.Seconds(), base.Wall.Seconds()), ratio(u.SelfCPU.Seconds(), base.SelfCPU.Seconds()),
			ratio((u.SelfCPU+u.ServerCPU).Seconds(), (base.SelfCPU+base.ServerCPU).Seconds()),
			r.HistoryEvents, r.HistoryBytes)
	}
	return b.String()
}
