package activities

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// jobInput is the part of a visit's or task's input that holds the
// customer: visits carry it in booking.customer, tasks in customer.
type jobInput struct {
	Booking *struct {
		Customer CustomerContact `json:"customer"`
	} `json:"booking"`
	Customer *CustomerContact `json:"customer"`
}

// CustomerOf reads the customer's contact from the first event of the job
// workflow's history (its input), so the contact never travels through the
// absence workflow.
func (a *Absences) CustomerOf(ctx context.Context, jobID string) (CustomerContact, error) {
	it := a.Client.GetWorkflowHistory(ctx, jobID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError("no history for "+jobID, "UnknownJob", nil)
	}
	ev, err := it.Next()
	if err != nil {
		if isGone(err) {
			return CustomerContact{}, temporal.NewNonRetryableApplicationError("no job "+jobID, "UnknownJob", err)
		}
		return CustomerContact{}, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil || len(attrs.GetInput().GetPayloads()) == 0 {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError(jobID+" has no input", "UnknownJob", nil)
	}
	dc := a.DataConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	var in jobInput
	if err := dc.FromPayload(attrs.GetInput().GetPayloads()[0], &in); err != nil {
		return CustomerContact{}, temporal.NewNonRetryableApplicationError("decode input of "+jobID, "UnknownJob", err)
	}
	switch {
	case in.Booking != nil && in.Booking.Customer.Email != "":
		return in.Booking.Customer, nil
	case in.Customer != nil && in.Customer.Email != "":
		return *in.Customer, nil
	}
	return CustomerContact{}, temporal.NewNonRetryableApplicationError(jobID+" has no customer e-mail", ErrInvalidRecipient, nil)
}

// CustomerNoticeMessage is the absence notice as it is sent: the
// workflow's message in the customer's language, with the customer's name
// and, when asked for, the two choice links. Tests render it with
// exactly these fields (issue #14).
func CustomerNoticeMessage(req CustomerNoticeRequest, c CustomerContact, substituteURL, waitURL string) Message {
	msg := req.Message
	msg.Language = c.Language
	d := map[string]string{}
	for k, v := range msg.Data {
		d[k] = v
	}
	d["name"] = c.Name
	if req.ChoiceLinks {
		d["substitute_url"], d["wait_url"] = substituteURL, waitURL
	}
	msg.Data = d
	return msg
}

// SendCustomerNotice e-mails the customer of a job in their language.
func (a *Absences) SendCustomerNotice(ctx context.Context, req CustomerNoticeRequest) (CustomerNoticeResult, error) {
	c, err := a.CustomerOf(ctx, req.JobID)
	if err != nil {
		return CustomerNoticeResult{}, err
	}
	var backup, wait string
	if req.ChoiceLinks {
		backup = a.choiceLink(req.AbsenceID, req.JobID, "backup", req.LinksExpire)
		wait = a.choiceLink(req.AbsenceID, req.JobID, "wait", req.LinksExpire)
	}
	msg := CustomerNoticeMessage(req, c, backup, wait)
	res, err := a.Channels.SendEmail(ctx, EmailRequest{Step: req.Step, To: c.Email, ToName: c.Name, Message: msg,
		Categories: []string{"absence", msg.Template}})
	if err != nil {
		return CustomerNoticeResult{}, err
	}
	return CustomerNoticeResult{MessageID: res.MessageID, Language: c.Language}, nil
}

func (a *Absences) choiceLink(absenceID, jobID, choice string, exp time.Time) string {
	if a.ChoiceLink != nil {
		return a.ChoiceLink(absenceID, jobID, choice, exp)
	}
	return strings.TrimRight(a.PublicBaseURL, "/") + "/v1/absences/" + absenceID + "/jobs/" + jobID + "/customer-choice?choice=" + choice
}
