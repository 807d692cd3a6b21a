package config

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// LocalSettingsFile is where ./scripts/up.sh writes the settings of the
// instance it runs: $JOBFLOW_DATA/local.env (.data/local.env by default).
func LocalSettingsFile() string {
	dir := os.Getenv("JOBFLOW_DATA")
	if dir == "" {
		dir = ".data"
	}
	return filepath.Join(dir, "local.env")
}

var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// LoadLocalSettings lets a binary run by hand next to ./scripts/up.sh (e.g.
// `bin/starter start examples/booking.json` in a second terminal) find that
// instance's Temporal address and codec keys: it sets every KEY=VALUE of
// LocalSettingsFile that is not set in the environment already (the
// shell's own values win). No file, nothing done: it returns "" then.
func LoadLocalSettings() (string, error) {
	path := LocalSettingsFile()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("config: %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !envKey.MatchString(k) {
			continue
		}
		if _, set := os.LookupEnv(k); !set {
			if err := os.Setenv(k, v); err != nil {
				return "", err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("config: %s: %w", path, err)
	}
	return path, nil
}
