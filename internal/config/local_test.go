package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jobflow/jobflow/internal/config"
)

// #17: bin/starter run by hand next to up.sh finds that instance's address
// and codec keys, and the shell's own values still win.
func TestLoadLocalSettings(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("JOBFLOW_DATA", dir)
	if p, err := config.LoadLocalSettings(); p != "" || err != nil {
		t.Fatalf("no file: want nothing done, got %q %v", p, err)
	}
	body := "# written by scripts/up.sh\nTEMPORAL_ADDRESS=127.0.0.1:7299\nCODEC_KEYS_FILE=/x/codec.keys\nbad line\n1X=no\n"
	if err := os.WriteFile(filepath.Join(dir, "local.env"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEMPORAL_ADDRESS", "")
	os.Unsetenv("TEMPORAL_ADDRESS")
	t.Setenv("CODEC_KEYS_FILE", "/mine/keys") // the shell wins
	p, err := config.LoadLocalSettings()
	if err != nil || p != filepath.Join(dir, "local.env") {
		t.Fatalf("got %q %v", p, err)
	}
	if got := os.Getenv("TEMPORAL_ADDRESS"); got != "127.0.0.1:7299" {
		t.Errorf("TEMPORAL_ADDRESS = %q, want the file's", got)
	}
	if got := os.Getenv("CODEC_KEYS_FILE"); got != "/mine/keys" {
		t.Errorf("CODEC_KEYS_FILE = %q, want the shell's", got)
	}
}
