package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Error codes of the error JSON (see api/openapi.yaml, schema Error) that
// the HTTP layer answers with itself: about the request, the credential,
// the caller's rights, the server. The platform's refusals bring their own
// codes (platform.Code).
const (
	codeInvalidArgument   = string(platform.InvalidArgument) // malformed JSON, wrong types (400)
	codeUnauthenticated   = "UNAUTHENTICATED"
	codePermissionDenied  = "PERMISSION_DENIED"
	codeNotFound          = string(platform.NotFound) // no such endpoint, or not in the caller's organization
	codeMethodNotAllowed  = "METHOD_NOT_ALLOWED"
	codePayloadTooLarge   = "PAYLOAD_TOO_LARGE"
	codeResourceExhausted = "RESOURCE_EXHAUSTED"
	codeInternal          = "INTERNAL"
	codeUnavailable       = string(platform.Unavailable) // the store does not answer
	// codeMachineUserCannotInvite is the 403 of a machine user asking to
	// invite.
	codeMachineUserCannotInvite = "MACHINE_USER_CANNOT_INVITE"
)

// fieldMessage is one entry of messages[]; Field names the offending request
// field (or query parameter, or header) when there is one.
type fieldMessage struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
}

// apiError is the error JSON of an answer. The plumbing renders it, adding
// the request id.
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

// errStoreUnavailable is the answer while the store does not answer.
func errStoreUnavailable() *apiError {
	e := newError(http.StatusServiceUnavailable, codeUnavailable, "the store does not answer; retry later")
	e.header = http.Header{"Retry-After": {retryAfterUnavailable}}
	return e
}

func errInternal() *apiError {
	return newError(http.StatusInternalServerError, codeInternal,
		"the server failed to handle the request; retry later, and report the request id if it persists")
}

// platformStatus is the HTTP status of each code of the platform's refusals.
var platformStatus = map[platform.Code]int{
	platform.InvalidArgument:     http.StatusUnprocessableEntity,
	platform.NotFound:            http.StatusNotFound,
	platform.AlreadyExists:       http.StatusConflict,
	platform.QuotaExceeded:       http.StatusConflict, // never 429: a quota is not retried
	platform.LastOwner:           http.StatusConflict,
	platform.SystemUserImmutable: http.StatusConflict,
	platform.FailedPrecondition:  http.StatusConflict,
	platform.Unavailable:         http.StatusServiceUnavailable,
}

// retryAfterUnavailable is the Retry-After of a 503 (a cluster or the store
// that cannot be reached, or a create whose outcome could not be settled),
// in seconds:
// a PostgreSQL that crashed is back after its crash recovery, about a
// second, so the client's retry (with the same Idempotency-Key) comes when
// it can succeed rather than at once.
const retryAfterUnavailable = "2"

// answerOf is the one place where an error a handler returns becomes the
// API's answer: the HTTP layer's own *apiError as it is; a refusal of the
// platform with the status of its code, its field in messages[]; a store
// that cannot be reached (PostgreSQL down or restarting) 503 with
// Retry-After; anything else is a failure the caller cannot act on, logged
// with the request id (so that an operator can find it from the error JSON)
// and answered 500.
func (s *Server) answerOf(ctx context.Context, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var pe *platform.Error
	if errors.As(err, &pe) {
		if status, known := platformStatus[pe.Code]; known {
			if status >= 500 {
				s.log.Warn("platform unavailable", "request_id", requestID(ctx), "error", pe.Message)
			}
			out := &apiError{HTTPStatus: status, Code: string(pe.Code), Message: pe.Error(),
				Messages: []fieldMessage{{ErrorCode: string(pe.Code), Message: pe.Message, Field: pe.Field}}}
			if status == http.StatusServiceUnavailable {
				out.header = http.Header{"Retry-After": {retryAfterUnavailable}}
			}
			if len(pe.Violations) > 0 {
				out.Messages = make([]fieldMessage, len(pe.Violations))
				for i, v := range pe.Violations {
					out.Messages[i] = fieldMessage{ErrorCode: string(pe.Code), Message: v.Message, Field: v.Field}
				}
			}
			return out
		}
	}
	if store.Unavailable(err) {
		// The store's database is down, restarting or failing over: a
		// retry after a moment may work, and the client retries a 503.
		s.log.Warn("store unavailable", "request_id", requestID(ctx), "error", err.Error())
		return errStoreUnavailable()
	}
	s.log.Error("internal error", "request_id", requestID(ctx), "error", err.Error())
	return errInternal()
}
