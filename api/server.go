package api

import (
	"context"
	_ "embed"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3 document (api/openapi.json).
func OpenAPI() []byte { return openAPIDoc }

// Server is the HTTP API. Temporal calls go through Visits.Client, so tests
// run it against a real dev server.
type Server struct {
	Visits     *Visits
	Partners   *Partners
	Tokens     *Tokens
	LinkSecret []byte
	Logger     *slog.Logger
	// RequestTimeout bounds the Temporal calls of one request (default 15s).
	RequestTimeout time.Duration
	// Replay remembers accepted partner signatures (nil: one of
	// DefaultReplayCapacity, made on first use).
	Replay *ReplayCache

	initOnce sync.Once
	limits   *limiters
}

// init fills the lazily made parts (replay cache, rate limiters).
func (s *Server) init() {
	s.initOnce.Do(func() {
		if s.Replay == nil {
			s.Replay = NewReplayCache(0)
		}
		s.limits = newLimiters()
	})
}

// clock is the server's now (Visits.Now in tests).
func (s *Server) clock() time.Time {
	if s.Visits == nil {
		return time.Now()
	}
	return s.Visits.now()
}

// partnerAuth authenticates a partner-signed request: the signature must
// be well formed, fresh, made with the partner's secret over this method,
// path, partner and body, and not seen before. An unknown partner is
// checked against a dummy secret and answered exactly like a known
// partner's bad signature (401 invalid_signature), so the answer does not
// tell which partner ids exist. suffix is appended to the message.
func (s *Server) partnerAuth(w http.ResponseWriter, r *http.Request, body []byte, suffix string) (*Partner, bool) {
	s.init()
	partnerID := r.Header.Get(HeaderPartner)
	refuse := func(err error) (*Partner, bool) {
		var se *SignatureError
		errors.As(err, &se)
		fail(w, r, http.StatusUnauthorized, se.Code, se.Message+suffix, "")
		return nil, false
	}
	ps, err := ParseSignature(r.Header.Get(HeaderSignature))
	if err != nil {
		return refuse(err)
	}
	pt, known := s.Partners.Get(partnerID)
	secret := unknownPartnerSecret
	if known {
		secret = pt.secret
	}
	now := s.clock()
	q := SignedRequest{Partner: partnerID, Method: r.Method, Target: r.URL.RequestURI(), Body: body}
	if err := verifyParsed(secret, ps, q, now); err != nil || !known {
		if err == nil {
			err = &SignatureError{"invalid_signature", "unknown partner or bad signature"}
		}
		if ValidPartnerID(partnerID) {
			info(r).partner = partnerID // unknown ids are logged only when well-formed
		}
		return refuse(err)
	}
	info(r).partner = pt.ID
	if err := s.Replay.Check(pt.ID, ps.Nonce, time.Unix(ps.Unix, 0), now); err != nil {
		return refuse(err)
	}
	return pt, true
}

// Route is one registered endpoint; Routes lists them all, and the test
// compares them with openapi.json both ways.
type Route struct {
	Method, Path string
	handler      http.HandlerFunc
}

func (s *Server) routes() []Route {
	rs := []Route{
		{"GET", "/healthz", s.healthz},
		{"GET", "/readyz", s.readyz},
		{"GET", "/openapi.json", s.openapi},
		{"POST", "/v1/bookings", s.book},
		{"GET", "/v1/visits", s.list},
		{"GET", "/v1/visits/{id}", s.get},
		{"GET", "/v1/visits/{id}/contact", s.contact},
		{"POST", "/v1/visits/{id}/rating", s.rate},
		{"GET", "/v1/visits/{id}/rating", s.ratingPage},
		{"GET", "/v1/visits/{id}/complaint", s.complaintPage},
		{"POST", "/v1/visits/{id}/rating-link", s.ratingLink},
	}
	for _, a := range actions {
		a := a
		rs = append(rs, Route{"POST", "/v1/visits/{id}/" + a.path, s.act(a)})
	}
	rs = append(rs, s.absenceRoutes()...) // absences (api/absences.go)
	// Reclamations and rating follow-ups (api/reclamations.go).
	rs = append(rs, s.reclamationRoutes()...)
	rs = append(rs, s.taskRoutes()...) // tasks (api/tasks.go)
	return rs
}

// Routes lists every method and path the API serves.
func (s *Server) Routes() []Route { return s.routes() }

// Handler returns the API with request logging.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.HandleFunc(r.Method+" "+r.Path, r.handler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint; see /openapi.json", "")
	})
	return s.logRequests(mux)
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// logInfo is filled by handlers with what may be logged about a request.
type logInfo struct {
	workflowID, partner, role, actor, code string
}

type logKey struct{}

