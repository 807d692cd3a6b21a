// Package faults is jobflow's fault suite (issue 8): a real Temporal dev
// server on a database file, a real worker process, the outreach sandbox
// failing a share of calls, and the booking API under duplicate load. It
// runs only when JOBFLOW_FAULTS=1 (scripts/test.sh sets it) and rewrites
// RELIABILITY.md at the repository root with its figures.
//
// Scale (environment, defaults in parentheses): FAULTS_VISITS (500),
// FAULTS_KILLS (20), FAULTS_SERVER_RESTARTS (1), FAULTS_BOOKINGS (10000),
// FAULTS_DUPLICATE_PCT (10), FAULTS_INVALID_PCT (4), FAULTS_ERROR_RATE
// (0.30), FAULTS_TEMPORAL (dev; "postgres": the running stack of
// scripts/pg-stack.sh at JOBFLOW_TEST_TEMPORAL_ADDRESS, report in
// RELIABILITY-postgres.md), FAULTS_LOST_PCT (5: answers lost after the provider took the
// send), FAULTS_TIMEOUT (12m: driving the visits), FAULTS_BOOKINGS_TIMEOUT
// (10m).
//
// Phases are independent: the visits phase (driving under chaos, then the
// outage ends and every visit must close within a wait derived from the
// send retry policy), the delivery-delay read-out and the bookings phase
// each run on their own context and budget, so one stuck workflow fails its
// own figure, named with its step and last activity error, and never turns
// another phase's figures into zeros.
package faults

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/codec"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/internal/devtest"
	"github.com/jobflow/jobflow/outreach/sandbox"
	"github.com/jobflow/jobflow/rules"
	"github.com/jobflow/jobflow/workflows/jobcore"
)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v >= 0 {
		return v
	}
	return def
}

func envFloat(k string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil && v >= 0 {
		return v
	}
	return def
}

type scale struct {
	visits, kills, restarts, bookings, dupPct, invalidPct int
	errorRate, lostRate                                   float64
	timeout, bookingsTimeout                              time.Duration
}

func loadScale() scale {
	s := scale{
		visits: envInt("FAULTS_VISITS", 500), kills: envInt("FAULTS_KILLS", 20),
		restarts: envInt("FAULTS_SERVER_RESTARTS", 1), bookings: envInt("FAULTS_BOOKINGS", 10000),
		dupPct: envInt("FAULTS_DUPLICATE_PCT", 10), invalidPct: envInt("FAULTS_INVALID_PCT", 4),
		errorRate: envFloat("FAULTS_ERROR_RATE", 0.30), lostRate: float64(envInt("FAULTS_LOST_PCT", 5)) / 100,
		timeout: 12 * time.Minute, bookingsTimeout: 10 * time.Minute,
	}
	if d, err := time.ParseDuration(os.Getenv("FAULTS_TIMEOUT")); err == nil {
		s.timeout = d
	}
	if d, err := time.ParseDuration(os.Getenv("FAULTS_BOOKINGS_TIMEOUT")); err == nil {
		s.bookingsTimeout = d
	}
	return s
}

func repoRoot(t *testing.T) string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// devServer is `temporal server start-dev` on a database file, restartable.
type devServer struct {
	cli, db, hostPort string
	port              int
	cmd               *exec.Cmd
	log               *os.File
}

func (d *devServer) start(t *testing.T) {
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(d.port), "--headless",
		"--db-filename", d.db, "--namespace", "default", "--log-level", "error",
		"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true"}
	sa, _ := devtest.SearchAttributeArgs()
	d.cmd = exec.Command(d.cli, append(args, sa...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", d.hostPort); err == nil {
			c.Close()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("dev server did not come up")
}

func (d *devServer) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
}

// temporalServer is the Temporal the suite runs on and crashes mid-flow.
type temporalServer interface {
	start(t *testing.T)
	stop()
	address() string
	namespace() string
	describe() string // for the report
}

func (d *devServer) address() string   { return d.hostPort }
func (d *devServer) namespace() string { return "default" }
func (d *devServer) describe() string {
	return "A real Temporal dev server (`temporal server start-dev --db-filename`), restarted\n  on its database file mid-flow"
}

