package devtest_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

func echo(ctx workflow.Context, s string) (string, error) { return "echo " + s, nil }

func TestStartServer_RegistersSearchAttributesAndRunsWorkflows(t *testing.T) {
	srv := devtest.StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	resp, err := srv.Client.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	fit, _ := temporalx.FitSQLVisibility(names.SearchAttributes)
	for _, sa := range fit {
		got, ok := resp.CustomAttributes[sa.Name]
		if !ok || got != sa.Type {
			t.Errorf("search attribute %s: got %v (present %v), want %v", sa.Name, got, ok, sa.Type)
		}
	}

	devtest.StartWorkerOn(t, srv, "devtest", func(w worker.Worker) {
		w.RegisterWorkflowWithOptions(echo, workflow.RegisterOptions{Name: "echo"})
	})
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "devtest-echo", TaskQueue: "devtest"}, "echo", "hi")
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "echo hi" {
		t.Fatalf("got %q, %v", out, err)
	}
}
