package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/visit"
)

// BookingRequest is a partner's booking as it arrives over HTTP or in a
// JSONL file (one object per line). Partner is optional over HTTP (the
// X-Partner-Id header names it; if given it must match) and names the
// partner in import files.
type BookingRequest struct {
	Partner     string          `json:"partner,omitempty"`
	BookingRef  string          `json:"booking_ref"`
	Market      string          `json:"market"`
	Region      string          `json:"region"`
	Customer    CustomerRequest `json:"customer"`
	Address     string          `json:"address"`
	Product     string          `json:"product"`
	Problem     string          `json:"problem"`
	WishedTimes []WindowRequest `json:"wished_times"`
	BookedAt    *time.Time      `json:"booked_at,omitempty"`
}

// CustomerRequest is the person helped (personal data: never logged).
type CustomerRequest struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	Language string `json:"language"`
}

// WindowRequest is one wished time window, RFC 3339 on both ends.
type WindowRequest struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Limits on a booking. Generous for people, small enough that a workflow
// input never grows large.
const (
	MaxBodyBytes    = 64 << 10
	maxRefLen       = 64
	maxRegionLen    = 64
	maxNameLen      = 200
	maxEmailLen     = 254
	maxAddressLen   = 500
	maxProductLen   = 200
	maxProblemLen   = 4000
	maxWindows      = 10
	maxFutureSkew   = 5 * time.Minute
	maxPartnerIDLen = 32
)

var (
	// booking_ref becomes part of the workflow id: letters, digits, ".", "_", "-".
	bookingRefRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	// partner ids carry no "-" so "visit-<partner>-<ref>" is unambiguous.
	partnerIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
	// regions go into search attributes and visibility queries: no quotes.
	regionRe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} _.-]*$`)
	// E.164: "+", country code, at most 15 digits in all.
	phoneRe = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// ValidPartnerID reports whether id may name a partner.
func ValidPartnerID(id string) bool {
	return len(id) <= maxPartnerIDLen && partnerIDRe.MatchString(id)
}

// DecodeStrict decodes exactly one JSON object into v, refusing unknown
// fields and trailing data, and maps failures to stable codes.
//
// Before decoding it refuses invalid UTF-8, duplicate keys and keys that
// match a field only without case (checkStrict, api/strict.go).
func DecodeStrict(data []byte, v any) *ValidationError {
	if e := checkStrict(data, reflect.TypeOf(v)); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return invalid("invalid_json", "", "the body must be exactly one JSON object")
	}
	return nil
}

func decodeError(err error) *ValidationError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var terr *time.ParseError
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return invalid("unknown_field", field, fmt.Sprintf("unknown field %q", field))
	case errors.As(err, &typ):
		return invalid("invalid_type", typ.Field, fmt.Sprintf("%s must be a JSON %s", orBody(typ.Field), jsonKind(typ.Type.Kind().String())))
	case errors.As(err, &terr):
		return invalid("invalid_time", "", "times must be RFC 3339 with a zone, e.g. 2026-11-24T09:00:00+01:00")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return invalid("invalid_json", "", "the body is not valid JSON")
	}
	return invalid("invalid_json", "", "the body could not be read as JSON")
}

func orBody(f string) string {
	if f == "" {
		return "the body"
	}
	return f
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// Validate checks a booking against the API's rules and returns the
// workflow's Booking. now is the reference for windows in the past and a
// missing booked_at.
func (r BookingRequest) Validate(partner string, now time.Time) (visit.Booking, *ValidationError) {
	var zero visit.Booking
	text := func(field, v string, max int) *ValidationError {
		if strings.TrimSpace(v) == "" {
			return invalid("missing_field", field, field+" is required")
		}
		if utf8.RuneCountInString(v) > max || !utf8.ValidString(v) {
			return invalid("field_too_long", field, fmt.Sprintf("%s is longer than %d characters", field, max))
		}
		return nil
	}
	if r.Partner != "" && r.Partner != partner {
		return zero, invalid("partner_mismatch", "partner", "partner in the body differs from the authenticated partner")
	}
	if !ValidPartnerID(partner) {
		return zero, invalid("invalid_partner", "partner", "partner ids are 1-32 characters a-z, 0-9 and _")
	}
	if e := text("booking_ref", r.BookingRef, maxRefLen); e != nil {
		return zero, e
	}
	if !bookingRefRe.MatchString(r.BookingRef) {
		return zero, invalid("invalid_booking_ref", "booking_ref", "booking_ref may hold only letters A-Z, digits, '.', '_' and '-', starting with a letter or digit")
	}
	if strings.TrimSpace(r.Market) == "" {
		return zero, invalid("missing_field", "market", "market is required")
	}
	market, err := rules.ParseMarket(r.Market)
	if err != nil {
		return zero, invalid("unknown_market", "market", err.Error())
	}
	if e := text("region", r.Region, maxRegionLen); e != nil {
		return zero, e
	}
	if !regionRe.MatchString(r.Region) {
		return zero, invalid("invalid_region", "region", "region may hold only letters, digits, spaces, '.', '_' and '-'")
	}
	if e := text("customer.name", r.Customer.Name, maxNameLen); e != nil {
		return zero, e
	}
	if strings.TrimSpace(r.Customer.Phone) == "" {
		return zero, invalid("missing_field", "customer.phone", "customer.phone is required")
	}
	if !phoneRe.MatchString(r.Customer.Phone) {
		return zero, invalid("invalid_phone", "customer.phone", "customer.phone must be in E.164 form: + and country code, digits only, e.g. +46701234567")
	}
	if e := text("customer.email", r.Customer.Email, maxEmailLen); e != nil {
		return zero, e
	}
	if !validEmail(r.Customer.Email) {
		return zero, invalid("invalid_email", "customer.email", "customer.email must be a plain address such as name@example.com")
	}
	if strings.TrimSpace(r.Customer.Language) == "" {
		return zero, invalid("missing_field", "customer.language", "customer.language is required")
	}
	lang, err := rules.ParseLanguage(r.Customer.Language)
	if err != nil {
		return zero, invalid("unknown_language", "customer.language", err.Error())
	}
	if e := text("address", r.Address, maxAddressLen); e != nil {
		return zero, e
	}
	if e := text("product", r.Product, maxProductLen); e != nil {
		return zero, e
	}
	if e := text("problem", r.Problem, maxProblemLen); e != nil {
		return zero, e
	}
	if len(r.WishedTimes) == 0 {
		return zero, invalid("missing_field", "wished_times", "wished_times needs at least one window {from, to}")
	}
	if len(r.WishedTimes) > maxWindows {
		return zero, invalid("too_many_windows", "wished_times", fmt.Sprintf("at most %d wished time windows", maxWindows))
	}
	windows := make([]rules.Window, len(r.WishedTimes))
	for i, w := range r.WishedTimes {
		f := fmt.Sprintf("wished_times[%d]", i)
		switch {
		case w.From.IsZero():
			return zero, invalid("missing_field", f+".from", f+".from is required")
		case w.To.IsZero():
			return zero, invalid("missing_field", f+".to", f+".to is required")
		case !w.To.After(w.From):
			return zero, invalid("window_reversed", f, f+" ends before it starts")
		case !w.To.After(now):
			return zero, invalid("window_in_past", f, f+" has already ended")
		}
		windows[i] = rules.Window{From: w.From.UTC(), To: w.To.UTC()}
	}
	if err := rules.ValidateWindows(windows, now); err != nil { // backstop: same rules as the workflow's
		return zero, invalid("invalid_window", "wished_times", err.Error())
	}
	bookedAt := now.UTC()
	if r.BookedAt != nil {
		if r.BookedAt.After(now.Add(maxFutureSkew)) {
			return zero, invalid("booked_at_in_future", "booked_at", "booked_at lies in the future")
		}
		bookedAt = r.BookedAt.UTC()
	}
	return visit.Booking{
		Partner:    partner,
		BookingRef: r.BookingRef,
		Market:     market,
		Region:     rules.NormalRegion(r.Region), // issue #17: one spelling for ops' filters
		Customer: jobcore.Customer{
			Name:     r.Customer.Name,
			Phone:    r.Customer.Phone,
			Email:    r.Customer.Email,
			Language: lang,
		},
		Address:     r.Address,
		Product:     r.Product,
		Problem:     r.Problem,
		WishedTimes: windows,
		BookedAt:    bookedAt,
	}, nil
}

// timeDependent reports whether a validation failure depends on the clock:
// a replay of a booking accepted earlier may legitimately fail it now.
func timeDependent(e *ValidationError) bool {
	return e != nil && (e.Code == "window_in_past" || e.Code == "invalid_window")
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.ContainsAny(s, " \t\r\n")
}

// Hash is the sha256 (hex) of the canonical booking: the request as parsed,
// with the partner set and every time in UTC, re-encoded with Go's stable
// field order. Whitespace, key order and time-zone spelling do not change
// it; any value does. It is stored in the workflow memo as booking_sha256.
func (r BookingRequest) Hash(partner string) string {
	c := r
	c.Partner = partner
	c.WishedTimes = make([]WindowRequest, len(r.WishedTimes))
	for i, w := range r.WishedTimes {
		c.WishedTimes[i] = WindowRequest{From: w.From.UTC(), To: w.To.UTC()}
	}
	if r.BookedAt != nil {
		t := r.BookedAt.UTC()
		c.BookedAt = &t
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
