package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/workflows/names"
)

// runBookings sends FAULTS_BOOKINGS signed bookings, FAULTS_DUPLICATE_PCT of
// them twice (the copy races the original), through the real booking API
// handler to the dev server, and counts workflows per booking. It runs on
// its own budget (FAULTS_BOOKINGS_TIMEOUT), whatever the visits phase left.
func runBookings(t *testing.T, c client.Client, wp *workerProc, sc scale, fig *figures) {
	if sc.bookings == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sc.bookingsTimeout)
	defer cancel()
	wp.kill() // starting visits needs no worker; spare the 2 cores
	partner := "load" + strconv.FormatInt(time.Now().Unix()%1e6, 36)
	secret := "fault-suite-partner-secret-0123456789"
	t.Setenv("FAULTS_PARTNER_SECRET", secret)
	partners, err := api.NewPartners(api.PartnersFile{Partners: []api.PartnerConfig{{ID: partner, Secret: "env:FAULTS_PARTNER_SECRET"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := &api.Server{Partners: partners, Visits: &api.Visits{Client: c, Namespace: suiteNamespace, Partners: partners}}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	type req struct{ ref string }
	var reqs []req
	for i := 0; i < sc.bookings; i++ {
		reqs = append(reqs, req{fmt.Sprintf("L-%d", i)})
	}
	dups := sc.bookings * sc.dupPct / 100
	for i := 0; i < dups; i++ {
		reqs = append(reqs, req{fmt.Sprintf("L-%d", mrand.IntN(sc.bookings))})
	}
	mrand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	fig.Bookings, fig.DuplicateRequests = sc.bookings, dups
	// A duplicate of a ref already picked twice would be a third request;
	// count requests per ref to know what to expect.
	per := map[string]int{}
	for _, r := range reqs {
		per[r.ref]++
	}

	hc := hs.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	var created, replayed, other, fivexx atomic.Int64
	var mu sync.Mutex
	createdPer, failedPer := map[string]int{}, map[string]int{}
	sem := make(chan struct{}, 200)
	var wg sync.WaitGroup
	from := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	to := time.Now().Add(52 * time.Hour).UTC().Format(time.RFC3339)
	bookedAt := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for i, r := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, ref string) {
			defer wg.Done()
			defer func() { <-sem }()
			n, _ := strconv.Atoi(strings.TrimPrefix(ref, "L-"))
			body := []byte(fmt.Sprintf(`{"booking_ref":%q,"market":"SE","region":"Load","customer":{"name":"Last Kund","phone":"+4673%07d","email":"l%d@example.se","language":"sv"},"address":"Lastvägen 1","product":"router","problem":"wifi","wished_times":[{"from":%q,"to":%q}],"booked_at":%q}`,
				ref, n, n, from, to, bookedAt))
			for attempt := 0; ; attempt++ {
				hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/bookings", bytes.NewReader(body))
				api.SignHTTP(hr, partner, []byte(secret), body) // a fresh nonce per try
				res, err := hc.Do(hr)
				if err != nil {
					if attempt < clientAttempts-1 && ctx.Err() == nil {
						time.Sleep(clientBackoff(attempt))
						continue
					}
					t.Errorf("%s: %v", ref, err)
					return
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				switch {
				case res.StatusCode == http.StatusCreated:
					created.Add(1)
					mu.Lock()
					createdPer[ref]++
					mu.Unlock()
				case res.StatusCode == http.StatusOK:
					replayed.Add(1)
				case res.StatusCode >= 500:
					fivexx.Add(1)
					mu.Lock()
					failedPer[ref]++
					mu.Unlock()
					if attempt < clientAttempts-1 && ctx.Err() == nil { // a client retries 5xx; the retry must not double the booking
						time.Sleep(clientBackoff(attempt))
						continue
					}
					t.Errorf("%s: %d %s", ref, res.StatusCode, msg)
				default:
					other.Add(1)
					t.Errorf("%s: %d %s", ref, res.StatusCode, msg)
				}
				return
			}
		}(i, r.ref)
	}
	wg.Wait()
	fig.Created, fig.Replayed, fig.Refused5xx = int(created.Load()), int(replayed.Load()), int(fivexx.Load())
	// Each booking is answered 201 once, or, when the request that created
	// it was answered 5xx (a timeout: the start went through, the answer
	// did not), 200 on the client's retry; never 201 twice.
	for ref := range per {
		switch n := createdPer[ref]; {
		case n > 1:
			t.Errorf("%s: answered 201 created %d times", ref, n)
		case n == 0 && failedPer[ref] == 0:
			t.Errorf("%s: never answered 201 created, and no request of it failed", ref)
		}
	}
	if fig.Created+fig.Replayed != len(reqs) {
		t.Errorf("bookings: %d created + %d replayed for %d requests", fig.Created, fig.Replayed, len(reqs))
	}
	// Visibility is eventually consistent: wait for the count to settle.
	var n int64
	for i := 0; i < 60; i++ {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: suiteNamespace,
			Query: fmt.Sprintf("%s = '%s'", names.PartnerKey.GetName(), partner)})
		if err == nil {
			n = resp.GetCount()
			if n >= int64(len(per)) {
				break
			}
		}
		time.Sleep(time.Second)
	}
	fig.WorkflowsForBookings = int(n)
	fig.LostBookings = float64(len(per) - int(n))
	if int(n) != len(per) {
		t.Errorf("bookings: %d workflows for %d distinct bookings", n, len(per))
	}
}

// A partner's client retries a 5xx or a broken connection the way a
// well-behaved one does: exponential backoff with jitter (0.5 s doubling to
// 8 s, clientAttempts tries, about 1.5 minutes of waiting in all), so a
// server that stalls for a minute under load (seen with two CI runs on one
// 2-core machine: six quick retries 0.2 s apart all hit the same stall) is
// waited out instead of giving up within seconds.
const clientAttempts = 14

func clientBackoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 4)
	return d/2 + time.Duration(mrand.Int64N(int64(d)))
}