func info(r *http.Request) *logInfo {
	if li, ok := r.Context().Value(logKey{}).(*logInfo); ok {
		return li
	}
	return &logInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs one line per request: method, route pattern (never the
// raw URL: link tokens travel in the query), workflow id, partner or
// principal, status, error code, duration. No bodies, no personal data.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		li := &logInfo{}
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), logKey{}, li))
		next.ServeHTTP(sw, r)
		if r.Pattern == "GET /healthz" || r.Pattern == "GET /readyz" {
			return
		}
		attrs := []any{"method", r.Method, "route", r.Pattern, "status", sw.status,
			"duration_ms", time.Since(start).Milliseconds()}
		if li.workflowID != "" {
			attrs = append(attrs, "workflow_id", li.workflowID)
		}
		if li.partner != "" {
			attrs = append(attrs, "partner", li.partner)
		}
		if li.role != "" {
			attrs = append(attrs, "role", li.role)
		}
		if li.actor != "" {
			attrs = append(attrs, "actor", li.actor)
		}
		if li.code != "" {
			attrs = append(attrs, "code", li.code)
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.logger().Log(r.Context(), level, "http request", attrs...)
	})
}

func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	d := s.RequestTimeout
	if d <= 0 {
		d = 15 * time.Second
	}
	return context.WithTimeout(r.Context(), d)
}

// fail writes an error answer and remembers its code for the log line.
func fail(w http.ResponseWriter, r *http.Request, status int, code, msg, field string) {
	info(r).code = code
	writeError(w, status, code, msg, field)
}

func failValidation(w http.ResponseWriter, r *http.Request, e *ValidationError) {
	fail(w, r, http.StatusUnprocessableEntity, e.Code, e.Message, e.Field)
}

// failTemporal maps an error from Temporal to an answer.
func (s *Server) failTemporal(w http.ResponseWriter, r *http.Request, err error) {
	var nf *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.As(err, &nf):
		fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &deadline):
		// Temporal's own deadline (a busy server) is a timeout too: the
		// outcome is unknown and a retry of the same request is safe.
		fail(w, r, http.StatusGatewayTimeout, "temporal_timeout", "the visit did not answer in time; is the worker running?", "")
	case errors.As(err, &unavailable):
		fail(w, r, http.StatusServiceUnavailable, "temporal_unavailable", "Temporal is not reachable", "")
	default:
		s.logger().Error("temporal call failed", "route", r.Pattern, "workflow_id", info(r).workflowID, "error_type", errType(err))
		fail(w, r, http.StatusInternalServerError, "internal", "internal error", "")
	}
}

// errType names an error's type without its message (messages from
// Temporal may echo payloads).
func errType(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	return strings.TrimPrefix(strings.TrimPrefix(typeName(err), "*"), "serviceerror.")
}

// readBody reads at most MaxBodyBytes; larger bodies are answered 413.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, r, http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than 64 KiB", "")
		} else {
			fail(w, r, http.StatusBadRequest, "unreadable_body", "the body could not be read", "")
		}
		return nil, false
	}
	return b, true
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := s.Visits.Client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		fail(w, r, http.StatusServiceUnavailable, "temporal_unavailable", "Temporal is not reachable", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// book is POST /v1/bookings: a partner's signed booking.
func (s *Server) book(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	pt, ok := s.partnerAuth(w, r, body, "; nothing was started")
	if !ok {
		return
	}
	var req BookingRequest
	if e := DecodeStrict(body, &req); e != nil {
		failValidation(w, r, e)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := s.Visits.Book(ctx, pt.ID, req)
	if res.WorkflowID != "" {
		info(r).workflowID = res.WorkflowID
	}
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		failValidation(w, r, verr)
	case errors.Is(err, ErrBookingConflict):
		if bookingRefRe.MatchString(req.BookingRef) {
			info(r).workflowID = visitIDOf(pt.ID, req.BookingRef)
		}
		fail(w, r, http.StatusConflict, "booking_conflict", "booking_ref "+req.BookingRef+" was already booked with different details; use a new booking_ref", "booking_ref")
	case err != nil:
		s.failTemporal(w, r, err)
	case res.Created:
		w.Header().Set("Location", "/v1/visits/"+res.WorkflowID)
		writeJSON(w, http.StatusCreated, res)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func keywordAttr(p *commonpb.Payload) string {
	if p == nil {
		return ""
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err != nil {
		var ss []string // keyword lists decode as arrays
		if converter.GetDefaultDataConverter().FromPayload(p, &ss) == nil && len(ss) > 0 {
			return ss[0]
		}
	}
	return s
}

func timeAttr(p *commonpb.Payload) *time.Time {
	if p == nil {
		return nil
	}
	var t time.Time
	if err := converter.GetDefaultDataConverter().FromPayload(p, &t); err != nil || t.IsZero() {
		return nil
	}
	return &t
}
