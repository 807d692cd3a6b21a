package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jobflow/jobflow/internal/devtest"
)

func TestRun_MalformedConfigNamesVariable(t *testing.T) {
	t.Setenv("WORKER_MAX_CONCURRENT_ACTIVITIES", "abc")
	err := run(context.Background(), slog.Default(), make(chan interface{}))
	if err == nil || !strings.Contains(err.Error(), "WORKER_MAX_CONCURRENT_ACTIVITIES") {
		t.Fatalf("want an error naming WORKER_MAX_CONCURRENT_ACTIVITIES, got %v", err)
	}
}

func TestRun_PollsTaskQueueAndStopsOnInterrupt(t *testing.T) {
	srv := devtest.StartServer(t)
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	t.Setenv("TEMPORAL_ADDRESS", srv.HostPort)
	t.Setenv("TEMPORAL_NAMESPACE", srv.Namespace)
	t.Setenv("TEMPORAL_API_KEY", "")
	t.Setenv("TEMPORAL_PROFILE", "")
	t.Setenv("WORKER_TASK_QUEUE", "worker-main-test")
	t.Setenv("CODEC_DISABLED", "true") // payload encryption is tested in internal/config and codec
	t.Setenv("OUTREACH", "log")        // the adapters are tested in outreach/

	interrupt := make(chan interface{})
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), srv.Logger, interrupt) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := srv.Client.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace:     srv.Namespace,
			TaskQueue:     &taskqueuepb.TaskQueue{Name: "worker-main-test", Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
		})
		if err == nil && len(resp.Pollers) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("worker exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no poller on the task queue: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(interrupt)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop after interrupt")
	}
}
