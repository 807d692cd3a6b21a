package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Customer link actions.
const LinkActionRate = "rate"

// Link token errors.
var (
	ErrLinkMalformed = errors.New("link token is malformed")
	ErrLinkSignature = errors.New("link token signature does not match")
	ErrLinkScope     = errors.New("link token is for another visit or action")
	ErrLinkExpired   = errors.New("link token has expired")
)

const linkVersion = "l1"

// SignLink mints a customer link token bound to one visit (workflow id),
// one action and a random nonce, valid until exp:
// base64url("l1|<visit>|<action>|<exp unix>|<nonce>") + "." + base64url(HMAC-SHA256).
// The token proves who may act, not that the act is new: single use is
// enforced by the workflow (the rate Update refuses a second rating).
func SignLink(secret []byte, visitID, action string, exp time.Time) string {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	payload := strings.Join([]string{linkVersion, visitID, action,
		strconv.FormatInt(exp.Unix(), 10), base64.RawURLEncoding.EncodeToString(nonce)}, "|")
	enc := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return enc + "." + base64.RawURLEncoding.EncodeToString(linkMAC(secret, enc))
}

func linkMAC(secret []byte, enc string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("jobflow-link\x00"))
	m.Write([]byte(enc))
	return m.Sum(nil)
}

// VerifyLink checks a token minted by SignLink for visitID and action at now.
func VerifyLink(secret []byte, token, visitID, action string, now time.Time) error {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok {
		return ErrLinkMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return ErrLinkMalformed
	}
	if !hmac.Equal(got, linkMAC(secret, enc)) {
		return ErrLinkSignature
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return ErrLinkMalformed
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 5 || parts[0] != linkVersion {
		return ErrLinkMalformed
	}
	if parts[1] != visitID || parts[2] != action {
		return ErrLinkScope
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return ErrLinkMalformed
	}
	if !now.Before(time.Unix(exp, 0)) {
		return ErrLinkExpired
	}
	return nil
}

// RatingLink is the customer's rating URL for a visit:
// <base>/v1/visits/<id>/rating?token=<SignLink(..., "rate", exp)>.
func RatingLink(secret []byte, publicBaseURL, visitID string, exp time.Time) string {
	return strings.TrimRight(publicBaseURL, "/") + "/v1/visits/" + url.PathEscape(visitID) +
		"/rating?token=" + url.QueryEscape(SignLink(secret, visitID, LinkActionRate, exp))
}
