package reclamation

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/workflow"
)

// --- helpers ----------------------------------------------------------------

// maxText bounds free text written into a reclamation (MaxReclamationText).
func MaxText(field, s string) error {
	if utf8.RuneCountInString(s) > MaxReclamationText {
		return jobcore.Refuse("%s is at most %d characters", field, MaxReclamationText)
	}
	return nil
}

func joinNote(note, extra string) string {
	if extra == "" {
		return note
	}
	return note + ": " + extra
}

func (c *reclamation) close(ctx workflow.Context, action string, by jobcore.Actor, to ReclamationStatus, note string) {
	now := workflow.Now(ctx)
	c.st.ClosedAt = &now
	c.endDue()
	if c.cancelReply != nil {
		c.cancelReply()
	}
	c.st.EscalationLevel = 0
	c.setStatus(ctx, action, by, to, note)
}

func (c *reclamation) clock(t time.Time) string { return t.In(c.loc).Format("Mon 2 Jan 15:04 MST") }

func (c *reclamation) setStatus(ctx workflow.Context, action string, by jobcore.Actor, to ReclamationStatus, note string) {
	from := c.st.Status
	c.st.Status = to
	c.closing = action
	c.logEntry(ctx, action, by, string(from), note)
	c.publish(ctx)
	// C-3, issue #13: an acknowledged complaint is to be assessed next,
	// resolved work approved next; both have a timer (watchStage).
	if (to == ReclamationAcknowledged || to == ReclamationResolved) && from != to && c.stageOn(ctx) {
		c.watchStage(ctx, 1, c.stageDue())
	}
}

func (c *reclamation) logEntry(ctx workflow.Context, action string, by jobcore.Actor, from, note string) {
	c.st.Log = append(c.st.Log, jobcore.NewTransition(ctx, action, by, from, string(c.st.Status), note))
}

// publish writes what changed to the search attributes ops filter on
// (ReclamationStatus, ReplyDeadline, Assignee, EscalationLevel) and the
// current details. No personal data goes here (V-14).
func (c *reclamation) publish(ctx workflow.Context) {
	assignee := ""
	if c.st.Plan != nil && !c.st.Status.Closed() {
		assignee = c.st.Plan.Assignee
	}
	c.attrs.Publish(ctx, c.details(),
		jobcore.Keyword(names.PartnerKey, c.st.Job.Partner).First(),
		jobcore.Keyword(names.MarketKey, string(c.st.Job.Market)).First(),
		jobcore.Time(names.ReplyDeadlineKey, c.st.ReplyDeadline).First(),
		jobcore.Keyword(names.RegionKey, c.st.Job.Region),
		jobcore.Keyword(names.ReclamationStatusKey, string(c.st.Status)).First(),
		jobcore.Int(names.EscalationLevelKey, c.st.EscalationLevel).First(),
		jobcore.Keyword(names.AssigneeKey, assignee).Unset(),
	)
}

func (c *reclamation) details() string {
	s := fmt.Sprintf("**%s** · %s %s · %s", c.st.Status, c.st.Job.Kind, c.st.Job.ID, c.st.Job.Partner)
	if c.st.AnsweredAt == nil && !c.st.Status.Closed() {
		s += " · reply due " + c.clock(c.st.ReplyDeadline)
	}
	if p := c.st.Plan; p != nil && !c.st.Status.Closed() {
		s += fmt.Sprintf(" · %s %s · due %s", p.AssigneeRole, p.Assignee, c.clock(p.Due))
	}
	if c.st.EscalationLevel > 0 {
		s += fmt.Sprintf(" · **escalated, level %d**", c.st.EscalationLevel)
	}
	return s
}

// --- input ----------------------------------------------------------------

// Check refuses an input a reclamation cannot work with.
func (in ReclamationInput) Check() error {
	var errs []error
	if in.Job.ID == "" || (in.Job.Kind != names.JobVisit && in.Job.Kind != names.JobTask) {
		errs = append(errs, errors.New("reclamation: the job id and kind (visit or task) are required"))
	}
	if in.Job.Partner == "" || in.Job.Market == "" {
		errs = append(errs, errors.New("reclamation: the job's partner and market are required"))
	}
	if in.Customer.Email == "" {
		errs = append(errs, errors.New("reclamation: the customer's e-mail is required to answer them (C-2)"))
	}
	if strings.TrimSpace(in.Complaint) == "" || utf8.RuneCountInString(in.Complaint) > MaxReclamationText {
		errs = append(errs, fmt.Errorf("reclamation: the complaint text is required (at most %d characters)", MaxReclamationText))
	}
	switch in.OpenedBy.Role {
	case names.RoleCustomer, names.RoleOps, names.RoleSystem:
	default:
		errs = append(errs, errors.New("reclamation: opened_by.role is customer, ops or system"))
	}
	if in.Policy.ReclamationReply <= 0 || in.Policy.ReclamationEscalation <= 0 {
		errs = append(errs, errors.New("reclamation: the policy's reclamation_reply and reclamation_escalation must be positive (P-1)"))
	}
	return errors.Join(errs...)
}
