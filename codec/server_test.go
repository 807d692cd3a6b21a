package codec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jobflow/jobflow/codec"
)

const (
	uiOrigin = "http://127.0.0.1:8233"
	token    = "ops-token-0123456789abcdef"
)

type fixture struct {
	srv     *httptest.Server
	c       *codec.Codec
	body    []byte // a /decode request with anna encrypted
	logs    *bytes.Buffer
	encoded *commonpb.Payload
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	logs := &bytes.Buffer{}
	h, err := codec.NewHandler(c, codec.ServerOptions{
		Tokens:         []string{token, "second-token-0123456789"},
		AllowedOrigins: codec.DefaultAllowedOrigins,
		Logger:         slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	p, err := c.DataConverter(nil).ToPayload(anna)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	return &fixture{srv: srv, c: c, body: body, logs: logs, encoded: p}
}

func (f *fixture) do(t *testing.T, method, path string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func readAll(t *testing.T, r io.Reader) string {
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServer_DecodeNeedsToken(t *testing.T) {
	f := newFixture(t)
	for name, hdr := range map[string]map[string]string{
		"none":         {"Content-Type": "application/json", "X-Namespace": "default"},
		"wrong token":  {"Content-Type": "application/json", "Authorization": "Bearer nope-nope-nope-nope-nope"},
		"basic scheme": {"Content-Type": "application/json", "Authorization": "Basic " + token},
		"bare token":   {"Content-Type": "application/json", "Authorization": token},
	} {
		res := f.do(t, "POST", "/decode", f.body, hdr)
		body := readAll(t, res.Body)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d", name, res.StatusCode)
		}
		if strings.Contains(body, anna.Name) || strings.Contains(body, "payloads") {
			t.Errorf("%s: 401 body leaks: %s", name, body)
		}
	}
}

func TestServer_DecodeWithTokenGivesJSON(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/decode", "/default/decode"} { // CLI endpoint templating
		res := f.do(t, "POST", path, f.body, map[string]string{
			"Content-Type": "application/json", "X-Namespace": "default", "Authorization": "Bearer " + token})
		body := readAll(t, res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, res.StatusCode, body)
		}
		var out commonpb.Payloads
		if err := protojson.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Payloads) != 1 || string(out.Payloads[0].Metadata["encoding"]) != "json/plain" {
			t.Fatalf("not decoded: %s", body)
		}
		var back customer
		if err := json.Unmarshal(out.Payloads[0].Data, &back); err != nil || back != anna {
			t.Fatalf("decoded data: %v %s", err, out.Payloads[0].Data)
		}
	}
	if strings.Contains(f.logs.String(), token) || strings.Contains(f.logs.String(), anna.Name) {
		t.Fatalf("log shows a token or personal data: %s", f.logs)
	}
}

func TestServer_EncodeRoundTrip(t *testing.T) {
	f := newFixture(t)
	plain, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{{
		Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"hello"`)}}})
	res := f.do(t, "POST", "/encode", plain, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"})
	body := readAll(t, res.Body)
	if res.StatusCode != 200 || strings.Contains(body, "hello") || !strings.Contains(body, base64Std("binary/encrypted")) {
		t.Fatalf("encode: %d %s", res.StatusCode, body)
	}
}

func base64Std(s string) string {
	b, _ := json.Marshal([]byte(s))
	return strings.Trim(string(b), `"`)
}

func TestServer_CORSPreflightAndHeaders(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, "OPTIONS", "/decode", nil, map[string]string{
		"Origin":                         uiOrigin,
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type,x-namespace,authorization",
	})
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight status %d", res.StatusCode)
	}
	h := res.Header
	if h.Get("Access-Control-Allow-Origin") != uiOrigin || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight headers: %v", h)
	}
	allow := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
	for _, want := range []string{"content-type", "x-namespace", "authorization"} {
		if !strings.Contains(allow, want) {
			t.Errorf("Allow-Headers %q lacks %s", allow, want)
		}
	}
	if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("Allow-Methods: %q", h.Get("Access-Control-Allow-Methods"))
	}

	// The actual call from the UI's origin carries the CORS headers, on 200 and on 401.
	for _, hdr := range []map[string]string{
		{"Origin": uiOrigin, "Content-Type": "application/json", "Authorization": "Bearer " + token},
		{"Origin": uiOrigin, "Content-Type": "application/json"},
	} {
		res := f.do(t, "POST", "/decode", f.body, hdr)
		if res.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
			t.Errorf("status %d without Allow-Origin", res.StatusCode)
		}
	}

	// Other origins: no CORS headers, refused.
	evil := f.do(t, "OPTIONS", "/decode", nil, map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
	if evil.StatusCode != http.StatusForbidden || evil.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d %v", evil.StatusCode, evil.Header)
	}
	post := f.do(t, "POST", "/decode", f.body, map[string]string{"Origin": "http://evil.example", "Authorization": "Bearer " + token})
	if post.StatusCode != http.StatusForbidden || strings.Contains(readAll(t, post.Body), anna.Name) {
		t.Fatalf("foreign origin POST: %d", post.StatusCode)
	}
}

