package workflows

import (
	"context"
	"encoding/json"
	"go.temporal.io/sdk/worker"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/rules"
)

// msgChannels is fakeChannels that also keeps the e-mails and alerts
// whole, so tests can check the language and the fields a customer got.
type msgChannels struct {
	fakeChannels
	mu     sync.Mutex
	emails []activities.EmailRequest
	alerts []activities.OpsAlert
}

func (f *msgChannels) SendEmail(ctx context.Context, r activities.EmailRequest) (activities.EmailResult, error) {
	f.mu.Lock()
	f.emails = append(f.emails, r)
	f.mu.Unlock()
	return f.fakeChannels.SendEmail(ctx, r)
}

func (f *msgChannels) AlertOps(ctx context.Context, r activities.OpsAlert) (activities.AlertResult, error) {
	f.mu.Lock()
	f.alerts = append(f.alerts, r)
	f.mu.Unlock()
	return f.fakeChannels.AlertOps(ctx, r)
}

func (f *msgChannels) email(template string) []activities.EmailRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []activities.EmailRequest
	for _, e := range f.emails {
		if e.Message.Template == template {
			out = append(out, e)
		}
	}
	return out
}

func (f *msgChannels) alert(template string) []activities.OpsAlert {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []activities.OpsAlert
	for _, a := range f.alerts {
		if a.Message.Template == template {
			out = append(out, a)
		}
	}
	return out
}

// caseHarness runs a reclamation or a rating follow-up (and the children
// they start) in the time-skipping test environment.
type caseHarness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	fake *msgChannels
}

// register names the workflows the case may start (the flow under test
// and its children).
func newCaseHarness(t *testing.T, id string, register ...func(worker.WorkflowRegistry)) *caseHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(quietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue})
	fake := &msgChannels{}
	env.RegisterActivity(&activities.Outreach{Channels: fake})
	for _, r := range register {
		r(env)
	}
	return &caseHarness{t: t, env: env, fake: fake}
}

// caseResult is filled when an update scheduled by doCase is answered;
// State is the Update's small result (issue #13), not the whole state.
type caseResult[S any] struct {
	State    S
	Err      error
	Rejected bool
	Done     bool
}

// doCase runs an Update at an offset on the workflow id ("" is the
// workflow under test; another id reaches a child).
func doCase[S any](h *caseHarness, at time.Duration, id, name string, arg any) *caseResult[S] {
	r := &caseResult[S]{}
	h.env.RegisterDelayedCallback(func() {
		cb := &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.Err, r.Rejected, r.Done = err, true, true },
			OnComplete: func(v any, err error) {
				r.Err, r.Done = err, true
				switch s := v.(type) {
				case S:
					r.State = s
				case converter.EncodedValue:
					_ = s.Get(&r.State)
				}
			},
		}
		if id == "" {
			h.env.UpdateWorkflow(name, "", cb, arg)
			return
		}
		require.NoError(h.t, h.env.UpdateWorkflowByID(id, name, "", cb, arg))
	}, at)
	return r
}

// queryCase captures a workflow's state at an offset.
func queryCase[S any](h *caseHarness, at time.Duration, id, query string) *S {
	st := new(S)
	h.env.RegisterDelayedCallback(func() {
		var v converter.EncodedValue
		var err error
		if id == "" {
			v, err = h.env.QueryWorkflow(query)
		} else {
			v, err = h.env.QueryWorkflowByID(id, query)
		}
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, at)
	return st
}

// caseAccepted also holds the answer to MaxUpdateResultBytes (#13).
func caseAccepted[S any](t *testing.T, r *caseResult[S]) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.NoError(t, r.Err)
	b, err := json.Marshal(r.State)
	require.NoError(t, err)
	assert.Less(t, len(b), MaxUpdateResultBytes, "an Update answers a small result: %s", b)
}

func caseRefused[S any](t *testing.T, r *caseResult[S], contains string) {
	t.Helper()
	require.True(t, r.Done, "update was never answered")
	require.True(t, r.Rejected, "update should be refused by its validator, got err=%v", r.Err)
	assert.Contains(t, r.Err.Error(), contains)
}

// --- reclamation harness ------------------------------------------------------

var testJob = JobRef{ID: "visit-acme-B-1", Kind: JobVisit, Partner: "acme", Market: rules.Denmark, Region: "copenhagen"}

