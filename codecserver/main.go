// Command codecserver serves jobflow's payload codec over HTTP (the Temporal
// codec server protocol: POST /decode, POST /encode) so the Temporal UI and
// CLI can show decrypted payloads to ops who present a valid token. Everyone
// else gets 401 and sees only ciphertext.
//
// Environment:
//
//	CODEC_KEYS / CODEC_KEYS_FILE   the same keyring as the worker and starter (required)
//	CODEC_TOKENS                   comma-separated bearer tokens of the people allowed to decode
//	CODEC_TOKENS_FILE              the same, one per line (tokens of both add up; at least one required)
//	CODEC_ADDR                     listen address (default 127.0.0.1:8081)
//	CODEC_CORS_ORIGINS             browser origins of the Temporal UI (default http://127.0.0.1:8233,http://localhost:8233)
//	CODEC_SESSION_TTL              life of a /login session cookie (default 8h)
//	CODEC_SECURE_COOKIE            mark the cookie Secure (set when served over HTTPS)
//	LOG_FORMAT, LOG_LEVEL
//
// With the Temporal CLI: temporal workflow show -w <id> --codec-endpoint http://127.0.0.1:8081 --codec-auth "Bearer <token>".
// In the Temporal UI: see README "Privacy and encryption".
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jobflow/jobflow/codec"
	"github.com/jobflow/jobflow/internal/config"
)

// Config is the codec server's own configuration.
type Config struct {
	Addr         string        `env:"CODEC_ADDR" envDefault:"127.0.0.1:8081"`
	Tokens       string        `env:"CODEC_TOKENS"`
	TokensFile   string        `env:"CODEC_TOKENS_FILE"`
	Origins      []string      `env:"CODEC_CORS_ORIGINS" envSeparator:"," envDefault:"http://127.0.0.1:8233,http://localhost:8233"`
	SessionTTL   time.Duration `env:"CODEC_SESSION_TTL" envDefault:"8h"`
	SecureCookie bool          `env:"CODEC_SECURE_COOKIE" envDefault:"false"`
}

func main() {
	log, err := config.Logger()
	if err != nil {
		fmt.Fprintln(os.Stderr, "codecserver:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, nil); err != nil {
		log.Error("codec server stopped", "error", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready (tests) receives the bound address.
func run(ctx context.Context, log *slog.Logger, ready chan<- string) error {
	cfg, err := config.Load[Config]()
	if err != nil {
		return err
	}
	c, err := config.LoadCodec()
	if err != nil {
		return err
	}
	if c == nil {
		return errors.New("CODEC_DISABLED=true: there is nothing to decode; do not run the codec server")
	}
	tokens, err := codec.LoadTokens(cfg.Tokens, cfg.TokensFile)
	if err != nil {
		return err
	}
	h, err := codec.NewHandler(c, codec.ServerOptions{
		Tokens: tokens, AllowedOrigins: cfg.Origins, SessionTTL: cfg.SessionTTL,
		SecureCookie: cfg.SecureCookie, Logger: log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on CODEC_ADDR=%s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("codec server listening", "addr", "http://"+ln.Addr().String(), "active_key", c.Keyring().ActiveID(),
		"keys", len(c.Keyring().IDs()), "tokens", len(tokens), "cors_origins", cfg.Origins)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
