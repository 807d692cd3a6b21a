package faults

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jobflow/jobflow/outreach/sandbox"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

type visitRun struct {
	id, phone, email string
	invalid          bool
	status           visit.VisitStatus
	closed           bool
}

// chaosFaults is the sandbox's behaviour in the k-th fault phase: 429, 500
// and slow 503 answers (slower than the adapters' HTTP timeout) in turn,
// each phase also losing some answers after the provider took the send.
func chaosFaults(sc scale, k int) sandbox.Faults {
	f := sandbox.Faults{ErrorRate: sc.errorRate, LostResponseRate: sc.lostRate}
	switch k % 3 {
	case 0:
		f.ErrorStatus = 429
	case 1:
		f.ErrorStatus = 500
	case 2:
		f.ErrorStatus, f.Latency = 503, sandbox.Duration(2500*time.Millisecond)
	}
	return f
}

// runVisits drives every visit under chaos, then ends the outage (the
// provider recovers, as real ones do) and waits closeBudget for every visit
// to close. It fails only its own figures; a visit still open at the end is
// reported with its status, pending activity and last activity error.
func runVisits(t *testing.T, c client.Client, sb *sandbox.Server, ds temporalServer, wp *workerProc, sc scale, fig *figures) []*visitRun {
	ctx, cancel := context.WithTimeout(context.Background(), sc.timeout)
	defer cancel()
	runID := strconv.FormatInt(time.Now().Unix()%1e6, 36)
	vs := make([]*visitRun, sc.visits)
	for i := range vs {
		v := &visitRun{id: fmt.Sprintf("visit-fault-%s-%d", runID, i),
			phone: fmt.Sprintf("+4672%07d", i), email: fmt.Sprintf("c%d-%s@example.se", i, runID)}
		if sc.invalidPct > 0 && i%(100/sc.invalidPct) == 0 {
			v.invalid = true
			v.phone = fmt.Sprintf("+4670000000%02d", i%100) // the sandbox answers 21211 invalid number
		}
		vs[i] = v
	}
	fig.Visits = len(vs)

	var stop atomic.Bool
	var chaos sync.WaitGroup
	chaos.Add(1)
	go func() { // chaos: kill the worker, restart the server, vary the faults
		defer chaos.Done()
		restartsLeft := sc.restarts
		for k := 0; k < sc.kills && !stop.Load(); k++ {
			time.Sleep(time.Duration(1500+mrand.IntN(2500)) * time.Millisecond)
			wp.kill()
			fig.WorkerKills++
			sb.SetFaults(chaosFaults(sc, k))
			if restartsLeft > 0 && k == sc.kills/2 {
				ds.stop()
				ds.start(t)
				restartsLeft--
				fig.ServerRestarts++
			}
			time.Sleep(time.Duration(200+mrand.IntN(1500)) * time.Millisecond)
			wp.start(t)
		}
		// Kills are over; the provider keeps failing until every visit has
		// been driven to its end.
		sb.SetFaults(sandbox.Faults{ErrorRate: sc.errorRate, ErrorStatus: 503, LostResponseRate: sc.lostRate})
	}()

	sem := make(chan struct{}, 40)
	var wg sync.WaitGroup
	for _, v := range vs {
		wg.Add(1)
		sem <- struct{}{}
		go func(v *visitRun) {
			defer wg.Done()
			defer func() { <-sem }()
			v.status = driveVisit(t, ctx, c, v)
		}(v)
	}
	wg.Wait()
	stop.Store(true)
	chaos.Wait()
	// The outage ends. From here every send in backoff is tried again within
	// the retry policy's MaximumInterval and then goes through.
	sb.SetFaults(sandbox.Faults{})
	recovered := time.Now()

	for _, v := range vs {
		if v.status == visit.StatusRated {
			fig.VisitsEnded++
		} else {
			t.Errorf("%s ended %q, want rated", v.id, v.status)
		}
	}
	// A visit closes only after its sends in flight finished (delivered or
	// recorded as failed), so a closed workflow is the end to check against.
	budget := closeBudget()
	fig.CloseBudget = budget
	closeCtx, cancelClose := context.WithTimeout(context.Background(), budget)
	for _, v := range vs {
		if err := c.GetWorkflow(closeCtx, v.id, "").Get(closeCtx, nil); err == nil {
			v.closed = true
			fig.VisitsClosed++
		}
	}
	cancelClose()
	fig.CloseAfterRecovery = time.Since(recovered).Round(time.Second)
	for _, v := range vs {
		if !v.closed {
			s := describeStuck(c, v.id)
			fig.Stuck = append(fig.Stuck, s)
			t.Errorf("not closed %s after the outage ended: %s", budget, s)
		}
	}
	checkOutbox(t, sb, vs, fig)
	qctx, cancelQ := context.WithTimeout(context.Background(), time.Minute)
	defer cancelQ()
	for _, v := range vs { // the failure is recorded in the visit (Deliveries)
		if !v.invalid {
			continue
		}
		val, err := c.QueryWorkflow(qctx, v.id, "", visit.QueryVisit)
		var st visit.VisitState
		if err == nil {
			err = val.Get(&st)
		}
		recorded := false
		for _, d := range st.Deliveries {
			if (d.Channel == "sms" || d.Channel == "call") && d.Outcome != "sent" && d.Outcome != "" {
				recorded = true
			}
		}
		if !recorded {
			t.Errorf("%s: invalid number but no recorded delivery failure (%v)", v.id, err)
		}
	}
	return vs
}

