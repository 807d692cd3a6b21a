package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/names"
)

// Absences (A-1..A-5): the endpoints of workflows/absence.
//
//	POST /v1/absences                                         report (a worker for themself, the manager for others)
//	GET  /v1/absences/{id}                                    the absence (the manager, or the absent worker)
//	POST /v1/absences/{id}/approve                            the manager, no questions
//	POST /v1/absences/{id}/reject                             the manager, holiday/other only
//	POST /v1/absences/{id}/accept-substitute                  a colleague for themself, the manager for anyone
//	POST /v1/absences/{id}/cut-short                          the manager or the worker
//	POST /v1/absences/{id}/change-period                      the manager or the worker
//	POST /v1/absences/{id}/jobs/{job}/customer-choice?choice=backup|wait&token=...  the customer's signed link
//	GET  /v1/workers/{id}/auto-reply?lang=sv                  the automatic answer while away, for the app's chat
//
// The manager of an absence (issue #16, H2): ops for every worker; a team
// lead only for assistants (a worker whose token has the role assistant,
// and whose absence was reported with role assistant), never for buddies,
// other team leads or themself. See managesAbsence.
//
// the report carries the kind and the period, nothing medical. A body
// with a diagnosis, a doctor's note or any document is refused with a
// message saying why (DecodeAbsenceReport), before anything is started.

// AbsenceReport is the body of POST /v1/absences.
type AbsenceReport struct {
	WorkerID    string                `json:"worker_id"`
	WorkerName  string                `json:"worker_name"`
	Role        string                `json:"role"`
	Market      rules.Market          `json:"market"`
	Region      string                `json:"region,omitempty"`
	Competences []string              `json:"competences,omitempty"`
	Kind        absence.AbsenceKind   `json:"kind"`
	Period      absence.AbsencePeriod `json:"period"`
	Contact     string                `json:"contact"`
}

// medicalFields are keys (compared without case, '_' and '-') that would
// carry what nobody may demand or store for sick leave.
var medicalFields = []string{
	"diagnosis", "diagnose", "diagnoses", "doctornote", "doctorsnote", "medicalcertificate", "certificate",
	"sicknote", "document", "documents", "documentation", "attachment", "attachments", "illness",
	"symptom", "symptoms", "medical", "medicalinfo", "condition", "sickness", "doctor",
}

// DecodeAbsenceReport reads a report strictly. Medical fields anywhere in
// the body are refused with code medical_data_refused; any other
// unknown field with unknown_field.
func DecodeAbsenceReport(body []byte) (AbsenceReport, *ValidationError) {
	var rep AbsenceReport
	var raw any
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&raw); err == nil {
		if path := findMedical(raw, ""); path != "" {
			return rep, invalid("medical_data_refused", path,
				"A-2: an absence report never carries a diagnosis, a doctor's note or any document; nobody may ask for one and jobflow does not store it. Remove \""+path+"\": the kind (sick, holiday, other) and the period are all that is needed.")
		}
	}
	if e := DecodeStrict(body, &rep); e != nil {
		return rep, e
	}
	return rep, validateReport(rep)
}

func findMedical(v any, prefix string) string {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			norm := strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(k))
			for _, m := range medicalFields {
				if norm == m {
					return prefix + k
				}
			}
			if p := findMedical(val, prefix+k+"."); p != "" {
				return p
			}
		}
	case []any:
		for i, val := range x {
			if p := findMedical(val, fmt.Sprintf("%s%d.", prefix, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func validateReport(r AbsenceReport) *ValidationError {
	switch {
	case !tokenIDRe.MatchString(r.WorkerID):
		return invalid("missing_field", "worker_id", "worker_id (the absent worker's id) is required")
	case r.Role != names.RoleBuddy && r.Role != names.RoleAssistant:
		return invalid("invalid_role", "role", "role must be buddy or assistant")
	case r.Kind != absence.AbsenceSick && r.Kind != absence.AbsenceHoliday && r.Kind != absence.AbsenceOther:
		return invalid("invalid_kind", "kind", "kind must be sick, holiday or other")
	case r.Period.From.IsZero() || r.Period.To.IsZero():
		return invalid("missing_field", "period", "period.from and period.to (RFC 3339) are required")
	case !r.Period.To.After(r.Period.From):
		return invalid("invalid_period", "period.to", "the period must end after it starts")
	case strings.TrimSpace(r.Contact) == "":
		return invalid("missing_field", "contact", "contact (whom customers reach meanwhile, A-5) is required")
	case strings.TrimSpace(r.WorkerName) == "":
		return invalid("missing_field", "worker_name", "worker_name (the name customers know) is required")
	}
	if _, err := rules.ParseMarket(string(r.Market)); err != nil {
		return invalid("unknown_market", "market", "market must be SE, DK or DE")
	}
	if r.Region != "" && (len(r.Region) > maxRegionLen || !regionRe.MatchString(r.Region)) {
		return invalid("invalid_region", "region", "region may hold only letters, digits, spaces, '.', '_' and '-'")
	}
	for _, f := range []struct{ name, v string }{{"worker_name", r.WorkerName}, {"contact", r.Contact}} {
		if e := maxLen(f.name, f.v, 200); e != nil {
			return e
		}
	}
	return nil
}

// absenceIDRe: absence-<worker>-<kind>-<YYYY-MM-DD> (workflows.AbsenceReportID),
// or the older absence-<worker>-<n> of absences reported before it.
var absenceIDRe = regexp.MustCompile(`^absence-[A-Za-z0-9][A-Za-z0-9._-]{0,63}-([0-9]{1,6}|(sick|holiday|other)-[0-9]{4}-[0-9]{2}-[0-9]{2})$`)
var jobIDRe = regexp.MustCompile(`^(visit|task)-[A-Za-z0-9._-]{1,200}$`)
