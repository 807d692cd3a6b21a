package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Partner request signatures (issue #16, H1).
//
// A partner signs the whole request, not only its body: the signed string
// (the "signature base", in the manner of RFC 9421 HTTP Message
// Signatures, with HMAC-SHA256 as the algorithm) is seven lines joined by
// "\n", no trailing newline:
//
//	jobflow-sig-v2
//	<t: unix seconds>
//	<n: the request's nonce, 16-64 characters A-Z a-z 0-9 _ ->
//	<METHOD, upper case>
//	<path with its query, exactly as sent: /v1/tasks/task-acme-T-1/delete>
//	<partner id, as in X-Partner-Id>
//	<hex sha256 of the raw body; of the empty string for an empty body>
//
// and the header is X-Signature: t=<t>,n=<nonce>,v2=<hex HMAC-SHA256 of the
// base>. Several v2 entries are allowed (the sender's secret rotation).
// A signature is good for one request: the server remembers every
// (partner, nonce) it accepted for the tolerance window (ReplayCache) and
// refuses a second use with 401 replayed_signature. A client that retries
// signs again with a fresh nonce.

// SignatureTolerance is how far a request's timestamp may be from the
// server's clock, either way, before the request is refused as stale.
const SignatureTolerance = 5 * time.Minute

// Header names of a partner's signed request.
const (
	HeaderPartner   = "X-Partner-Id"
	HeaderSignature = "X-Signature"
)

// signatureScheme is the first line of the signature base.
const signatureScheme = "jobflow-sig-v2"

var nonceRe = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// SignatureError says why a partner request was refused (401). Code is
// stable: missing_signature, malformed_signature, outdated_signature,
// stale_signature, invalid_signature, replayed_signature.
type SignatureError struct{ Code, Message string }

func (e *SignatureError) Error() string { return e.Code + ": " + e.Message }

// SignedRequest is what a signature covers.
type SignedRequest struct {
	Partner string
	Method  string
	Target  string // the path with its query, as sent: r.URL.RequestURI()
	Body    []byte
}

// SignatureBase is the string a partner signs (see the package comment
// above and README "Request signatures").
func SignatureBase(ts, nonce string, q SignedRequest) string {
	sum := sha256.Sum256(q.Body)
	return strings.Join([]string{signatureScheme, ts, nonce, strings.ToUpper(q.Method), q.Target, q.Partner,
		hex.EncodeToString(sum[:])}, "\n")
}

// NewNonce returns a random 32-character nonce.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sign returns the X-Signature header value for q sent at t, with a fresh
// nonce: "t=<unix>,n=<nonce>,v2=<hex>".
func Sign(secret []byte, t time.Time, q SignedRequest) string {
	return SignWithNonce(secret, t, NewNonce(), q)
}

// SignWithNonce is Sign with a given nonce (worked examples, tests).
func SignWithNonce(secret []byte, t time.Time, nonce string, q SignedRequest) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",n=" + nonce + ",v2=" + hex.EncodeToString(mac(secret, SignatureBase(ts, nonce, q)))
}

// SignHTTP sets X-Partner-Id and a fresh X-Signature on req for body (the
// bytes req sends). Every Go client signs through it.
func SignHTTP(req *http.Request, partner string, secret []byte, body []byte) {
	req.Header.Set(HeaderPartner, partner)
	req.Header.Set(HeaderSignature, Sign(secret, time.Now(), SignedRequest{
		Partner: partner, Method: req.Method, Target: req.URL.RequestURI(), Body: body}))
}

func mac(secret []byte, base string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(base))
	return m.Sum(nil)
}

// ParsedSignature is a well-formed X-Signature header.
type ParsedSignature struct {
	TS    string
	Unix  int64
	Nonce string
	Sigs  [][]byte
}

