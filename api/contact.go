package api

import (
	"errors"
	"net/http"

	"go.temporal.io/api/serviceerror"

	"github.com/jobflow/jobflow/workflows/visit"
)

// contact serves GET /v1/visits/{id}/contact: the customer's name, phone,
// e-mail, address and wishes, which the holder needs for the V-3 call. Only
// the buddy holding the visit and ops get it (V-14); the access is logged
// with the visit id and the caller, never the data.
func (s *Server) contact(w http.ResponseWriter, r *http.Request) {
	p, ok := s.principal(w, r)
	if !ok {
		return
	}
	id, ok := visitIDFrom(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	c, err := queryState[visit.VisitContact](ctx, s.Visits.Client, id, visit.QueryContact)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			fail(w, r, http.StatusNotFound, "visit_not_found", "no visit with this id", "")
			return
		}
		s.failTemporal(w, r, err)
		return
	}
	if p.Role == roleBuddy && c.Holder != p.ID {
		fail(w, r, http.StatusForbidden, "not_holder", "only the buddy holding the visit sees the customer's contact (V-14)", "")
		return
	}
	// Issue #16: the former holder of a finished visit no longer reads the
	// customer's contact; ops still do.
	if p.Role == roleBuddy && !c.Status.NeedsContact() {
		fail(w, r, http.StatusForbidden, "visit_over", "the visit is "+string(c.Status)+": its contact is no longer shown to the buddy (V-14)", "")
		return
	}
	writeJSON(w, http.StatusOK, c)
}