// describeStuck names what an open visit is waiting on: its status, and
// each pending activity with its attempt and last error.
func describeStuck(c client.Client, id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	b.WriteString(id)
	if val, err := c.QueryWorkflow(ctx, id, "", visit.QueryVisit); err == nil {
		var st visit.VisitState
		if val.Get(&st) == nil {
			fmt.Fprintf(&b, " (status %s)", st.Status)
		}
	}
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		fmt.Fprintf(&b, ": describe: %v", err)
		return b.String()
	}
	if len(desc.GetPendingActivities()) == 0 {
		b.WriteString(": no pending activity")
	}
	for _, pa := range desc.GetPendingActivities() {
		fmt.Fprintf(&b, ": %s (activity %s) attempt %d, last error %q",
			pa.GetActivityType().GetName(), pa.GetActivityId(), pa.GetAttempt(), pa.GetLastFailure().GetMessage())
	}
	return b.String()
}

// update retries an Update (same UpdateID: the server deduplicates) across
// worker kills and server restarts.
func update(ctx context.Context, c client.Client, id, name string, argf func() any) (visit.VisitUpdateResult, error) {
	var st visit.VisitUpdateResult
	var err error
	for attempt := 0; attempt < 60; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		var h client.WorkflowUpdateHandle
		h, err = c.UpdateWorkflow(actx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, UpdateID: id + "/" + name,
			Args: []any{argf()}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(actx, &st)
		}
		cancel()
		var app *temporal.ApplicationError
		if err == nil || ctx.Err() != nil || (errors.As(err, &app) && app.Type() == "TransitionRefused") {
			return st, err
		}
		time.Sleep(time.Duration(300+mrand.IntN(700)) * time.Millisecond)
	}
	return st, err
}

