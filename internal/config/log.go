package config

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	tlog "go.temporal.io/sdk/log"
)

// Log configures the process logger.
type Log struct {
	// Format is "text" (default, for people) or "json" (for log shippers).
	Format string `env:"LOG_FORMAT" envDefault:"text"`
	// Level is debug, info (default), warn or error.
	Level slog.Level `env:"LOG_LEVEL" envDefault:"info"`
}

// Logger builds the process's slog logger from LOG_FORMAT and LOG_LEVEL,
// writing to stderr, and makes it slog's default. Hand it to the Temporal SDK
// with SDKLogger so SDK and application logs share one stream and format.
func Logger() (*slog.Logger, error) {
	c, err := Load[Log]()
	if err != nil {
		return nil, err
	}
	l, err := NewLogger(os.Stderr, c)
	if err != nil {
		return nil, err
	}
	slog.SetDefault(l)
	return l, nil
}

// NewLogger builds a logger writing to w.
func NewLogger(w io.Writer, c Log) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: c.Level}
	switch strings.ToLower(strings.TrimSpace(c.Format)) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("config: LOG_FORMAT=%q is not valid: use text or json", c.Format)
}

// SDKLogger adapts a slog logger to the Temporal SDK's logger interface
// (client.Options.Logger).
func SDKLogger(l *slog.Logger) tlog.Logger {
	return tlog.NewStructuredLogger(l)
}
