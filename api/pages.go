package api

import (
	"errors"
	"html/template"
	"net/http"
)

// Customers open the links in their e-mails in a browser, which sends a GET.
// These pages check the token first (an invalid or expired link says so
// and shows no form), then post the answer as JSON to the same URL, whose
// POST handler checks the token again and moves the workflow.

var customerPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
button{font-size:1.2rem;margin:.2rem;padding:.4rem .8rem}textarea{width:100%;min-height:6rem}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{else}}
<form id="f">
{{if .Stars}}<p>
{{range .Stars}}<button type="button" data-stars="{{.}}">{{.}} ★</button>{{end}}</p>
<label>Comment (optional)<br><textarea name="text"></textarea></label>
{{else}}<label>What went wrong?<br><textarea name="text" required></textarea></label>
<p><button type="submit">Send</button></p>{{end}}
</form><p id="out" role="status"></p>
<script>
const f = document.getElementById('f'), out = document.getElementById('out');
async function send(body) {
  const r = await fetch(location.href, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  const j = await r.json().catch(() => ({}));
  out.textContent = r.ok ? 'Thank you. We received your answer.' : ((j.error && j.error.message) || 'Something went wrong.');
  if (r.ok) f.remove();
}
f.querySelectorAll('[data-stars]').forEach(b => b.onclick = () =>
  send({stars: Number(b.dataset.stars), comment: f.text.value || undefined}));
f.onsubmit = e => { e.preventDefault(); send({complaint: f.text.value}); };
</script>{{end}}
</body></html>`))

type pageData struct {
	Title string
	Error string
	Stars []int
}

func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, action, title string, stars []int) {
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	info(r).role = "customer"
	d := pageData{Title: title, Stars: stars}
	status := http.StatusOK
	if err := VerifyLink(s.LinkSecret, r.URL.Query().Get("token"), id, action, s.Visits.now()); err != nil {
		status = http.StatusUnauthorized
		d.Error = "This link is not valid."
		if errors.Is(err, ErrLinkExpired) {
			d.Error = "This link has expired. Please contact customer service."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.WriteHeader(status)
	_ = customerPage.Execute(w, d)
}

// ratingPage serves GET /v1/visits/{id}/rating?token=: the page behind the
// rating e-mail's link.
func (s *Server) ratingPage(w http.ResponseWriter, r *http.Request) {
	s.linkPage(w, r, LinkActionRate, "How was your visit?", []int{1, 2, 3, 4, 5})
}

// complaintPage serves GET /v1/visits/{id}/complaint?token=: the page
// behind the complaint link (C-1).
func (s *Server) complaintPage(w http.ResponseWriter, r *http.Request) {
	s.linkPage(w, r, LinkActionComplain, "Tell us what went wrong", nil)
}