// pgServer is the Temporal-on-PostgreSQL stack of scripts/pg-stack.sh
// (FAULTS_TEMPORAL=postgres), already started; a restart is a SIGKILL of
// the server processes, the database stays. The suite runs in a namespace
// of its own there.
type pgServer struct {
	script, hostPort, ns string
	log                  *os.File
}

func (p *pgServer) run(t *testing.T, verb string) {
	cmd := exec.Command("bash", p.script, verb)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Run(); err != nil && t != nil {
		t.Errorf("pg-stack.sh %s: %v", verb, err)
	}
}
func (p *pgServer) start(t *testing.T) { p.run(t, "start-temporal") }
func (p *pgServer) stop()              { p.run(nil, "kill-temporal") }
func (p *pgServer) address() string    { return p.hostPort }
func (p *pgServer) namespace() string  { return p.ns }
func (p *pgServer) describe() string {
	return "Temporal on PostgreSQL (`scripts/pg-stack.sh`: the server built from its Go module,\n  SQL visibility), its server process killed with SIGKILL mid-flow and started on the same database"
}

// suiteServer starts the Temporal of this run: the dev server, or with
// FAULTS_TEMPORAL=postgres the running PostgreSQL stack at
// JOBFLOW_TEST_TEMPORAL_ADDRESS (scripts/test.sh starts it).
func suiteServer(t *testing.T, root, tmp string) temporalServer {
	logf, _ := os.Create(filepath.Join(tmp, "temporal.log"))
	if os.Getenv("FAULTS_TEMPORAL") == "postgres" {
		addr := os.Getenv(devtest.ExternalEnv)
		if addr == "" {
			t.Fatalf("FAULTS_TEMPORAL=postgres needs %s (scripts/pg-stack.sh start)", devtest.ExternalEnv)
		}
		ns := fmt.Sprintf("faults-%d", time.Now().Unix())
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		c, err := devtest.NewNamespace(ctx, addr, ns, slog.Default())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return &pgServer{script: filepath.Join(root, "scripts", "pg-stack.sh"), hostPort: addr, ns: ns, log: logf}
	}
	port := freePort(t)
	ds := &devServer{cli: devtest.RequireCLI(t), db: filepath.Join(tmp, "temporal.db"), port: port,
		hostPort: "127.0.0.1:" + strconv.Itoa(port), log: logf}
	ds.start(t)
	return ds
}

// workerProc is the real worker binary, killed with SIGKILL.
type workerProc struct {
	bin string
	env []string
	log *os.File
	mu  sync.Mutex
	cmd *exec.Cmd
}

func (w *workerProc) start(t *testing.T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cmd := exec.Command(w.bin)
	cmd.Env = w.env
	cmd.Stdout, cmd.Stderr = w.log, w.log
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return
	}
	w.cmd = cmd
	go func() { _ = cmd.Wait() }()
}

func (w *workerProc) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd != nil && w.cmd.Process != nil {
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
		time.Sleep(50 * time.Millisecond)
	}
	w.cmd = nil
}

func shortPolicy() rules.Policy {
	p := rules.DefaultPolicy()
	p.ClaimLock = 10 * time.Minute
	p.ReminderLead = 3 * time.Second
	p.RatingWindow = 2 * time.Minute
	return p
}

