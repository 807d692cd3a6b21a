package config_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/jobflow/jobflow/internal/config"
	"github.com/jobflow/jobflow/internal/devtest"
)

type sample struct {
	MaxConcurrent int           `env:"WORKER_MAX_CONCURRENT" envDefault:"10"`
	Timeout       time.Duration `env:"WORKER_TIMEOUT" envDefault:"5s"`
	Needed        string        `env:"NEEDED_THING,required"`
	Nested        struct {
		Port int `env:"PORT" envDefault:"8080"`
	} `envPrefix:"API_"`
}

func TestLoad_MalformedValueNamesTheVariable(t *testing.T) {
	t.Setenv("WORKER_MAX_CONCURRENT", "abc")
	t.Setenv("NEEDED_THING", "x")
	_, err := config.Load[sample]()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"WORKER_MAX_CONCURRENT", `"abc"`, "int"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestLoad_MissingRequiredAndNestedMalformed(t *testing.T) {
	_, err := config.LoadWith[sample](env.Options{Environment: map[string]string{
		"API_PORT":       "eighty",
		"WORKER_TIMEOUT": "soon",
	}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"NEEDED_THING", "API_PORT", `"eighty"`, "WORKER_TIMEOUT", "duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestLoad_Defaults(t *testing.T) {
	got, err := config.LoadWith[sample](env.Options{Environment: map[string]string{"NEEDED_THING": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxConcurrent != 10 || got.Timeout != 5*time.Second || got.Nested.Port != 8080 {
		t.Fatalf("defaults not applied: %+v", got)
	}
}

func TestLogger_FormatAndLevel(t *testing.T) {
	var buf bytes.Buffer
	l, err := config.NewLogger(&buf, config.Log{Format: "json", Level: slog.LevelWarn})
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden")
	l.Warn("shown", "k", "v")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), `"msg":"shown"`) {
		t.Fatalf("unexpected output %q", buf.String())
	}
	if _, err := config.NewLogger(&buf, config.Log{Format: "xml"}); err == nil || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Fatalf("want LOG_FORMAT error, got %v", err)
	}
	t.Setenv("LOG_LEVEL", "loud")
	if _, err := config.Logger(); err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("want LOG_LEVEL error, got %v", err)
	}
}

func TestTemporalOptions_DefaultsAndEnv(t *testing.T) {
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE"} {
		t.Setenv(k, "")
	}
	o, err := config.TemporalOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.HostPort != "127.0.0.1:7233" || o.Namespace != "default" {
		t.Fatalf("defaults: %q %q", o.HostPort, o.Namespace)
	}

	t.Setenv("TEMPORAL_ADDRESS", "my-ns.a1b2c.tmprl.cloud:7233")
	t.Setenv("TEMPORAL_NAMESPACE", "my-ns.a1b2c")
	t.Setenv("TEMPORAL_API_KEY", "secret")
	o, err = config.TemporalOptions(slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if o.HostPort != "my-ns.a1b2c.tmprl.cloud:7233" || o.Namespace != "my-ns.a1b2c" ||
		o.Credentials == nil || o.ConnectionOptions.TLS == nil || o.Logger == nil {
		t.Fatalf("cloud settings not applied: %+v", o)
	}
}

func TestTemporalOptions_Profile(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/temporal.toml"
	writeFile(t, file, "[profile.staging]\naddress = \"10.0.0.5:7233\"\nnamespace = \"jobflow-staging\"\n")
	t.Setenv("TEMPORAL_CONFIG_FILE", file)
	t.Setenv("TEMPORAL_PROFILE", "staging")
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY"} {
		unsetenv(t, k)
	}
	o, err := config.TemporalOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.HostPort != "10.0.0.5:7233" || o.Namespace != "jobflow-staging" {
		t.Fatalf("profile not applied: %q %q", o.HostPort, o.Namespace)
	}
	t.Setenv("TEMPORAL_PROFILE", "nope")
	if _, err := config.TemporalOptions(nil); err == nil {
		t.Fatal("want an error for a missing profile")
	}
}

func TestDial_DevServer(t *testing.T) {
	srv := devtest.StartServer(t)
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	t.Setenv("TEMPORAL_ADDRESS", srv.HostPort)
	t.Setenv("TEMPORAL_NAMESPACE", srv.Namespace)
	unsetenv(t, "TEMPORAL_API_KEY")
	unsetenv(t, "TEMPORAL_PROFILE")
	c, opts, err := config.Dial(context.Background(), slog.Default(), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if opts.HostPort != srv.HostPort {
		t.Fatalf("dialled %s", opts.HostPort)
	}
	if _, err := c.CheckHealth(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}
