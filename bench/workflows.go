package bench

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/activities"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/visit"
)

// Names of the bench workflows and activity.
const (
	EmptyWorkflowName    = "bench.Empty"
	BaselineWorkflowName = "bench.Baseline"
	NoopActivityName     = "bench.Noop"
)

// Register adds the bench workflows and the no-op activity to a worker.
// They are registered beside workflows.Register on the same worker, so the
// ceiling and the baseline pay for the same worker as the visit.
func Register(w worker.Registry, n *Notifier) {
	w.RegisterWorkflowWithOptions(EmptyWorkflow, workflow.RegisterOptions{Name: EmptyWorkflowName})
	w.RegisterWorkflowWithOptions(BaselineWorkflow, workflow.RegisterOptions{Name: BaselineWorkflowName})
	w.RegisterActivityWithOptions(n.Noop, activity.RegisterOptions{Name: NoopActivityName})
}

// EmptyWorkflow is the intake ceiling: it returns at once.
func EmptyWorkflow(ctx workflow.Context) error { return nil }

// BaselineInput shapes the bare workflow like a visit's happy path.
type BaselineInput struct {
	// ReminderAfter is the one timer that fires (the visit's reminder).
	ReminderAfter time.Duration `json:"reminder_after"`
	// Long is the duration of the timers that are cancelled before they
	// fire (help promise, claim lock, rating window).
	Long time.Duration `json:"long"`
	// Upserts: upsert a keyword search attribute on every transition, as
	// the visit does (the "baseline+SA" variant).
	Upserts bool `json:"upserts,omitempty"`
	// Local runs the activities as local activities (the "baseline-local"
	// variant: what converting an activity that only computes would save).
	Local bool `json:"local,omitempty"`
}

// BaselineState is what the bare workflow's updates return.
type BaselineState struct {
	Status string `json:"status"`
}

// Baseline update names (the visit's: claim, book, start, complete, rate).
var baselineUpdates = []string{visit.UpdateClaim, visit.UpdateBook, visit.UpdateStart, visit.UpdateComplete, visit.UpdateRate}

// BaselineWorkflow does what a visit does on its happy path with no business
// logic: 5 updates; 4 timers of which 3 are cancelled (help promise, claim
// lock, rating window) and 1 fires (reminder); 5 activities (confirmation
// after book, call then SMS after the reminder, notice after start, rating
// request after complete), each in its own coroutine so handlers return at
// once, as in the visit.
func BaselineWorkflow(ctx workflow.Context, in BaselineInput) (BaselineState, error) {
	st := BaselineState{Status: "open"}
	pending := 0
	ao := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	act := func(ctx workflow.Context, name string) {
		if in.Local {
			lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second})
			_ = workflow.ExecuteLocalActivity(lctx, NoopActivityName, name).Get(ctx, nil)
			return
		}
		_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second}), NoopActivityName, name).Get(ctx, nil)
	}
	spawn := func(name string) {
		pending++
		workflow.Go(ao, func(ctx workflow.Context) {
			defer func() { pending-- }()
			act(ctx, name)
		})
	}
	upsert := func() {
		if in.Upserts {
			_ = workflow.UpsertTypedSearchAttributes(ctx, names.VisitStatusKey.ValueSet(st.Status))
		}
	}
	timer := func(ctx workflow.Context, d time.Duration) bool {
		return workflow.NewTimer(ctx, d).Get(ctx, nil) == nil
	}
	upsert()
	promiseCtx, cancelPromise := workflow.WithCancel(ctx)
	workflow.Go(promiseCtx, func(ctx workflow.Context) { timer(ctx, in.Long) })
	var cancelClaim workflow.CancelFunc

	set := func(s string) (BaselineState, error) {
		st.Status = s
		upsert()
		return st, nil
	}
	handlers := map[string]func(ctx workflow.Context) (BaselineState, error){
		visit.UpdateClaim: func(ctx workflow.Context) (BaselineState, error) {
			claimCtx, cancel := workflow.WithCancel(ctx)
			cancelClaim = cancel
			workflow.Go(claimCtx, func(ctx workflow.Context) { timer(ctx, in.Long) })
			return set("claimed")
		},
		visit.UpdateBook: func(ctx workflow.Context) (BaselineState, error) {
			if cancelClaim != nil {
				cancelClaim()
			}
			spawn("booking-confirmation")
			pending++
			workflow.Go(ctx, func(ctx workflow.Context) {
				defer func() { pending-- }()
				if timer(ctx, in.ReminderAfter) {
					act(ctx, "reminder-call")
					act(ctx, "reminder-sms")
				}
			})
			return set("booked")
		},
		visit.UpdateStart: func(ctx workflow.Context) (BaselineState, error) {
			cancelPromise()
			spawn("start-notice")
			return set("started")
		},
		visit.UpdateComplete: func(ctx workflow.Context) (BaselineState, error) { return set("completed") },
		visit.UpdateRate:     func(ctx workflow.Context) (BaselineState, error) { return set("rated") },
	}
	for _, name := range baselineUpdates {
		if err := workflow.SetUpdateHandler(ctx, name, handlers[name]); err != nil {
			return st, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return st.Status == "completed" || st.Status == "rated" }); err != nil {
		return st, err
	}
	spawn("rating-request")
	if _, err := workflow.AwaitWithTimeout(ctx, in.Long, func() bool { return st.Status == "rated" }); err != nil {
		return st, err
	}
	err := workflow.Await(ctx, func() bool { return pending == 0 && workflow.AllHandlersFinished(ctx) })
	return st, err
}

