package rules

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The rules package is plain Go: a Temporal import here would let workflow
// concerns leak into business rules (see the package doc).
func TestRulesHaveNoTemporalImport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if strings.Contains(imp.Path.Value, "go.temporal.io") {
				t.Errorf("%s imports %s: rules must stay free of Temporal", f, imp.Path.Value)
			}
		}
	}
}
