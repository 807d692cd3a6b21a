package config

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc"

	"github.com/jobflow/jobflow/codec"
)

// Codec is the payload encryption configuration shared by every binary that
// talks to Temporal (worker, starter, codecserver). Keys are secrets: they
// come from the environment or a file, are never in the repository and are
// never logged.
type Codec struct {
	// Keys is "id:base64key,id:base64key": the first key encrypts, all decrypt.
	Keys string `env:"CODEC_KEYS"`
	// KeysFile holds the same list, one key per line allowed (# comments).
	KeysFile string `env:"CODEC_KEYS_FILE"`
	// Disabled stores payloads in clear. Only for a deliberate, documented
	// setup (e.g. a throwaway test); the binaries refuse to run without
	// keys otherwise.
	Disabled bool `env:"CODEC_DISABLED" envDefault:"false"`
}

// LoadCodec builds the payload codec from CODEC_KEYS / CODEC_KEYS_FILE.
// It returns (nil, nil) when CODEC_DISABLED=true, and an error naming the
// variables when no key is configured.
func LoadCodec() (*codec.Codec, error) {
	cfg, err := Load[Codec]()
	if err != nil {
		return nil, err
	}
	if cfg.Disabled {
		return nil, nil
	}
	kr, err := codec.LoadKeyring(cfg.Keys, cfg.KeysFile)
	if err != nil {
		return nil, fmt.Errorf("config: payload encryption: %w", err)
	}
	return codec.New(kr), nil
}

// WithCodec returns opts with c applied: every payload the client or a
// worker built on it writes is encrypted
// (converter.NewCodecDataConverter(parent, c), parent being opts'
// DataConverter or the SDK default), failure messages and stack traces are
// encrypted with it (EncodeCommonAttributes), and memos in DescribeWorkflowExecution
// and ListWorkflowExecutions answers come back decoded, so code reading a
// memo with the default converter (api: booking_sha256) keeps working.
// c == nil returns opts unchanged.
func WithCodec(opts client.Options, c *codec.Codec) client.Options {
	if c == nil {
		return opts
	}
	opts.DataConverter = c.DataConverter(opts.DataConverter)
	// Error messages and stack traces can quote personal data (a provider's
	// "invalid number +46..."): they travel as an encrypted payload too.
	opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: opts.DataConverter, EncodeCommonAttributes: true,
	})
	dial := append([]grpc.DialOption(nil), opts.ConnectionOptions.DialOptions...)
	opts.ConnectionOptions.DialOptions = append(dial, grpc.WithChainUnaryInterceptor(memoDecoder(c)))
	return opts
}

// TemporalCodecOptions is TemporalOptions with the codec from the
// environment applied (see LoadCodec, WithCodec).
func TemporalCodecOptions(logger *slog.Logger) (client.Options, error) {
	opts, err := TemporalOptions(logger)
	if err != nil {
		return opts, err
	}
	c, err := LoadCodec()
	if err != nil {
		return opts, err
	}
	if c == nil {
		if logger != nil {
			logger.Warn("CODEC_DISABLED=true: workflow payloads, including customers' personal data, are stored in Temporal IN CLEAR")
		}
		return opts, nil
	}
	if logger != nil {
		logger.Info("payload encryption on", "codec", codec.EncodingName, "active_key", c.Keyring().ActiveID(), "keys", len(c.Keyring().IDs()))
	}
	return WithCodec(opts, c), nil
}

// DialCodec is Dial with payload encryption: it refuses to connect when no
// codec key is configured (unless CODEC_DISABLED=true).
func DialCodec(ctx context.Context, logger *slog.Logger, timeout time.Duration) (client.Client, client.Options, error) {
	opts, err := TemporalCodecOptions(logger)
	if err != nil {
		return nil, opts, err
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		c, err := client.DialContext(dctx, opts)
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

// memoDecoder decodes the memo fields of describe/list answers in place.
// A memo that fails to decode is left encrypted (the caller then sees
// ciphertext, never an error from an otherwise good answer).
func memoDecoder(c *codec.Codec) grpc.UnaryClientInterceptor {
	decode := func(m *commonpb.Memo) {
		for k, p := range m.GetFields() {
			if !codec.IsEncrypted(p) {
				continue
			}
			if out, err := c.Decode([]*commonpb.Payload{p}); err == nil {
				m.Fields[k] = out[0]
			}
		}
	}
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err != nil {
			return err
		}
		switch r := reply.(type) {
		case *workflowservice.DescribeWorkflowExecutionResponse:
			decode(r.GetWorkflowExecutionInfo().GetMemo())
		case *workflowservice.ListWorkflowExecutionsResponse:
			for _, e := range r.GetExecutions() {
				decode(e.GetMemo())
			}
		}
		return nil
	}
}
