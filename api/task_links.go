package api

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/names"
	"github.com/jobflow/jobflow/workflows/task"
)

// --- the customer's links --------------------------------------------------------------

// verifyTaskLink checks the ?token= of a customer link (401 otherwise).
func (s *Server) verifyTaskLink(w http.ResponseWriter, r *http.Request, id, action string) bool {
	info(r).role = names.RoleCustomer
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, action, s.Visits.now()); err != nil {
		code := "invalid_link"
		if errors.Is(err, ErrLinkExpired) {
			code = "link_expired"
		}
		fail(w, r, http.StatusUnauthorized, code, "the link is not valid: "+err.Error(), "")
		return false
	}
	return s.limit(w, r, func(l *limiters) *keyedLimiter { return l.customerLink }, id)
}

var customerActor = Principal{Role: names.RoleCustomer}

// ExtensionNote is the optional body of the customer's answer.
type ExtensionNote struct {
	Note string `json:"note,omitempty"`
}

func extensionNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 10000 {
		fail(w, r, http.StatusNotFound, "extension_not_found", "no such extension request", "")
		return 0, false
	}
	return n, true
}

// answerExtension serves POST /v1/tasks/{id}/extensions/{n}?token=&answer=:
// the customer agrees or declines (T-6). The workflow refuses an answer to
// a request that is not pending (already answered or expired): 409.
func (s *Server) answerExtension(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok {
		return
	}
	n, ok := extensionNumber(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskExtension) {
		return
	}
	var agree bool
	switch r.URL.Query().Get("answer") {
	case "agree":
		agree = true
	case "decline":
	default:
		failValidation(w, r, invalid("invalid_answer", "answer", "answer must be agree or decline"))
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var note ExtensionNote
	if len(strings.TrimSpace(string(body))) > 0 {
		if e := DecodeStrict(body, &note); e != nil {
			failValidation(w, r, e)
			return
		}
	}
	if e := maxLen("note", note.Note, maxReasonLen); e != nil {
		failValidation(w, r, e)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateRespondExtension,
		task.TaskExtensionResponse{ExtensionID: n, Agree: agree, Note: note.Note}, nil)
	s.customerActive(ctx, id, "extension-answered") // N-4
}

// rateTask serves POST /v1/tasks/{id}/rating?token=: 1-5 stars after the
// final hand-over; 1-3 stars start the R-2 follow-up.
func (s *Server) rateTask(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskRate) {
		return
	}
	req, ok := decodeRating(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateRate, req, &req)
	s.customerActive(ctx, id, "task-rated") // N-4
}

// readTaskNotifications serves POST /v1/tasks/{id}/notifications/read?token=:
// the listed notifications (all without ids) are read (N-1).
func (s *Server) readTaskNotifications(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok || !s.verifyTaskLink(w, r, id, LinkActionTaskRead) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req task.TaskMarkReadRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if e := DecodeStrict(body, &req); e != nil {
			failValidation(w, r, e)
			return
		}
	}
	if len(req.IDs) > 1000 {
		failValidation(w, r, invalid("too_many_ids", "ids", "at most 1000 ids"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	s.customerTaskUpdate(ctx, w, r, id, task.TaskUpdateMarkRead, req, nil)
	s.customerActive(ctx, id, "notifications-read") // N-4
}

// --- the consent page -------------------------------------------------------------------

var extensionPageTmpl = template.Must(template.New("ext").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Move the deadline?</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
button{font-size:1.2rem;margin:.2rem;padding:.4rem .8rem}textarea{width:100%;min-height:4rem}</style></head>
<body><h1>Move the deadline?</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{else}}
<p>Your assistant asks to move the deadline of your task.</p>
<dl><dt>Current deadline</dt><dd>{{.Current}}</dd><dt>Proposed deadline</dt><dd>{{.Proposed}}</dd>
<dt>Reason</dt><dd>{{.Reason}}</dd>{{if .Expires}}<dt>Please answer by</dt><dd>{{.Expires}}</dd>{{end}}</dl>
{{if .Done}}<p role="status">{{.Done}}</p>{{else}}
<form id="f"><label>Note (optional)<br><textarea name="note"></textarea></label>
<p><button type="button" data-answer="agree">Agree</button>
<button type="button" data-answer="decline">Decline</button></p></form>
<p id="out" role="status"></p>
<script>
const f = document.getElementById('f'), out = document.getElementById('out');
f.querySelectorAll('[data-answer]').forEach(b => b.onclick = async () => {
  const u = new URL(location.href); u.searchParams.set('answer', b.dataset.answer);
  const r = await fetch(u, {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(f.note.value ? {note: f.note.value} : {})});
  const j = await r.json().catch(() => ({}));
  out.textContent = r.ok ? (b.dataset.answer === 'agree' ? 'Thank you: the deadline is moved.' : 'Thank you: the deadline stays as it was.')
    : ((j.error && j.error.message) || 'Something went wrong.');
  if (r.ok) f.remove();
});
</script>{{end}}{{end}}
</body></html>`))

type extensionPageData struct {
	Error, Current, Proposed, Reason, Expires, Done string
}

// extensionPage serves GET /v1/tasks/{id}/extensions/{n}?token=: the page
// behind the consent link in the customer's e-mail. It checks the token
// first, shows the request (current and proposed deadline, reason) and,
// while the request is pending, two buttons that post the answer to the
// same URL with answer=agree or answer=decline.
func (s *Server) extensionPage(w http.ResponseWriter, r *http.Request) {
	id, ok := taskIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = names.RoleCustomer
	status, d := http.StatusOK, extensionPageData{}
	n, err := strconv.Atoi(r.PathValue("n"))
	if verr := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, LinkActionTaskExtension, s.Visits.now()); verr != nil {
		status, d.Error = http.StatusUnauthorized, "This link is not valid."
		if errors.Is(verr, ErrLinkExpired) {
			d.Error = "This link has expired. Please contact customer service."
		}
	} else if err != nil || n < 1 {
		status, d.Error = http.StatusNotFound, "There is no such request."
	} else {
		ctx, cancel := s.ctx(r)
		defer cancel()
		st, qerr := s.queryTask(ctx, id)
		switch {
		case qerr != nil:
			var nf *serviceerror.NotFound
			status, d.Error = http.StatusServiceUnavailable, "The request cannot be shown right now. Please try again later."
			if errors.As(qerr, &nf) {
				status, d.Error = http.StatusNotFound, "There is no such request."
			}
		case n > len(st.Extensions):
			status, d.Error = http.StatusNotFound, "There is no such request."
		default:
			e := st.Extensions[n-1]
			loc := rules.Location(st.Market)
			f := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") }
			d.Current, d.Proposed, d.Reason = f(e.CurrentDeadline), f(e.ProposedDeadline), e.Reason
			switch e.Status {
			case task.ExtensionPending:
				d.Expires = f(e.ExpiresAt)
			case task.ExtensionAgreed:
				d.Done = "You agreed: the deadline was moved."
			case task.ExtensionDeclined:
				d.Done = "You declined: the deadline stays as it was."
			default:
				d.Done = "This request was not answered in time and has expired: the deadline stays as it was."
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.WriteHeader(status)
	_ = extensionPageTmpl.Execute(w, d)
}
