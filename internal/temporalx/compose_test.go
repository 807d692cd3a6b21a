package temporalx_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
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
	fit, _ := temporalx.FitSQLVisibility(names.SearchAttributes)
	var want []string
	for _, sa := range fit {
		want = append(want, sa.Name+"="+temporalx.TypeName(sa.Type))
	}
	if got := string(m[1]); got != strings.Join(want, " ") {
		t.Errorf("docker-compose.yml SEARCH_ATTRIBUTES is out of date; set it to\n      SEARCH_ATTRIBUTES: \"%s\"", strings.Join(want, " "))
	}
}

// #17: compose runs current images only (temporalio/auto-setup is
// deprecated), and the server version it pins is the one scripts/pg-stack.sh
// builds, so CI's PostgreSQL stack is the shape compose deploys.
func TestComposeUsesCurrentImagesAndThePinnedServer(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*image:\s*temporalio/auto-setup`).Match(b) {
		t.Error("docker-compose.yml uses the deprecated temporalio/auto-setup image")
	}
	pin := regexp.MustCompile(`image: temporalio/server:\$\{TEMPORAL_VERSION:-([0-9.]+)\}`).FindSubmatch(b)
	if pin == nil {
		t.Fatal("docker-compose.yml: no temporalio/server image with a TEMPORAL_VERSION default")
	}
	s, err := os.ReadFile("../../scripts/pg-stack.sh")
	if err != nil {
		t.Fatal(err)
	}
	built := regexp.MustCompile(`VERSION="\$\{TEMPORAL_SERVER_VERSION:-([0-9.]+)\}"`).FindSubmatch(s)
	if built == nil || string(built[1]) != string(pin[1]) {
		t.Errorf("scripts/pg-stack.sh builds %q, compose pins %s", built, pin[1])
	}
}
