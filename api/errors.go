package api

import (
	"encoding/json"
	"net/http"
)

// ErrorBody is the shape of every error answer:
// {"error":{"code":"invalid_phone","message":"...","field":"customer.phone"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable machine code, a message for people and, for
// validation errors, the offending field (dotted JSON path).
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// ValidationError is a booking or request body the rules refuse (422).
type ValidationError struct {
	Code    string
	Message string
	Field   string
}

func (e *ValidationError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func invalid(code, field, msg string) *ValidationError {
	return &ValidationError{Code: code, Field: field, Message: msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Field: field}})
}

func writeValidation(w http.ResponseWriter, e *ValidationError) {
	writeError(w, http.StatusUnprocessableEntity, e.Code, e.Message, e.Field)
}
