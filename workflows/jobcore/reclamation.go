package jobcore

import (
	"github.com/jobflow/jobflow/rules"
)

// JobRef names the visit or task a reclamation or a rating is about.
type JobRef struct {
	ID      string       `json:"id"`   // the job's workflow id
	Kind    string       `json:"kind"` // visit or task
	Partner string       `json:"partner"`
	Market  rules.Market `json:"market"`
	Region  string       `json:"region,omitempty"`
}
