package codec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/codec"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// person is one test customer; every field is personal data (V-14).
type person struct{ Name, Phone, Email, Address string }

// needles are the strings that must never appear: each field whole, the
// name's parts, the phone without "+", the e-mail's local part and the
// street name.
func (p person) needles() []string {
	out := []string{p.Name, p.Phone, strings.TrimPrefix(p.Phone, "+"), p.Email, p.Address}
	for _, part := range strings.Fields(p.Name) {
		if len(part) >= 4 {
			out = append(out, part)
		}
	}
	local, _, _ := strings.Cut(p.Email, "@")
	street, _, _ := strings.Cut(p.Address, ",")
	return append(out, local, street)
}

var people = []person{
	{"Zlatana Piiguardsson", "+46701119876", "zlatana.secret@example.se", "Hemligvägen 7, 752 20 Uppsala"},
	{"Mette Fortroligsen", "+4520123456", "mette.private@example.dk", "Skjultvej 3, 8000 Aarhus"},
	{"Gunther Geheimhaber", "+491701234567", "gunther.verborgen@example.de", "Verschwiegenstraße 9, 10115 Berlin"},
}

// TestPII_NeverInSearchAttributesMemosOrClearHistory (V-14) runs visits
// through their transitions on a real dev server, with the payload codec
// on the client and the worker as in production, then reads every
// workflow of the namespace the way ops do and the way the server stores it:
//
//   - decoded view (what a token holder sees in the UI): search attributes
//     at start, every UpsertWorkflowSearchAttributes and UpsertWorkflowMemo,
//     the memo, the static summary/details and every event's user metadata,
//     and the current details (SetCurrentDetails) hold no personal field;
//   - raw view (the server's database): no event of any history holds a
//     personal field in clear anywhere, inputs included.
func TestPII_NeverInSearchAttributesMemosOrClearHistory(t *testing.T) {
	srv := devtest.StartServer(t)
	kr := mustKeys(t, "k1:"+randKey(t))
	c := codec.New(kr)
	cc, err := client.Dial(config.WithCodec(client.Options{HostPort: srv.HostPort, Namespace: srv.Namespace, Logger: tlog.NewStructuredLogger(srv.Logger)}, c))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	w := worker.New(cc, names.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Outreach{Channels: activities.LogChannels{}})
	w.RegisterActivity(&activities.Notifications{Tasks: activities.TemporalTasks{Client: cc}, Channels: activities.LogChannels{}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	visits := &api.Visits{Client: cc, Namespace: srv.Namespace, LinkSecret: []byte("pii-test-link-secret-0123456789abcdef"),
		PublicBaseURL: "http://127.0.0.1:8080", Partners: nil}

	book := func(ref string, who person, market string, lang string) string {
		now := time.Now().UTC()
		res, err := visits.Book(ctx, "acme", api.BookingRequest{
			BookingRef: ref, Market: market, Region: "Norr",
			Customer: api.CustomerRequest{Name: who.Name, Phone: who.Phone, Email: who.Email, Language: lang},
			Address:  who.Address, Product: "router", Problem: "wifi drops",
			WishedTimes: []api.WindowRequest{{From: now, To: now.Add(3 * time.Hour)}},
		})
		if err != nil {
			t.Fatalf("book %s: %v", ref, err)
		}
		return res.WorkflowID
	}
	update := func(id, name string, arg any) visit.VisitUpdateResult {
		t.Helper()
		h, err := cc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
		var st visit.VisitUpdateResult
		if err == nil {
			err = h.Get(ctx, &st)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", id, name, err)
		}
		return st
	}

	// A: the whole happy path with a low rating (R-2 follow-up child).
	a := book("PII-A", people[0], "SE", "sv")
	update(a, visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-1"})
	update(a, visit.UpdateBook, visit.BookRequest{Buddy: "b-1", At: time.Now().Add(4 * time.Second),
		ClarifiedProblem: "router reboots", ProductsAtHome: true, Recording: visit.RecordingAccepted})
	time.Sleep(4 * time.Second) // reminder call/SMS (V-7)
	update(a, visit.UpdateStart, visit.StartRequest{Buddy: "b-1", RecordingNoticeGiven: true})
	update(a, visit.UpdateComplete, visit.CompleteRequest{Buddy: "b-1",
		Checklist: []visit.ChecklistItem{{Item: "wifi works", Done: true}}, SatisfactionAsked: true, WorkedMinutes: 70})
	update(a, visit.UpdateRate, jobcore.RateRequest{Stars: 2})

	// B: recording refused: cancelled, ops take over (V-4).
	b := book("PII-B", people[1], "DK", "da")
	update(b, visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-2"})
	update(b, visit.UpdateBook, visit.BookRequest{Buddy: "b-2", At: time.Now().Add(time.Hour),
		ClarifiedProblem: "printer", ProductsAtHome: true, Recording: visit.RecordingRefused})

	// C: claimed, released, still open in the pool (running workflow).
	cID := book("PII-C", people[2], "DE", "de")
	update(cID, visit.UpdateClaim, visit.ClaimRequest{Buddy: "b-3"})
	update(cID, visit.UpdateRelease, visit.ReleaseRequest{Buddy: "b-3"})

	time.Sleep(2 * time.Second) // let children start and upsert

	var needles []string
	for _, p := range people {
		needles = append(needles, p.needles()...)
	}
	scanned := scanNamespace(t, ctx, srv, cc, c, needles)
	if scanned < 4 { // three visits and the rating follow-up
		t.Fatalf("scanned only %d workflows", scanned)
	}

	// Not vacuous: the personal data is in the history, encrypted; the
	// codec opens it.
	it := srv.Client.GetWorkflowHistory(ctx, a, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	in := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(in) != 1 || !codec.IsEncrypted(in[0]) {
		t.Fatalf("visit input is not encrypted: %v", in)
	}
	var vin visit.VisitInput
	if err := c.DataConverter(nil).FromPayload(in[0], &vin); err != nil || vin.Booking.Customer.Name != people[0].Name {
		t.Fatalf("decoded input: %v %q", err, vin.Booking.Customer.Name)
	}
}

// scanNamespace checks every workflow of the namespace; it returns how many.
func scanNamespace(t *testing.T, ctx context.Context, srv *devtest.Server, cc client.Client, c *codec.Codec, needles []string) int {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	find := func(where string, b []byte) {
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("V-14: %s holds personal data %q", where, n)
			}
		}
	}
	decodeAll := func(where string, ps map[string]*commonpb.Payload) {
		for k, p := range ps {
			out, err := c.Decode([]*commonpb.Payload{p})
			if err != nil {
				t.Errorf("%s[%s]: %v", where, k, err)
				continue
			}
			find(where+"["+k+"] (decoded)", out[0].GetData())
			var s any
			if dc.FromPayload(out[0], &s) == nil {
				b, _ := json.Marshal(s)
				find(where+"["+k+"] (value)", b)
			}
		}
	}
	meta := func(where string, um *sdkpb.UserMetadata) {
		if um == nil {
			return
		}
		decodeAll(where+" user metadata", map[string]*commonpb.Payload{"summary": um.GetSummary(), "details": um.GetDetails()})
	}

	var execs []string
	var next []byte
	for {
		resp, err := srv.Client.ListWorkflow(ctx, listReq(srv.Namespace, next))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetExecutions() {
			execs = append(execs, e.GetExecution().GetWorkflowId()+"\x00"+e.GetExecution().GetRunId())
		}
		if next = resp.GetNextPageToken(); len(next) == 0 {
			break
		}
	}
	for _, ex := range execs {
		id, run, _ := strings.Cut(ex, "\x00")
		where := "workflow " + id
		find(where+" id", []byte(id))
		it := srv.Client.GetWorkflowHistory(ctx, id, run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		n := 0
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			n++
			raw, _ := ev.Marshal()
			find(fmt.Sprintf("%s raw event %d (%s)", where, ev.GetEventId(), ev.GetEventType()), raw)
			meta(fmt.Sprintf("%s event %d", where, ev.GetEventId()), ev.GetUserMetadata())
			scanEvent(where, ev, decodeAll)
		}
		if n == 0 {
			t.Errorf("%s: empty history", where)
		}
		desc, err := srv.Client.DescribeWorkflowExecution(ctx, id, run)
		if err != nil {
			t.Fatal(err)
		}
		decodeAll(where+" describe search attributes", desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields())
		decodeAll(where+" describe memo", desc.GetWorkflowExecutionInfo().GetMemo().GetFields())
		// Current details (SetCurrentDetails) via the built-in metadata query.
		val, err := cc.QueryWorkflow(ctx, id, run, "__temporal_workflow_metadata")
		var md sdkpb.WorkflowMetadata
		var qerr interface{ Error() string }
		switch {
		case err == nil:
			if err := val.Get(&md); err != nil {
				t.Errorf("%s metadata: %v", where, err)
			}
			find(where+" current details", []byte(md.GetCurrentDetails()))
			b, _ := json.Marshal(md.GetDefinition())
			find(where+" workflow definition", b)
		case errors.As(err, &qerr):
			t.Logf("%s: metadata query: %v", where, err)
		}
	}
	t.Logf("scanned %d workflows for %d personal strings", len(execs), len(needles))
	return len(execs)
}

func scanEvent(where string, ev *historypb.HistoryEvent, decodeAll func(string, map[string]*commonpb.Payload)) {
	if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
		decodeAll(where+" start search attributes", a.GetSearchAttributes().GetIndexedFields())
		decodeAll(where+" start memo", a.GetMemo().GetFields())
	}
	if a := ev.GetUpsertWorkflowSearchAttributesEventAttributes(); a != nil {
		decodeAll(fmt.Sprintf("%s upsert %d", where, ev.GetEventId()), a.GetSearchAttributes().GetIndexedFields())
	}
	if a := ev.GetWorkflowPropertiesModifiedEventAttributes(); a != nil {
		decodeAll(fmt.Sprintf("%s memo upsert %d", where, ev.GetEventId()), a.GetUpsertedMemo().GetFields())
	}
	if a := ev.GetStartChildWorkflowExecutionInitiatedEventAttributes(); a != nil {
		decodeAll(where+" child search attributes", a.GetSearchAttributes().GetIndexedFields())
		decodeAll(where+" child memo", a.GetMemo().GetFields())
	}
}

func listReq(ns string, next []byte) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 100, NextPageToken: next}
}
