package absence

import (
	"fmt"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- helpers -------------------------------------------------------------

func (a *absence) isLong() bool {
	return a.st.Period.To.Sub(a.st.Period.From) > a.in.Policy.LongAbsence
}

func (a *absence) jobIndex(id string) int {
	for i := range a.st.Jobs {
		if a.st.Jobs[i].ID == id {
			return i
		}
	}
	return -1
}

func (a *absence) job(id string) *AbsenceJobState {
	if i := a.jobIndex(id); i >= 0 {
		return &a.st.Jobs[i]
	}
	return nil
}

func (a *absence) jobIDs() []string {
	ids := make([]string, 0, len(a.st.Jobs))
	for _, j := range a.st.Jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

func (a *absence) uncovered() int {
	n := 0
	for _, j := range a.st.Jobs {
		if j.NeedsCover && j.Cover.needsSubstitute() {
			n++
		}
	}
	return n
}

func (a *absence) period() string {
	return a.clock(a.st.Period.From) + " – " + a.clock(a.st.Period.To)
}

func (a *absence) clock(t time.Time) string { return t.In(a.loc).Format("Mon 2 Jan 15:04 MST") }

func (a *absence) iso(t time.Time) string { return t.Format(time.RFC3339) }

func (a *absence) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to AbsenceStatus, note string) {
	from := a.st.Status
	a.st.Status = to
	a.closing = action
	a.st.Log = append(a.st.Log, jobcore.NewTransition(ctx, action, by, from, to, note))
	a.publish(ctx)
}

// log records a step that leaves the status as it is.
func (a *absence) log(ctx workflow.Context, action string, by jobcore.Actor, note string) {
	a.st.Log = append(a.st.Log, jobcore.NewTransition(ctx, action, by, a.st.Status, a.st.Status, note))
}

// publish writes what changed to the search attributes ops filter on (ids,
// statuses, times and a count only).
func (a *absence) publish(ctx workflow.Context) {
	a.st.Uncovered = a.uncovered()
	a.attrs.Publish(ctx, fmt.Sprintf("**%s** · %s %s · %s · %d job(s), %d uncovered",
		a.st.Status, a.in.Role, a.in.WorkerID, a.period(), len(a.st.Jobs), a.st.Uncovered),
		jobcore.Keyword(names.WorkerIDKey, a.in.WorkerID).First(),
		jobcore.Keyword(names.MarketKey, string(a.in.Market)).First(),
		jobcore.Keyword(names.RegionKey, a.in.Region),
		jobcore.Keyword(names.AbsenceStatusKey, string(a.st.Status)).First(),
		jobcore.Keywords(names.AbsenceDaysKey, rules.DaysCovering(a.st.Period.From, a.st.Period.To, rules.Location(a.in.Market))).First(),
		jobcore.Int(names.UncoveredJobsKey, a.st.Uncovered).First(),
	)
}