func TestServer_LoginCookieSession(t *testing.T) {
	f := newFixture(t)
	jarless := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	bad, _ := jarless.PostForm(f.srv.URL+"/login", url.Values{"token": {"wrong-wrong-wrong-wrong"}})
	bad.Body.Close()
	if bad.StatusCode != http.StatusUnauthorized || len(bad.Cookies()) != 0 {
		t.Fatalf("bad login: %d %v", bad.StatusCode, bad.Cookies())
	}
	good, err := jarless.PostForm(f.srv.URL+"/login", url.Values{"token": {token}, "return": {uiOrigin + "/namespaces/default/workflows"}})
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, good.Body)
	good.Body.Close()
	if good.StatusCode != 200 || len(good.Cookies()) != 1 || !strings.Contains(page, uiOrigin+"/namespaces/default/workflows") {
		t.Fatalf("login: %d %v", good.StatusCode, good.Cookies())
	}
	ck := good.Cookies()[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || strings.Contains(ck.Value, token) {
		t.Fatalf("cookie flags/value: %+v", ck)
	}
	res := f.do(t, "POST", "/decode", f.body, map[string]string{"Origin": uiOrigin, "Content-Type": "application/json", "Cookie": ck.Name + "=" + ck.Value})
	if res.StatusCode != 200 || !strings.Contains(readAll(t, res.Body), base64Std("json/plain")) {
		t.Fatalf("decode with session cookie: %d", res.StatusCode)
	}
	forged := f.do(t, "POST", "/decode", f.body, map[string]string{"Cookie": ck.Name + "=v1.99999999999.00"})
	if forged.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged cookie: %d", forged.StatusCode)
	}
	// A return link outside the allowed origins is dropped (no open redirect).
	other, _ := jarless.PostForm(f.srv.URL+"/login", url.Values{"token": {token}, "return": {"http://evil.example/"}})
	if strings.Contains(readAll(t, other.Body), "evil.example") {
		t.Fatal("foreign return link kept")
	}
	other.Body.Close()
}

func TestServer_MethodsAndLimits(t *testing.T) {
	f := newFixture(t)
	if res := f.do(t, "GET", "/decode", nil, map[string]string{"Authorization": "Bearer " + token}); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /decode: %d", res.StatusCode)
	}
	if res := f.do(t, "GET", "/healthz", nil, nil); res.StatusCode != 200 {
		t.Errorf("healthz: %d", res.StatusCode)
	}
	if res := f.do(t, "POST", "/decode", []byte("{not json"), map[string]string{"Authorization": "Bearer " + token}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("garbage: %d", res.StatusCode)
	}
	big := bytes.Repeat([]byte("a"), codec.DefaultMaxBodyBytes+10)
	if res := f.do(t, "POST", "/decode", big, map[string]string{"Authorization": "Bearer " + token}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized: %d", res.StatusCode)
	}
	if res := f.do(t, "POST", "/elsewhere", nil, map[string]string{"Authorization": "Bearer " + token}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
}

func TestNewHandler_RefusesNoTokensOrWildcard(t *testing.T) {
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	if _, err := codec.NewHandler(c, codec.ServerOptions{}); err == nil {
		t.Fatal("no tokens must be refused")
	}
	if _, err := codec.NewHandler(c, codec.ServerOptions{Tokens: []string{token}, AllowedOrigins: []string{"*"}}); err == nil {
		t.Fatal("* origin must be refused")
	}
	if _, err := codec.ParseTokens("short"); err == nil {
		t.Fatal("short token must be refused")
	}
	if _, err := codec.LoadTokens("", ""); err == nil {
		t.Fatal("no tokens at all must be refused")
	}
}

// Issue #16: /logout revokes the session (the cookie no longer decodes,
// even when kept), and /login attempts are rate limited per client address
// (a token cannot be guessed by trying).
func TestServer_LogoutRevokesAndLoginIsRateLimited(t *testing.T) {
	f := newFixture(t)
	jarless := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	good, err := jarless.PostForm(f.srv.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	good.Body.Close()
	ck := good.Cookies()[0]
	cookie := map[string]string{"Content-Type": "application/json", "Cookie": ck.Name + "=" + ck.Value}
	if res := f.do(t, "POST", "/decode", f.body, cookie); res.StatusCode != 200 {
		t.Fatalf("decode with the session: %d", res.StatusCode)
	}
	if res := f.do(t, "POST", "/logout", nil, map[string]string{"Cookie": ck.Name + "=" + ck.Value}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res := f.do(t, "POST", "/decode", f.body, cookie); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked session still decodes: %d", res.StatusCode)
	}

	codes := map[int]int{}
	for i := 0; i < codec.LoginBurst+2; i++ {
		res, err := jarless.PostForm(f.srv.URL+"/login", url.Values{"token": {"wrong-wrong-wrong-wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes[res.StatusCode]++
		if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// One attempt went to the good login above: the burst allows LoginBurst in all.
	if codes[http.StatusTooManyRequests] != 3 || codes[http.StatusUnauthorized] != codec.LoginBurst-1 {
		t.Fatalf("attempts answered %v, want %d × 401 then 429", codes, codec.LoginBurst-1)
	}
}
