package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// DefaultTemporalAddress is used when neither TEMPORAL_ADDRESS nor a config
// profile gives an address: the local dev server that ./scripts/up.sh starts.
const DefaultTemporalAddress = "127.0.0.1:7233"

// DefaultNamespace is used when none is configured.
const DefaultNamespace = "default"

func getenv(k string) string { return os.Getenv(k) }

// grpcSettings: gzip costs about a tenth of a client's CPU (BENCHMARKS.md,
// profile) and buys nothing on loopback or a LAN, so up.sh and the CI stacks
// turn it off; elsewhere (Temporal Cloud, a WAN) the SDK's gzip stays on.
type grpcSettings struct {
	Compression string `env:"TEMPORAL_GRPC_COMPRESSION" envDefault:"gzip"`
}

func (g grpcSettings) compression() (client.GrpcCompression, error) {
	switch strings.ToLower(strings.TrimSpace(g.Compression)) {
	case "gzip", "":
		return &client.GrpcCompressionGzip{}, nil
	case "none", "off":
		return &client.GrpcCompressionNone{}, nil
	}
	return nil, fmt.Errorf("config: TEMPORAL_GRPC_COMPRESSION=%q is not one of gzip, none", g.Compression)
}

// TemporalOptions loads the Temporal client options the SDK's way
// (go.temporal.io/sdk/contrib/envconfig): an optional TOML profile
// (TEMPORAL_CONFIG_FILE, default <user config dir>/temporalio/temporal.toml;
// TEMPORAL_PROFILE) overlaid by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA,
// TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA,
// TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*. So the same binary talks to
// the dev server, a self-hosted cluster or Temporal Cloud by configuration
// alone. TEMPORAL_GRPC_COMPRESSION (gzip|none, default gzip; the SDK's
// envconfig has no such field) sets the gRPC request compression. The
// logger (may be nil) becomes the SDK's logger.
func TemporalOptions(logger *slog.Logger) (client.Options, error) {
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{})
	if err != nil {
		return client.Options{}, fmt.Errorf("config: Temporal connection (TEMPORAL_* variables / TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): %w", err)
	}
	comp, err := Load[grpcSettings]()
	if err != nil {
		return client.Options{}, err
	}
	if opts.ConnectionOptions.GrpcCompression, err = comp.compression(); err != nil {
		return client.Options{}, err
	}
	if opts.HostPort == "" {
		opts.HostPort = DefaultTemporalAddress
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if logger != nil {
		opts.Logger = SDKLogger(logger)
	}
	return opts, nil
}

// Dial loads TemporalOptions and connects, failing after timeout (0: 30 s)
// with an error naming the address and namespace.
func Dial(ctx context.Context, logger *slog.Logger, timeout time.Duration) (client.Client, client.Options, error) {
	opts, err := TemporalOptions(logger)
	if err != nil {
		return nil, opts, err
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var c client.Client
	for {
		c, err = client.DialContext(dctx, opts)
		if err == nil {
			return c, opts, nil
		}
		select {
		case <-dctx.Done():
			return nil, opts, fmt.Errorf("connecting to Temporal at %s (namespace %q; set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE): %w",
				opts.HostPort, opts.Namespace, err)
		case <-time.After(time.Second):
		}
	}
}
