package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate limits (issue #16). Each limit is a token bucket per key, kept in
// memory per API process (with several replicas each enforces its own).
// A refused request is answered 429 rate_limited with Retry-After and
// changes nothing.
const (
	// AbsenceReportRate: absence reports (POST /v1/absences) per caller.
	AbsenceReportRate  = rate.Limit(10.0 / 60) // 10 a minute
	AbsenceReportBurst = 5
	// AbsenceReadRate: absence reads and actions per caller; absence ids
	// are guessable (worker, kind, day), so probing them is slowed.
	AbsenceReadRate  = rate.Limit(1) // 60 a minute
	AbsenceReadBurst = 30
	// CustomerLinkRate: answers through customer links, per workflow.
	CustomerLinkRate  = rate.Limit(10.0 / 60) // 10 a minute
	CustomerLinkBurst = 10
	// maxLimiterKeys bounds each table; when full, idle buckets are dropped.
	maxLimiterKeys = 50_000
)

type keyedLimiter struct {
	mu    sync.Mutex
	r     rate.Limit
	burst int
	m     map[string]*rate.Limiter
}

func newKeyed(r rate.Limit, burst int) *keyedLimiter {
	return &keyedLimiter{r: r, burst: burst, m: map[string]*rate.Limiter{}}
}

// allow takes one token of key's bucket at now; false and the wait until
// the next token when the bucket is empty.
func (k *keyedLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, ok := k.m[key]
	if !ok {
		if len(k.m) >= maxLimiterKeys {
			for kk, ll := range k.m {
				if ll.TokensAt(now) >= float64(k.burst) { // full again: idle
					delete(k.m, kk)
				}
			}
		}
		l = rate.NewLimiter(k.r, k.burst)
		k.m[key] = l
	}
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

type limiters struct {
	absenceReport, absenceRead, customerLink *keyedLimiter
}

func newLimiters() *limiters {
	return &limiters{
		absenceReport: newKeyed(AbsenceReportRate, AbsenceReportBurst),
		absenceRead:   newKeyed(AbsenceReadRate, AbsenceReadBurst),
		customerLink:  newKeyed(CustomerLinkRate, CustomerLinkBurst),
	}
}

// limit answers 429 and returns false when key's bucket in l is empty.
func (s *Server) limit(w http.ResponseWriter, r *http.Request, pick func(*limiters) *keyedLimiter, key string) bool {
	s.init()
	ok, wait := pick(s.limits).allow(key, s.clock())
	if ok {
		return true
	}
	secs := int(wait/time.Second) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	fail(w, r, http.StatusTooManyRequests, "rate_limited", "too many requests; retry after "+strconv.Itoa(secs)+" s", "")
	return false
}
