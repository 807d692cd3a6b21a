// Package temporalx holds jobflow's Temporal plumbing that is not workflow
// code: registering the custom search attributes of workflows.SearchAttributes
// on a namespace, and the limits of the SQL visibility stores.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jobflow/jobflow/workflows/names"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// EnsureSearchAttributes registers every workflows.SearchAttributes entry
// missing from namespace, logging through slog.Default().
//
// It fails only when an attribute exists with another type (workflows would
// then fail to upsert it). When the server refuses to register (Temporal
// Cloud does not allow it through the operator API; SQL visibility is full),
// it logs a warning saying what the operator must add by hand (tcld or the
// Cloud UI) and returns nil, so the worker still starts.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	_, err := Ensure(ctx, c, namespace, names.SearchAttributes, slog.Default())
	return err
}

// Result says what Ensure did.
type Result struct {
	Present []string // already registered with the right type
	Added   []string // registered now
	Missing []string // could not be registered (see the logged warning)
}

// Ensure is EnsureSearchAttributes for any list and logger.
func Ensure(ctx context.Context, c client.Client, namespace string, attrs []names.SearchAttribute, log *slog.Logger) (Result, error) {
	var res Result
	if log == nil {
		log = slog.Default()
	}
	op := c.OperatorService()
	list, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		for _, sa := range attrs {
			res.Missing = append(res.Missing, sa.Name)
		}
		log.Warn("cannot list search attributes; make sure they are registered on the namespace",
			"namespace", namespace, "error", err, "needed", describe(attrs), "how", howToAdd(namespace, attrs))
		return res, nil
	}
	existing := map[string]enumspb.IndexedValueType{}
	for k, v := range list.GetCustomAttributes() {
		existing[k] = v
	}
	for k, v := range list.GetSystemAttributes() {
		existing[k] = v
	}

	var missing []names.SearchAttribute
	var mismatched []string
	for _, sa := range attrs {
		got, ok := existing[sa.Name]
		switch {
		case !ok:
			missing = append(missing, sa)
		case got != sa.Type:
			mismatched = append(mismatched, fmt.Sprintf("%s is %s, want %s", sa.Name, TypeName(got), TypeName(sa.Type)))
		default:
			res.Present = append(res.Present, sa.Name)
		}
	}
	if len(mismatched) > 0 {
		return res, fmt.Errorf("search attributes on namespace %q have the wrong type: %s", namespace, strings.Join(mismatched, "; "))
	}

	var refused []names.SearchAttribute
	var lastErr error
	for i, sa := range missing {
		_, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace:        namespace,
			SearchAttributes: map[string]enumspb.IndexedValueType{sa.Name: sa.Type},
		})
		var exists *serviceerror.AlreadyExists
		switch {
		case err == nil, errors.As(err, &exists):
			res.Added = append(res.Added, sa.Name)
			log.Info("registered search attribute", "namespace", namespace, "name", sa.Name, "type", TypeName(sa.Type))
		case refusedByServer(err):
			// Cloud (or a locked-down cluster): no point trying the rest.
			refused = append(refused, missing[i:]...)
			log.Warn("the server does not let this client register search attributes (Temporal Cloud: add them with tcld or the Cloud UI)",
				"namespace", namespace, "error", err, "missing", describe(missing[i:]), "how", howToAdd(namespace, missing[i:]))
		default:
			refused = append(refused, sa)
			lastErr = err
			continue
		}
		if refusedByServer(err) {
			break
		}
	}
	if lastErr != nil {
		log.Warn("could not register search attributes; workflows that set them will fail their workflow tasks until they exist",
			"namespace", namespace, "missing", describe(refused), "error", lastErr)
	}
	for _, sa := range refused {
		res.Missing = append(res.Missing, sa.Name)
	}
	return res, nil
}

func refusedByServer(err error) bool {
	var pd *serviceerror.PermissionDenied
	var un *serviceerror.Unimplemented
	return errors.As(err, &pd) || errors.As(err, &un) || status.Code(err) == codes.Unauthenticated
}

func describe(attrs []names.SearchAttribute) string {
	var parts []string
	for _, sa := range attrs {
		parts = append(parts, sa.Name+"="+TypeName(sa.Type))
	}
	return strings.Join(parts, " ")
}

// howToAdd is the tcld command an operator runs for Temporal Cloud.
func howToAdd(namespace string, attrs []names.SearchAttribute) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tcld namespace search-attributes add --namespace %s", namespace)
	for _, sa := range attrs {
		fmt.Fprintf(&b, " --search-attribute %s=%s", sa.Name, TypeName(sa.Type))
	}
	return b.String()
}