// Notifier lets a driver wait for a visit's (or baseline's) reminder to have
// been delivered before the buddy starts, without polling, and captures the
// rating link the rating e-mail carries. It is the visit's outreach
// Channels (the call is never answered, so the SMS fallback goes too, as in
// the end-to-end test) and the baseline's no-op activity.
type Notifier struct {
	mu      sync.Mutex
	waiting map[string]chan struct{}
	done    map[string]bool
	rating  map[string]string
	// ratingWait is closed when the rating request went out.
	ratingWait map[string]chan struct{}
	// Sends counts every delivery (all kinds).
	sends int64
	// OnAlert, when set, hears of every ops alert (scale runs time the
	// help-promise warnings with it). Set it before the worker starts work.
	OnAlert func(id, kind string, at time.Time)
}

// NewNotifier returns an empty Notifier.
func NewNotifier() *Notifier {
	return &Notifier{waiting: map[string]chan struct{}{}, done: map[string]bool{}, rating: map[string]string{}, ratingWait: map[string]chan struct{}{}}
}

func (n *Notifier) ch(id string) chan struct{} {
	c, ok := n.waiting[id]
	if !ok {
		c = make(chan struct{})
		n.waiting[id] = c
	}
	return c
}

// reminded marks workflow id's reminder delivered.
func (n *Notifier) reminded(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.done[id] {
		n.done[id] = true
		close(n.ch(id))
	}
}

// WaitReminder blocks until id's reminder went out or ctx ends.
func (n *Notifier) WaitReminder(ctx context.Context, id string) error {
	n.mu.Lock()
	c := n.ch(id)
	n.mu.Unlock()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RatingURL is the rating link id's rating e-mail carried ("" if none yet).
func (n *Notifier) RatingURL(id string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.rating[id]
}

// Forget drops what is kept for id (scale runs start thousands).
func (n *Notifier) Forget(id string) {
	n.mu.Lock()
	delete(n.waiting, id)
	delete(n.done, id)
	delete(n.rating, id)
	delete(n.ratingWait, id)
	n.mu.Unlock()
}

func (n *Notifier) count() {
	n.mu.Lock()
	n.sends++
	n.mu.Unlock()
}

// Sends is how many deliveries the channels saw.
func (n *Notifier) Sends() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sends
}

// Noop is the baseline's activity.
func (n *Notifier) Noop(ctx context.Context, name string) (string, error) {
	n.count()
	switch id := activity.GetInfo(ctx).WorkflowExecution.ID; name {
	case "reminder-sms":
		n.reminded(id)
	case "rating-request":
		n.ratingSent(id, "")
	}
	return name, nil
}

// SendSMS implements activities.Channels.
func (n *Notifier) SendSMS(_ context.Context, q activities.SMSRequest) (activities.SMSResult, error) {
	n.count()
	if q.Message.Template == "visit.reminder_sms" {
		n.reminded(q.Step.JobID)
	}
	return activities.SMSResult{SID: q.Step.Key()}, nil
}

// ReminderCall implements activities.Channels: never answered (V-7: the
// SMS follows).
func (n *Notifier) ReminderCall(_ context.Context, q activities.CallRequest) (activities.CallResult, error) {
	n.count()
	return activities.CallResult{SID: q.Step.Key(), Outcome: activities.CallNoAnswer}, nil
}

// SendEmail implements activities.Channels and keeps the rating link.
func (n *Notifier) SendEmail(_ context.Context, q activities.EmailRequest) (activities.EmailResult, error) {
	n.count()
	if q.Message.Template == "visit.rating_request" {
		n.ratingSent(q.Step.JobID, q.Message.Data["rating_url"])
	}
	return activities.EmailResult{MessageID: q.Step.Key()}, nil
}

// AlertOps implements activities.Channels.
func (n *Notifier) AlertOps(_ context.Context, q activities.OpsAlert) (activities.AlertResult, error) {
	n.count()
	if n.OnAlert != nil {
		n.OnAlert(q.Step.JobID, q.Kind, time.Now())
	}
	return activities.AlertResult{ID: q.Step.Key()}, nil
}

var _ activities.Channels = (*Notifier)(nil)

// ratingSent marks that id's rating request went out.
func (n *Notifier) ratingSent(id, url string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.rating[id]; !ok {
		n.rating[id] = url
		close(n.rch(id))
	}
}

func (n *Notifier) rch(id string) chan struct{} {
	c, ok := n.ratingWait[id]
	if !ok {
		c = make(chan struct{})
		n.ratingWait[id] = c
	}
	return c
}

// WaitRating blocks until id's rating request went out and returns the
// rating link it carried ("" for the baseline).
func (n *Notifier) WaitRating(ctx context.Context, id string) (string, error) {
	n.mu.Lock()
	c := n.rch(id)
	n.mu.Unlock()
	select {
	case <-c:
		return n.RatingURL(id), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
