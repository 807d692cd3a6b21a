package reclamation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/internal/flowtest"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func testReclamation(lang rules.Language) ReclamationInput {
	return ReclamationInput{
		Job:       flowtest.TestJob,
		Customer:  jobcore.Customer{Name: "Mette", Phone: "+4520123456", Email: "mette@example.com", Language: lang},
		OpenedBy:  jobcore.Actor{Role: names.RoleCustomer},
		Complaint: "Jeg er så træt af at rydde op efter jer.",
		Policy:    rules.DefaultPolicy(),
	}
}

type recHarness struct {
	*flowtest.CaseHarness
	in ReclamationInput
}

func newRecHarness(t *testing.T, lang rules.Language) *recHarness {
	return &recHarness{CaseHarness: flowtest.NewCaseHarness(t, ReclamationID(flowtest.TestJob.ID, 1), Register), in: testReclamation(lang)}
}

func (h *recHarness) do(at time.Duration, name string, arg any) *flowtest.CaseResult[ReclamationUpdateResult] {
	return flowtest.DoCase[ReclamationUpdateResult](h.CaseHarness, at, "", name, arg)
}

func (h *recHarness) query(at time.Duration) *ReclamationState {
	return flowtest.QueryCase[ReclamationState](h.CaseHarness, at, "", QueryReclamation)
}

