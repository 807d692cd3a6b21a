package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jobflow/jobflow/codec"
)

func setenv(t *testing.T, kv map[string]string) {
	for _, k := range []string{"CODEC_KEYS", "CODEC_KEYS_FILE", "CODEC_DISABLED", "CODEC_TOKENS", "CODEC_TOKENS_FILE", "CODEC_CORS_ORIGINS"} {
		t.Setenv(k, kv[k])
	}
	t.Setenv("CODEC_ADDR", "127.0.0.1:0")
}

func TestRun_RefusesWithoutKeysOrTokens(t *testing.T) {
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	setenv(t, map[string]string{"CODEC_TOKENS": "tok-0123456789abcdef"})
	if err := run(context.Background(), log, nil); err == nil || !strings.Contains(err.Error(), "CODEC_KEYS") {
		t.Fatalf("no keys: %v", err)
	}
	setenv(t, map[string]string{"CODEC_DISABLED": "true", "CODEC_TOKENS": "tok-0123456789abcdef"})
	if err := run(context.Background(), log, nil); err == nil {
		t.Fatal("disabled codec: want an error")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	setenv(t, map[string]string{"CODEC_KEYS": "k1:" + base64.StdEncoding.EncodeToString(b)})
	if err := run(context.Background(), log, nil); err == nil || !strings.Contains(err.Error(), "CODEC_TOKENS") {
		t.Fatalf("no tokens: %v", err)
	}
}

func TestRun_ServesDecodeBehindToken(t *testing.T) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	keys := "k1:" + base64.StdEncoding.EncodeToString(b)
	var logs bytes.Buffer
	setenv(t, map[string]string{"CODEC_KEYS": keys, "CODEC_TOKENS": "tok-0123456789abcdef"})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, slog.New(slog.NewTextHandler(&logs, nil)), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	kr, _ := codec.ParseKeys(keys)
	enc, _ := codec.New(kr).Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"Pelle"`)}})
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: enc})
	for tok, want := range map[string]int{"": 401, "tok-0123456789abcdef": 200} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("token %q: status %d, want %d", tok, res.StatusCode, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "tok-0123456789abcdef") || strings.Contains(logs.String(), base64.StdEncoding.EncodeToString(b)) {
		t.Fatalf("secrets logged: %s", logs.String())
	}
}
