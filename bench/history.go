package bench

import (
	"context"
	"os"
	"sort"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
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

// UpdateResultStats is the largest completed Update result of a history:
// its Update's name and the size of its payloads' data (the JSON the
// handler returned, as the server stores it).
type UpdateResultStats struct {
	Updates int    // completed Updates with a result
	Name    string // the Update whose result is the largest
	EventID int64  // its completion event
	Bytes   int
}

// LargestUpdateResult finds the largest Update result in a history (issue
// #13: every completed Update writes its result into the history).
func LargestUpdateResult(h *historypb.History) UpdateResultStats {
	names := map[int64]string{} // accepted event id -> update name
	var s UpdateResultStats
	for _, ev := range h.GetEvents() {
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil {
			names[ev.GetEventId()] = a.GetAcceptedRequest().GetInput().GetName()
			continue
		}
		c := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
		if c == nil || c.GetOutcome().GetSuccess() == nil {
			continue
		}
		n := 0
		for _, p := range c.GetOutcome().GetSuccess().GetPayloads() {
			n += len(p.GetData())
		}
		s.Updates++
		if n > s.Bytes {
			s.Name, s.EventID, s.Bytes = names[c.GetAcceptedEventId()], ev.GetEventId(), n
		}
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

// WriteHistory writes a history as the JSON HistoryFile (and the replayer)
// reads.
func WriteHistory(path string, h *historypb.History) error {
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
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

// EventTypeStats is one event type's share of a history.
type EventTypeStats struct {
	Type   string
	Events int
	Bytes  int
}

// BreakdownOf sums a history's events by type, largest share first: where
// a history's bytes go (issue #13).
func BreakdownOf(h *historypb.History) []EventTypeStats {
	idx := map[enums.EventType]int{}
	var out []EventTypeStats
	for _, ev := range h.GetEvents() {
		i, ok := idx[ev.GetEventType()]
		if !ok {
			i = len(out)
			idx[ev.GetEventType()] = i
			out = append(out, EventTypeStats{Type: ev.GetEventType().String()})
		}
		out[i].Events++
		out[i].Bytes += proto.Size(ev)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Bytes > out[b].Bytes })
	return out
}
