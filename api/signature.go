package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SignatureTolerance is how far a request's timestamp may be from the
// server's clock, either way, before the request is refused as stale.
const SignatureTolerance = 5 * time.Minute

// Header names of a partner's signed request.
const (
	HeaderPartner   = "X-Partner-Id"
	HeaderSignature = "X-Signature"
)

// SignatureError says why a partner request was refused (401). Code is
// stable: missing_signature, malformed_signature, stale_signature,
// invalid_signature.
type SignatureError struct{ Code, Message string }

func (e *SignatureError) Error() string { return e.Code + ": " + e.Message }

// Sign returns the X-Signature header value for body sent at t:
// "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks header against body with the partner's secret.
// Several v1 entries are allowed (secret rotation on the sender's side);
// one must match. Comparison is constant-time.
func VerifySignature(secret []byte, header string, body []byte, now time.Time) error {
	if strings.TrimSpace(header) == "" {
		return &SignatureError{"missing_signature", "X-Signature header is required: t=<unix seconds>,v1=<hex hmac-sha256>"}
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return &SignatureError{"malformed_signature", "X-Signature must look like t=<unix seconds>,v1=<hex>"}
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return &SignatureError{"malformed_signature", "v1 must be 64 hex digits"}
			}
			sigs = append(sigs, b)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return &SignatureError{"malformed_signature", "X-Signature must carry t=<unix seconds> and v1=<hex>"}
	}
	sent := time.Unix(unix, 0)
	if d := now.Sub(sent); d > SignatureTolerance || d < -SignatureTolerance {
		return &SignatureError{"stale_signature", "the signature's timestamp is more than 5 minutes from the server's clock"}
	}
	want := mac(secret, ts, body)
	ok := 0
	for _, s := range sigs {
		ok |= boolInt(hmac.Equal(s, want))
	}
	if ok == 0 {
		return &SignatureError{"invalid_signature", "the signature does not match the body"}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
