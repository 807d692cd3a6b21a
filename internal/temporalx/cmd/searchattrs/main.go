// Command searchattrs prints jobflow's custom search attributes, one
// Name=Type a line, from workflows.SearchAttributes (the single source of
// truth), for scripts: ./scripts/up.sh turns each line into
// `temporal server start-dev --search-attribute Name=Type`.
//
// By default only the attributes a SQL-visibility namespace (dev server,
// PostgreSQL) can hold are printed, with a warning on stderr for the rest;
// -all prints every one (Elasticsearch, Temporal Cloud).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

func main() {
	all := flag.Bool("all", false, "print every attribute, also those over the SQL visibility limits")
	flag.Parse()
	attrs := names.SearchAttributes
	if !*all {
		fit, over := temporalx.FitSQLVisibility(attrs)
		if len(over) > 0 {
			fmt.Fprintln(os.Stderr, "searchattrs: WARNING:", temporalx.DescribeOverflow(attrs, over))
		}
		attrs = fit
	}
	for _, sa := range attrs {
		fmt.Printf("%s=%s\n", sa.Name, temporalx.TypeName(sa.Type))
	}
}
