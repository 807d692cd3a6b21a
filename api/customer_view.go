package api

import (
	"time"

	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/jobcore"
	"github.com/jobflow/jobflow/workflows/task"
	"github.com/jobflow/jobflow/workflows/visit"
)

// Customer views (issue #16, M4). An answer to a customer's link (rating,
// extension consent, notifications, absence choice) carries only what the
// customer may see: the status, the appointment or deadline, their own
// answer. Never the holder or any worker id, pay, minutes, mileage, notes,
// the log, chat or time entries, follow-up ids or other customers' data.
// The workflow's Update results are projected here, field by field (an
// allow-list: a field added to a workflow result stays internal until it
// is added to a view).

// CustomerRating is the customer's own rating, echoed back.
type CustomerRating struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment,omitempty"`
}

// CustomerVisitView answers the customer's visit rating.
type CustomerVisitView struct {
	ID             string            `json:"id"`
	Status         visit.VisitStatus `json:"status"`
	AppointmentAt  *time.Time        `json:"appointment_at,omitempty"`
	RatingClosesAt *time.Time        `json:"rating_closes_at,omitempty"`
	Rating         *CustomerRating   `json:"rating,omitempty"`
}

func customerVisitView(res visit.VisitUpdateResult, rating *jobcore.RateRequest) CustomerVisitView {
	v := CustomerVisitView{ID: res.ID, Status: res.Status, AppointmentAt: res.AppointmentAt, RatingClosesAt: res.RatingClosesAt}
	if rating != nil {
		v.Rating = &CustomerRating{Stars: rating.Stars, Comment: rating.Comment}
	}
	return v
}

// CustomerTaskView answers the customer's task links.
type CustomerTaskView struct {
	ID       string          `json:"id"`
	Status   task.TaskStatus `json:"status"`
	Deadline time.Time       `json:"deadline,omitzero"`
	// ExtensionID and ExtensionStatus: the extension request just answered.
	ExtensionID     int             `json:"extension_id,omitempty"`
	ExtensionStatus string          `json:"extension_status,omitempty"`
	Unread          int             `json:"unread,omitempty"` // after marking notifications read
	Rating          *CustomerRating `json:"rating,omitempty"`
}

func customerTaskView(res task.TaskUpdateResult, rating *jobcore.RateRequest) CustomerTaskView {
	v := CustomerTaskView{ID: res.ID, Status: res.Status, Deadline: res.Deadline,
		ExtensionID: res.ExtensionID, ExtensionStatus: res.ExtensionStatus, Unread: res.Unread}
	if rating != nil {
		v.Rating = &CustomerRating{Stars: rating.Stars, Comment: rating.Comment}
	}
	return v
}

// CustomerChoiceView answers the customer's backup/wait choice: their
// job and their choice, not the worker's absence (period, status, manager)
// nor the substitute's id.
type CustomerChoiceView struct {
	JobID          string     `json:"job_id"`
	CustomerChoice string     `json:"customer_choice"`
	PlannedAfter   *time.Time `json:"planned_after,omitempty"`
}

func customerChoiceView(res absence.AbsenceUpdateResult, job, choice string) CustomerChoiceView {
	v := CustomerChoiceView{JobID: job, CustomerChoice: choice}
	if res.Job != nil && res.Job.JobID == job {
		if res.Job.CustomerChoice != "" {
			v.CustomerChoice = res.Job.CustomerChoice
		}
		v.PlannedAfter = res.Job.PlannedAfter
	}
	return v
}
