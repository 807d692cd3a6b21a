package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// TestTaskLongChatHistoryEndToEnd (issue #13, N-2, T-5): 2,100 chat
// messages on a real dev server. Every run's real history stays under
// 10,000 events and 2 MB, no Update's result exceeds 1 KB, the task
// continues as new (the server takes at most 2,000 Updates per run) and
// the carried deadline stands in the last run.
func TestTaskLongChatHistoryEndToEnd(t *testing.T) {
	srv := devtest.StartServer(t)
	ch := &recordingChannels{}
	devtest.StartWorker(t, srv, func(w worker.Worker) {
		workflows.Register(w)
		w.RegisterActivity(&activities.Outreach{Channels: ch})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := recordPolicy()
	p.ChatUnreadDelay = time.Hour // the unread timers are carried, not fired
	deadline := time.Now().UTC().Truncate(time.Second).Add(48 * time.Hour)
	in := task.TaskInput{
		TaskID: "LONG-1", AccountID: "acc-long-1", Partner: "acme", Market: rules.Sweden, Language: rules.Swedish,
		Title: "Long chat", Description: "A task with a long chat", BudgetMinutes: 600, Deadline: deadline,
		Customer:  testCustomer(),
		Assistant: task.TaskAssistant{ID: "va-1", Email: "va-1@example.com", Language: rules.Swedish},
		CreatedBy: jobcore.Actor{Role: names.RoleCustomer, ID: "acc-long-1"},
		LinkBase:  "http://127.0.0.1:8080", Policy: p,
	}
	id := task.TaskWorkflowID(in.TaskID)
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: names.TaskQueue}, names.TaskWorkflowName, in)
	require.NoError(t, err)
	c := srv.Client
	_, err = updateWF[task.TaskUpdateResult](ctx, c, id, task.TaskUpdateAccept,
		task.TaskAcceptRequest{By: jobcore.Actor{Role: names.RoleAssistant, ID: "va-1"}, Area: rules.AreaBackoffice})
	require.NoError(t, err)
	const chats = 2100
	for i := 0; i < chats; i++ {
		from := jobcore.Actor{Role: names.RoleAssistant, ID: "va-1"}
		if i%2 == 1 {
			from = jobcore.Actor{Role: names.RoleCustomer, ID: "acc-long-1"}
		}
		_, err := updateWF[task.TaskUpdateResult](ctx, c, id, task.TaskUpdateChat,
			task.TaskChatRequest{From: from, MessageRef: fmt.Sprintf("m-%d", i), MessageURL: fmt.Sprintf("https://app.example.com/chat/LONG-1#m-%d", i)})
		require.NoError(t, err, "chat %d", i)
		if i%10 == 9 {
			_, err = updateWF[task.TaskUpdateResult](ctx, c, id, task.TaskUpdateMarkRead, task.TaskMarkReadRequest{})
			require.NoError(t, err)
		}
	}
	st, err := queryWF[task.TaskState](ctx, c, id, task.TaskQuery)
	require.NoError(t, err)
	assert.Equal(t, chats, st.ChatTotal)
	assert.LessOrEqual(t, len(st.Chat), task.TaskChatKeep)
	assert.True(t, st.Deadline.Equal(deadline), "T-5: the carried deadline stands")
	assert.GreaterOrEqual(t, st.Runs, 2)

	// Walk the runs from the first and measure their real histories.
	runID, runs := run.GetRunID(), 0
	for runID != "" {
		runs++
		events, size, next := 0, 0, ""
		iter := c.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			require.NoError(t, err)
			events++
			size += proto.Size(e)
			if u := e.GetWorkflowExecutionUpdateCompletedEventAttributes(); u != nil {
				assert.LessOrEqual(t, proto.Size(u.GetOutcome()), 1024, "an Update result over 1 KB (run %d)", runs)
			}
			if a := e.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		t.Logf("run %d: %d events, %d bytes", runs, events, size)
		assert.Less(t, events, 10000, "run %d events", runs)
		assert.Less(t, size, 2<<20, "run %d bytes", runs)
		runID = next
	}
	assert.Equal(t, st.Runs+1, runs)
}
