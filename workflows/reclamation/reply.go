package reclamation

import (
	"fmt"
	"strings"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- C-2: reply within 2 h ------------------------------------------------

func (c *reclamation) validateAcknowledge(ctx workflow.Context, r ReclamationAckRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager acknowledging the reclamation")
	}
	if c.st.Status != ReclamationWaiting {
		return jobcore.Refuse("the customer has already been answered; this reclamation is %s (C-2)", c.st.Status)
	}
	return MaxText("note", r.Note)
}

func (c *reclamation) acknowledge(ctx workflow.Context, r ReclamationAckRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: names.RoleOps, ID: r.Manager}
	c.answered(ctx)
	c.setStatus(ctx, UpdateReclamationAcknowledge, by, ReclamationAcknowledged, joinNote("customer told it is seen and acted on (C-2)", r.Note))
	c.out.Email(ctx, by, "ack", "reclamation.ack", "reclamation acknowledged (C-2)", nil)
	return c.result(), nil
}

// watchReply escalates an unanswered reclamation at the reply deadline and
// one level more every ReclamationEscalation until it is answered (C-2).
func (c *reclamation) watchReply(ctx workflow.Context) {
	c.replyEscalations(ctx, 1, c.st.ReplyDeadline)
}

// replyEscalations escalates at `at` with level, then on the schedule, while
// the customer has had no answer (C-2).
func (c *reclamation) replyEscalations(ctx workflow.Context, level int, at time.Time) {
	summary := "reclamation reply within 2 h (C-2)"
	if level > 1 {
		summary = fmt.Sprintf("reclamation escalation level %d (C-2)", level)
	}
	if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), summary) {
		return
	}
	for ; c.st.AnsweredAt == nil && !c.st.Status.Closed(); level++ {
		c.escalate(ctx, level, "reply", c.st.ReplyDeadline, "ops.reclamation_escalation", "reclamation unanswered (C-2)")
		wait, more := c.nextEscalation(ctx, c.st.ReplyDeadline)
		if !more {
			return
		}
		if !jobcore.Sleep(ctx, wait, fmt.Sprintf("reclamation escalation level %d (C-2)", level+1)) {
			return
		}
	}
}

// nextEscalation is the wait before the next escalation of something
// overdue since due, and whether this run goes on escalating (false: it
// continues as new, the next run resumes at NextEscalationAt). The change
// ids are read at the first escalation, so a reclamation that had not
// escalated yet when this shipped takes the new behaviour (issue #13).
func (c *reclamation) nextEscalation(ctx workflow.Context, due time.Time) (time.Duration, bool) {
	if !c.versioned {
		c.versioned = true
		c.slowDown = workflow.GetVersion(ctx, reclamationScheduleChange, workflow.DefaultVersion, 1) == 1
		c.canEnabled = workflow.GetVersion(ctx, reclamationContinueAsNewChange, workflow.DefaultVersion, 1) == 1
	}
	now := workflow.Now(ctx)
	wait := c.in.Policy.ReclamationEscalation
	if c.slowDown {
		wait = c.in.Policy.ReclamationInterval(now.Sub(due))
	}
	if !c.canEnabled {
		return wait, true
	}
	next := now.Add(wait)
	c.st.NextEscalationAt = &next
	c.runEscals++
	info := workflow.GetInfo(ctx)
	if c.runEscals >= reclamationEscalationsPerRun || info.GetContinueAsNewSuggested() ||
		info.GetCurrentHistoryLength() >= reclamationHistoryLimit {
		c.continueNow = true
		return wait, false
	}
	return wait, true
}

// answered stops the reply clock: the customer has heard from us.
func (c *reclamation) answered(ctx workflow.Context) {
	if c.st.AnsweredAt != nil {
		return
	}
	now := workflow.Now(ctx)
	c.st.AnsweredAt = &now
	if c.cancelReply != nil {
		c.cancelReply()
		c.cancelReply = nil
	}
	c.st.EscalationLevel = 0
}

func (c *reclamation) escalate(ctx workflow.Context, level int, reason string, due time.Time, template, summary string) {
	c.st.EscalationLevel = level
	c.st.Escalations = append(c.st.Escalations, Escalation{At: workflow.Now(ctx), Level: level, Reason: reason, Due: due})
	c.logEntry(ctx, "escalate", jobcore.Actor{Role: names.RoleSystem}, string(c.st.Status), fmt.Sprintf("%s overdue since %s: level %d", reason, c.clock(due), level))
	c.publish(ctx)
	data := map[string]string{"deadline": due.Format(time.RFC3339), "level": fmt.Sprint(level), "reason": reason}
	if c.st.Plan != nil {
		data["due"] = c.st.Plan.Due.Format(time.RFC3339)
		data["assignee"] = c.st.Plan.Assignee
	}
	c.out.Alert(ctx, jobcore.Actor{Role: names.RoleSystem}, "reclamation_"+strings.ReplaceAll(reason, "-", "_"), template, summary, data)
}
