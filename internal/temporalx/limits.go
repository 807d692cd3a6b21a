package temporalx

import (
	"fmt"
	"sort"
	"strings"

	"github.com/jobflow/jobflow/workflows/names"
	enumspb "go.temporal.io/api/enums/v1"
)

// SQLVisibilityLimits is how many custom search attributes of each type one
// namespace can hold when visibility is stored in SQL: the dev server
// (SQLite) and the self-hosted docker-compose stack (PostgreSQL). The
// visibility schema has fixed columns (Keyword01..Keyword10, Datetime01..03,
// Int01..03, ...), see go.temporal.io/server common/searchattribute/defs.go.
// Elasticsearch and Temporal Cloud allow more.
var SQLVisibilityLimits = map[enumspb.IndexedValueType]int{
	enumspb.INDEXED_VALUE_TYPE_KEYWORD:      10,
	enumspb.INDEXED_VALUE_TYPE_DATETIME:     3,
	enumspb.INDEXED_VALUE_TYPE_INT:          3,
	enumspb.INDEXED_VALUE_TYPE_DOUBLE:       3,
	enumspb.INDEXED_VALUE_TYPE_BOOL:         3,
	enumspb.INDEXED_VALUE_TYPE_TEXT:         3,
	enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: 3,
}

// FitSQLVisibility splits attrs, in order, into those a SQL-visibility
// namespace can hold and those over its per-type limits.
func FitSQLVisibility(attrs []names.SearchAttribute) (fit, over []names.SearchAttribute) {
	used := map[enumspb.IndexedValueType]int{}
	for _, sa := range attrs {
		if used[sa.Type] < SQLVisibilityLimits[sa.Type] {
			used[sa.Type]++
			fit = append(fit, sa)
		} else {
			over = append(over, sa)
		}
	}
	return fit, over
}

// DescribeOverflow explains, for an operator, which attributes do not fit.
func DescribeOverflow(attrs, over []names.SearchAttribute) string {
	if len(over) == 0 {
		return ""
	}
	count := map[enumspb.IndexedValueType]int{}
	for _, sa := range attrs {
		count[sa.Type]++
	}
	var parts []string
	for t, n := range count {
		if n > SQLVisibilityLimits[t] {
			parts = append(parts, fmt.Sprintf("%d %s (limit %d)", n, TypeName(t), SQLVisibilityLimits[t]))
		}
	}
	sort.Strings(parts)
	var names []string
	for _, sa := range over {
		names = append(names, sa.Name)
	}
	return fmt.Sprintf("SQL visibility (dev server, PostgreSQL) holds at most 10 Keyword, 3 Datetime and 3 Int custom search attributes per namespace; the catalogue has %s, so these are not registered: %s",
		strings.Join(parts, ", "), strings.Join(names, ", "))
}

// TypeName is the type name `temporal server start-dev --search-attribute`
// and `temporal operator search-attribute create --type` accept.
func TypeName(t enumspb.IndexedValueType) string {
	switch t {
	case enumspb.INDEXED_VALUE_TYPE_KEYWORD:
		return "Keyword"
	case enumspb.INDEXED_VALUE_TYPE_TEXT:
		return "Text"
	case enumspb.INDEXED_VALUE_TYPE_DATETIME:
		return "Datetime"
	case enumspb.INDEXED_VALUE_TYPE_INT:
		return "Int"
	case enumspb.INDEXED_VALUE_TYPE_DOUBLE:
		return "Double"
	case enumspb.INDEXED_VALUE_TYPE_BOOL:
		return "Bool"
	case enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST:
		return "KeywordList"
	}
	return t.String()
}
