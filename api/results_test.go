package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jobflow/jobflow/workflows/absence"
	"github.com/jobflow/jobflow/workflows/rating"
	"github.com/jobflow/jobflow/workflows/reclamation"
	"github.com/jobflow/jobflow/workflows/visit"
)

// jsonFields lists the JSON names of a struct's fields, embedded structs
// flattened, as encoding/json writes them.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// The small Update results (issue #13) are documented field for field in
// openapi.json, and every action of visits, reclamations, ratings and
// absences answers one of them, never the whole state.
func TestUpdateResultsMatchOpenAPI(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(OpenAPI(), &doc))
	for name, v := range map[string]any{
		"VisitUpdateResult":       visit.VisitUpdateResult{},
		"ReclamationUpdateResult": reclamation.ReclamationUpdateResult{},
		"RatingUpdateResult":      rating.RatingUpdateResult{},
		"AbsenceUpdateResult":     absence.AbsenceUpdateResult{},
	} {
		s, ok := doc.Components.Schemas[name]
		require.True(t, ok, "openapi.json documents %s", name)
		var documented []string
		for k := range s.Properties {
			documented = append(documented, k)
		}
		sort.Strings(documented)
		assert.Equal(t, jsonFields(reflect.TypeOf(v)), documented, "%s: openapi.json and the Go type list the same fields", name)
	}
	for path, ops := range doc.Paths {
		post, ok := ops["post"]
		if !ok || strings.HasPrefix(path, "/v1/tasks") {
			continue
		}
		var op struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		}
		require.NoError(t, json.Unmarshal(post, &op), path)
		ref := op.Responses["200"].Content["application/json"].Schema.Ref
		for _, state := range []string{"VisitState", "ReclamationState", "RatingFollowUpState", "AbsenceState"} {
			assert.NotEqual(t, "#/components/schemas/"+state, ref, "POST %s answers a small result, not %s (#13)", path, state)
		}
	}
}
