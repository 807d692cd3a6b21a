package outreach

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
)

// prismBin finds Stoplight Prism: $PRISM_BIN, or tools/prism/node_modules
// (npm install --prefix tools/prism). Absent, the test skips locally and
// fails in CI (CI set), where the Prism test is part of "done".
func prismBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PRISM_BIN"); p != "" {
		return p
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "tools", "prism", "node_modules", ".bin", "prism")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("prism not installed at %s: run npm install --prefix tools/prism", p)
		}
		t.Skipf("prism not installed (npm install --prefix tools/prism)")
	}
	return p
}

// startPrism runs `prism mock --errors` on the Twilio spec on a free
// loopback port. The spec's server is https://api.twilio.com with no base
// path, so only scheme and host need rewriting (rewriteTransport).
func startPrism(t *testing.T, bin, spec string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "mock", "--errors", "-h", "127.0.0.1", "-p", fmt.Sprint(port), spec)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prism: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pid, syscall.SIGTERM) // the process group we started
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-done
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(logs.String(), "Prism is listening") {
			return base
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("prism did not start:\n%s", tail(logs.String(), 2000))
	return ""
}

// syncBuffer collects prism's output from its two pipes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestTwilioAdapterAgainstPrism runs the Twilio adapter through twilio-go
// against Prism, which validates every request against the official spec
// (--errors: a violation is answered with an error, which would fail the
// send). A deliberately invalid request proves the validation is on.
func TestTwilioAdapterAgainstPrism(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prism")
	}
	bin := prismBin(t)
	spec := filepath.Join(specsDir(t), "twilio_api_v2010.json")
	prism := startPrism(t, bin, spec)
	// A recording proxy in front of prism keeps prism's verdicts, which
	// twilio-go reduces to a status.
	target, _ := url.Parse(prism)
	rec := &recorder{next: httputil.NewSingleHostReverseProxy(target)}
	proxy := httptest.NewServer(rec)
	defer proxy.Close()
	base := proxy.URL

	cfg := testConfig(base)
	cfg.PublicBaseURL = "https://jobflow.example"
	cfg.CallTimeout = 5 * time.Second
	cfg.CallPollInterval = 200 * time.Millisecond
	tw, err := NewTwilio(cfg, NewMemoryLedger())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := visitData()
	sms, err := tw.SendSMS(ctx, activities.SMSRequest{Step: activities.Step{JobID: "visit-p1-1", Name: "reminder-sms"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "sv", Data: data}})
	if err != nil {
		t.Fatalf("SendSMS against prism: %v", err)
	}
	if !strings.HasPrefix(sms.SID, "SM") {
		t.Errorf("sid %q", sms.SID)
	}
	call, err := tw.ReminderCall(ctx, activities.CallRequest{Step: activities.Step{JobID: "visit-p1-1", Name: "reminder-call"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_call", Language: "de", Data: data}})
	if err != nil {
		t.Fatalf("ReminderCall against prism: %v", err)
	}
	if !strings.HasPrefix(call.SID, "CA") || call.Outcome == "" {
		t.Errorf("call %+v", call)
	}
	// The reconciliation look-ups are valid list requests too. (The spec's
	// own list examples break its "uri" format, so prism may answer 500
	// VIOLATIONS about its response; requestVerdicts tells them apart.)
	_, _, _ = tw.findMessage(customer, "x", time.Now())
	_, _, _ = tw.findCall(customer, time.Now())
	// Messaging Service sender.
	cfg.TwilioMessagingServiceSID = "MG0123456789abcdef0123456789abcdef"
	tw2, _ := NewTwilio(cfg, NewMemoryLedger())
	if _, err := tw2.SendSMS(ctx, activities.SMSRequest{Step: activities.Step{JobID: "visit-p1-1", Name: "ms"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: data}}); err != nil {
		t.Errorf("SendSMS via messaging service against prism: %v", err)
	}

	// Negative control: an account sid outside the spec's pattern must be
	// refused by prism, and the refusal must surface as a permanent error.
	bad := cfg
	bad.TwilioAccountSID = "ACnotvalid"
	twBad, _ := NewTwilio(bad, NewMemoryLedger())
	_, err = twBad.SendSMS(ctx, activities.SMSRequest{Step: activities.Step{JobID: "visit-p1-1", Name: "bad"}, To: customer,
		Message: activities.Message{Template: "visit.reminder_sms", Language: "en", Data: data}})
	if typ, permanent := activities.DeliveryFailure(err); !permanent || typ != ErrRejectedByProvider {
		t.Errorf("invalid request: %v, want %s from prism's validation", err, ErrRejectedByProvider)
	}

	// Every request the working adapters sent passed prism's validation; the
	// bad one did not.
	checked := map[string]bool{}
	for _, ex := range rec.log {
		bad := strings.Contains(ex.path, "/ACnotvalid/")
		reqErrs, respOnly := prismVerdict(ex)
		switch {
		case bad && len(reqErrs) == 0:
			t.Errorf("%s %s: prism accepted an invalid request", ex.method, ex.path)
		case !bad && len(reqErrs) > 0:
			t.Errorf("%s %s?%s: prism rejected the request: %v", ex.method, ex.path, ex.query.Encode(), reqErrs)
		case !bad && ex.status >= 300 && !respOnly:
			t.Errorf("%s %s: status %d: %s", ex.method, ex.path, ex.status, ex.respBody)
		case respOnly:
			t.Logf("%s %s: request valid; prism flags its own example response: %s", ex.method, ex.path, tail(string(ex.respBody), 200))
		}
		if !bad {
			checked[ex.method+" "+ex.path[strings.LastIndex(ex.path, "/"):]] = true
		}
	}
	for _, want := range []string{"POST /Messages.json", "POST /Calls.json", "GET /Messages.json", "GET /Calls.json"} {
		if !checked[want] {
			t.Errorf("no %s exchange with prism (%v)", want, checked)
		}
	}
}

// prismVerdict reads prism's problem+json answer: the request-side
// violations, and whether all violations concern only prism's response.
func prismVerdict(ex exchange) (requestErrs []string, responseOnly bool) {
	if ex.status < 400 {
		return nil, false
	}
	var p struct {
		Type       string `json:"type"`
		Validation []struct {
			Location []string `json:"location"`
			Message  string   `json:"message"`
		} `json:"validation"`
	}
	if json.Unmarshal(ex.respBody, &p) != nil || len(p.Validation) == 0 {
		return nil, false
	}
	responseOnly = true
	for _, v := range p.Validation {
		if len(v.Location) > 0 && v.Location[0] == "response" {
			continue
		}
		responseOnly = false
		requestErrs = append(requestErrs, strings.Join(v.Location, ".")+": "+v.Message)
	}
	return requestErrs, responseOnly
}
