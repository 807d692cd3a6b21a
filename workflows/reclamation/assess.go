package reclamation

import (
	"fmt"
	"strings"
	"time"

	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// --- C-3: assess against the service plan -----------------------------------

func (c *reclamation) validatePlan(ctx workflow.Context, r ReclamationPlanRequest) error {
	switch c.st.Status {
	case ReclamationWaiting, ReclamationAcknowledged, ReclamationPlanned, ReclamationResolved:
	default:
		return jobcore.Refuse("a %s reclamation cannot be planned (C-3)", c.st.Status)
	}
	if c.st.Plan != nil && c.st.Plan.Extra {
		return jobcore.Refuse("this reclamation runs as extra work agreed with the customer; re-plan it with plan-extra (C-3)")
	}
	return c.checkPlan(ctx, r)
}

func (c *reclamation) validatePlanExtra(ctx workflow.Context, r ReclamationPlanRequest) error {
	switch c.st.Status {
	case ReclamationWaiting, ReclamationAcknowledged:
	case ReclamationPlanned, ReclamationResolved:
		if !c.st.Plan.Extra {
			return jobcore.Refuse("this reclamation is planned within the service plan; re-plan it with plan (C-3)")
		}
	default:
		return jobcore.Refuse("a %s reclamation cannot get extra work (C-3)", c.st.Status)
	}
	if !r.CustomerAgreed {
		return jobcore.Refuse("extra work outside the service plan needs the customer's agreement (set customer_agreed) (C-3)")
	}
	return c.checkPlan(ctx, r)
}

func (c *reclamation) checkPlan(ctx workflow.Context, r ReclamationPlanRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager making the plan")
	}
	if strings.TrimSpace(r.How) == "" {
		return jobcore.Refuse("write how the problem will be fixed (C-3)")
	}
	if err := MaxText("how", r.How); err != nil {
		return err
	}
	if r.Due.IsZero() {
		return jobcore.Refuse("give the date by which it will be fixed (C-3)")
	}
	if !r.Due.After(workflow.Now(ctx)) {
		return jobcore.Refuse("the promised date %s is in the past (C-3)", c.clock(r.Due))
	}
	if r.Assignee == "" {
		return jobcore.Refuse("assign the work to an employee (C-3)")
	}
	if r.AssigneeRole != AssigneeFirstAssistant && r.AssigneeRole != AssigneeServiceAssistant {
		return jobcore.Refuse("the assignee is a first assistant or a service assistant: assignee_role %s or %s (C-3)",
			AssigneeFirstAssistant, AssigneeServiceAssistant)
	}
	return nil
}

func (c *reclamation) plan(ctx workflow.Context, r ReclamationPlanRequest) (ReclamationUpdateResult, error) {
	c.setPlan(ctx, UpdateReclamationPlan, r, false, "reclamation.plan", "within the service plan")
	return c.result(), nil
}

func (c *reclamation) planExtra(ctx workflow.Context, r ReclamationPlanRequest) (ReclamationUpdateResult, error) {
	c.setPlan(ctx, UpdateReclamationPlanExtra, r, true, "reclamation.extra_work", "extra work agreed with the customer")
	return c.result(), nil
}

func (c *reclamation) setPlan(ctx workflow.Context, action string, r ReclamationPlanRequest, extra bool, template, what string) {
	by := jobcore.Actor{Role: names.RoleOps, ID: r.Manager}
	replan := c.st.Plan != nil
	c.answered(ctx)
	c.st.Plan = &ReclamationPlan{How: r.How, Due: r.Due, Assignee: r.Assignee, AssigneeRole: r.AssigneeRole,
		Extra: extra, By: r.Manager, At: workflow.Now(ctx)}
	c.st.ResolvedAt = nil
	c.st.EscalationLevel = 0
	note := fmt.Sprintf("%s: %s by %s, due %s (C-3)", what, r.AssigneeRole, r.Assignee, c.clock(r.Due))
	if replan {
		note = "re-planned, " + note
	}
	c.setStatus(ctx, action, by, ReclamationPlanned, note)
	c.out.Email(ctx, by, action, template, "reclamation "+action+" to customer (C-3)",
		map[string]string{"plan": r.How, "due": r.Due.Format(time.RFC3339)})
	c.watchDue(ctx)
}

// watchDue (re)starts the promised date's timer: overdue work escalates
// at the due date and one level more every ReclamationEscalation (C-3).
func (c *reclamation) watchDue(ctx workflow.Context) {
	c.watchDueFrom(ctx, 1, c.st.Plan.Due)
}

// watchDueFrom escalates overdue work at `at` with level, then on the
// schedule, until resolved or re-planned (C-3).
func (c *reclamation) watchDueFrom(ctx workflow.Context, level int, at time.Time) {
	c.endDue()
	gen := c.dueGen
	due := c.st.Plan.Due
	dueCtx, cancel := workflow.WithCancel(ctx)
	c.cancelDue = cancel
	summary := "reclamation promised date (C-3)"
	if level > 1 {
		summary = fmt.Sprintf("overdue reclamation level %d (C-3)", level)
	}
	workflow.Go(dueCtx, func(ctx workflow.Context) {
		if !jobcore.Sleep(ctx, at.Sub(workflow.Now(ctx)), summary) {
			return
		}
		for ; c.dueGen == gen && c.st.Status == ReclamationPlanned; level++ {
			c.escalate(ctx, level, "plan-overdue", due, "ops.reclamation_overdue", "reclamation work overdue (C-3)")
			wait, more := c.nextEscalation(ctx, due)
			if !more {
				return
			}
			if !jobcore.Sleep(ctx, wait, fmt.Sprintf("overdue reclamation level %d (C-3)", level+1)) {
				return
			}
		}
	})
}

