package codec

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/converter"
	"golang.org/x/time/rate"
)

// Codec server defaults.
const (
	// DefaultCookieName is the session cookie /login sets.
	DefaultCookieName = "jobflow_codec_session"
	// DefaultSessionTTL is how long a /login session lasts.
	DefaultSessionTTL = 8 * time.Hour
	// DefaultMaxBodyBytes bounds /encode and /decode requests.
	DefaultMaxBodyBytes = 8 << 20
	// MinTokenLen is the shortest token accepted in CODEC_TOKENS.
	MinTokenLen = 16
)

// DefaultAllowedOrigins are the local Temporal UI's origins (up.sh).
var DefaultAllowedOrigins = []string{"http://127.0.0.1:8233", "http://localhost:8233"}

// ServerOptions configure NewHandler.
type ServerOptions struct {
	// Tokens are the bearer tokens that may use the codec (required).
	Tokens []string
	// AllowedOrigins are the browser origins (the Temporal UI) allowed to
	// call the codec cross-origin; exact matches, e.g. http://127.0.0.1:8233.
	AllowedOrigins []string
	// SessionTTL is the life of a /login cookie (default 8h).
	SessionTTL time.Duration
	// CookieName defaults to DefaultCookieName.
	CookieName string
	// SecureCookie marks the session cookie Secure (set it behind HTTPS).
	SecureCookie bool
	// MaxBodyBytes bounds request bodies (default 8 MiB).
	MaxBodyBytes int64
	// Logger gets one line per request (never tokens, cookies or bodies).
	Logger *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

// ParseTokens splits a comma- or newline-separated token list, dropping
// blanks and # comments, and refuses tokens shorter than MinTokenLen.
func ParseTokens(s string) ([]string, error) {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, t := range strings.Split(line, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if len(t) < MinTokenLen {
				return nil, fmt.Errorf("codec: a codec token is shorter than %d characters (use e.g. `openssl rand -hex 24`)", MinTokenLen)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// LoadTokens reads CODEC_TOKENS (inline) and CODEC_TOKENS_FILE (file); both
// may be set, and their tokens add up. None at all is an error: a codec
// server without authentication would decrypt for anyone.
func LoadTokens(inline, file string) ([]string, error) {
	toks, err := ParseTokens(inline)
	if err != nil {
		return nil, fmt.Errorf("CODEC_TOKENS: %w", err)
	}
	if strings.TrimSpace(file) != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("CODEC_TOKENS_FILE: %w", err)
		}
		more, err := ParseTokens(string(b))
		if err != nil {
			return nil, fmt.Errorf("CODEC_TOKENS_FILE=%s: %w", file, err)
		}
		toks = append(toks, more...)
	}
	if len(toks) == 0 {
		return nil, errors.New("codec server: no tokens configured: set CODEC_TOKENS (comma list) or CODEC_TOKENS_FILE")
	}
	return toks, nil
}

type server struct {
	o       ServerOptions
	hashes  [][sha256.Size]byte
	origins map[string]bool
	secret  []byte // signs session cookies; random per process
	codec   http.Handler

	// Issue #16: /login attempts per client address are rate limited, and
	// /logout revokes the session (until it would have expired).
	mu      sync.Mutex
	logins  map[string]*rate.Limiter
	revoked map[string]time.Time // session id -> its expiry
}

// LoginRate and LoginBurst bound /login posts per client address: a token
// cannot be guessed by trying (answered 429 with Retry-After).
const (
	LoginRate  = rate.Limit(5.0 / 60) // 5 a minute
	LoginBurst = 5
	maxTracked = 10_000 // login limiters and revoked sessions kept at most
)

// NewHandler serves the Temporal codec protocol for c behind token
// authentication and CORS:
//
//	POST [/{namespace}]/decode, /encode   the SDK's converter.NewPayloadCodecHTTPHandler;
//	                                      needs "Authorization: Bearer <token>" or a /login session cookie
//	OPTIONS *                             CORS preflight (allowed origins only)
//	GET  /login, POST /login              a form where ops exchange a token for a session cookie
//	                                      (for the Temporal UI, which cannot send a static token; see README)
//	POST /logout                          ends the session
//	GET  /healthz                         liveness, no auth
//
// Requests without valid credentials get 401 and nothing is decoded.
func NewHandler(c *Codec, o ServerOptions) (http.Handler, error) {
	if c == nil {
		return nil, errors.New("codec server: no codec")
	}
	if len(o.Tokens) == 0 {
		return nil, errors.New("codec server: no tokens configured: set CODEC_TOKENS (comma list) or CODEC_TOKENS_FILE")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.CookieName == "" {
		o.CookieName = DefaultCookieName
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &server{o: o, origins: map[string]bool{}, codec: converter.NewPayloadCodecHTTPHandler(c),
		logins: map[string]*rate.Limiter{}, revoked: map[string]time.Time{}}
	for _, t := range o.Tokens {
		s.hashes = append(s.hashes, sha256.Sum256([]byte(t)))
	}
	for _, origin := range o.AllowedOrigins {
		origin = strings.TrimRight(strings.TrimSpace(origin), "/")
		if origin == "" {
			continue
		}
		if origin == "*" {
			return nil, errors.New("codec server: CODEC_CORS_ORIGINS must list exact origins; * would let any web page decode with a logged-in browser")
		}
		s.origins[origin] = true
	}
	s.secret = make([]byte, 32)
	if _, err := rand.Read(s.secret); err != nil {
		return nil, err
	}
	return s, nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.o.Now()
	rec := &statusRecorder{ResponseWriter: w}
	s.serve(rec, r)
	if r.URL.Path != "/healthz" {
		s.o.Logger.Info("codec request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "origin", r.Header.Get("Origin"),
			"namespace", r.Header.Get("X-Namespace"), "duration_ms", s.o.Now().Sub(start).Milliseconds())
	}
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	allowed := s.cors(w, r)
	if r.Method == http.MethodOptions {
		if !allowed {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && !allowed && !sameOrigin(r, origin) {
		// Browsers send Origin on cross-origin calls and on form posts;
		// only the UI's origins and this server's own pages get through.
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	switch {
	case r.URL.Path == "/healthz" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	case r.URL.Path == "/login":
		s.login(w, r)
	case r.URL.Path == "/logout" && r.Method == http.MethodPost:
		if c, err := r.Cookie(s.o.CookieName); err == nil && s.validSession(c.Value) {
			s.revoke(c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: s.o.CookieName, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.o.SecureCookie})
		w.WriteHeader(http.StatusNoContent)
	case strings.HasSuffix(r.URL.Path, "/encode") || strings.HasSuffix(r.URL.Path, "/decode"):
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !allowed {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jobflow-codec"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"a valid codec token is required (Authorization: Bearer <token>, or sign in at /login)"}}` + "\n"))
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
			http.Error(w, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.o.MaxBodyBytes)
		s.codec.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// cors sets the CORS answer headers for an allowed Origin and reports
// whether the origin is allowed. Credentials are allowed (the UI's "include
// cross-origin credentials" sends the /login cookie); the origin is echoed
// exactly, never "*".
func (s *server) cors(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !s.origins[origin] {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization, Authorization-Extras")
	h.Set("Access-Control-Max-Age", "600")
	return true
}

func (s *server) validToken(tok string) bool {
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	h := sha256.Sum256([]byte(tok))
	ok := 0
	for _, want := range s.hashes {
		ok |= subtle.ConstantTimeCompare(h[:], want[:])
	}
	return ok == 1
}

func (s *server) authorized(r *http.Request) bool {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, tok, found := strings.Cut(auth, " ")
		if found && strings.EqualFold(scheme, "Bearer") && s.validToken(tok) {
			return true
		}
	}
	if c, err := r.Cookie(s.o.CookieName); err == nil {
		return s.validSession(c.Value)
	}
	return false
}

// Sessions are signed, not stored: "v2.<expiry unix>.<random id>.<hex
// HMAC(process secret)>". /logout revokes one (its id is kept until its
// expiry); a restart of the codec server (new secret) ends every session.
func (s *server) newSession() (string, time.Time) {
	exp := s.o.Now().Add(s.o.SessionTTL)
	e := strconv.FormatInt(exp.Unix(), 10)
	idb := make([]byte, 12)
	_, _ = rand.Read(idb)
	id := hex.EncodeToString(idb)
	return "v2." + e + "." + id + "." + hex.EncodeToString(s.sessionMAC(e, id)), exp
}

func (s *server) sessionMAC(exp, id string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("jobflow-codec-session\x00" + exp + "\x00" + id))
	return m.Sum(nil)
}

func (s *server) validSession(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 4 || parts[0] != "v2" {
		return false
	}
	sig, err := hex.DecodeString(parts[3])
	if err != nil || !hmac.Equal(sig, s.sessionMAC(parts[1], parts[2])) {
		return false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !s.o.Now().Before(time.Unix(exp, 0)) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, gone := s.revoked[parts[2]]
	return !gone
}

// revoke ends a valid session before its expiry (POST /logout).
func (s *server) revoke(v string) {
	parts := strings.Split(v, ".")
	exp, _ := strconv.ParseInt(parts[1], 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	if len(s.revoked) >= maxTracked {
		for id, e := range s.revoked {
			if !now.Before(e) {
				delete(s.revoked, id)
			}
		}
	}
	s.revoked[parts[2]] = time.Unix(exp, 0)
}

// loginAllowed takes one /login attempt of the client's address.
func (s *server) loginAllowed(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logins[host]
	if l == nil {
		if len(s.logins) >= maxTracked {
			s.logins = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(LoginRate, LoginBurst)
		s.logins[host] = l
	}
	return l.AllowN(s.o.Now(), 1)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobflow codec sign-in</title>
<style>body{font-family:sans-serif;max-width:38em;margin:3em auto}input[type=password]{width:100%}</style></head>
<body><h1>jobflow codec server</h1>
{{if .OK}}<p><strong>Signed in</strong> until {{.Until}}. The Temporal UI can now decode payloads,
provided its codec server settings point at this server and <em>Include cross-origin credentials</em> is on.</p>
{{if .Return}}<p><a href="{{.Return}}">Back to the Temporal UI</a></p>{{end}}
<form method="post" action="/logout"><button>Sign out</button></form>
{{else}}{{if .Failed}}<p style="color:#b00"><strong>That token is not valid.</strong></p>{{end}}
<p>Paste your codec token to let this browser see decoded payloads in the Temporal UI.</p>
<form method="post" action="/login">
<input type="password" name="token" autocomplete="off" autofocus>
<input type="hidden" name="return" value="{{.Return}}">
<p><button>Sign in</button></p></form>{{end}}
</body></html>`))

type loginData struct {
	OK, Failed bool
	Until      string
	Return     string
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	switch r.Method {
	case http.MethodGet:
		_ = loginPage.Execute(w, loginData{Return: s.safeReturn(r.URL.Query().Get("return"))})
	case http.MethodPost:
		if !s.loginAllowed(r) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "too many sign-in attempts; try again in a minute", http.StatusTooManyRequests)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		ret := s.safeReturn(r.PostForm.Get("return"))
		if !s.validToken(r.PostForm.Get("token")) {
			w.WriteHeader(http.StatusUnauthorized)
			_ = loginPage.Execute(w, loginData{Failed: true, Return: ret})
			return
		}
		v, exp := s.newSession()
		http.SetCookie(w, &http.Cookie{Name: s.o.CookieName, Value: v, Path: "/", Expires: exp,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.o.SecureCookie})
		_ = loginPage.Execute(w, loginData{OK: true, Until: exp.Format(time.RFC1123), Return: ret})
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
	}
}

// safeReturn keeps a return link only when it points into an allowed origin.
func (s *server) safeReturn(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	if !s.origins[u.Scheme+"://"+u.Host] {
		return ""
	}
	return u.String()
}

func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
