package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// Activities of the absence workflow (A-1..A-5, workflows/absence.go).
//
// They find the absent worker's work through Temporal visibility, read the
// job workflows' state through their queries, reassign jobs through the
// jobs' own "reassign" Updates (which keep every timer and promise of the
// job) and reach colleagues and customers through the outreach Channels.
// Personal data (colleagues' phones, customers' e-mail addresses) is looked
// up inside the activities and never enters the absence workflow's history:
// the workflow sees ids, statuses and times only (V-14).
//
// The names the job workflows answer to (workflow types, queries, the
// reassign update, search attributes, kinds and roles) come from
// workflows/names, the one place they are written.

// AbsenceJob is one piece of the absent worker's work, as found (no
// personal data: ids, statuses and times).
type AbsenceJob struct {
	ID       string    `json:"id"`   // the job's workflow id
	Kind     string    `json:"kind"` // visit or task
	Status   string    `json:"status"`
	Holder   string    `json:"holder"`
	StartsAt time.Time `json:"starts_at"` // visit: the appointment (claimed: the help promise); task: the deadline
	Market   string    `json:"market"`
	Region   string    `json:"region,omitempty"`
	WorkArea string    `json:"work_area,omitempty"`
}

// FindJobsRequest asks for the worker's work that touches a period.
type FindJobsRequest struct {
	WorkerID string    `json:"worker_id"`
	Role     string    `json:"role"` // buddy or assistant (both kinds of work are looked up)
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// CandidatesRequest asks for colleagues who may take over a job: same role
// and market, and the job's region or one of the competences.
type CandidatesRequest struct {
	AbsenceID   string    `json:"absence_id"`
	WorkerID    string    `json:"worker_id"` // the absent worker, never a candidate
	Role        string    `json:"role"`
	Market      string    `json:"market"`
	Region      string    `json:"region,omitempty"`
	Competences []string  `json:"competences,omitempty"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
}

// ReassignJobRequest moves one job from a worker to another through the
// job's "reassign" Update. UpdateID makes a retried activity apply once.
type ReassignJobRequest struct {
	UpdateID string `json:"update_id"`
	JobID    string `json:"job_id"`
	Kind     string `json:"kind"`
	From     string `json:"from"`
	To       string `json:"to"`
	Reason   string `json:"reason"`
	By       string `json:"by"` // the absence workflow id, recorded as the acting system
	// OnlyUnstarted refuses jobs whose work has begun (hand-back after a
	// shortened absence).
	OnlyUnstarted bool `json:"only_unstarted,omitempty"`
}

// ReassignJobResult tells whether the job moved; Note says why not.
type ReassignJobResult struct {
	Done   bool   `json:"done"`
	Closed bool   `json:"closed,omitempty"` // the job closed meanwhile: nothing to cover
	Status string `json:"status,omitempty"` // the job's status after the attempt
	Note   string `json:"note,omitempty"`
}

// WorkerMessageRequest sends one text message to a colleague, looked up in
// the roster by id.
type WorkerMessageRequest struct {
	Step     Step    `json:"step"`
	WorkerID string  `json:"worker_id"`
	Message  Message `json:"message"`
}

// CustomerNoticeRequest e-mails the customer of a job. The activity
// reads the customer's name, e-mail and language from the job workflow's
// input and fills Data["name"]; with ChoiceLinks it adds the signed
// substitute_url and wait_url for the customer-choice answer.
type CustomerNoticeRequest struct {
	Step        Step      `json:"step"`
	AbsenceID   string    `json:"absence_id"`
	JobID       string    `json:"job_id"`
	Message     Message   `json:"message"`
	ChoiceLinks bool      `json:"choice_links,omitempty"`
	LinksExpire time.Time `json:"links_expire,omitempty"`
}

// CustomerNoticeResult names the e-mail and the language it went out in.
type CustomerNoticeResult struct {
	MessageID string `json:"message_id"`
	Language  string `json:"language"`
}

// RosterEntry is one worker who can stand in. Phone and e-mail are the
// worker's personal data: used to send, never logged or returned to
// workflows.
type RosterEntry struct {
	ID          string   `json:"id"`
	Role        string   `json:"role"` // buddy or assistant
	Market      string   `json:"market"`
	Regions     []string `json:"regions,omitempty"`
	Competences []string `json:"competences,omitempty"`
	Phone       string   `json:"phone,omitempty"`
	Email       string   `json:"email,omitempty"`
	Language    string   `json:"language,omitempty"`
}

// Roster lists the workers who may be offered a job.
type Roster interface {
	Workers(ctx context.Context) ([]RosterEntry, error)
}

// StaticRoster is a fixed roster (tests, small deployments).
type StaticRoster []RosterEntry

func (r StaticRoster) Workers(context.Context) ([]RosterEntry, error) { return r, nil }

// FileRoster reads a JSON array of RosterEntry from Path on every call, so
// an edited file applies without a restart.
type FileRoster struct{ Path string }

func (r FileRoster) Workers(context.Context) ([]RosterEntry, error) {
	b, err := os.ReadFile(r.Path)
	if err != nil {
		return nil, fmt.Errorf("ROSTER_FILE: %w", err)
	}
	var out []RosterEntry
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("ROSTER_FILE %s: want a JSON array of {id, role, market, regions, competences, phone, email, language}: %w", r.Path, err)
	}
	return out, nil
}

// RosterFromEnv is the roster named by the ROSTER_FILE environment
// variable; without it the roster is empty and every job escalates to ops.
func RosterFromEnv() Roster {
	if p := os.Getenv("ROSTER_FILE"); p != "" {
		return FileRoster{Path: p}
	}
	return StaticRoster(nil)
}

// CustomerContact is how the customer of a job is reached.
type CustomerContact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language"`
}

// ChoiceLinker builds the customer's signed link answering the A-4 notice
// (choice backup or wait) for one job of one absence, valid until exp. The
// API package provides it (api.AbsenceChoiceLinker), so secrets stay there.
type ChoiceLinker func(absenceID, jobID, choice string, exp time.Time) string

// Absences holds what the absence activities need. Client is required for
// the look-ups and reassignments; Channels for the messages.
type Absences struct {
	Client   client.Client
	Roster   Roster
	Channels Channels
	// ChoiceLink signs the customer's answer links; nil means plain links
	// under PublicBaseURL that the customer opens signed in.
	ChoiceLink    ChoiceLinker
	PublicBaseURL string
	// DataConverter decodes job inputs (customer contacts) from history; it
	// must match the client's (payload codec). Nil means the SDK default.
	DataConverter converter.DataConverter
}

// NewAbsences wires the absence activities for the worker: roster from
// ROSTER_FILE, links under PUBLIC_BASE_URL.
func NewAbsences(c client.Client, ch Channels) *Absences {
	return &Absences{Client: c, Roster: RosterFromEnv(), Channels: ch, PublicBaseURL: os.Getenv("PUBLIC_BASE_URL")}
}