func TestFaultSuite(t *testing.T) {
	if os.Getenv("JOBFLOW_FAULTS") != "1" {
		t.Skip("fault suite: set JOBFLOW_FAULTS=1 (scripts/test.sh does)")
	}
	sc := loadScale()
	began := time.Now()
	tmp := t.TempDir()
	root := repoRoot(t)

	// Keys for this run only.
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	keys := "fault1:" + base64.StdEncoding.EncodeToString(kb)
	kr, err := codec.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	cdc := codec.New(kr)

	// Outreach sandbox, in process, failing ErrorRate of provider calls.
	sb := sandbox.New(sandbox.Config{AuthToken: "sandboxtoken", StepDelay: 20 * time.Millisecond})
	sbSrv := httptest.NewServer(sb)
	defer sbSrv.Close()
	sb.SetFaults(sandbox.Faults{ErrorRate: sc.errorRate, ErrorStatus: 503})

	// Temporal: the dev server on a file, or the PostgreSQL stack.
	ds := suiteServer(t, root, tmp)
	if _, dev := ds.(*devServer); dev {
		defer ds.stop()
	}
	suiteNamespace = ds.namespace()

	c, err := client.Dial(config.WithCodec(client.Options{HostPort: ds.address(), Namespace: ds.namespace()}, cdc))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Worker binary.
	bin := filepath.Join(tmp, "worker")
	build := exec.Command("go", "build", "-o", bin, "./worker")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the worker: %v\n%s", err, out)
	}
	wlog, _ := os.Create(filepath.Join(tmp, "worker.log"))
	env := append(os.Environ(),
		"TEMPORAL_ADDRESS="+ds.address(), "TEMPORAL_NAMESPACE="+ds.namespace(), "TEMPORAL_CONFIG_FILE="+filepath.Join(tmp, "none.toml"),
		"TEMPORAL_API_KEY=", "TEMPORAL_PROFILE=", "TEMPORAL_GRPC_COMPRESSION=none", "CODEC_KEYS="+keys, "CODEC_KEYS_FILE=", "CODEC_DISABLED=",
		"TWILIO_API_BASE="+sbSrv.URL, "SENDGRID_API_BASE="+sbSrv.URL, "TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000",
		"TWILIO_AUTH_TOKEN=sandboxtoken", "TWILIO_FROM=+46700000000", "SENDGRID_API_KEY=SGsandbox",
		"SENDGRID_FROM=noreply@jobflow.local", "OPS_ALERT_TO=ops@jobflow.local", "OPS_ALERT_CHANNEL=email",
		"OUTREACH_LEDGER_PATH="+filepath.Join(tmp, "ledger.jsonl"), "OUTREACH_HTTP_TIMEOUT=2s",
		"CALL_POLL_INTERVAL=200ms", "CALL_RING_SECONDS=5", "CALL_TIMEOUT="+callTimeout.String(), "LOG_LEVEL=warn", "OUTREACH=")
	wp := &workerProc{bin: bin, env: env, log: wlog}
	wp.start(t)
	defer wp.kill()

	fig := &figures{ErrorRate: sc.errorRate, LostRate: sc.lostRate, LoadAtStart: loadAvg()}
	// Each phase fails its own figures (t.Run) and runs on its own budget.
	var vs []*visitRun
	t.Run("visits", func(t *testing.T) { vs = runVisits(t, c, sb, ds, wp, sc, fig) })
	t.Run("delivery-delays", func(t *testing.T) { fig.Delays = deliveryDelays(t, c, vs) })
	t.Run("bookings", func(t *testing.T) { runBookings(t, c, wp, sc, fig) })
	fig.Duration = time.Since(began).Round(time.Second)
	fig.LoadAtEnd = loadAvg()
	writeReport(t, root, sc, fig, ds)
}

// suiteNamespace is the namespace of this run ("default" on the dev server).
var suiteNamespace = "default"

// callTimeout is the worker's CALL_TIMEOUT in the suite: how long one call
// attempt waits for the customer.
const callTimeout = 20 * time.Second

// closeBudget is how long, once the outage has ended, every visit may take
// to close; it is derived from the send retry policy, not guessed. A send
// in backoff is tried again within MaximumInterval; one attempt takes at
// most the longest attempt (a call: ringing plus the heartbeat timeout that
// notices a killed worker); after the last Update a visit's sends chain at
// most two deep (a failed delivery, then its ops alert); a workflow task
// lost with a killed worker is retried after the 10 s task timeout.
func closeBudget() time.Duration {
	rp := jobcore.SendRetry()
	attempt := max(jobcore.MessageAttemptTimeout, callTimeout+jobcore.CallHeartbeatTimeout)
	const chain, workflowTaskTimeout = 2, 10 * time.Second
	return chain*(rp.MaximumInterval+attempt) + workflowTaskTimeout
}
