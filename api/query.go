package api

import (
	"context"

	"go.temporal.io/sdk/client"
)

// queryState runs a workflow's Query and decodes its answer into T: one
// helper for the state of every flow (visit, task, absence, contact).
func queryState[T any](ctx context.Context, c client.Client, id, query string) (T, error) {
	var st T
	v, err := c.QueryWorkflow(ctx, id, "", query)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}
