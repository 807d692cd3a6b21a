package config_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jobflow/jobflow/codec"
	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/internal/devtest"
)

func codecKey(t *testing.T) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func clearCodecEnv(t *testing.T) {
	for _, k := range []string{"CODEC_KEYS", "CODEC_KEYS_FILE", "CODEC_DISABLED"} {
		unsetenv(t, k)
	}
}

func TestLoadCodec_RefusesEmptyKeyringUnlessDisabled(t *testing.T) {
	clearCodecEnv(t)
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	_, err := config.LoadCodec()
	if !errors.Is(err, codec.ErrNoKeys) || !strings.Contains(err.Error(), "CODEC_KEYS") {
		t.Fatalf("want ErrNoKeys naming CODEC_KEYS, got %v", err)
	}
	if _, _, err := config.DialCodec(context.Background(), nil, time.Second); !errors.Is(err, codec.ErrNoKeys) {
		t.Fatalf("DialCodec must refuse to start without keys, got %v", err)
	}

	t.Setenv("CODEC_DISABLED", "true")
	var logs bytes.Buffer
	c, err := config.LoadCodec()
	if err != nil || c != nil {
		t.Fatalf("disabled: %v %v", c, err)
	}
	opts, err := config.TemporalCodecOptions(slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || opts.DataConverter != nil || !strings.Contains(logs.String(), "IN CLEAR") {
		t.Fatalf("disabled options: %v %v %q", opts.DataConverter, err, logs.String())
	}
}

func TestTemporalCodecOptions_NeverLogsKeys(t *testing.T) {
	clearCodecEnv(t)
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	secret := codecKey(t)
	t.Setenv("CODEC_KEYS", "k7:"+secret)
	var logs bytes.Buffer
	opts, err := config.TemporalCodecOptions(slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if opts.DataConverter == nil || !strings.Contains(logs.String(), "k7") || strings.Contains(logs.String(), secret) {
		t.Fatalf("options %v, log %q", opts.DataConverter, logs.String())
	}
	t.Setenv("CODEC_KEYS", "k7:short")
	if _, err := config.TemporalCodecOptions(nil); err == nil || strings.Contains(err.Error(), "short") {
		t.Fatalf("bad key: %v", err)
	}
}

func echo(ctx workflow.Context, in map[string]string) (map[string]string, error) { return in, nil }

func fail(ctx workflow.Context) error {
	return temporal.NewNonRetryableApplicationError("provider refused number +46701112233", "InvalidNumber", nil)
}

// Against a real server: what a codec client writes is ciphertext for a
// client without the key; the codec client reads it (input, result, memo).
func TestWithCodec_DevServerStoresCiphertext(t *testing.T) {
	srv := devtest.StartServer(t)
	c := codec.New(mustKeyring(t, "k1:"+codecKey(t)))
	opts := config.WithCodec(client.Options{HostPort: srv.HostPort, Namespace: srv.Namespace}, c)
	cc, err := client.Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	const tq = "codec-config-test"
	w := worker.New(cc, tq, worker.Options{})
	w.RegisterWorkflow(echo)
	w.RegisterWorkflow(fail)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := map[string]string{"name": "Karin Karlsson", "phone": "+46709998877"}
	run, err := cc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-echo", TaskQueue: tq,
		Memo: map[string]any{"booking_sha256": "abc123"}}, echo, in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	if err := run.Get(ctx, &out); err != nil || out["name"] != in["name"] {
		t.Fatalf("result: %v %v", out, err)
	}

	// Raw history, read by a client without the key (the server's view).
	it := srv.Client.GetWorkflowHistory(ctx, "codec-echo", "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var raw bytes.Buffer
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ev.Marshal()
		raw.Write(b)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			if p := a.GetInput().GetPayloads()[0]; !codec.IsEncrypted(p) {
				t.Fatalf("input not encrypted: %v", p.Metadata)
			}
			if p := a.GetMemo().GetFields()["booking_sha256"]; !codec.IsEncrypted(p) {
				t.Fatalf("memo not encrypted: %v", p.Metadata)
			}
		}
	}
	for _, s := range []string{"Karin", "+46709998877", "abc123"} {
		if bytes.Contains(raw.Bytes(), []byte(s)) {
			t.Fatalf("history holds %q in clear", s)
		}
	}

	// Failure messages are encrypted too, and readable by the codec client.
	frun, err := cc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-fail", TaskQueue: tq}, fail)
	if err != nil {
		t.Fatal(err)
	}
	if err := frun.Get(ctx, nil); err == nil || !strings.Contains(err.Error(), "+46701112233") {
		t.Fatalf("codec client should read the failure message: %v", err)
	}
	fit := srv.Client.GetWorkflowHistory(ctx, "codec-fail", "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for fit.HasNext() {
		ev, err := fit.Next()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := ev.Marshal(); bytes.Contains(b, []byte("46701112233")) {
			t.Fatalf("failure message in clear in event %s", ev.GetEventType())
		}
	}

	// Describe through the codec client: the memo comes back readable with
	// the default converter (what api.Visits.existing does).
	desc, err := cc.DescribeWorkflowExecution(ctx, "codec-echo", "")
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := converter.GetDefaultDataConverter().FromPayload(desc.GetWorkflowExecutionInfo().GetMemo().GetFields()["booking_sha256"], &hash); err != nil || hash != "abc123" {
		t.Fatalf("memo via codec client: %q %v", hash, err)
	}
	rawDesc, _ := srv.Client.DescribeWorkflowExecution(ctx, "codec-echo", "")
	if p := rawDesc.GetWorkflowExecutionInfo().GetMemo().GetFields()["booking_sha256"]; !codec.IsEncrypted(p) {
		t.Fatal("memo readable without the key")
	}
}

func mustKeyring(t *testing.T, s string) *codec.Keyring {
	kr, err := codec.ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}
