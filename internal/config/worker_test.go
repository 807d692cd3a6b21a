package config_test

import (
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/jobflow/jobflow/internal/config"
)

func TestTemporalOptions_GrpcCompression(t *testing.T) {
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	for _, tc := range []struct {
		value string
		want  client.GrpcCompression
	}{
		{"", &client.GrpcCompressionGzip{}}, // the SDK's default stays the default
		{"gzip", &client.GrpcCompressionGzip{}},
		{"none", &client.GrpcCompressionNone{}},
		{"NONE", &client.GrpcCompressionNone{}},
	} {
		t.Setenv("TEMPORAL_GRPC_COMPRESSION", tc.value)
		o, err := config.TemporalOptions(nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		// Compare types: pointers to zero-size values need not be equal.
		if got := fmt.Sprintf("%T", o.ConnectionOptions.GrpcCompression); got != fmt.Sprintf("%T", tc.want) {
			t.Errorf("%q: compression %T, want %T", tc.value, o.ConnectionOptions.GrpcCompression, tc.want)
		}
	}
	t.Setenv("TEMPORAL_GRPC_COMPRESSION", "brotli")
	if _, err := config.TemporalOptions(nil); err == nil || !strings.Contains(err.Error(), "TEMPORAL_GRPC_COMPRESSION") {
		t.Fatalf("an unknown compression must be refused naming the variable, got %v", err)
	}
}

func TestWorkerTuning_DefaultsHoldAtScale(t *testing.T) {
	tun, err := config.Load[config.WorkerTuning]()
	if err != nil {
		t.Fatal(err)
	}
	// 10,000 open visits stay under 300 MB of worker memory only with a
	// capped cache (BENCHMARKS.md: 180 MiB at 2,000, 573 MiB at 10,000).
	if tun.StickyCacheSize != config.DefaultStickyCacheSize || tun.StickyCacheSize > 5000 {
		t.Fatalf("default sticky cache %d", tun.StickyCacheSize)
	}
	if o := tun.Apply(); o.MaxConcurrentWorkflowTaskPollers != 8 || o.MaxConcurrentActivityTaskPollers != 8 {
		t.Fatalf("default pollers %+v", o)
	}
}