// ParseSignature parses an X-Signature header. It refuses duplicate t or n
// entries, unknown keys, and the old body-only v1 form (outdated_signature).
func ParseSignature(header string) (ParsedSignature, error) {
	var p ParsedSignature
	if strings.TrimSpace(header) == "" {
		return p, &SignatureError{"missing_signature", "X-Signature header is required: t=<unix seconds>,n=<nonce>,v2=<hex hmac-sha256>"}
	}
	if len(header) > 1024 {
		return p, &SignatureError{"malformed_signature", "X-Signature is too long"}
	}
	var haveT, haveN, v1 bool
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, &SignatureError{"malformed_signature", "X-Signature must look like t=<unix seconds>,n=<nonce>,v2=<hex>"}
		}
		switch k {
		case "t":
			if haveT {
				return p, &SignatureError{"malformed_signature", "X-Signature carries t twice"}
			}
			haveT, p.TS = true, v
		case "n":
			if haveN {
				return p, &SignatureError{"malformed_signature", "X-Signature carries n twice"}
			}
			haveN, p.Nonce = true, v
		case "v2":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return p, &SignatureError{"malformed_signature", "v2 must be 64 hex digits"}
			}
			if len(p.Sigs) >= 4 {
				return p, &SignatureError{"malformed_signature", "at most 4 v2 entries"}
			}
			p.Sigs = append(p.Sigs, b)
		case "v1":
			v1 = true
		default:
			return p, &SignatureError{"malformed_signature", "X-Signature has an unknown entry " + strconv.Quote(k)}
		}
	}
	if v1 && len(p.Sigs) == 0 {
		return p, &SignatureError{"outdated_signature", "v1 (body-only) signatures are no longer accepted; sign method, path, partner and body digest as v2 (README: Request signatures)"}
	}
	unix, err := strconv.ParseInt(p.TS, 10, 64)
	if err != nil || len(p.TS) > 12 || !haveN || len(p.Sigs) == 0 {
		return p, &SignatureError{"malformed_signature", "X-Signature must carry t=<unix seconds>, n=<nonce> and v2=<hex>"}
	}
	if !nonceRe.MatchString(p.Nonce) {
		return p, &SignatureError{"malformed_signature", "n must be 16-64 characters A-Z, a-z, 0-9, '_' or '-'"}
	}
	p.Unix = unix
	return p, nil
}

// VerifySignature checks header against q with the partner's secret
// (format, clock, MAC; not replay: see ReplayCache). One v2 entry must
// match; comparison is constant-time.
func VerifySignature(secret []byte, header string, q SignedRequest, now time.Time) error {
	p, err := ParseSignature(header)
	if err != nil {
		return err
	}
	return verifyParsed(secret, p, q, now)
}

func verifyParsed(secret []byte, p ParsedSignature, q SignedRequest, now time.Time) error {
	sent := time.Unix(p.Unix, 0)
	if d := now.Sub(sent); d > SignatureTolerance || d < -SignatureTolerance {
		return &SignatureError{"stale_signature", "the signature's timestamp is more than 5 minutes from the server's clock"}
	}
	want := mac(secret, SignatureBase(p.TS, p.Nonce, q))
	ok := 0
	for _, s := range p.Sigs {
		ok |= boolInt(hmac.Equal(s, want))
	}
	if ok == 0 {
		return &SignatureError{"invalid_signature", "unknown partner or bad signature"}
	}
	return nil
}

// unknownPartnerSecret is checked against for an unknown partner, so it
// costs the same and answers the same as a known partner's bad signature.
var unknownPartnerSecret = []byte("jobflow-unknown-partner-never-matches")

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DefaultReplayCapacity bounds the signatures a ReplayCache remembers.
const DefaultReplayCapacity = 200_000

// ReplayCache remembers the (partner, nonce) pairs of accepted signatures
// until their timestamp leaves the tolerance window (after that the
// signature is stale anyway). It is per process: with several API replicas
// a signature could be replayed once on each other replica within the
// window unless the load balancer pins partners to a replica (README).
type ReplayCache struct {
	mu       sync.Mutex
	seen     map[string]time.Time // key -> expiry
	capacity int
}

// NewReplayCache returns a cache for at most capacity live signatures.
func NewReplayCache(capacity int) *ReplayCache {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &ReplayCache{seen: map[string]time.Time{}, capacity: capacity}
}

// errReplayFull: more live signatures than the cache holds; refused rather
// than forgotten (a forgotten nonce could be replayed).
var errReplayFull = &SignatureError{"replay_cache_full", "too many signed requests in the last minutes; retry shortly with a new signature"}

// Check records partner+nonce sent at t and refuses one already recorded.
func (c *ReplayCache) Check(partner, nonce string, sent, now time.Time) error {
	key := partner + "\x00" + nonce
	exp := sent.Add(SignatureTolerance) // stale from then on
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.seen[key]; ok && now.Before(e) {
		return &SignatureError{"replayed_signature", "this signature was already used; sign every request (and every retry) with a new nonce"}
	}
	if len(c.seen) >= c.capacity {
		for k, e := range c.seen {
			if !now.Before(e) {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= c.capacity {
			return errReplayFull
		}
	}
	c.seen[key] = exp
	return nil
}