func testReclamation(lang rules.Language) ReclamationInput {
	return ReclamationInput{
		Job:       testJob,
		Customer:  Customer{Name: "Mette", Phone: "+4520123456", Email: "mette@example.com", Language: lang},
		OpenedBy:  Actor{Role: RoleCustomer},
		Complaint: "Jeg er så træt af at rydde op efter jer.",
		Policy:    rules.DefaultPolicy(),
	}
}

type recHarness struct {
	*caseHarness
	in ReclamationInput
}

func newRecHarness(t *testing.T, lang rules.Language) *recHarness {
	return &recHarness{caseHarness: newCaseHarness(t, ReclamationID(testJob.ID, 1), registerReclamation), in: testReclamation(lang)}
}

func (h *recHarness) do(at time.Duration, name string, arg any) *caseResult[ReclamationUpdateResult] {
	return doCase[ReclamationUpdateResult](h.caseHarness, at, "", name, arg)
}

func (h *recHarness) query(at time.Duration) *ReclamationState {
	return queryCase[ReclamationState](h.caseHarness, at, "", QueryReclamation)
}

func (h *recHarness) run() ReclamationState {
	h.env.ExecuteWorkflow(ReclamationWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res ReclamationResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	// The run returns a small result (issue #13); the whole state is the Query's.
	st := finalState[ReclamationState](h.t, h.env, QueryReclamation)
	checkRunResult(h.t, res, res.ID, string(res.Status), st.ID, string(st.Status), h.in.Customer.Name, h.in.Customer.Phone, h.in.Customer.Email, h.in.Complaint)
	h.fake.rendered(h.t)
	return st
}

// rejectAt ends a scenario that would otherwise wait for the manager.
func (h *recHarness) rejectAt(at time.Duration) *caseResult[ReclamationUpdateResult] {
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
	assert.Equal(t, t0.Add(2*time.Hour), opened.ReplyDeadline, "C-2: reply within 2 h")
	assert.Equal(t, 0, before.EscalationLevel)
	assert.Equal(t, 1, level1.EscalationLevel, "C-2: unanswered at 2 h escalates")
	assert.Equal(t, 2, level2.EscalationLevel, "C-2: and again after the escalation interval")
	accepted := ack
	caseAccepted(t, accepted)
	assert.Equal(t, 0, ack.State.EscalationLevel, "answered: nothing overdue any more")
	assert.Equal(t, 0, later.EscalationLevel)
	esc := h.fake.alert("ops.reclamation_escalation")
	require.Len(t, esc, 2, "C-2: no escalation after the acknowledgement")
	assert.Equal(t, "1", esc[0].Message.Data["level"])
	assert.Equal(t, "2", esc[1].Message.Data["level"])
	assert.Equal(t, ReclamationID(testJob.ID, 1), esc[0].Message.Data["reclamation_id"])
	assert.Equal(t, t0.Add(2*time.Hour).Format(time.RFC3339), esc[0].Message.Data["deadline"])
	assert.NotContains(t, esc[0].Message.Data, "name", "alerts carry ids only (V-14)")
	require.Len(t, st.Escalations, 2)
	assert.Equal(t, t0.Add(2*time.Hour), st.Escalations[0].At)
	assert.Equal(t, t0.Add(3*time.Hour), st.Escalations[1].At)
}

func TestC2_AnsweredInTimeDoesNotEscalate(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	anon := h.do(20*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{})
	ack := h.do(30*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1", Note: "called the customer"})
	twice := h.do(40*time.Minute, UpdateReclamationAcknowledge, ReclamationAckRequest{Manager: "sm-1"})
	later := h.query(5 * time.Hour)
	h.rejectAt(6 * time.Hour)
	st := h.run()

	caseRefused(t, anon, "service manager")
	caseAccepted(t, ack)
	caseRefused(t, twice, "already been answered")
	assert.Equal(t, ReclamationAcknowledged, later.Status)
	assert.Equal(t, 0, later.EscalationLevel)
	assert.Empty(t, h.fake.alert("ops.reclamation_escalation"), "C-2: answered in time, no escalation")
	acks := h.fake.email("reclamation.ack")
	require.Len(t, acks, 1, "C-2: the customer is told it is seen")
	assert.Equal(t, "da", acks[0].Message.Language)
	assert.Equal(t, "mette@example.com", acks[0].To)
	assert.Equal(t, ReclamationID(testJob.ID, 1), acks[0].Message.Data["reclamation_id"])
	require.NotNil(t, st.AnsweredAt)
	assert.Equal(t, t0.Add(30*time.Minute), *st.AnsweredAt)
	// The exchange: who told the customer what, when.
	require.NotEmpty(t, st.Messages)
	assert.Equal(t, Actor{RoleOps, "sm-1"}, st.Messages[0].By)
	assert.Equal(t, "customer", st.Messages[0].To)
	assert.Equal(t, t0.Add(30*time.Minute), st.Messages[0].At)
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

	caseRefused(t, none, "needs a reason")
	caseRefused(t, blank, "needs a reason")
	caseAccepted(t, ok)
	assert.Equal(t, ReclamationRejected, st.Status)
	assert.Equal(t, reason, st.Rejection)
	rej := h.fake.email("reclamation.rejected")
	require.Len(t, rej, 1, "C-3: the customer always receives the reason")
	assert.Equal(t, "de", rej[0].Message.Language, "in the customer's language")
	assert.Equal(t, reason, rej[0].Message.Data["reason"])
	assert.Equal(t, "mette@example.com", rej[0].To)
	assert.Equal(t, []string{"reclamation.rejected"}, messages(st, "customer"))
	assert.Equal(t, reason, st.Messages[0].Said["reason"], "the exchange keeps what was said")
	assert.Empty(t, h.fake.alert("ops.reclamation_escalation"), "a rejection answers the customer (C-2)")
}

func TestC3_WithinPlanPlanAssignResolveApprove(t *testing.T) {
	due := t0.Add(72 * time.Hour)
	noAssignee := goodPlan(due)
	noAssignee.Assignee = ""
	badRole := goodPlan(due)
	badRole.AssigneeRole = "intern"
	noHow := goodPlan(due)
	noHow.How = " "
	past := goodPlan(t0)

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

	caseRefused(t, early, "only resolved work")
	caseRefused(t, rNoAssignee, "assign the work")
	caseRefused(t, rBadRole, "first assistant or a service assistant")
	caseRefused(t, rNoHow, "how the problem will be fixed")
	caseRefused(t, rPast, "in the past")
	caseAccepted(t, plan)
	assert.Equal(t, ReclamationPlanned, plan.State.Status)
	assert.Equal(t, "sa-7", plan.State.Assignee, "C-3: the result names the assignee")
	require.NotNil(t, plan.State.Due)
	assert.Equal(t, due, *plan.State.Due, "C-3: and the promised date")
	caseRefused(t, lateReject, "only before it is planned")
	caseRefused(t, stranger, "only the assignee")
	caseAccepted(t, resolved)
	assert.Equal(t, ReclamationResolved, resolved.State.Status)
	caseAccepted(t, approved)
	assert.Equal(t, ReclamationApproved, st.Status)

	// The customer heard at the acknowledgement, the plan and the approval.
	assert.Equal(t, []string{"reclamation.ack", "reclamation.plan", "reclamation.approved"}, messages(st, "customer"))
	plans := h.fake.email("reclamation.plan")
	require.Len(t, plans, 1)
	assert.Equal(t, "da", plans[0].Message.Language)
	assert.Equal(t, goodPlan(due).How, plans[0].Message.Data["plan"])
	assert.Equal(t, due.Format(time.RFC3339), plans[0].Message.Data["due"])
	assert.Equal(t, "Europe/Copenhagen", plans[0].Message.Data["timezone"])
	require.Len(t, h.fake.email("reclamation.approved"), 1)
	assert.Empty(t, h.fake.templates("ops"), "nothing overdue, no alert")

	// The log names every actor.
	var actions []string
	for _, e := range st.Log {
		actions = append(actions, e.Action+"/"+e.By.Role+":"+e.By.ID)
	}
	assert.Equal(t, []string{"open/customer:", "acknowledge/ops:sm-1", "plan/ops:sm-1", "resolve/buddy:sa-7", "approve/ops:sm-1"}, actions)
}

func TestC3_OverduePlanEscalates(t *testing.T) {
	due := t0.Add(24 * time.Hour)
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
	caseAccepted(t, resolved)
	assert.Equal(t, 0, quiet.EscalationLevel)
	assert.Empty(t, h.fake.alert("ops.reclamation_escalation"), "the plan answered within 2 h")
	od := h.fake.alert("ops.reclamation_overdue")
	require.Len(t, od, 2)
	assert.Equal(t, "sa-7", od[0].Message.Data["assignee"])
	assert.Equal(t, due.Format(time.RFC3339), od[0].Message.Data["deadline"])
	assert.Equal(t, ReclamationApproved, st.Status)
	assert.Equal(t, "sv", h.fake.email("reclamation.plan")[0].Message.Language)
}

func TestC3_ReplanMovesTheDueDate(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	h.do(time.Hour, UpdateReclamationPlan, goodPlan(t0.Add(24*time.Hour)))
	later := goodPlan(t0.Add(48 * time.Hour))
	later.Assignee, later.AssigneeRole = "fa-2", AssigneeFirstAssistant
	re := h.do(20*time.Hour, UpdateReclamationPlan, later)
	at25 := h.query(25 * time.Hour)
	h.do(30*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "fa-2"})
	h.do(31*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	h.run()
	caseAccepted(t, re)
	assert.Equal(t, 0, at25.EscalationLevel, "the old due date no longer fires")
	assert.Empty(t, h.fake.alert("ops.reclamation_overdue"))
	assert.Len(t, h.fake.email("reclamation.plan"), 2, "the customer hears of the new plan")
}

func TestC3_ExtraWorkNeedsTheCustomersAgreement(t *testing.T) {
	extra := goodPlan(t0.Add(48 * time.Hour))
	agreed := extra
	agreed.CustomerAgreed = true
	h := newRecHarness(t, rules.Danish)
	noAgreement := h.do(time.Hour, UpdateReclamationPlanExtra, extra)
	ok := h.do(time.Hour+time.Minute, UpdateReclamationPlanExtra, agreed)
	inPlan := h.do(time.Hour+2*time.Minute, UpdateReclamationPlan, goodPlan(t0.Add(48*time.Hour)))
	h.do(2*time.Hour, UpdateReclamationResolve, ReclamationResolveRequest{Assignee: "sa-7"})
	h.do(3*time.Hour, UpdateReclamationApprove, ReclamationApproveRequest{Manager: "sm-1"})
	st := h.run()
	caseRefused(t, noAgreement, "customer's agreement")
	caseAccepted(t, ok)
	caseRefused(t, inPlan, "plan-extra")
	assert.True(t, st.Plan.Extra)
	assert.Equal(t, []string{"reclamation.extra_work", "reclamation.approved"}, messages(st, "customer"))
}

func TestC3_NotesKeepTheExchange(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	n := h.do(10*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: Actor{RoleCustomer, ""}, Text: "And the floor is wet."})
	empty := h.do(11*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: Actor{RoleOps, "sm-1"}})
	h.rejectAt(time.Hour)
	st := h.run()
	caseAccepted(t, n)
	caseRefused(t, empty, "needs a text")
	assert.Equal(t, "And the floor is wet.", st.Log[1].Note)
	assert.Equal(t, RoleCustomer, st.Log[1].By.Role)
}

