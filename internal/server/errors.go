package server

import (
	"fmt"
	"net/http"
	"strings"
)

// Error codes of the error JSON (see api/openapi.yaml, schema Error).
const (
	codeInvalidArgument    = "INVALID_ARGUMENT"
	codeUnauthenticated    = "UNAUTHENTICATED"
	codePermissionDenied   = "PERMISSION_DENIED"
	codeNotFound           = "NOT_FOUND"
	codeMethodNotAllowed   = "METHOD_NOT_ALLOWED"
	codeAlreadyExists      = "ALREADY_EXISTS"
	codeQuotaExceeded      = "QUOTA_EXCEEDED"
	codeLastOwner          = "LAST_OWNER"
	codeFailedPrecondition = "FAILED_PRECONDITION"
	codePayloadTooLarge    = "PAYLOAD_TOO_LARGE"
	codeResourceExhausted  = "RESOURCE_EXHAUSTED"
	codeInternal           = "INTERNAL"
	codeUnavailable        = "UNAVAILABLE"
)

// fieldMessage is one entry of messages[]; Field names the offending request
// field (or query parameter, or header) when there is one.
type fieldMessage struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
}

// apiError is every error the API answers with. Handlers return it; the
// plumbing renders it, adding the request id.
type apiError struct {
	HTTPStatus int            `json:"httpStatus"`
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	Messages   []fieldMessage `json:"messages"`
	RequestID  string         `json:"requestId"`

	header http.Header // extra response headers (Retry-After, Allow, ...)
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.HTTPStatus, e.Code, e.Message) }

func newError(status int, code, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{HTTPStatus: status, Code: code, Message: msg,
		Messages: []fieldMessage{{ErrorCode: code, Message: msg}}}
}

// fieldError is an error about one field; the message names the field too, so
// that the top-level message alone is actionable.
func fieldError(status int, code, field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{HTTPStatus: status, Code: code, Message: field + ": " + msg,
		Messages: []fieldMessage{{ErrorCode: code, Message: msg, Field: field}}}
}

func errBadRequest(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, codeInvalidArgument, format, args...)
}

func errUnauthenticated(format string, args ...any) *apiError {
	e := newError(http.StatusUnauthorized, codeUnauthenticated, format, args...)
	e.header = http.Header{"Www-Authenticate": {`Bearer realm="pgcloud"`}}
	return e
}

func errForbidden(format string, args ...any) *apiError {
	return newError(http.StatusForbidden, codePermissionDenied, format, args...)
}

func errNotFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, codeNotFound, format, args...)
}

func errInternal() *apiError {
	return newError(http.StatusInternalServerError, codeInternal,
		"the server failed to handle the request; retry later, and report the request id if it persists")
}

// validationErrors collects the field rule violations of one request so that
// a caller learns about all of them at once.
type validationErrors []fieldMessage

func (v *validationErrors) add(field, format string, args ...any) {
	*v = append(*v, fieldMessage{ErrorCode: codeInvalidArgument, Message: fmt.Sprintf(format, args...), Field: field})
}

// err is nil when nothing was added, else a 422 listing every violation.
func (v validationErrors) err() *apiError {
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, m := range v {
		parts[i] = m.Field + ": " + m.Message
	}
	return &apiError{
		HTTPStatus: http.StatusUnprocessableEntity,
		Code:       codeInvalidArgument,
		Message:    "the request is invalid: " + strings.Join(parts, "; "),
		Messages:   v,
	}
}
