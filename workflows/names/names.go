// Package names holds what other processes use to reach the flows: the
// workflow types, the queries and updates the absence activities call, the
// job kinds and roles, the search attributes and the task queue. It imports
// nothing of jobflow, so activities/ uses these constants instead of copies
// (issue #13), and a renamed one changes everywhere at once.
package names

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Workflow types, and the query and update names the absence activities
// call on the jobs. The flows register and handle these names.
const (
	VisitWorkflowName = "Visit"
	TaskWorkflowName  = "Task"
	VisitQuery        = "visit"
	TaskQuery         = "task"
	ReassignUpdate    = "reassign" // a substitute takes over; the job keeps its timers
)

// Job kinds a reclamation, a rating or an absence concerns.
const (
	JobVisit = "visit"
	JobTask  = "task"
)

// Roles of the actors in the transition logs and of the absent workers.
const (
	RoleBuddy     = "buddy"
	RoleOps       = "ops"
	RoleCustomer  = "customer"
	RoleSystem    = "system"
	RoleAssistant = "assistant"
	RoleTeamLead  = "teamlead"
)

// Typed search attributes ops filter on in the Temporal UI. None of them
// may hold personal data (V-14): ids, codes, statuses and times only.
var (
	// Shared by every flow.
	PartnerKey = temporal.NewSearchAttributeKeyKeyword("Partner")
	MarketKey  = temporal.NewSearchAttributeKeyKeyword("Market")
	RegionKey  = temporal.NewSearchAttributeKeyKeyword("Region")

	// Visits (V).
	VisitStatusKey   = temporal.NewSearchAttributeKeyKeyword("VisitStatus")
	BuddyIDKey       = temporal.NewSearchAttributeKeyKeyword("BuddyId")
	AppointmentAtKey = temporal.NewSearchAttributeKeyTime("AppointmentAt")
	HelpDeadlineKey  = temporal.NewSearchAttributeKeyTime("HelpDeadline")
	SLAStateKey      = temporal.NewSearchAttributeKeyKeyword("SlaState")

	// Reclamations (C).
	ReclamationStatusKey = temporal.NewSearchAttributeKeyKeyword("ReclamationStatus")
	ReplyDeadlineKey     = temporal.NewSearchAttributeKeyTime("ReplyDeadline")
	AssigneeKey          = temporal.NewSearchAttributeKeyKeyword("Assignee")
	EscalationLevelKey   = temporal.NewSearchAttributeKeyInt64("EscalationLevel")

	// Tasks (T). SQL visibility (dev server, PostgreSQL) holds 10 Keyword,
	// 3 Datetime and 3 Int attributes per namespace, so tasks reuse the
	// attributes whose meaning carries over: the assistant is a WorkerId, the
	// review deadline (T-1/T-2) is a ReplyDeadline, the task's deadline
	// (T-5) is the HelpDeadline promised to the customer.
	// TaskStatus is a keyword list holding one value: the ten Keyword
	// columns are taken by the attributes the visit, reclamation and absence
	// flows name; `TaskStatus = "review"` filters it all the same.
	TaskStatusKey     = temporal.NewSearchAttributeKeyKeywordList("TaskStatus")
	AssistantIDKey    = WorkerIDKey
	ReviewDeadlineKey = ReplyDeadlineKey
	TaskDeadlineKey   = HelpDeadlineKey

	// Absences (A).
	AbsenceStatusKey = temporal.NewSearchAttributeKeyKeyword("AbsenceStatus")
	WorkerIDKey      = temporal.NewSearchAttributeKeyKeyword("WorkerId")
	UncoveredJobsKey = temporal.NewSearchAttributeKeyInt64("UncoveredJobs")
	// AbsenceDays lists the market-local dates the period touches
	// (rules.DaysCovering): "who is away today" is `AbsenceDays = "2026-11-23"`.
	AbsenceDaysKey = temporal.NewSearchAttributeKeyKeywordList("AbsenceDays")

	// Customer accounts (N-4): the account id is in the workflow id
	// (account-<id>); the status is a keyword list holding one value.
	AccountStatusKey = temporal.NewSearchAttributeKeyKeywordList("AccountStatus")
)

// SearchAttribute is one custom attribute to register on a namespace.
type SearchAttribute struct {
	Name string
	Type enumspb.IndexedValueType
}

// SearchAttributes lists every custom attribute jobflow uses, for the worker
// to register at start-up and the dev-server scripts to pass to
// `temporal server start-dev --search-attribute`.
var SearchAttributes = func() []SearchAttribute {
	kw := enumspb.INDEXED_VALUE_TYPE_KEYWORD
	dt := enumspb.INDEXED_VALUE_TYPE_DATETIME
	in := enumspb.INDEXED_VALUE_TYPE_INT
	kl := enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST
	var out []SearchAttribute
	add := func(t enumspb.IndexedValueType, names ...string) {
		for _, n := range names {
			out = append(out, SearchAttribute{Name: n, Type: t})
		}
	}
	// Fits SQL visibility's columns per namespace (dev server, PostgreSQL):
	// 10 Keyword, 3 Datetime, 3 Int, 3 KeywordList.
	add(kw, "Partner", "Market", "Region", "VisitStatus", "BuddyId", "SlaState",
		"ReclamationStatus", "Assignee", "AbsenceStatus", "WorkerId")
	add(dt, "AppointmentAt", "HelpDeadline", "ReplyDeadline")
	add(in, "EscalationLevel", "UncoveredJobs")
	add(kl, "TaskStatus", "AccountStatus", "AbsenceDays")
	return out
}()

// TaskQueue is the one queue every jobflow worker polls; scale out by
// running more workers on it.
const TaskQueue = "jobflow"
