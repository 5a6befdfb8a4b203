package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Error codes of the API.
const (
	CodeInvalidArgument      = "INVALID_ARGUMENT"
	CodeUnauthenticated      = "UNAUTHENTICATED"
	CodePermissionDenied     = "PERMISSION_DENIED"
	CodeNotFound             = "NOT_FOUND"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeAlreadyExists        = "ALREADY_EXISTS"
	CodeQuotaExceeded        = "QUOTA_EXCEEDED"
	CodeLastOwner            = "LAST_OWNER"
	CodeSystemUserImmutable  = "SYSTEM_USER_IMMUTABLE"
	CodeFailedPrecondition   = "FAILED_PRECONDITION"
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeResourceExhausted    = "RESOURCE_EXHAUSTED"
	CodeInternal             = "INTERNAL"
)

// FieldMessage is one entry of an error's "messages".
type FieldMessage struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
	Field     string `json:"field"`
}

// APIError is an HTTP error answer of the API. It is built from the error
// JSON when there is one, else from the status and a snippet of the body.
type APIError struct {
	HTTPStatus int            `json:"httpStatus"`
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	Messages   []FieldMessage `json:"messages"`
	RequestID  string         `json:"requestId"`

	// Added by the client:
	Method   string `json:"-"` // request method
	Path     string `json:"-"` // request path (escaped), without the query
	Attempts int    `json:"-"` // attempts made, including retries
}

// Error includes status, code, message, field messages, request id, the
// request and, after retries, the attempt count.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("pgcloud API error: ")
	fmt.Fprintf(&b, "%d", e.HTTPStatus)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if t := http.StatusText(e.HTTPStatus); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var fields []string
	for _, m := range e.Messages {
		switch {
		case m.Field != "" && m.Message != "":
			fields = append(fields, m.Field+": "+m.Message)
		case m.Field != "":
			fields = append(fields, m.Field+": "+m.ErrorCode)
		case m.Message != "" && m.Message != e.Message:
			fields = append(fields, m.Message)
		}
	}
	if len(fields) > 0 {
		b.WriteString(" [" + strings.Join(fields, "; ") + "]")
	}
	var extra []string
	if e.Method != "" || e.Path != "" {
		extra = append(extra, strings.TrimSpace(e.Method+" "+e.Path))
	}
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, fmt.Sprintf("after %d attempts", e.Attempts))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// FieldMessage returns the message of the first entry naming field, or "".
func (e *APIError) FieldMessage(field string) string {
	for _, m := range e.Messages {
		if m.Field == field {
			return m.Message
		}
	}
	return ""
}

const snippetLen = 512

// apiErrorFrom builds an APIError from a non-2xx response.
func apiErrorFrom(status int, h http.Header, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var wire APIError
	if err := json.Unmarshal(body, &wire); err == nil && (wire.Code != "" || wire.Message != "") {
		e.Code = wire.Code
		e.Message = wire.Message
		e.Messages = wire.Messages
		e.RequestID = wire.RequestID
	} else {
		s := snippet(body)
		if s == "" {
			e.Message = "unexpected response with an empty body"
		} else {
			e.Message = "unexpected response: " + s
		}
	}
	if e.RequestID == "" && h != nil {
		e.RequestID = h.Get("X-Request-Id")
	}
	return e
}

func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > snippetLen {
		r := []rune(s)
		s = string(r[:snippetLen]) + "…"
	}
	return s
}

// AsAPIError returns the *APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// StatusCode returns the HTTP status of the APIError in err's chain, or 0.
func StatusCode(err error) int {
	if e, ok := AsAPIError(err); ok {
		return e.HTTPStatus
	}
	return 0
}

// ErrorCode returns the code of the APIError in err's chain, or "".
func ErrorCode(err error) string {
	if e, ok := AsAPIError(err); ok {
		return e.Code
	}
	return ""
}

func hasStatus(err error, status int) bool { return StatusCode(err) == status }

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports a 409 (ALREADY_EXISTS, QUOTA_EXCEEDED, LAST_OWNER, …).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsPermissionDenied reports a 403.
func IsPermissionDenied(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsUnauthenticated reports a 401.
func IsUnauthenticated(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsQuotaExceeded reports a 409 QUOTA_EXCEEDED.
func IsQuotaExceeded(err error) bool {
	return IsConflict(err) && ErrorCode(err) == CodeQuotaExceeded
}

// IsLastOwner reports a 409 LAST_OWNER: the binding is the last org_owner of
// its organization or the last project_owner of its project.
func IsLastOwner(err error) bool {
	return IsConflict(err) && ErrorCode(err) == CodeLastOwner
}

// IsSystemUserImmutable reports a 409 SYSTEM_USER_IMMUTABLE: the cluster user
// was not created by the platform, which never changes or drops it.
func IsSystemUserImmutable(err error) bool {
	return IsConflict(err) && ErrorCode(err) == CodeSystemUserImmutable
}

// IsAlreadyExists reports a 409 ALREADY_EXISTS.
func IsAlreadyExists(err error) bool {
	return IsConflict(err) && ErrorCode(err) == CodeAlreadyExists
}

// IsInvalidArgument reports a 400 or 422.
func IsInvalidArgument(err error) bool {
	s := StatusCode(err)
	return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity
}

// IsRateLimited reports a 429.
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }
