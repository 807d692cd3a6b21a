package outreach

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// Sent records that a provider accepted the send of one step. It is what the
// ledger stores and what the activity heartbeats, so a retry finds it.
//
// Heartbeated without a SID it records what a failed attempt learnt: with
// RefusedAttempt n, attempt n was definitely refused and no attempt up to n
// sent anything, so attempt n+1 may send without a look-up.
type Sent struct {
	Key            string    `json:"key"`                       // activities.Step.Key()
	Channel        string    `json:"channel"`                   // sms | call | email
	SID            string    `json:"sid"`                       // the provider's id
	At             time.Time `json:"at"`                        // when the provider accepted it
	RefusedAttempt int32     `json:"refused_attempt,omitempty"` // see above; never in the ledger
}

// Ledger remembers, per step, the provider id of what was sent.
type Ledger interface {
	Lookup(key string) (Sent, bool)
	Record(s Sent) error
}

// MemoryLedger is a Ledger for tests and for runs without a data dir.
type MemoryLedger struct {
	mu sync.Mutex
	m  map[string]Sent
}

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger() *MemoryLedger { return &MemoryLedger{m: map[string]Sent{}} }

func (l *MemoryLedger) Lookup(key string) (Sent, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.m[key]
	return s, ok
}

func (l *MemoryLedger) Record(s Sent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[s.Key] = s
	return nil
}

// FileLedger is a Ledger kept as an append-only JSON-lines file, synced on
// every record, so it survives a worker restart on the same volume. It holds
// step keys and provider ids only, never personal data (V-14).
type FileLedger struct {
	mem *MemoryLedger
	mu  sync.Mutex
	f   *os.File
}

// OpenFileLedger loads (or creates) the ledger at path. A torn last line
// from a crash is ignored.
func OpenFileLedger(path string) (*FileLedger, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("outreach ledger: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("outreach ledger: %w", err)
	}
	mem := NewMemoryLedger()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var s Sent
		if json.Unmarshal(sc.Bytes(), &s) == nil && s.Key != "" {
			mem.m[s.Key] = s
		}
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, fmt.Errorf("outreach ledger %s: %w", path, err)
	}
	return &FileLedger{mem: mem, f: f}, nil
}

func (l *FileLedger) Lookup(key string) (Sent, bool) { return l.mem.Lookup(key) }

func (l *FileLedger) Record(s Sent) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("outreach ledger: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("outreach ledger: %w", err)
	}
	return l.mem.Record(s)
}

// Close closes the file.
func (l *FileLedger) Close() error { return l.f.Close() }

// reconcileMargin widens the provider look-up window for clock skew between
// Temporal and the provider.
const reconcileMargin = 5 * time.Minute

// once runs send at most once per step key, as far as it can know:
//
//  1. the ledger (survives retries and restarts of this worker's volume);
//  2. the activity's heartbeat details (survive retries on any worker:
//     Temporal keeps the last heartbeat across attempts);
//  3. on a retry whose predecessors' fate is unknown, reconcile asks the
//     provider whether an earlier attempt's send was accepted after all
//     (its answer was lost, it timed out, its worker was killed).
//
// A retry looks up only when the fate is unknown: an attempt the provider
// definitely refused (ErrRefused: 429/503 with the provider's error body, a
// refused connection), when every attempt before it was refused the same
// way, heartbeats that fact (Sent.RefusedAttempt) before it fails, and the
// next attempt then sends straight away, one provider call instead of two.
// Anything else (a 500, a timeout, a failed look-up, a killed worker that
// heartbeated nothing) leaves the fate unknown for good: every later attempt
// looks up first. A look-up that finds nothing does not vouch, because the
// provider's lists lag behind its sends.
//
// After the provider accepts, the Sent is heartbeated first (cheap, durable
// in Temporal) and then written to the ledger.
func once(ctx context.Context, ledger Ledger, key, channel string,
	reconcile func(since time.Time) (Sent, bool, error),
	send func() (Sent, error),
) (Sent, bool, error) {
	if s, ok := ledger.Lookup(key); ok && s.Channel == channel && s.SID != "" {
		return s, true, nil
	}
	inActivity := activity.IsActivity(ctx)
	var attempt int32 = 1
	nothingSent := true // every attempt so far was refused outright (or none was made)
	if inActivity {
		info := activity.GetInfo(ctx)
		attempt = info.Attempt
		nothingSent = attempt <= 1 // no earlier attempt: nothing can have been sent
		if activity.HasHeartbeatDetails(ctx) {
			var s Sent
			if err := activity.GetHeartbeatDetails(ctx, &s); err == nil && s.Key == key && s.Channel == channel {
				if s.SID != "" {
					_ = ledger.Record(s)
					return s, true, nil
				}
				// Only the attempt right before this one vouches: an attempt
				// in between may have sent and died before heartbeating.
				nothingSent = nothingSent || (s.RefusedAttempt > 0 && s.RefusedAttempt == attempt-1)
			}
		}
		if !nothingSent && reconcile != nil {
			since := info.ScheduledTime
			if since.IsZero() {
				since = time.Now().Add(-24 * time.Hour)
			}
			s, found, err := reconcile(since.Add(-reconcileMargin))
			if err != nil {
				// Do not send blind: a lost answer may have been a send. The
				// fate stays unknown, so the next attempt looks up again.
				return Sent{}, false, classifyTwilio("reconcile", err)
			}
			if found {
				s.Key, s.Channel = key, channel
				activity.RecordHeartbeat(ctx, s)
				_ = ledger.Record(s)
				return s, true, nil
			}
		}
	}
	s, err := send()
	if err != nil {
		if inActivity && nothingSent && isRefused(err) {
			// Nothing was sent up to and including this attempt: tell the
			// next attempt it need not look. A failed attempt's heartbeat
			// reaches Temporal with its failure.
			activity.RecordHeartbeat(ctx, Sent{Key: key, Channel: channel, RefusedAttempt: attempt})
		}
		return Sent{}, false, err
	}
	s.Key, s.Channel = key, channel
	if s.At.IsZero() {
		s.At = time.Now().UTC()
	}
	if inActivity {
		activity.RecordHeartbeat(ctx, s)
	}
	if err := ledger.Record(s); err != nil {
		// The provider has the message: report success rather than invite a
		// retry; the heartbeat above still guards this activity's retries.
		if inActivity {
			activity.GetLogger(ctx).Warn("outreach ledger write failed", "step", key, "error", err)
		}
	}
	return s, false, nil
}
