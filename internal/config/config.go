// Package config is the shared configuration of every jobflow binary:
// environment variables parsed with github.com/caarlos0/env/v11 (Load), the
// Temporal connection by the SDK's own conventions (TemporalOptions, Dial:
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
// TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) and one log/slog logger shared with
// the Temporal SDK (Logger, SDKLogger).
package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Load parses environment variables into a T (a struct with `env:"NAME"`
// tags, `envDefault`, `required`, `notEmpty`, nested `envPrefix`). The error
// names every missing or malformed variable, with the value that was
// refused, so a binary can print it and exit:
//
//	config: WORKER_MAX_CONCURRENT_ACTIVITIES="abc" is not a valid int: ...
func Load[T any]() (T, error) {
	return LoadWith[T](env.Options{})
}

// LoadWith is Load with caarlos0/env options (e.g. Environment for tests).
func LoadWith[T any](opts env.Options) (T, error) {
	v, err := env.ParseAsWithOptions[T](opts)
	if err == nil {
		return v, nil
	}
	var zero T
	return zero, explain(err, keysByField(reflect.TypeOf(zero), opts.Prefix), opts)
}

// explain rewrites caarlos0/env errors so each names its variable.
func explain(err error, keys map[string][]string, opts env.Options) error {
	var agg env.AggregateError
	errs := []error{err}
	if errors.As(err, &agg) {
		errs = agg.Errors
	}
	lookup := func(k string) string {
		if opts.Environment != nil {
			return opts.Environment[k]
		}
		return getenv(k)
	}
	var msgs []string
	for _, e := range errs {
		var pe env.ParseError
		switch {
		case errors.As(e, &pe):
			ks := keys[pe.Name]
			if len(ks) == 0 {
				msgs = append(msgs, e.Error())
				continue
			}
			var parts []string
			for _, k := range ks {
				parts = append(parts, fmt.Sprintf("%s=%q", k, lookup(k)))
			}
			msgs = append(msgs, fmt.Sprintf("%s is not a valid %s: %v",
				strings.Join(parts, " or "), typeName(pe.Type), pe.Err))
		default:
			msgs = append(msgs, e.Error())
		}
	}
	return fmt.Errorf("config: %s", strings.Join(msgs, "; "))
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.String() {
	case "time.Duration":
		return "duration (e.g. 90s, 5m, 1h30m)"
	case "slog.Level":
		return "log level (debug, info, warn, error)"
	case "bool":
		return "bool (true/false)"
	}
	return t.String()
}

// keysByField maps struct field names to the environment variables that feed
// them (a field name may occur in several nested structs).
func keysByField(t reflect.Type, prefix string) map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct || depth > 8 {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			if p, ok := f.Tag.Lookup("envPrefix"); ok {
				walk(f.Type, prefix+p, depth+1)
				continue
			}
			if key == "" || key == "-" {
				if f.Anonymous {
					walk(f.Type, prefix, depth+1)
				}
				continue
			}
			out[f.Name] = append(out[f.Name], prefix+key)
		}
	}
	walk(t, prefix, 0)
	return out
}
