package devtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

// ExternalEnv names a running Temporal frontend (host:port) to test against
// instead of a fresh dev server: the Temporal-on-PostgreSQL stack of
// scripts/pg-stack.sh, for example. Each test then gets its own new
// namespace there, with jobflow's search attributes, so tests stay as
// isolated as on their own dev server.
const ExternalEnv = "JOBFLOW_TEST_TEMPORAL_ADDRESS"

var nsSeq atomic.Int64

var notNamespaceChar = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// externalServer registers a namespace named after the test on the server
// at hostPort and returns a Server whose client uses it.
func externalServer(t testing.TB, hostPort string) *Server {
	t.Helper()
	stopping := new(atomic.Bool)
	out := testWriter{t: t, stopping: stopping}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := strings.Trim(notNamespaceChar.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	ns := "t-" + name + "-" + hex.EncodeToString(rnd[:]) + "-" + itoa(nsSeq.Add(1))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := NewNamespace(ctx, hostPort, ns, logger)
	if err != nil {
		t.Fatalf("devtest: %v", err)
	}
	t.Cleanup(func() {
		stopping.Store(true)
		c.Close()
	})
	return &Server{HostPort: hostPort, Namespace: ns, Client: c, Logger: logger}
}

// NewNamespace registers namespace ns (retention one day) on the server at
// hostPort with every jobflow search attribute that fits SQL visibility,
// waits until it is usable and returns a client for it.
func NewNamespace(ctx context.Context, hostPort, ns string, logger *slog.Logger) (client.Client, error) {
	admin, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: "default", Logger: tlog.NewStructuredLogger(logger)})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", hostPort, err)
	}
	defer admin.Close()
	if _, err := admin.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        ns,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		return nil, fmt.Errorf("registering namespace %s on %s: %w", ns, hostPort, err)
	}
	fit, _ := temporalx.FitSQLVisibility(names.SearchAttributes)
	res, err := temporalx.Ensure(ctx, admin, ns, fit, logger)
	if err != nil || len(res.Missing) > 0 {
		return nil, fmt.Errorf("search attributes on %s: %v (missing %v)", ns, err, res.Missing)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: ns, Logger: tlog.NewStructuredLogger(logger)})
	if err != nil {
		return nil, fmt.Errorf("dial %s namespace %s: %w", hostPort, ns, err)
	}
	// A new namespace reaches every service's cache within seconds.
	for {
		_, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1})
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			c.Close()
			return nil, fmt.Errorf("namespace %s not usable on %s: %w", ns, hostPort, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func externalAddress() string { return strings.TrimSpace(os.Getenv(ExternalEnv)) }
