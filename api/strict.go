package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Strict input (issue #16). encoding/json, left alone, takes the last of
// two equal keys, matches keys without regard to case (so
// {"booking_ref":"A","BOOKING_REF":"B"} books B, and "Booking_Ref" is
// booking_ref) and replaces invalid UTF-8 with U+FFFD. checkStrict runs
// before decoding and refuses, with 422 and a stable code:
//
//   - invalid_utf8: the body is not valid UTF-8, or a string holds U+FFFD
//     (what a lone surrogate escape such as "\ud800" decodes to);
//   - duplicate_key: a key appears twice in one object, compared without
//     case ("a" and "A" are one key);
//   - case_variant_key: a key matches a field of the target only without
//     case ("BOOKING_REF" for booking_ref): write it as documented.

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func checkStrict(data []byte, t reflect.Type) *ValidationError {
	if !utf8.Valid(data) {
		return invalid("invalid_utf8", "", "the body must be valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	e, _ := scanValue(dec, t, "")
	return e
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// scanValue walks one JSON value with the Go type it decodes into (nil:
// unknown, only duplicates and UTF-8 are checked). Syntax errors are left
// to the decoder, which reports them with its own codes: at the first one
// the walk stops (ok false) at every level, since after a syntax error
// dec.More keeps answering true and a loop over it would never end (a
// fuzzed body did exactly that).
func scanValue(dec *json.Decoder, t reflect.Type, path string) (e *ValidationError, ok bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil // its own format
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, false
				}
				key, _ := kt.(string)
				if strings.ContainsRune(key, utf8.RuneError) {
					return invalid("invalid_utf8", joinPath(path, key), "keys and text must be valid UTF-8 (no U+FFFD, no lone surrogates)"), false
				}
				fold := strings.ToLower(key)
				if seen[fold] {
					return invalid("duplicate_key", joinPath(path, key), fmt.Sprintf("key %q appears twice in one object (keys are compared without case)", key)), false
				}
				seen[fold] = true
				ft, canonical := childType(t, key)
				if canonical != "" {
					return invalid("case_variant_key", joinPath(path, key), fmt.Sprintf("key %q: write it %q", key, canonical)), false
				}
				if e, ok := scanValue(dec, ft, joinPath(path, key)); !ok {
					return e, false
				}
			}
			_, _ = dec.Token() // '}'
		case '[':
			var et reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				et = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if e, ok := scanValue(dec, et, fmt.Sprintf("%s[%d]", path, i)); !ok {
					return e, false
				}
			}
			_, _ = dec.Token() // ']'
		}
	case string:
		if strings.ContainsRune(v, utf8.RuneError) {
			return invalid("invalid_utf8", path, "text must be valid UTF-8 (no U+FFFD, no lone surrogates)"), false
		}
	}
	return nil, true
}

// childType is the type key decodes into inside t; canonical is set when
// key matches a struct field only without case.
func childType(t reflect.Type, key string) (reflect.Type, string) {
	if t == nil {
		return nil, ""
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), ""
	case reflect.Struct:
		var folded reflect.Type
		var name string
		var walk func(reflect.Type) reflect.Type
		walk = func(st reflect.Type) reflect.Type {
			for i := 0; i < st.NumField(); i++ {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				n, _, _ := strings.Cut(tag, ",")
				if f.Anonymous && n == "" {
					et := f.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if et.Kind() == reflect.Struct {
						if ft := walk(et); ft != nil {
							return ft
						}
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if n == "" {
					n = f.Name
				}
				if n == key {
					return f.Type
				}
				if folded == nil && strings.EqualFold(n, key) {
					folded, name = f.Type, n
				}
			}
			return nil
		}
		if ft := walk(t); ft != nil {
			return ft, ""
		}
		if folded != nil {
			return folded, name
		}
	}
	return nil, ""
}