func driveVisit(t *testing.T, ctx context.Context, c client.Client, v *visitRun) visit.VisitStatus {
	now := time.Now().UTC().Truncate(time.Second)
	in := visit.VisitInput{Booking: visit.Booking{
		Partner: "fault", BookingRef: strings.TrimPrefix(v.id, "visit-fault-"), Market: rules.Sweden, Region: "Test",
		Customer: jobcore.Customer{Name: "Fault Kund", Phone: v.phone, Email: v.email, Language: rules.Swedish},
		Address:  "Testgatan 1", Product: "router", Problem: "wifi",
		WishedTimes: []rules.Window{{From: now, To: now.Add(4 * time.Hour)}}, BookedAt: now,
	}, Policy: shortPolicy()}
	var err error
	for attempt := 0; attempt < 30; attempt++ {
		_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: v.id, TaskQueue: names.TaskQueue,
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, visit.VisitWorkflowName, in)
		if err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Errorf("%s: start: %v", v.id, err)
		return ""
	}
	steps := []struct {
		name string
		arg  func() any
		wait time.Duration
	}{
		{visit.UpdateClaim, func() any { return visit.ClaimRequest{Buddy: "b"} }, 0},
		{visit.UpdateBook, func() any {
			return visit.BookRequest{Buddy: "b", At: time.Now().Add(20 * time.Second), ClarifiedProblem: "router",
				ProductsAtHome: true, Recording: visit.RecordingAccepted}
		}, 18 * time.Second}, // the reminder fires meanwhile (V-7); the time stays ahead across a kill
		{visit.UpdateStart, func() any { return visit.StartRequest{Buddy: "b", RecordingNoticeGiven: true} }, 0},
		{visit.UpdateComplete, func() any {
			return visit.CompleteRequest{Buddy: "b", Checklist: []visit.ChecklistItem{{Item: "done", Done: true}},
				SatisfactionAsked: true, WorkedMinutes: 60}
		}, 0},
		{visit.UpdateRate, func() any { return jobcore.RateRequest{Stars: 5} }, 0},
	}
	var st visit.VisitUpdateResult
	for _, s := range steps {
		st, err = update(ctx, c, v.id, s.name, s.arg)
		if err != nil {
			t.Errorf("%s: %s: %v", v.id, s.name, err)
			return st.Status
		}
		time.Sleep(s.wait)
	}
	return st.Status
}

// checkOutbox counts deliveries per customer address and template and
// returns how many expected messages or alerts are missing; with t nil it
// only probes.
func checkOutbox(t *testing.T, sb *sandbox.Server, vs []*visitRun, fig *figures) int {
	errorf := func(f string, a ...any) {
		if t != nil {
			t.Helper()
			t.Errorf(f, a...)
		}
	}
	count := map[string]int{} // to + template -> deliveries
	alerts := 0
	var alertBodies []string
	for _, e := range sb.Outbox() {
		if e.To == "ops@jobflow.local" {
			alerts++
			alertBodies = append(alertBodies, e.Subject+" "+e.Body+" "+fmt.Sprint(e.CustomArgs))
			continue
		}
		count[e.To+"|"+e.Template]++
	}
	fig.OpsAlerts = alerts
	want := []string{"visit.booking_confirmation", "visit.start_notice", "visit.rating_request"}
	for _, v := range vs {
		if v.invalid {
			fig.InvalidNumberVisits++
			for k := range count {
				if strings.HasPrefix(k, v.phone+"|") {
					errorf("%s: message delivered to an invalid number: %s", v.id, k)
				}
			}
			for _, b := range alertBodies {
				if strings.Contains(b, v.id) {
					fig.InvalidAlerted++
					break
				}
			}
			continue
		}
		for _, tpl := range want { // each of these reaches the customer (by SMS or e-mail)
			if count[v.phone+"|"+tpl]+count[v.email+"|"+tpl] == 0 {
				fig.MissingMessages++
				errorf("%s: %s never delivered", v.id, tpl)
			}
		}
		for k, n := range count { // every message to this customer, per channel address and template: once
			if strings.HasPrefix(k, v.phone+"|") || strings.HasPrefix(k, v.email+"|") {
				fig.CustomerMessages += n
				if n > 1 {
					fig.DuplicateMessages += n - 1
					errorf("%s: %s delivered %d times", v.id, k, n)
				}
			}
		}
	}
	if fig.InvalidAlerted < fig.InvalidNumberVisits {
		errorf("invalid numbers: %d visits, %d with an ops alert naming the visit", fig.InvalidNumberVisits, fig.InvalidAlerted)
	}
	return fig.MissingMessages + fig.InvalidNumberVisits - fig.InvalidAlerted
}
