package absence

import (
	"testing"
	"time"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestA2_SickLeaveApprovedWithoutQuestions(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.ReportedBy = jobcore.Actor{Role: names.RoleBuddy, ID: "b-1"}
	h.addJob(v1, names.JobVisit, 20*time.Hour)
	reported := h.query(time.Minute)
	rej := h.do(10*time.Minute, UpdateAbsenceReject, RejectAbsenceRequest{Manager: "ops-1", Reason: "no"})
	noName := h.do(11*time.Minute, UpdateAbsenceApprove, ApproveAbsenceRequest{})
	ok := h.do(12*time.Minute, UpdateAbsenceApprove, ApproveAbsenceRequest{Manager: "ops-1"})
	st := h.run()

	assert.Equal(t, AbsenceActive, reported.Status, "sick from now: active at once")
	assert.Len(t, reported.Jobs, 1, "a sick worker cannot work: the search for cover does not wait for the approval")
	assert.Len(t, opsAlerts(h.ops, "ops.absence_approval"), 1)
	require.True(t, rej.Rejected)
	assert.Contains(t, rej.Err.Error(), "A-2")
	require.True(t, noName.Rejected)
	require.NoError(t, ok.Err)
	assert.Equal(t, "ops-1", st.ApprovedBy)
}

func TestA1_HolidayWaitsForApproval(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.Kind = AbsenceHoliday
	h.in.ReportedBy = jobcore.Actor{Role: names.RoleBuddy, ID: "b-1"}
	h.in.Period = AbsencePeriod{From: flowtest.T0.Add(48 * time.Hour), To: flowtest.T0.Add(72 * time.Hour)}
	h.addJob(v1, names.JobVisit, 60*time.Hour)
	pending := h.query(time.Hour)
	h.do(2*time.Hour, UpdateAbsenceApprove, ApproveAbsenceRequest{Manager: "tl-1", By: jobcore.Actor{Role: names.RoleTeamLead, ID: "tl-1"}})
	approved := h.query(3 * time.Hour)
	h.do(4*time.Hour, UpdateAcceptSubstitute, accept(v1, "b-2"))
	st := h.run()
	assert.Equal(t, AbsenceReported, pending.Status)
	assert.Empty(t, pending.Jobs, "a holiday is planned on approval")
	assert.Equal(t, AbsenceApproved, approved.Status)
	assert.Len(t, approved.Jobs, 1)
	require.NotNil(t, jobOf(st, v1).HandoverBy)
	assert.Equal(t, flowtest.T0.Add(48*time.Hour), *jobOf(st, v1).HandoverBy, "A-4: the worker hands over before leaving")
	assert.ElementsMatch(t, []string{"b-2", "b-1"}, h.work.textsTo("absence.handover"))
	for _, e := range st.Log {
		if e.Action == "approve" {
			assert.Equal(t, jobcore.Actor{Role: names.RoleTeamLead, ID: "tl-1"}, e.By, "the approval is logged with the manager's real role (issue #16)")
		}
	}
}

func TestA5_AutoReplyDuringTheAbsence(t *testing.T) {
	h := newAbsenceHarness(t, 1)
	h.in.Period = AbsencePeriod{From: flowtest.T0.Add(24 * time.Hour), To: flowtest.T0.Add(48 * time.Hour)}
	before := h.autoReply(time.Hour)
	during := h.autoReply(30 * time.Hour)
	st := h.run()
	assert.False(t, before.Active)
	assert.True(t, during.Active)
	assert.Equal(t, "absence.auto_reply", during.Message.Template)
	assert.Equal(t, "Anne (teamlead@jobflow.example)", during.Message.Data["contact"])
	assert.Equal(t, flowtest.T0.Add(24*time.Hour).Format(time.RFC3339), during.Message.Data["from"])
	assert.Equal(t, flowtest.T0.Add(48*time.Hour).Format(time.RFC3339), during.Message.Data["to"])
	assert.Equal(t, AbsenceEnded, st.Status)
}

// the absence's look-ups find the jobs by the names the flows
// register and the attributes they publish (one set of names, workflows/names).
func TestA1_ActivityNamesMatchTheJobWorkflows(t *testing.T) {
	assert.Equal(t, "absence-b-1-3", AbsenceID("b-1", 3))
	assert.Contains(t, activities.AbsenceVisitsQuery("b-1"), "WorkflowType = '"+visit.VisitWorkflowName+"'")
	assert.Contains(t, activities.AbsenceVisitsQuery("b-1"), names.BuddyIDKey.GetName()+" = 'b-1'")
	assert.Contains(t, activities.AbsenceTasksQuery("a-1"), "WorkflowType = '"+names.TaskWorkflowName+"'")
	assert.Contains(t, activities.AbsenceTasksQuery("a-1"), names.AssistantIDKey.GetName()+" = 'a-1'")
	assert.Equal(t, task.TaskUpdateReassign, visit.UpdateReassign, "one reassign update reaches both kinds of job")
}

func deliveriesOf(st AbsenceState, channel string) []jobcore.Delivery {
	var out []jobcore.Delivery
	for _, d := range st.Deliveries {
		if d.Channel == channel {
			out = append(out, d)
		}
	}
	return out
}
