package outreach

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
)

// specsDir finds ../shared/specs beside the repository root (or
// $JOBFLOW_SHARED/specs). Missing specs skip the test locally and fail it
// in CI.
func specsDir(t *testing.T) string {
	t.Helper()
	var shared string
	if s := os.Getenv("JOBFLOW_SHARED"); s != "" {
		shared = s
	} else {
		dir, _ := os.Getwd()
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatal("no go.mod above the test directory")
			}
			dir = parent
		}
		shared = filepath.Join(dir, "..", "shared")
	}
	specs := filepath.Join(shared, "specs")
	if _, err := os.Stat(filepath.Join(specs, "twilio_api_v2010.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("specs not found at %s (set JOBFLOW_SHARED): %v", specs, err)
		}
		t.Skipf("specs not found at %s", specs)
	}
	return specs
}

// spec is a parsed OpenAPI document with a small JSON-schema validator:
// enough of the keywords the Twilio and SendGrid specs use to fail on a
// wrong field, type, enum, pattern, length or a missing required field.
type spec struct{ doc map[string]any }

func loadSpec(t *testing.T, path string) spec {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return spec{doc}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func (s spec) resolve(n map[string]any) map[string]any {
	for n != nil {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		cur := any(s.doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = obj(cur)[part]
		}
		n = obj(cur)
	}
	return n
}

// operation finds the path template matching a concrete path and returns
// the operation and the path parameters.
func (s spec) operation(method, path string) (map[string]any, map[string]string, bool) {
	for tmpl, item := range obj(s.doc["paths"]) {
		var names []string
		var re strings.Builder
		for _, part := range regexp.MustCompile(`\{[^}]+\}|[^{]+`).FindAllString(tmpl, -1) {
			if strings.HasPrefix(part, "{") {
				names = append(names, strings.Trim(part, "{}"))
				re.WriteString(`([^/]+?)`)
			} else {
				re.WriteString(regexp.QuoteMeta(part))
			}
		}
		m := regexp.MustCompile("^" + re.String() + "$").FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := obj(obj(item)[strings.ToLower(method)])
		if op == nil {
			continue
		}
		params := map[string]string{}
		for i, n := range names {
			params[n] = m[i+1]
		}
		return op, params, true
	}
	return nil, nil, false
}

func (s spec) validate(at string, schema map[string]any, v any) []string {
	schema = s.resolve(schema)
	if schema == nil {
		return nil
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, s.validate(at, obj(sub), v)...)
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := schema[key].([]any); ok {
			okAny := false
			for _, sub := range alts {
				if len(s.validate(at, obj(sub), v)) == 0 {
					okAny = true
				}
			}
			if !okAny {
				fail("matches no %s alternative", key)
			}
		}
	}
	if v == nil {
		if schema["nullable"] != true && schema["type"] != nil {
			fail("null where the schema is not nullable")
		}
		return errs
	}
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("want object, got %T", v)
			return errs
		}
		props := obj(schema["properties"])
		for _, r := range asSlice(schema["required"]) {
			if _, ok := m[r.(string)]; !ok {
				fail("required field %q missing", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, s.validate(at+"."+k, obj(ps), m[k])...)
			} else if ap, ok := schema["additionalProperties"]; ok && ap == false {
				fail("field %q not in schema", k)
			} else if apm := obj(ap); apm != nil {
				errs = append(errs, s.validate(at+"."+k, apm, m[k])...)
			} else if props != nil && schema["x-allow-unknown"] == nil && strictObjects {
				fail("field %q not in schema", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("want array, got %T", v)
			return errs
		}
		if mx, ok := schema["maxItems"].(float64); ok && float64(len(a)) > mx {
			fail("more than %v items", mx)
		}
		if mn, ok := schema["minItems"].(float64); ok && float64(len(a)) < mn {
			fail("fewer than %v items", mn)
		}
		for i, it := range a {
			errs = append(errs, s.validate(fmt.Sprintf("%s[%d]", at, i), obj(schema["items"]), it)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want string, got %T", v)
			return errs
		}
		if mn, ok := schema["minLength"].(float64); ok && float64(len([]rune(str))) < mn {
			fail("shorter than %v", mn)
		}
		if mx, ok := schema["maxLength"].(float64); ok && float64(len([]rune(str))) > mx {
			fail("longer than %v", mx)
		}
		if p, ok := schema["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(str) {
				fail("%q does not match %s", str, p)
			}
		}
		if enum := asSlice(schema["enum"]); enum != nil {
			found := false
			for _, e := range enum {
				found = found || e == str
			}
			if !found {
				fail("%q not in enum", str)
			}
		}
		switch schema["format"] {
		case "email":
			if _, err := mail.ParseAddress(str); err != nil {
				fail("not an e-mail address")
			}
		case "date-time-rfc-2822":
			if _, err := time.Parse(time.RFC1123Z, str); err != nil {
				fail("not an RFC 2822 time: %q", str)
			}
		case "uri":
			if _, err := url.Parse(str); err != nil {
				fail("not a URI")
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			fail("want integer, got %v", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			fail("want number, got %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want boolean, got %T", v)
		}
	}
	return errs
}

// strictObjects makes fields outside an object's properties an error, so a
// misspelt field fails the check.
const strictObjects = true

func asSlice(v any) []any { s, _ := v.([]any); return s }

// formToJSON types form values by the request schema (integers, booleans,
// arrays) so validate can check them.
func (s spec) formToJSON(schema map[string]any, form url.Values) map[string]any {
	props := obj(s.resolve(schema)["properties"])
	out := map[string]any{}
	for k, vals := range form {
		ps := s.resolve(obj(props[k]))
		conv := func(v string) any {
			switch ps["type"] {
			case "integer", "number":
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					return f
				}
			case "boolean":
				if b, err := strconv.ParseBool(v); err == nil {
					return b
				}
			}
			return v
		}
		if ps["type"] == "array" {
			items := s.resolve(obj(ps["items"]))
			var a []any
			for _, v := range vals {
				if items["type"] == "integer" {
					f, _ := strconv.ParseFloat(v, 64)
					a = append(a, f)
				} else {
					a = append(a, v)
				}
			}
			out[k] = a
		} else {
			out[k] = conv(vals[0])
		}
	}
	return out
}

// exchange is one recorded request and the answer to it.
type exchange struct {
	method, path string
	query, form  url.Values
	body         []byte
	status       int
	respBody     []byte
}

// recorder sits between the adapters and the sandbox and keeps every
// exchange.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []exchange
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	ex := exchange{method: req.Method, path: req.URL.Path, query: req.URL.Query(), body: body}
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		ex.form, _ = url.ParseQuery(string(body))
	}
	rec := httptest.NewRecorder()
	r.next.ServeHTTP(rec, req)
	ex.status, ex.respBody = rec.Code, rec.Body.Bytes()
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// checkTwilio validates an exchange against the Twilio spec: the path and
// its parameters, the query parameters, the form fields (each must exist in
// the operation's request schema, with the right type, required ones
// present) and the JSON answer against the response schema of its status.
// With complete, every property of the response schema must be present,
// as real Twilio answers carry them all.
func checkTwilio(s spec, ex exchange, complete bool) []string {
	where := ex.method + " " + ex.path
	op, params, ok := s.operation(ex.method, ex.path)
	if !ok {
		return []string{where + ": no such operation in the spec"}
	}
	var errs []string
	declared := map[string]map[string]any{}
	for _, p := range asSlice(op["parameters"]) {
		p := s.resolve(obj(p))
		declared[p["in"].(string)+":"+p["name"].(string)] = obj(p["schema"])
	}
	for name, val := range params {
		sch, ok := declared["path:"+name]
		if !ok {
			errs = append(errs, where+": path parameter "+name+" not declared")
			continue
		}
		errs = append(errs, s.validate(where+" path "+name, sch, strings.TrimSuffix(val, ".json"))...)
	}
	for name := range ex.query {
		if _, ok := declared["query:"+name]; !ok {
			errs = append(errs, where+": query parameter "+name+" not in the spec")
		}
	}
	if ex.method == http.MethodPost {
		sch := obj(obj(obj(obj(s.resolve(obj(op["requestBody"]))["content"])["application/x-www-form-urlencoded"])["schema"]))
		if sch == nil {
			errs = append(errs, where+": no form request body in the spec")
		} else {
			errs = append(errs, s.validate(where+" form", sch, s.formToJSON(sch, ex.form))...)
		}
	}
	resp := s.resolve(obj(obj(op["responses"])[strconv.Itoa(ex.status)]))
	if resp == nil && ex.status >= 400 {
		// The spec declares no error responses; check the body has the
		// shape twilio-go decodes into TwilioRestError.
		var body any
		if err := json.Unmarshal(ex.respBody, &body); err != nil {
			return append(errs, where+": error answer is not JSON")
		}
		return append(errs, s.validate(where+" error", twilioErrorSchema, body)...)
	}
	if resp == nil {
		return append(errs, fmt.Sprintf("%s: status %d not in the spec", where, ex.status))
	}
	sch := obj(obj(obj(resp["content"])["application/json"])["schema"])
	if sch == nil {
		return errs
	}
	var body any
	if err := json.Unmarshal(ex.respBody, &body); err != nil {
		return append(errs, where+": answer is not JSON")
	}
	errs = append(errs, s.validate(where+" answer", sch, body)...)
	if complete {
		errs = append(errs, missingProps(s, where+" answer", sch, body)...)
	}
	return errs
}

