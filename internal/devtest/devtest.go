// Package devtest starts a real Temporal dev server (the pinned Temporal CLI,
// `temporal server start-dev`) for integration tests, with every jobflow
// search attribute registered, bound to 127.0.0.1 only.
//
// The CLI binary is found, in order, at $TEMPORAL_CLI, $(go env GOPATH)/bin/temporal
// and on PATH. When it is missing the test is skipped locally, but fails when
// the CI environment variable is set: integration tests never skip silently
// in CI. Install it with
//
//	go install github.com/temporalio/cli/cmd/temporal@v1.5.1
//
// (./scripts/test.sh and ./scripts/up.sh do that for you).
package devtest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/jobflow/jobflow/internal/temporalx"
	"github.com/jobflow/jobflow/workflows/names"
)

// CLIVersion is the pinned Temporal CLI the scripts install.
const CLIVersion = "v1.5.1"

// InstallHint tells a developer how to get the CLI.
const InstallHint = "go install github.com/temporalio/cli/cmd/temporal@" + CLIVersion

// Server is a running dev server and a client connected to it.
type Server struct {
	// HostPort is the frontend gRPC address, e.g. "127.0.0.1:41234".
	HostPort string
	// Namespace is the namespace the server was started with ("default").
	Namespace string
	// Client is connected to HostPort/Namespace; it logs through slog and is
	// closed on cleanup.
	Client client.Client
	// UIPort is empty: test servers run headless.
	UIPort string
	// Logger is the slog logger behind Client (writes to the test log).
	Logger *slog.Logger

	dev *testsuite.DevServer
}

// CLIPath returns the Temporal CLI binary to use, or "" when none is found.
func CLIPath() string {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if isExecutable(p) {
			return p
		}
		return ""
	}
	exe := "temporal"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if gp := goPath(); gp != "" {
		p := filepath.Join(gp, "bin", exe)
		if isExecutable(p) {
			return p
		}
	}
	if p, err := exec.LookPath(exe); err == nil {
		return p
	}
	return ""
}

func goPath() string {
	if gb := os.Getenv("GOBIN"); gb != "" {
		if p := filepath.Join(gb, "temporal"); isExecutable(p) {
			return filepath.Dir(gb)
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return strings.Split(gp, string(os.PathListSeparator))[0]
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			return strings.Split(s, string(os.PathListSeparator))[0]
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go")
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// RequireCLI returns the CLI path, or skips the test (locally) / fails it
// (when CI is set) if the binary is missing.
func RequireCLI(t testing.TB) string {
	t.Helper()
	p := CLIPath()
	if p != "" {
		return p
	}
	msg := "Temporal CLI not found (looked at $TEMPORAL_CLI, $(go env GOPATH)/bin/temporal, PATH); install it with: " + InstallHint
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: integration tests never skip silently in CI)")
	}
	t.Skip(msg)
	return ""
}

// SearchAttributeArgs returns the `--search-attribute Name=Type` arguments of
// `temporal server start-dev` for every workflows.SearchAttributes entry that
// fits the dev server's SQL visibility (see temporalx.SQLVisibilityLimits;
// the dev server refuses to start otherwise), and the ones left out.
func SearchAttributeArgs() (args []string, over []names.SearchAttribute) {
	fit, over := temporalx.FitSQLVisibility(names.SearchAttributes)
	for _, sa := range fit {
		args = append(args, "--search-attribute", sa.Name+"="+temporalx.TypeName(sa.Type))
	}
	return args, over
}

// StartServer starts a fresh, in-memory dev server on a free 127.0.0.1 port
// and stops it when the test ends.
//
// With JOBFLOW_TEST_TEMPORAL_ADDRESS set (ExternalEnv), it uses that
// running server instead, in a new namespace of its own.
func StartServer(t testing.TB) *Server {
	t.Helper()
	if addr := externalAddress(); addr != "" {
		return externalServer(t, addr)
	}
	cli := RequireCLI(t)

	stopping := new(atomic.Bool)
	out := testWriter{t: t, stopping: stopping}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hostPort := freeHostPort(t)
	const ns = "default"

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	extra := []string{
		"--ip", "127.0.0.1",
		// Search attributes added at run time (temporalx tests) are visible at once.
		"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true",
	}
	saArgs, over := SearchAttributeArgs()
	if len(over) > 0 {
		t.Logf("devtest: WARNING: %s", temporalx.DescribeOverflow(names.SearchAttributes, over))
	}
	extra = append(extra, saArgs...)
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli,
		ClientOptions: &client.Options{
			HostPort:  hostPort,
			Namespace: ns,
			Logger:    tlog.NewStructuredLogger(logger),
		},
		LogLevel:  "warn",
		ExtraArgs: extra,
		Stdout:    out,
		Stderr:    out,
	})
	if err != nil {
		t.Fatalf("devtest: starting Temporal dev server (%s): %v", cli, err)
	}
	s := &Server{
		HostPort:  dev.FrontendHostPort(),
		Namespace: ns,
		Client:    dev.Client(),
		Logger:    logger,
		dev:       dev,
	}
	t.Cleanup(func() {
		stopping.Store(true)
		s.Client.Close()
		if err := dev.Stop(); err != nil && !isExitErr(err) {
			t.Logf("devtest: stopping dev server: %v", err)
		}
	})
	return s
}

func isExitErr(err error) bool {
	_, ok := err.(*exec.ExitError)
	return ok
}

// NewClient dials another client to the server (e.g. with other options).
func (s *Server) NewClient(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.HostPort,
		Namespace: s.Namespace,
		Logger:    tlog.NewStructuredLogger(s.Logger),
	})
	if err != nil {
		t.Fatalf("devtest: dial %s: %v", s.HostPort, err)
	}
	t.Cleanup(c.Close)
	return c
}

// StartWorker starts a worker on workflows.TaskQueue against srv, lets
// register add workflows and activities, and stops it on cleanup.
func StartWorker(t testing.TB, srv *Server, register func(worker.Worker)) worker.Worker {
	return StartWorkerOn(t, srv, names.TaskQueue, register)
}

// StartWorkerOn is StartWorker on a given task queue.
func StartWorkerOn(t testing.TB, srv *Server, taskQueue string, register func(worker.Worker)) worker.Worker {
	t.Helper()
	w := worker.New(srv.Client, taskQueue, worker.Options{})
	if register != nil {
		register(w)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("devtest: starting worker on %q: %v", taskQueue, err)
	}
	t.Cleanup(w.Stop)
	return w
}

func freeHostPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("devtest: no free port on 127.0.0.1: %v", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// testWriter forwards server and client logs to the test log, so they show
// only for failing (or -v) tests.
// Output after the server was asked to stop (its own shutdown chatter) is
// dropped.
type testWriter struct {
	t        testing.TB
	stopping *atomic.Bool
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	if w.stopping != nil && w.stopping.Load() {
		return len(p), nil
	}
	defer func() { _ = recover() }() // logging after the test ended must not panic
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
