package temporalx_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows"
)

// docker-compose.yml registers the search attributes with a one-shot
// container; its list must stay the Go catalogue's.
func TestComposeRegistersTheCatalogue(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*SEARCH_ATTRIBUTES:\s*"([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("docker-compose.yml: no SEARCH_ATTRIBUTES line in the temporal-setup service")
	}
	fit, _ := temporalx.FitSQLVisibility(workflows.SearchAttributes)
	var want []string
	for _, sa := range fit {
		want = append(want, sa.Name+"="+temporalx.TypeName(sa.Type))
	}
	if got := string(m[1]); got != strings.Join(want, " ") {
		t.Errorf("docker-compose.yml SEARCH_ATTRIBUTES is out of date; set it to\n      SEARCH_ATTRIBUTES: \"%s\"", strings.Join(want, " "))
	}
}
