package temporalx_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"

	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

func TestEnsure_DevServer(t *testing.T) {
	srv := devtest.StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Everything that fits is already there (devtest passes them at start).
	if err := temporalx.EnsureSearchAttributes(ctx, srv.Client, srv.Namespace); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	attrs := []names.SearchAttribute{
		{Name: "Partner", Type: enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: "ProbeFlag", Type: enumspb.INDEXED_VALUE_TYPE_BOOL},
		{Name: "ProbeScore", Type: enumspb.INDEXED_VALUE_TYPE_DOUBLE},
		{Name: "ProbeOverflow", Type: enumspb.INDEXED_VALUE_TYPE_KEYWORD}, // keyword slots are full
	}
	res, err := temporalx.Ensure(ctx, srv.Client, srv.Namespace, attrs, log)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Present, ",") != "Partner" || strings.Join(res.Added, ",") != "ProbeFlag,ProbeScore" ||
		strings.Join(res.Missing, ",") != "ProbeOverflow" {
		t.Fatalf("unexpected result %+v\n%s", res, logs.String())
	}
	if !strings.Contains(logs.String(), "ProbeOverflow") {
		t.Fatalf("no warning for the refused attribute:\n%s", logs.String())
	}
	list, err := srv.Client.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	if list.CustomAttributes["ProbeFlag"] != enumspb.INDEXED_VALUE_TYPE_BOOL {
		t.Fatalf("ProbeFlag not registered: %v", list.CustomAttributes)
	}

	// Idempotent.
	res, err = temporalx.Ensure(ctx, srv.Client, srv.Namespace, attrs[:3], log)
	if err != nil || len(res.Added) != 0 || len(res.Present) != 3 {
		t.Fatalf("second run: %+v %v", res, err)
	}

	// A type clash is an error: workflows could not upsert the attribute.
	_, err = temporalx.Ensure(ctx, srv.Client, srv.Namespace,
		[]names.SearchAttribute{{Name: "Partner", Type: enumspb.INDEXED_VALUE_TYPE_INT}}, log)
	if err == nil || !strings.Contains(err.Error(), "Partner") {
		t.Fatalf("want a type clash error, got %v", err)
	}
}

// cloudLike refuses registration the way Temporal Cloud does.
type cloudLike struct {
	client.Client
	op operatorservice.OperatorServiceClient
}

func (c cloudLike) OperatorService() operatorservice.OperatorServiceClient { return c.op }

type refusingOperator struct {
	operatorservice.OperatorServiceClient
	adds int
}

func (r *refusingOperator) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	return &operatorservice.ListSearchAttributesResponse{}, nil
}

func (r *refusingOperator) AddSearchAttributes(context.Context, *operatorservice.AddSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.AddSearchAttributesResponse, error) {
	r.adds++
	return nil, serviceerror.NewPermissionDenied("Request unauthorized.", "")
}

func TestEnsure_CloudRefusalWarnsAndContinues(t *testing.T) {
	op := &refusingOperator{}
	var logs bytes.Buffer
	res, err := temporalx.Ensure(context.Background(), cloudLike{op: op}, "acme.a1b2c",
		names.SearchAttributes, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("a refusal must not stop the worker: %v", err)
	}
	if op.adds != 1 {
		t.Errorf("kept trying after a permission error: %d calls", op.adds)
	}
	if len(res.Missing) != len(names.SearchAttributes) {
		t.Errorf("missing = %v", res.Missing)
	}
	for _, want := range []string{"level=WARN", "tcld namespace search-attributes add", "VisitStatus=Keyword", "HelpDeadline=Datetime"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("warning lacks %q:\n%s", want, logs.String())
		}
	}
}