func (h *recHarness) run() ReclamationState {
	h.Env.ExecuteWorkflow(ReclamationWorkflow, h.in)
	require.True(h.T, h.Env.IsWorkflowCompleted())
	require.NoError(h.T, h.Env.GetWorkflowError())
	var res ReclamationResult
	require.NoError(h.T, h.Env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := flowtest.FinalState[ReclamationState](h.T, h.Env, QueryReclamation)
	flowtest.CheckRunResult(h.T, res, res.ID, string(res.Status), st.ID, string(st.Status), h.in.Customer.Name, h.in.Customer.Phone, h.in.Customer.Email, h.in.Complaint)
	h.Fake.Rendered(h.T)
	return st
}

// rejectAt ends a scenario that would otherwise wait for the manager.
func (h *recHarness) rejectAt(at time.Duration) *flowtest.CaseResult[ReclamationUpdateResult] {
	return h.do(at, UpdateReclamationReject, ReclamationRejectRequest{Manager: "sm-1", Reason: "test over"})
}

func goodPlan(due time.Time) ReclamationPlanRequest {
	return ReclamationPlanRequest{Manager: "sm-1", How: "A service assistant cleans up on Thursday.", Due: due,
		Assignee: "sa-7", AssigneeRole: AssigneeServiceAssistant}
}

func messages(st ReclamationState, to string) []string {
	var out []string
	for _, m := range st.Messages {
		if m.To == to {
			out = append(out, m.Template)
		}
	}
	return out
}

// --- C-1, C-2 -------------------------------------------------------------

func TestC2_UnansweredReclamationEscalatesAndAgain(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	opened := h.query(time.Minute)
	before := h.query(2*time.Hour - time.Minute)
	level1 := h.query(2*time.Hour + time.Minute)
	level2 := h.query(3*time.Hour + time.Minute)
	ack := h.do(3*time.Hour+30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	later := h.query(6 * time.Hour)
	h.rejectAt(7 * time.Hour)
	st := h.run()

	assert.Equal(t, ReclamationWaiting, opened.Status, "C-1: waiting for reclamation")
	assert.Equal(t, flowtest.T0.Add(2*time.Hour), opened.ReplyDeadline, "C-2: reply within 2 h")
	assert.Equal(t, 0, before.EscalationLevel)
	assert.Equal(t, 1, level1.EscalationLevel, "C-2: unanswered at 2 h escalates")
	assert.Equal(t, 2, level2.EscalationLevel, "C-2: and again after the escalation interval")
	accepted := ack
	flowtest.CaseAccepted(t, accepted)
	assert.Equal(t, 0, ack.State.EscalationLevel, "answered: nothing overdue any more")
	assert.Equal(t, 0, later.EscalationLevel)
	esc := h.Fake.Alert("ops.reclamation_escalation")
	require.Len(t, esc, 2, "C-2: no escalation after the acknowledgement")
	assert.Equal(t, "1", esc[0].Message.Data["level"])
	assert.Equal(t, "2", esc[1].Message.Data["level"])
	assert.Equal(t, ReclamationID(flowtest.TestJob.ID, 1), esc[0].Message.Data["reclamation_id"])
	assert.Equal(t, flowtest.T0.Add(2*time.Hour).Format(time.RFC3339), esc[0].Message.Data["deadline"])
	assert.NotContains(t, esc[0].Message.Data, "name", "alerts carry ids only (V-14)")
	require.Len(t, st.Escalations, 2)
	assert.Equal(t, flowtest.T0.Add(2*time.Hour), st.Escalations[0].At)
	assert.Equal(t, flowtest.T0.Add(3*time.Hour), st.Escalations[1].At)
}

func TestC2_AnsweredInTimeDoesNotEscalate(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	anon := h.do(20*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{})
	ack := h.do(30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1", Note: "called the customer"})
	twice := h.do(40*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	later := h.query(5 * time.Hour)
	h.rejectAt(6 * time.Hour)
	st := h.run()

	flowtest.CaseRefused(t, anon, "service manager")
	flowtest.CaseAccepted(t, ack)
	flowtest.CaseRefused(t, twice, "already been answered")
	assert.Equal(t, ReclamationAcknowledged, later.Status)
	assert.Equal(t, 0, later.EscalationLevel)
	assert.Empty(t, h.Fake.Alert("ops.reclamation_escalation"), "C-2: answered in time, no escalation")
	acks := h.Fake.Email("reclamation.ack")
	require.Len(t, acks, 1, "C-2: the customer is told it is seen")
	assert.Equal(t, "da", acks[0].Message.Language)
	assert.Equal(t, "mette@example.com", acks[0].To)
	assert.Equal(t, ReclamationID(flowtest.TestJob.ID, 1), acks[0].Message.Data["reclamation_id"])
	require.NotNil(t, st.AnsweredAt)
	assert.Equal(t, flowtest.T0.Add(30*time.Minute), *st.AnsweredAt)
	// The exchange: who told the customer what, when.
	require.NotEmpty(t, st.Messages)
	assert.Equal(t, jobcore.Actor{Role: names.RoleOps, ID: "sm-1"}, st.Messages[0].By)
	assert.Equal(t, "customer", st.Messages[0].To)
	assert.Equal(t, flowtest.T0.Add(30*time.Minute), st.Messages[0].At)
}

func TestC2_ReplyTimeIsPolicy(t *testing.T) {
	h := newRecHarness(t, rules.English)
	h.in.Policy.ReclamationReply = 30 * time.Minute // P-1: a partner's stricter reply time
	h.in.Policy.ReclamationEscalation = 15 * time.Minute
	at31 := h.query(31 * time.Minute)
	at46 := h.query(46 * time.Minute)
	h.rejectAt(50 * time.Minute)
	h.run()
	assert.Equal(t, 1, at31.EscalationLevel)
	assert.Equal(t, 2, at46.EscalationLevel)
}

// --- C-3 ------------------------------------------------------------------

func TestC3_RejectionNeedsAReasonThatReachesTheCustomer(t *testing.T) {
	h := newRecHarness(t, rules.German)
	none := h.do(10*time.Minute, UpdateReclamationReject, ReclamationRejectRequest{Manager: "sm-1"})
	blank := h.do(11*time.Minute, UpdateReclamationReject, ReclamationRejectRequest{Manager: "sm-1", Reason: "   "})
	reason := "Das Aufräumen gehört nicht zum Serviceplan."
	ok := h.do(12*time.Minute, UpdateReclamationReject, ReclamationRejectRequest{Manager: "sm-1", Reason: reason})
	st := h.run()

	flowtest.CaseRefused(t, none, "needs a reason")
	flowtest.CaseRefused(t, blank, "needs a reason")
	flowtest.CaseAccepted(t, ok)
	assert.Equal(t, ReclamationRejected, st.Status)
	assert.Equal(t, reason, st.Rejection)
	rej := h.Fake.Email("reclamation.rejected")
	require.Len(t, rej, 1, "C-3: the customer always receives the reason")
	assert.Equal(t, "de", rej[0].Message.Language, "in the customer's language")
	assert.Equal(t, reason, rej[0].Message.Data["reason"])
	assert.Equal(t, "mette@example.com", rej[0].To)
	assert.Equal(t, []string{"reclamation.rejected"}, messages(st, "customer"))
	assert.Equal(t, reason, st.Messages[0].Said["reason"], "the exchange keeps what was said")
	assert.Empty(t, h.Fake.Alert("ops.reclamation_escalation"), "a rejection answers the customer (C-2)")
}

func TestC3_WithinPlanPlanAssignResolveApprove(t *testing.T) {
	due := flowtest.T0.Add(72 * time.Hour)
	noAssignee := goodPlan(due)
	noAssignee.Assignee = ""
	badRole := goodPlan(due)
	badRole.AssigneeRole = "intern"
	noHow := goodPlan(due)
	noHow.How = " "
	past := goodPlan(flowtest.T0)

	h := newRecHarness(t, rules.Danish)
	h.do(30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	early := h.do(40*time.Minute, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	rNoAssignee := h.do(time.Hour, UpdateReclamationPlan, noAssignee)
	rBadRole := h.do(time.Hour+time.Minute, UpdateReclamationPlan, badRole)
	rNoHow := h.do(time.Hour+2*time.Minute, UpdateReclamationPlan, noHow)
	rPast := h.do(time.Hour+3*time.Minute, UpdateReclamationPlan, past)
	plan := h.do(2*time.Hour, UpdateReclamationPlan, goodPlan(due))
	lateReject := h.do(3*time.Hour, UpdateReclamationReject, ReclamationRejectRequest{Manager: "sm-1", Reason: "changed my mind"})
	stranger := h.do(24*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-9"})
	resolved := h.do(25*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7", Note: "cleaned up"})
	approved := h.do(26*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	st := h.run()

	flowtest.CaseRefused(t, early, "only resolved work")
	flowtest.CaseRefused(t, rNoAssignee, "assign the work")
	flowtest.CaseRefused(t, rBadRole, "first assistant or a service assistant")
	flowtest.CaseRefused(t, rNoHow, "how the problem will be fixed")
	flowtest.CaseRefused(t, rPast, "in the past")
	flowtest.CaseAccepted(t, plan)
	assert.Equal(t, ReclamationPlanned, plan.State.Status)
	assert.Equal(t, "sa-7", plan.State.Assignee, "C-3: the result names the assignee")
	require.NotNil(t, plan.State.Due)
	assert.Equal(t, due, *plan.State.Due, "C-3: and the promised date")
	flowtest.CaseRefused(t, lateReject, "only before it is planned")
	flowtest.CaseRefused(t, stranger, "only the assignee")
	flowtest.CaseAccepted(t, resolved)
	assert.Equal(t, ReclamationResolved, resolved.State.Status)
	flowtest.CaseAccepted(t, approved)
	assert.Equal(t, ReclamationApproved, st.Status)

	// The customer heard at the acknowledgement, the plan and the approval.
	assert.Equal(t, []string{"reclamation.ack", "reclamation.plan", "reclamation.approved"}, messages(st, "customer"))
	plans := h.Fake.Email("reclamation.plan")
	require.Len(t, plans, 1)
	assert.Equal(t, "da", plans[0].Message.Language)
	assert.Equal(t, goodPlan(due).How, plans[0].Message.Data["plan"])
	assert.Equal(t, due.Format(time.RFC3339), plans[0].Message.Data["due"])
	assert.Equal(t, "Europe/Copenhagen", plans[0].Message.Data["timezone"])
	require.Len(t, h.Fake.Email("reclamation.approved"), 1)
	assert.Empty(t, h.Fake.Templates("ops"), "nothing overdue, no alert")

	// The log names every actor.
	var actions []string
	for _, e := range st.Log {
		actions = append(actions, e.Action+"/"+e.By.Role+":"+e.By.ID)
	}
	assert.Equal(t, []string{"open/customer:", "acknowledge/ops:sm-1", "plan/ops:sm-1", "resolve/buddy:sa-7", "approve/ops:sm-1"}, actions)
}

func TestC3_OverduePlanEscalates(t *testing.T) {
	due := flowtest.T0.Add(24 * time.Hour)
	h := newRecHarness(t, rules.Swedish)
	h.do(time.Hour, UpdateReclamationPlan, goodPlan(due)) // a plan answers the customer too (C-2)
	onTime := h.query(24*time.Hour - time.Minute)
	overdue := h.query(24*time.Hour + time.Minute)
	again := h.query(25*time.Hour + time.Minute)
	resolved := h.do(25*time.Hour+30*time.Minute, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7"})
	quiet := h.query(30 * time.Hour)
	h.do(31*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	st := h.run()

	assert.Equal(t, 0, onTime.EscalationLevel)
	assert.Equal(t, 1, overdue.EscalationLevel, "C-3: overdue work escalates at the promised date")
	assert.Equal(t, 2, again.EscalationLevel)
	flowtest.CaseAccepted(t, resolved)
	assert.Equal(t, 0, quiet.EscalationLevel)
	assert.Empty(t, h.Fake.Alert("ops.reclamation_escalation"), "the plan answered within 2 h")
	od := h.Fake.Alert("ops.reclamation_overdue")
	require.Len(t, od, 2)
	assert.Equal(t, "sa-7", od[0].Message.Data["assignee"])
	assert.Equal(t, due.Format(time.RFC3339), od[0].Message.Data["deadline"])
	assert.Equal(t, ReclamationApproved, st.Status)
	assert.Equal(t, "sv", h.Fake.Email("reclamation.plan")[0].Message.Language)
}

func TestC3_ReplanMovesTheDueDate(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	h.do(time.Hour, UpdateReclamationPlan, goodPlan(flowtest.T0.Add(24*time.Hour)))
	later := goodPlan(flowtest.T0.Add(48 * time.Hour))
	later.Assignee, later.AssigneeRole = "fa-2", AssigneeFirstAssistant
	re := h.do(20*time.Hour, UpdateReclamationPlan, later)
	at25 := h.query(25 * time.Hour)
	h.do(30*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "fa-2"})
	h.do(31*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	h.run()
	flowtest.CaseAccepted(t, re)
	assert.Equal(t, 0, at25.EscalationLevel, "the old due date no longer fires")
	assert.Empty(t, h.Fake.Alert("ops.reclamation_overdue"))
	assert.Len(t, h.Fake.Email("reclamation.plan"), 2, "the customer hears of the new plan")
}

func TestC3_ExtraWorkNeedsTheCustomersAgreement(t *testing.T) {
	extra := goodPlan(flowtest.T0.Add(48 * time.Hour))
	agreed := extra
	agreed.CustomerAgreed = true
	h := newRecHarness(t, rules.Danish)
	noAgreement := h.do(time.Hour, UpdateReclamationPlanExtra, extra)
	ok := h.do(time.Hour+time.Minute, UpdateReclamationPlanExtra, agreed)
	inPlan := h.do(time.Hour+2*time.Minute, UpdateReclamationPlan, goodPlan(flowtest.T0.Add(48*time.Hour)))
	h.do(2*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7"})
	h.do(3*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	st := h.run()
	flowtest.CaseRefused(t, noAgreement, "customer's agreement")
	flowtest.CaseAccepted(t, ok)
	flowtest.CaseRefused(t, inPlan, "plan-extra")
	assert.True(t, st.Plan.Extra)
	assert.Equal(t, []string{"reclamation.extra_work", "reclamation.approved"}, messages(st, "customer"))
}

func TestC3_NotesKeepTheExchange(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	n := h.do(10*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: jobcore.Actor{Role: names.RoleCustomer, ID: ""}, Text: "And the floor is wet."})
	empty := h.do(11*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: jobcore.Actor{Role: names.RoleOps, ID: "sm-1"}})
	h.rejectAt(time.Hour)
	st := h.run()
	flowtest.CaseAccepted(t, n)
	flowtest.CaseRefused(t, empty, "needs a text")
	assert.Equal(t, "And the floor is wet.", st.Log[1].Note)
	assert.Equal(t, names.RoleCustomer, st.Log[1].By.Role)
}

// C-1: the note that comes with the update-with-start opening the case is
// the opening complaint itself: logged once; a further complaint is a note.
// Text is bounded in characters (MaxReclamationText), the API's own bound.
func TestC1_OpeningComplaintNoteIsNotLoggedTwice(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	opening := h.do(0, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: h.in.Complaint})
	further := h.do(10*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: "Og gulvet er vådt."})
	long := h.do(11*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: strings.Repeat("å", MaxReclamationText+1)})
	fits := h.do(12*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: jobcore.Actor{Role: names.RoleOps, ID: "sm-1"}, Text: strings.Repeat("å", MaxReclamationText)})
	h.rejectAt(time.Hour)
	closed := h.do(time.Hour, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: "hello?"})
	st := h.run()
	flowtest.CaseAccepted(t, opening)
	flowtest.CaseAccepted(t, further)
	flowtest.CaseRefused(t, long, "at most 2000 characters")
	flowtest.CaseAccepted(t, fits)
	flowtest.CaseRefused(t, closed, "open a new one")
	var app *temporal.ApplicationError
	require.ErrorAs(t, closed.Err, &app)
	assert.Equal(t, ErrTypeReclamationClosed, app.Type(), "a closed case is told apart from other refusals")
	var notes []string
	for _, e := range st.Log {
		if e.Action == UpdateReclamationNote {
			notes = append(notes, e.Note)
		}
	}
	assert.Equal(t, []string{"Og gulvet er vådt.", strings.Repeat("å", MaxReclamationText)}, notes)
	assert.Equal(t, "open", st.Log[0].Action)
	assert.Equal(t, h.in.Complaint, st.Complaint)
}

func TestC3_FailedMessageIsRecordedAndOpsAlerted(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	h.in.Customer.Email = ""
	h.do(10*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	h.rejectAt(20 * time.Minute)
	st := h.run()
	require.NotEmpty(t, st.Messages)
	assert.Equal(t, "failed: no_email", st.Messages[0].Outcome)
	require.NotEmpty(t, h.Fake.Alert("ops.delivery_failed"))
	assert.NotEmpty(t, h.Fake.Alert("ops.delivery_failed")[0].Message.Data["error_type"])
}

func TestReclamationInputCheck(t *testing.T) {
	in := testReclamation(rules.Danish)
	require.NoError(t, in.Check())
	in.Complaint = " "
	in.Customer.Email = ""
	in.OpenedBy.Role = "buddy"
	err := in.Check()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "complaint")
	assert.Contains(t, err.Error(), "e-mail")
	assert.Contains(t, err.Error(), "opened_by")
	assert.Equal(t, "reclamation-visit-acme-B-1-2", ReclamationID("visit-acme-B-1", 2))
	assert.Equal(t, "reclamation-visit-acme-B-1", ReclamationCaseID("visit-acme-B-1"))
	in = testReclamation(rules.Danish)
	in.Complaint = strings.Repeat("ø", MaxReclamationText+1)
	assert.ErrorContains(t, in.Check(), "at most 2000 characters")
}

// Issue #16, M1: the complaint link cannot drive Updates without bound: a
// note the customer already sent is refused, and so is every customer note
// past MaxCustomerNotes; ops may still write. Refused notes change nothing.
func TestC3_M1_CustomerNotesAreBoundedAndNotRepeated(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	customer := jobcore.Actor{Role: names.RoleCustomer}
	first := h.do(time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: customer, Text: "Gulvet er vådt."})
	again := h.do(2*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: customer, Text: " Gulvet er vådt. "})
	var more []*flowtest.CaseResult[ReclamationUpdateResult]
	for i := 2; i <= MaxCustomerNotes+1; i++ {
		more = append(more, h.do(time.Duration(2+i)*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: customer, Text: fmt.Sprintf("Note %d", i)}))
	}
	ops := h.do(40*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: jobcore.Actor{Role: names.RoleOps, ID: "sm-1"}, Text: "Called the customer."})
	h.rejectAt(time.Hour)
	st := h.run()
	flowtest.CaseAccepted(t, first)
	flowtest.CaseRefused(t, again, "already with the case")
	for _, r := range more[:len(more)-1] {
		flowtest.CaseAccepted(t, r)
	}
	flowtest.CaseRefused(t, more[len(more)-1], fmt.Sprintf("holds %d notes", MaxCustomerNotes))
	flowtest.CaseAccepted(t, ops)
	assert.Equal(t, MaxCustomerNotes, st.CustomerNotes)
	notes := 0
	for _, e := range st.Log {
		if e.Action == UpdateReclamationNote && e.By.Role == names.RoleCustomer {
			notes++
		}
	}
	assert.Equal(t, MaxCustomerNotes, notes, "refused notes leave no entry")
}
