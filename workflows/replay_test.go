package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/workflows"
)

// TestReplayRecordedHistories replays every history in testdata/ against
// today's workflow code: a change that is not deterministic (a new command
// where the history has another, a reordered timer) fails here. Changing a
// running workflow's logic needs workflow.GetVersion. Regenerate recordings
// with JOBFLOW_RECORD_HISTORIES=1 go test ./workflows/ -run EndToEnd.
func TestReplayRecordedHistories(t *testing.T) {
	// testdata/legacy holds the recordings made before issue 13 (whole-state
	// Update results, no continue-as-new); they are kept so the
	// workflow.GetVersion branches for runs started before that change stay
	// replayed.
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	legacy, err := filepath.Glob(filepath.Join("testdata", "legacy", "*.json"))
	require.NoError(t, err)
	files = append(files, legacy...)
	require.NotEmpty(t, files, "no recorded histories in testdata/")
	logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}
