package bench

import (
	"context"
	"os"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// HistoryStats is a workflow history's length and size. Bytes is the sum
// of the events' protobuf sizes, which is what the server counts against
// its history size limits (within a few bytes per event of framing).
type HistoryStats struct {
	Events int
	Bytes  int
}

// StatsOf counts a history.
func StatsOf(h *historypb.History) HistoryStats {
	s := HistoryStats{Events: len(h.GetEvents())}
	for _, ev := range h.GetEvents() {
		s.Bytes += proto.Size(ev)
	}
	return s
}

// HistoryFile reads a history recorded as JSON (workflows/testdata/*.json).
func HistoryFile(path string) (*historypb.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return client.HistoryFromJSON(f, client.HistoryJSONOptions{})
}

// FetchHistory reads a workflow's whole history from the server.
func FetchHistory(ctx context.Context, c client.Client, id, runID string) (*historypb.History, error) {
	iter := c.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}
