package outreach

// The message catalogue's contract: for every message id, the Data fields
// every language version must use and the optional ones it may read. The
// texts themselves are data a translator edits, one file per language in
// messages/ (sv.toml, da.toml, de.toml, en.toml, and de_du.toml for the
// informal German address; see messages.go). Bodies are plain text (SMS,
// speech and the text part of e-mail; the HTML part is derived from it with
// escaping). Times come in Data as RFC 3339 with Data["timezone"] (IANA) and
// are formatted with when/date/clock. URLs stand on their own line so the
// HTML part links them. Messages to ops and assistants name jobs and tasks
// by id only (V-14).
//
// Every message also reads the optional field "formal" (German: "false"
// picks the Du version, absent or anything else the Sie version; seed 004).

var catalogue = map[string]entry{
	// V-3: the booking with the recording notice, and the caveat when a
	// hardware fault is suspected.
	"visit.booking_confirmation": {
		Fields: []string{"name", "appointment", "timezone"},
		// reminder_lead_minutes: the policy's reminder lead (V-7, P-1) in minutes;
		// without it the text says one hour.
		Optional: []string{"hardware_fault", "reminder_lead_minutes"},
	},
	// V-7: spoken by the reminder call (TwiML <Say>), so no URLs or symbols.
	"visit.reminder_call": {
		Fields:   []string{"name", "appointment", "timezone"},
		Optional: []string{"service_phone"}, // the customer service number, spoken last
	},
	// V-7: sent when the reminder call is not answered.
	"visit.reminder_sms": {
		Fields: []string{"name", "appointment", "timezone"},
		// The customer service number (policy; seed: 010-17 77 307); the
		// text fits one segment with it.
		Optional: []string{"service_phone"},
	},
	// V-6
	"visit.rescheduled": {
		Fields: []string{"name", "appointment", "timezone"},
	},
	"visit.cancelled": {
		Fields: []string{"name", "appointment", "timezone"},
		// The customer service number (policy; seed: 010-17 77 307); the
		// text fits one segment with it.
		Optional: []string{"service_phone"},
	},
	// V-8: the start repeats the recording notice.
	"visit.start_notice": {
		Fields: []string{"name"},
	},
	// V-11, R-1
	"visit.rating_request": {
		Fields:   []string{"name", "rating_url"},
		Optional: []string{"complaint_url"}, // C-1: the complaint link, when the API minted one
	},
	// three stars, ask kindly what could have been better.
	"visit.rating_followup": {
		Fields: []string{"name"},
	},
	// V-5
	"ops.sla_warning": {
		Fields: []string{"job_id", "deadline", "timezone"},
		// promise_hours: the partner's promise (V-5, P-1) in hours; without it
		// the text names no number.
		Optional: []string{"promise_hours"},
	},
	"ops.sla_breach": {
		Fields: []string{"job_id", "deadline", "timezone"},
		// level: the follow-up alert's level (2, 3, ...; issue #17: a
		// level-2 alert must not read as the first); closed: the visit expired.
		Optional: []string{"level"},
	},
	// V-11, issue #13: a started visit not completed; closed says it was
	// closed unfinished after the last level.
	"ops.visit_not_completed": {
		Fields:   []string{"job_id", "started_at", "level", "timezone"},
		Optional: []string{"buddy", "closed"},
	},
	// V-10
	"ops.abort": {
		Fields: []string{"job_id", "reason"},
		// buddy: the technician who aborted (workflows/visit passes it).
		Optional: []string{"buddy"},
	},
	// V-9: call the buddy back within about a minute.
	"ops.panic": {
		Fields: []string{"job_id", "buddy_id"},
	},
	// V-4
	"ops.recording_refused": {
		Fields: []string{"job_id"},
	},
	// A permanent delivery failure (see activities.DeliveryFailure).
	"ops.delivery_failed": {
		Fields: []string{"job_id", "step", "channel", "error_type"},
	},
	// C-2: a reclamation without a reply in time escalates.
	"ops.reclamation_escalation": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
	},
	// one or two stars go to the team lead at once.
	"ops.rating_low": {
		Fields: []string{"job_id", "stars"},
		// worker (visits) or assistant_id (tasks), and report_due (RFC 3339,
		// with timezone): who reports, and by when.
		Optional: []string{"worker", "assistant_id", "report_due", "timezone"},
	},
	// C-2: seen and being acted on, within two hours.
	"reclamation.ack": {
		Fields: []string{"name", "reclamation_id"},
	},
	// C-3: within the plan, how and when it is fixed.
	"reclamation.plan": {
		Fields: []string{"name", "reclamation_id", "plan", "due", "timezone"},
	},
	"reclamation.approved": {
		Fields: []string{"name", "reclamation_id"},
	},
	// C-3: outside the plan, always with the reason.
	"reclamation.rejected": {
		Fields: []string{"name", "reclamation_id", "reason"},
	},
	// C-3: extra work outside the service plan, as agreed with the customer.
	"reclamation.extra_work": {
		Fields: []string{"name", "reclamation_id", "plan", "due", "timezone"},
	},
	// C-3: the plan's promised date passed without the work resolved.
	"ops.reclamation_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone", "assignee"},
	},
	// C-3: an acknowledged reclamation not assessed (planned or rejected) in
	// time, or resolved work not approved in time, escalates (issue #13).
	"ops.reclamation_assess_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
	},
	"ops.reclamation_approval_overdue": {
		Fields: []string{"reclamation_id", "deadline", "timezone"},
	},
	// the worker's report is in, or its time ran out: decide now.
	"ops.rating_decide": {
		Fields:   []string{"job_id", "stars"},
		Optional: []string{"report_missing"},
	},
	// the team lead's answer to a low rating.
	"rating.answer": {
		Fields: []string{"name", "answer"},
	},
	// three stars for a task, ask kindly what could have been better.
	"task.rating_followup": {
		Fields: []string{"name"},
	},
	// T-1: automatic message with the review deadline.
	"task.ack": {
		Fields: []string{"name", "task_title", "review_deadline", "timezone"},
	},
	// T-3: the factor and the budget it costs (180 min x 1.3 = 234 min = 3:54).
	"task.marketing_factor": {
		Fields: []string{"name", "task_title", "factor", "work_minutes", "budget_minutes"},
	},
	// T-6: a deadline moves only with consent.
	"task.extension_request": {
		Fields: []string{"name", "task_title", "reason", "deadline", "proposed_deadline", "timezone", "consent_url"},
		// expires_at (RFC 3339): by when the customer must answer (T-6).
		Optional: []string{"expires_at"},
	},
	// T-7: ask early for more budget, with the assistant's reason; the
	// customer answers in the app or by replying.
	"task.budget_request": {
		Fields: []string{"name", "task_title", "reason", "budget_minutes", "used_minutes", "remaining_minutes"},
		// extra_minutes: how much more time is asked (T-7).
		Optional: []string{"extra_minutes"},
	},
	// T-8
	"task.handover": {
		Fields: []string{"name", "task_title"},
		// intermediate = "true": an intermediate result (T-8), no rating invite.
		Optional: []string{"result_url", "intermediate"},
	},
	// T-6: the assistant hears how the customer answered an extension
	// request, or that it expired (the deadline then stands).
	"task.extension_answered": {
		Fields: []string{"task_title", "extension_id", "outcome", "deadline", "timezone"},
	},
	// N-2: a chat message still unread after two hours.
	"task.chat_unread": {
		// N-2: the message's text stays in the partner's app (issue #13);
		// message_url opens it there when the app gave its link.
		Fields:   []string{"name", "task_title"},
		Optional: []string{"message_url"},
	},
	// N-1: unread notifications at 08:00 on working days; items is one
	// line per notification, already in the customer's language.
	"task.digest": {
		Fields:   []string{"name", "items"},
		Optional: []string{"app_url"}, // the link to the app; without it the text says "in the app"
	},
	// N-4: three weeks without activity.
	"account.nudge": {
		Fields:   []string{"name"},
		Optional: []string{"app_url"},
	},
	// N-4: seven weeks, unused hours.
	"account.unused_hours": {
		Fields: []string{"name"},
		// hours: the unused hours as a decimal ("6", "2.5"), counted with the
		// CLDR plural; without it the text says "unused hours".
		Optional: []string{"hours", "app_url"},
	},
	// told early, offered a substitute for the period.
	"absence.customer_notice": {
		Fields: []string{"name", "worker_name", "from", "to", "timezone", "substitute_url", "wait_url"},
		// job_id: the job the absence concerns (workflows/absence passes it).
		Optional: []string{"job_id"},
	},
	// the automatic answer names the period and whom to contact.
	"absence.auto_reply": {
		Fields: []string{"worker_name", "from", "to", "timezone", "contact"},
	},
	// T-1/T-2: review not done within the reaction time.
	"ops.task_review_overdue": {
		// T-1: escalation n counts the alerts after the first; closed says
		// the task was closed unreviewed (closed_reason review_not_done).
		Fields:   []string{"task_id", "deadline", "timezone"},
		Optional: []string{"escalation", "closed"},
	},
	// T-5
	"ops.task_deadline_missed": {
		// issue #13: escalation n counts the alerts after the first; closed
		// says the task was closed without a hand-over (deadline_missed).
		Fields:   []string{"task_id", "deadline", "timezone"},
		Optional: []string{"escalation", "closed"},
	},
	// T-5: warn early, never on the last day.
	"assistant.deadline_warning": {
		Fields: []string{"task_id", "deadline", "timezone"},
	},
	// acute absence close to a shift goes straight to the manager.
	"ops.absence_acute": {
		Fields: []string{"worker_id", "shift_start", "timezone"},
	},
	// a job must never be left unmanned.
	// A-1, issue #14: the absence could not look up the worker's jobs; ops
	// check them by hand (no job id to name).
	"ops.absence_lookup_failed": {
		Fields: []string{"worker_id", "absence_id", "error_type"},
	},
	"ops.substitute_missing": {
		Fields: []string{"job_id", "worker_id"},
	},
}