func (c *reclamation) endDue() {
	c.dueGen++
	if c.cancelDue != nil {
		c.cancelDue()
		c.cancelDue = nil
	}
}

func (c *reclamation) validateReject(ctx workflow.Context, r ReclamationRejectRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager rejecting the reclamation")
	}
	if c.st.Status != ReclamationWaiting && c.st.Status != ReclamationAcknowledged {
		return jobcore.Refuse("a %s reclamation can no longer be rejected; only before it is planned (C-3)", c.st.Status)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return jobcore.Refuse("a rejection needs a reason; the customer always receives it (C-3)")
	}
	return MaxText("reason", r.Reason)
}

func (c *reclamation) reject(ctx workflow.Context, r ReclamationRejectRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: names.RoleOps, ID: r.Manager}
	c.answered(ctx)
	c.st.Rejection = r.Reason
	c.close(ctx, UpdateReclamationReject, by, ReclamationRejected, "outside the service plan: "+r.Reason+" (C-3)")
	c.out.Email(ctx, by, "rejected", "reclamation.rejected", "reclamation rejected with reason (C-3)",
		map[string]string{"reason": r.Reason})
	return c.result(), nil
}

func (c *reclamation) validateResolve(ctx workflow.Context, r ReclamationResolveRequest) error {
	if c.st.Status != ReclamationPlanned {
		return jobcore.Refuse("only planned work can be marked resolved; this reclamation is %s (C-3)", c.st.Status)
	}
	if r.Assignee == "" || r.Assignee != c.st.Plan.Assignee {
		return jobcore.Refuse("the work is assigned to %s; only the assignee marks it resolved (C-3)", c.st.Plan.Assignee)
	}
	return MaxText("note", r.Note)
}

func (c *reclamation) resolve(ctx workflow.Context, r ReclamationResolveRequest) (ReclamationUpdateResult, error) {
	now := workflow.Now(ctx)
	c.st.ResolvedAt = &now
	c.endDue()
	c.st.EscalationLevel = 0
	c.setStatus(ctx, UpdateReclamationResolve, jobcore.Actor{Role: names.RoleBuddy, ID: r.Assignee}, ReclamationResolved,
		joinNote("resolved; waiting for the manager's approval (C-3)", r.Note))
	return c.result(), nil
}

func (c *reclamation) validateApprove(ctx workflow.Context, r ReclamationApproveRequest) error {
	if r.Manager == "" {
		return jobcore.Refuse("name the service manager approving the resolution")
	}
	if c.st.Status != ReclamationResolved {
		return jobcore.Refuse("only resolved work can be approved; this reclamation is %s (C-3)", c.st.Status)
	}
	return nil
}

func (c *reclamation) approve(ctx workflow.Context, r ReclamationApproveRequest) (ReclamationUpdateResult, error) {
	by := jobcore.Actor{Role: names.RoleOps, ID: r.Manager}
	c.close(ctx, UpdateReclamationApprove, by, ReclamationApproved, "resolution approved; customer told (C-3)")
	c.out.Email(ctx, by, "approved", "reclamation.approved", "reclamation approved to customer (C-3)", nil)
	return c.result(), nil
}

func (c *reclamation) validateNote(ctx workflow.Context, r ReclamationNoteRequest) error {
	if r.By.Role == "" {
		return jobcore.Refuse("say who adds the note")
	}
	if strings.TrimSpace(r.Text) == "" {
		return jobcore.Refuse("a note needs a text")
	}
	if c.st.Status.Closed() {
		return temporal.NewApplicationError(fmt.Sprintf("this reclamation is %s; open a new one", c.st.Status), ErrTypeReclamationClosed)
	}
	if err := MaxText("text", r.Text); err != nil {
		return err
	}
	if c.openingNote(r) {
		return nil
	}
	// Issue #16, M1: a repeated note and notes past the cap are refused;
	// refused Updates leave no trace in the history.
	if last := c.lastNote(r.By); last != nil && strings.TrimSpace(last.Note) == strings.TrimSpace(r.Text) {
		return jobcore.Refuse("this note is already with the case (%s)", last.At.Format(time.RFC3339))
	}
	if r.By.Role == names.RoleCustomer && c.st.CustomerNotes >= MaxCustomerNotes {
		return jobcore.Refuse("the case already holds %d notes from you; ops will contact you (C-3)", MaxCustomerNotes)
	}
	return nil
}

// openingNote is the note of the update-with-start that opened this run:
// the opening complaint, already logged as "open" (api.StartReclamation).
func (c *reclamation) openingNote(r ReclamationNoteRequest) bool {
	return len(c.st.Log) <= 1 && r.By == c.in.OpenedBy && r.Text == c.in.Complaint
}

// lastNote is the newest note by the actor, if the log still holds one.
func (c *reclamation) lastNote(by jobcore.Actor) *CaseEntry {
	for i := len(c.st.Log) - 1; i >= 0; i-- {
		if e := &c.st.Log[i]; e.Action == UpdateReclamationNote && e.By == by {
			return e
		}
	}
	return nil
}

func (c *reclamation) note(ctx workflow.Context, r ReclamationNoteRequest) (ReclamationUpdateResult, error) {
	// The note of the update-with-start that opened this run is the opening
	// complaint, already logged as "open" (api.StartReclamation).
	if c.openingNote(r) &&
		workflow.GetVersion(ctx, "reclamation-opening-note", workflow.DefaultVersion, 1) == 1 {
		return c.result(), nil
	}
	if r.By.Role == names.RoleCustomer {
		c.st.CustomerNotes++
	}
	c.logEntry(ctx, UpdateReclamationNote, r.By, string(c.st.Status), r.Text)
	return c.result(), nil
}