// twilioErrorSchema is Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions),
// which the 2010 spec does not describe.
var twilioErrorSchema = map[string]any{
	"type": "object", "required": []any{"code", "message", "more_info", "status"},
	"properties": map[string]any{
		"code": map[string]any{"type": "integer"}, "message": map[string]any{"type": "string", "minLength": 1.0},
		"more_info": map[string]any{"type": "string", "format": "uri"}, "status": map[string]any{"type": "integer"},
		"details": map[string]any{"type": "object"},
	},
}

// missingProps lists schema properties absent from the answer (one level,
// and inside arrays of resources).
func missingProps(s spec, at string, schema map[string]any, v any) []string {
	schema = s.resolve(schema)
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var errs []string
	for k, ps := range obj(schema["properties"]) {
		val, ok := m[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: property %q missing", at, k))
			continue
		}
		if arr, ok := val.([]any); ok {
			items := obj(s.resolve(obj(ps))["items"])
			for i, it := range arr {
				errs = append(errs, missingProps(s, fmt.Sprintf("%s.%s[%d]", at, k, i), items, it)...)
			}
		}
	}
	return errs
}

// TestSpecConformance drives the adapters against the sandbox and checks
// every exchange against the official OpenAPI descriptions: what the
// adapters send and what the sandbox answers.
func TestSpecConformance(t *testing.T) {
	dir := specsDir(t)
	tw := loadSpec(t, filepath.Join(dir, "twilio_api_v2010.json"))
	sg := loadSpec(t, filepath.Join(dir, "tsg_mail_v3.json"))

	sb, _ := startSandbox(t)
	rec := &recorder{next: sb}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	cfg := testConfig(ts.URL)
	cfg.PublicBaseURL = "https://jobflow.example"
	cfg.TwilioMessagingServiceSID = "MG0123456789abcdef0123456789abcdef"
	cfg.SendGridTemplates = map[string]string{"visit.booking_confirmation": "d-0123456789abcdef"}
	ch, err := NewChannelsWithLedger(cfg, NewMemoryLedger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sms := activities.SMSRequest{Step: activities.Step{JobID: "visit-1", Name: "sms"}, To: customer, Message: activities.Message{Template: "visit.reminder_sms", Language: "sv", Data: visitData()}}
	if _, err := ch.SendSMS(ctx, sms); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.ReminderCall(ctx, activities.CallRequest{Step: activities.Step{JobID: "visit-1", Name: "call"}, To: customer, Message: activities.Message{Template: "visit.reminder_call", Language: "sv", Data: visitData()}}); err != nil {
		t.Fatal(err)
	}
	r, _ := Render(sms.Message)
	if _, found, err := ch.Twilio.findMessage(customer, r.Text, time.Now().Add(-time.Hour)); err != nil || !found {
		t.Fatalf("findMessage: %v %v", found, err)
	}
	if _, found, err := ch.Twilio.findCall(customer, time.Now().Add(-time.Hour)); err != nil || !found {
		t.Fatalf("findCall: %v %v", found, err)
	}
	if _, err := ch.SendSMS(ctx, activities.SMSRequest{Step: activities.Step{JobID: "visit-1", Name: "bad"}, To: "+46700000003", Message: sms.Message}); err == nil {
		t.Fatal("invalid number accepted")
	}
	if _, err := ch.SendEmail(ctx, activities.EmailRequest{Step: activities.Step{JobID: "visit-1", Name: "mail"}, To: "anna@example.com", ToName: "Anna", Message: activities.Message{Template: "visit.rating_request", Language: "da", Data: visitData()}, Categories: []string{"visit"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.SendEmail(ctx, activities.EmailRequest{Step: activities.Step{JobID: "visit-1", Name: "mail-dyn"}, To: "anna@example.com", Message: activities.Message{Template: "visit.booking_confirmation", Language: "sv", Data: visitData()}}); err != nil {
		t.Fatal(err)
	}
	// A malformed mail straight to the sandbox, to check its error shape.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v3/mail/send", strings.NewReader(`{"personalizations":[{"to":[]}],"from":{"email":"x"}}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	seen := map[string]bool{}
	for _, ex := range rec.log {
		switch {
		case strings.HasPrefix(ex.path, "/2010-04-01/"):
			for _, e := range checkTwilio(tw, ex, ex.status < 300) {
				t.Error(e)
			}
			seen[ex.method+" twilio "+fmt.Sprint(ex.status)] = true
			if ex.method == http.MethodPost && ex.form.Get("StatusCallback") == "" {
				t.Errorf("%s: no StatusCallback although PUBLIC_BASE_URL is set", ex.path)
			}
		case ex.path == "/v3/mail/send":
			op, _, ok := sg.operation(ex.method, ex.path)
			if !ok {
				t.Fatal("mail send not in the SendGrid spec")
			}
			sch := obj(obj(obj(sg.resolve(obj(op["requestBody"]))["content"])["application/json"])["schema"])
			var body any
			if err := json.Unmarshal(ex.body, &body); err != nil {
				t.Errorf("mail body is not JSON: %v", err)
				continue
			}
			if ex.status == 202 { // what our adapter sent
				for _, e := range sg.validate("mail send body", sch, body) {
					t.Error(e)
				}
				if len(ex.respBody) != 0 {
					t.Errorf("202 with a body")
				}
			} else {
				resp := sg.resolve(obj(obj(op["responses"])[strconv.Itoa(ex.status)]))
				if resp == nil {
					t.Errorf("mail send status %d not in the spec", ex.status)
					continue
				}
				var eb any
				_ = json.Unmarshal(ex.respBody, &eb)
				for _, e := range sg.validate("mail send error", obj(obj(obj(resp["content"])["application/json"])["schema"]), eb) {
					t.Error(e)
				}
			}
			seen["mail "+fmt.Sprint(ex.status)] = true
		}
	}
	for _, want := range []string{"POST twilio 201", "GET twilio 200", "POST twilio 400", "mail 202", "mail 400"} {
		if !seen[want] {
			t.Errorf("no %s exchange was checked (seen %v)", want, seen)
		}
	}
}

// The validator itself must catch what it claims to: a wrong form field,
// a wrong type, a missing required field.
func TestSpecValidatorCatchesMistakes(t *testing.T) {
	tw := loadSpec(t, filepath.Join(specsDir(t), "twilio_api_v2010.json"))
	path := "/2010-04-01/Accounts/" + testAccount + "/Calls.json"
	bad := []exchange{
		{method: "POST", path: path, form: url.Values{"To": {"+46701234567"}, "Twiml": {"<Response/>"}}, status: 201, respBody: []byte(`{}`)},                                    // From missing
		{method: "POST", path: path, form: url.Values{"To": {"+4670"}, "From": {"+4610"}, "Timeout": {"soon"}}, status: 201, respBody: []byte(`{}`)},                             // Timeout not an integer
		{method: "POST", path: path, form: url.Values{"To": {"+4670"}, "From": {"+4610"}, "Twimls": {"<Response/>"}}, status: 201, respBody: []byte(`{}`)},                       // misspelt field
		{method: "POST", path: path, form: url.Values{"To": {"+4670"}, "From": {"+4610"}}, status: 201, respBody: []byte(`{"status":"ringing-ish"}`)},                            // enum
		{method: "POST", path: path, form: url.Values{"To": {"+4670"}, "From": {"+4610"}}, status: 201, respBody: []byte(`{"date_created":"2026-03-03T13:00:00Z"}`)},             // format
		{method: "POST", path: "/2010-04-01/Accounts/ACnope/Calls.json", form: url.Values{"To": {"+4670"}, "From": {"+4610"}}, status: 201, respBody: []byte(`{}`)},              // account pattern
		{method: "GET", path: "/2010-04-01/Accounts/" + testAccount + "/Messages.json", query: url.Values{"Recipient": {"x"}}, status: 200, respBody: []byte(`{"messages":[]}`)}, // query
	}
	for i, ex := range bad {
		if errs := checkTwilio(tw, ex, false); len(errs) == 0 {
			t.Errorf("case %d passed the check", i)
		}
	}
}
