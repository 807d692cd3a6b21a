// Command starter is jobflow's front door to Temporal:
//
//	starter serve                   the HTTP API (partners, buddies, ops, customers)
//	starter start <booking.json>    start one visit from a booking JSON file
//	starter import <file.jsonl>     start every valid booking of a JSONL file
//
// Configuration is environment only (see api.Config and the README's
// "Booking API" section); the Temporal connection follows the SDK's
// envconfig conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jobflow/jobflow/api"
	"github.com/jobflow/jobflow/internal/config"
)

const usage = `usage:
  starter serve                                      run the HTTP API on API_ADDR
  starter start [--partner ID] <booking.json>        start one visit from a booking file
  starter import [--partner ID] [--workers N] [--every N] <file.jsonl>
                                                     start every valid booking of a JSONL file
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	// Run next to ./scripts/up.sh, take that instance's settings (address,
	// codec keys, ...) for whatever the shell does not set itself.
	local, err := config.LoadLocalSettings()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logger, err := config.Logger()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if local != "" {
		logger.Debug("local settings loaded", "file", local)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var code int
	switch os.Args[1] {
	case "serve":
		code = serve(ctx, logger)
	case "start":
		code = start(ctx, logger, os.Args[2:])
	case "import":
		code = importFile(ctx, logger, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "starter: unknown command %q\n%s", os.Args[1], usage)
		code = 2
	}
	os.Exit(code)
}

func fatal(logger *slog.Logger, msg string, err error) int {
	logger.Error(msg, "error", err)
	return 1
}

// visits connects to Temporal and builds the shared booking service.
// Secrets are resolved only when serving.
func visits(ctx context.Context, logger *slog.Logger, cfg api.Config, serving bool) (*api.Visits, func(), error) {
	var partners *api.Partners
	if cfg.PartnersFile != "" {
		p, err := api.LoadPartners(cfg.PartnersFile, serving)
		if err != nil {
			return nil, nil, err
		}
		partners = p
	} else {
		logger.Warn("PARTNERS_FILE is not set: every partner books with the default policy")
	}
	if cfg.LinkSecret == "" {
		logger.Warn("LINK_SECRET is not set: visits get no customer rating link")
	}
	c, opts, err := config.DialCodec(ctx, logger, cfg.ConnectTimeout)
	if err != nil {
		return nil, nil, err
	}
	// Reclamations read the customer's contact from a visit's start input;
	// it is encrypted with the client's codec.
	if opts.DataConverter != nil {
		api.HistoryConverter = opts.DataConverter
	}
	return &api.Visits{
		Client:        c,
		Namespace:     opts.Namespace,
		Partners:      partners,
		LinkSecret:    []byte(cfg.LinkSecret),
		PublicBaseURL: cfg.PublicBaseURL,
		AppURL:        cfg.AppURL,
		UIURL:         cfg.TemporalUIURL,
	}, c.Close, nil
}

func serve(ctx context.Context, logger *slog.Logger) int {
	cfg, err := config.Load[api.Config]()
	if err != nil {
		return fatal(logger, "configuration", err)
	}
	if err := cfg.ServeCheck(); err != nil {
		return fatal(logger, "configuration", err)
	}
	tokens, err := api.LoadTokens(cfg.TokensFile, cfg.Tokens)
	if err != nil {
		return fatal(logger, "configuration", err)
	}
	v, closeClient, err := visits(ctx, logger, cfg, true)
	if err != nil {
		return fatal(logger, "start-up", err)
	}
	defer closeClient()
	srv := &api.Server{
		Visits: v, Partners: v.Partners, Tokens: tokens,
		LinkSecret: []byte(cfg.LinkSecret), Logger: logger, RequestTimeout: cfg.RequestTimeout,
	}
	hs := &http.Server{
		Addr:              cfg.Addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fatal(logger, "listen on API_ADDR", err)
	}
	logger.Info("booking API listening", "addr", "http://"+ln.Addr().String(),
		"partners", v.Partners.IDs(), "namespace", v.Namespace, "openapi", "http://"+ln.Addr().String()+"/openapi.json")
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fatal(logger, "http server", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fatal(logger, "graceful shutdown", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fatal(logger, "http server", err)
	}
	logger.Info("stopped")
	return 0
}

func start(ctx context.Context, logger *slog.Logger, args []string) int {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	partner := fs.String("partner", "", "partner id (default: the file's \"partner\" field)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	cfg, err := config.Load[api.Config]()
	if err != nil {
		return fatal(logger, "configuration", err)
	}
	body, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fatal(logger, "reading booking", err)
	}
	var req api.BookingRequest
	if e := api.DecodeStrict(body, &req); e != nil {
		fmt.Fprintf(os.Stderr, "starter: %s: %s (%s)\n", fs.Arg(0), e.Error(), e.Code)
		return 1
	}
	p := *partner
	if p == "" {
		p = req.Partner
	}
	if p == "" {
		fmt.Fprintln(os.Stderr, "starter: the booking names no partner: add \"partner\" to the file or pass --partner")
		return 1
	}
	v, closeClient, err := visits(ctx, logger, cfg, false)
	if err != nil {
		return fatal(logger, "start-up", err)
	}
	defer closeClient()
	res, err := v.Book(ctx, p, req)
	var verr *api.ValidationError
	switch {
	case errors.As(err, &verr):
		fmt.Fprintf(os.Stderr, "starter: booking refused: %s (%s)\n", verr.Error(), verr.Code)
		return 1
	case errors.Is(err, api.ErrBookingConflict):
		fmt.Fprintf(os.Stderr, "starter: %v (booking_conflict)\n", err)
		return 1
	case err != nil:
		return fatal(logger, "starting the visit", err)
	}
	what := "started"
	if !res.Created {
		what = "already known"
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Printf("visit %s %s (status %s)\nTemporal UI: %s\n%s\n", res.WorkflowID, what, res.Status, res.UIURL, out)
	return 0
}

func importFile(ctx context.Context, logger *slog.Logger, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	partner := fs.String("partner", "", "partner id for lines without a \"partner\" field")
	workers := fs.Int("workers", 8, "bookings started at once")
	every := fs.Int("every", 100, "print progress every N bookings")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *workers < 1 || *every < 1 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	cfg, err := config.Load[api.Config]()
	if err != nil {
		return fatal(logger, "configuration", err)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fatal(logger, "opening import file", err)
	}
	defer f.Close()
	v, closeClient, err := visits(ctx, logger, cfg, false)
	if err != nil {
		return fatal(logger, "start-up", err)
	}
	defer closeClient()
	sum, err := api.Import(ctx, v, f, api.ImportOptions{Partner: *partner, Workers: *workers, Progress: os.Stderr, Every: *every})
	fmt.Printf("import %s: %d lines, %d started, %d already known, %d rejected\n",
		fs.Arg(0), sum.Lines, sum.Started, sum.Known, len(sum.Rejected))
	for _, r := range sum.Rejected {
		fmt.Printf("  line %d: %s: %s\n", r.Line, r.Code, r.Reason)
	}
	if err != nil {
		return fatal(logger, "import stopped early", err)
	}
	if len(sum.Rejected) > 0 {
		return 3 // some lines were rejected; everything valid was started
	}
	return 0
}