// C-1: the note that comes with the update-with-start opening the case is
// the opening complaint itself: logged once; a further complaint is a note.
// Text is bounded in characters (MaxReclamationText), the API's own bound.
func TestC1_OpeningComplaintNoteIsNotLoggedTwice(t *testing.T) {
	h := newRecHarness(t, rules.Danish)
	opening := h.do(0, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: h.in.Complaint})
	further := h.do(10*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: "Og gulvet er vådt."})
	long := h.do(11*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: strings.Repeat("å", MaxReclamationText+1)})
	fits := h.do(12*time.Minute, UpdateReclamationNote, ReclamationNoteRequest{By: Actor{RoleOps, "sm-1"}, Text: strings.Repeat("å", MaxReclamationText)})
	h.rejectAt(time.Hour)
	closed := h.do(time.Hour, UpdateReclamationNote, ReclamationNoteRequest{By: h.in.OpenedBy, Text: "hello?"})
	st := h.run()
	caseAccepted(t, opening)
	caseAccepted(t, further)
	caseRefused(t, long, "at most 2000 characters")
	caseAccepted(t, fits)
	caseRefused(t, closed, "open a new one")
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
	require.NotEmpty(t, h.fake.alert("ops.delivery_failed"))
	assert.NotEmpty(t, h.fake.alert("ops.delivery_failed")[0].Message.Data["error_type"])
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
